/* bench_store: loads the same generated quads through Custodian's writer or
 * librdf's API, or writes them as N-Quads for rdfproc, and prints one line
 * of numbers for bench_store.sh.
 *
 *   bench_store gen N FILE.nq               the first N quads as N-Quads
 *   bench_store writer N DB [BATCH]         Custodian's writer, BATCH per commit
 *   bench_store librdf N DB [LIMIT]         librdf_model_context_add_statement,
 *                                           one transaction, stop after LIMIT
 *   bench_store find DB                     times librdf's lookups on a store
 *
 * The loaders print "quads wall_s rate cpu_s cpu_rate peak_rss_kib rss_at_quarters_kib..." */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "store/store_int.h"

#define EX "https://example.org/"
#define RDF "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define XSD "http://www.w3.org/2001/XMLSchema#"
#define DCT "http://purl.org/dc/terms/"
#define SDO "https://schema.org/"
#define PROV "http://www.w3.org/ns/prov#"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

/* Quad number i of a dataset shaped like credentials: 20 quads each, in a
 * graph per credential (every 50th in the ledger graph), IRIs, blank nodes,
 * plain, language-tagged and typed literals. Strings live in `a`. */
static cust_quad gen_quad(cust_arena *a, uint64_t i) {
  uint64_t k = i / 20, j = i % 20;
  cust_quad q;
  q.g = k % 50 == 0
            ? cust_term_iri(CUST_GRAPH_LEDGER)
            : cust_term_iri(cust_arena_printf(a, EX "credential/%llu", (unsigned long long)k));
  if (j < 14) {
    q.s = cust_term_iri(cust_arena_printf(a, EX "dataset/%llu", (unsigned long long)k));
  } else {
    q.s = cust_term_blank(
        cust_arena_printf(a, "k%llub%llu", (unsigned long long)k, (unsigned long long)(j % 3)));
  }
  const char *p = NULL;
  cust_term o;
  unsigned long long r = (unsigned long long)rnd();
  switch (j) {
    case 0:
      p = RDF "type";
      o = cust_term_iri(cust_arena_printf(a, EX "class/C%llu", (unsigned long long)k % 12));
      break;
    case 1:
      p = DCT "title";
      o = cust_term_literal(cust_arena_printf(a, "Dataset number %llu", (unsigned long long)k),
                            "en", NULL);
      break;
    case 2:
      p = DCT "title";
      o = cust_term_literal(cust_arena_printf(a,
                                              "Jeu de donn\xc3\xa9"
                                              "es %llu",
                                              (unsigned long long)k),
                            "fr", NULL);
      break;
    case 3:
      p = DCT "publisher";
      o = cust_term_iri(cust_arena_printf(a, EX "org/%llu", r % 1000));
      break;
    case 4:
      p = DCT "created";
      o = cust_term_literal(cust_arena_printf(a, "2023-%02llu-%02lluT%02llu:%02llu:00Z", r % 12 + 1,
                                              r / 12 % 28 + 1, r / 400 % 24, r / 10000 % 60),
                            NULL, XSD "dateTime");
      break;
    case 5:
      p = SDO "size";
      o = cust_term_literal(cust_arena_printf(a, "%llu", r % 100000000), NULL, XSD "integer");
      break;
    case 6:
      p = DCT "description";
      o = cust_term_literal(
          cust_arena_printf(a,
                            "A longer description of dataset %llu, as publishers write them: "
                            "what it holds, where it comes from, and how to use it (%llu).",
                            (unsigned long long)k, r % 977),
          NULL, NULL);
      break;
    case 7:
      p = PROV "wasDerivedFrom";
      o = cust_term_iri(cust_arena_printf(a, EX "dataset/%llu", k ? r % k : 0));
      break;
    case 8:
      p = SDO "keywords";
      o = cust_term_literal(cust_arena_printf(a, "kw%llu", r % 500), NULL, NULL);
      break;
    case 9:
      p = SDO "license";
      o = cust_term_iri(cust_arena_printf(a, "https://spdx.org/licenses/L%llu", r % 20));
      break;
    case 10:
    case 11:
      p = EX "hasPart";
      o = cust_term_blank(
          cust_arena_printf(a, "k%llub%llu", (unsigned long long)k, (unsigned long long)(j - 10)));
      break;
    case 12:
      p = PROV "wasAttributedTo";
      o = cust_term_iri(cust_arena_printf(a, EX "agent/%llu", r % 5000));
      break;
    case 13:
      p = SDO "identifier";
      o = cust_term_literal(cust_arena_printf(a, "id-%llu", (unsigned long long)k), NULL, NULL);
      break;
    default:
      if (j % 3 == 2) {
        p = RDF "type";
        o = cust_term_iri(EX "Part");
      } else if (j % 3 == 1) {
        p = SDO "name";
        o = cust_term_literal(cust_arena_printf(a, "part %llu", (unsigned long long)j), "en", NULL);
      } else {
        p = SDO "value";
        o = cust_term_literal(cust_arena_printf(a, "%llu.%02llu", r % 1000, r / 1000 % 100), NULL,
                              XSD "decimal");
      }
      break;
  }
  q.p = cust_term_iri(p);
  q.o = o;
  return q;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of the process: on a busy machine it says more than wall time. */
static double cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long status_kib(const char *key) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long v = -1;
  size_t n = strlen(key);
  while (f != NULL && fgets(line, sizeof line, f) != NULL) {
    if (strncmp(line, key, n) == 0) {
      v = strtol(line + n + 1, NULL, 10);
    }
  }
  if (f != NULL) {
    fclose(f);
  }
  return v;
}

static int cmd_gen(uint64_t n, const char *path) {
  FILE *f = fopen(path, "w");
  if (f == NULL) {
    perror(path);
    return 1;
  }
  cust_arena a;
  cust_arena_init(&a, 1 << 20);
  cust_buf b;
  cust_buf_init(&b);
  for (uint64_t i = 0; i < n; i++) {
    cust_quad q = gen_quad(&a, i);
    cust_buf_reset(&b);
    cust_quad_write_nq(&b, &q);
    fwrite(b.data, 1, b.len, f);
    if (i % 10000 == 9999) {
      cust_arena_reset(&a);
    }
  }
  cust_buf_release(&b);
  cust_arena_release(&a);
  return fclose(f) == 0 ? 0 : 1;
}

static void print_result(uint64_t n, double secs, double cpu, const long rss[4]) {
  printf("%llu %.3f %.0f %.3f %.0f %ld %ld %ld %ld %ld\n", (unsigned long long)n, secs, n / secs,
         cpu, n / cpu, status_kib("VmHWM:"), rss[0], rss[1], rss[2], rss[3]);
}

static int cmd_writer(uint64_t n, const char *path, uint64_t batch) {
  cust_logger log;
  cust_logger_init(&log, stderr, CUST_LOG_WARN);
  cust_store *s = NULL;
  if (cust_store_open(path, CUST_STORE_CREATE, &log, &s) != CUST_OK) {
    return 1;
  }
  /* BENCH_PRAGMA: extra SQL to try settings without rebuilding */
  if (getenv("BENCH_PRAGMA") != NULL) {
    sqlite3_exec(cust_store_db(s), getenv("BENCH_PRAGMA"), NULL, NULL, NULL);
  }
  cust_arena a;
  cust_arena_init(&a, 1 << 20);
  cust_changes c;
  cust_changes_init(&c);
  double spent = 0, cpu = 0;
  long rss[4] = { 0 };
  cust_status st = CUST_OK;
  for (uint64_t i = 0; i < n && st == CUST_OK;) {
    cust_changes_reset(&c);
    cust_arena_reset(&a);
    uint64_t end = i + batch < n ? i + batch : n;
    for (; i < end; i++) {
      cust_quad q = gen_quad(&a, i);
      cust_changes_add(&c, &q);
    }
    double t0 = now_s(), c0 = cpu_s();
    st = cust_store_begin(s);
    if (st == CUST_OK) {
      st = cust_store_apply(s, &c);
    }
    if (st == CUST_OK) {
      cust_checkpoint cp;
      memset(&cp, 0, sizeof cp);
      cp.height = i / batch;
      snprintf(cp.chain_id, sizeof cp.chain_id, "bench-1");
      snprintf(cp.block_hash, sizeof cp.block_hash, "%064llX", (unsigned long long)i);
      snprintf(cp.block_time, sizeof cp.block_time, "2024-01-01T00:00:00Z");
      st = cust_store_set_checkpoint(s, &cp);
    }
    if (st == CUST_OK) {
      st = cust_store_commit(s);
    } else {
      cust_store_rollback(s);
    }
    spent += now_s() - t0;
    cpu += cpu_s() - c0;
    for (int q = 0; q < 4; q++) {
      if (rss[q] == 0 && i >= n / 4 * (uint64_t)(q + 1)) {
        rss[q] = status_kib("VmRSS:");
      }
    }
  }
  cust_changes_release(&c);
  cust_arena_release(&a);
  cust_store_close(s);
  if (st != CUST_OK) {
    fprintf(stderr, "bench_store: writer failed: %s\n", cust_strerror(st));
    return 1;
  }
  print_result(n, spent, cpu, rss);
  return 0;
}

static librdf_node *rdf_node(librdf_world *w, const cust_term *t) {
  if (t->kind == CUST_TERM_IRI) {
    return librdf_new_node_from_uri_string(w, (const unsigned char *)t->value);
  }
  if (t->kind == CUST_TERM_BLANK) {
    return librdf_new_node_from_blank_identifier(w, (const unsigned char *)t->value);
  }
  librdf_uri *dt = t->datatype ? librdf_new_uri(w, (const unsigned char *)t->datatype) : NULL;
  librdf_node *node =
      librdf_new_node_from_typed_literal(w, (const unsigned char *)t->value, t->lang, dt);
  if (dt != NULL) {
    librdf_free_uri(dt);
  }
  return node;
}

static int cmd_librdf(uint64_t n, const char *path, uint64_t limit) {
  librdf_world *w = librdf_new_world();
  librdf_world_open(w);
  remove(path);
  librdf_storage *sto = librdf_new_storage(w, "sqlite", path, "new='yes'");
  librdf_model *m = sto ? librdf_new_model(w, sto, NULL) : NULL;
  if (m == NULL) {
    fprintf(stderr, "bench_store: librdf cannot make a sqlite store\n");
    return 1;
  }
  cust_arena a;
  cust_arena_init(&a, 1 << 20);
  long rss[4] = { 0 };
  uint64_t todo = limit && limit < n ? limit : n;
  double t0 = now_s(), c0 = cpu_s();
  librdf_model_transaction_start(m);
  for (uint64_t i = 0; i < todo; i++) {
    cust_quad q = gen_quad(&a, i);
    librdf_statement *st =
        librdf_new_statement_from_nodes(w, rdf_node(w, &q.s), rdf_node(w, &q.p), rdf_node(w, &q.o));
    librdf_node *g = rdf_node(w, &q.g);
    librdf_model_context_add_statement(m, g, st);
    librdf_free_node(g);
    librdf_free_statement(st);
    if (i % 10000 == 9999) {
      cust_arena_reset(&a);
    }
    for (int k = 0; k < 4; k++) {
      if (rss[k] == 0 && i + 1 >= todo / 4 * (uint64_t)(k + 1)) {
        rss[k] = status_kib("VmRSS:");
      }
    }
  }
  librdf_model_transaction_commit(m);
  double secs = now_s() - t0, cpu = cpu_s() - c0;
  cust_arena_release(&a);
  librdf_free_model(m);
  librdf_free_storage(sto);
  librdf_free_world(w);
  print_result(todo, secs, cpu, rss);
  return 0;
}

static librdf_node *iri(librdf_world *w, const char *s) {
  return librdf_new_node_from_uri_string(w, (const unsigned char *)s);
}

/* Runs librdf_model_find_statements(s, p, o) (NULL: any) and counts. */
static int find_count(librdf_world *w, librdf_model *m, librdf_node *s, librdf_node *p,
                      librdf_node *o) {
  librdf_statement *pat = librdf_new_statement_from_nodes(
      w, s ? librdf_new_node_from_node(s) : NULL, p ? librdf_new_node_from_node(p) : NULL,
      o ? librdf_new_node_from_node(o) : NULL);
  librdf_stream *st = librdf_model_find_statements(m, pat);
  int n = 0;
  for (; st != NULL && !librdf_stream_end(st); librdf_stream_next(st)) {
    n++;
  }
  if (st != NULL) {
    librdf_free_stream(st);
  }
  librdf_free_statement(pat);
  return n;
}

/* The join ?s <p1> <o1> . ?s <p2> ?x as a librdf program runs it: the first
 * pattern, then the second with ?s bound. */
static int join_count(librdf_world *w, librdf_model *m, librdf_node *p1, librdf_node *o1,
                      librdf_node *p2) {
  librdf_statement *pat = librdf_new_statement_from_nodes(
      w, NULL, librdf_new_node_from_node(p1), o1 ? librdf_new_node_from_node(o1) : NULL);
  librdf_stream *st = librdf_model_find_statements(m, pat);
  int n = 0;
  for (; st != NULL && !librdf_stream_end(st); librdf_stream_next(st)) {
    librdf_statement *t = librdf_stream_get_object(st);
    n += find_count(w, m, librdf_statement_get_subject(t), p2, NULL);
  }
  if (st != NULL) {
    librdf_free_stream(st);
  }
  librdf_free_statement(pat);
  return n;
}

static int count_graph(void *ud, const char *iri, size_t len) {
  (void)iri;
  (void)len;
  (*(int *)ud)++;
  return 0;
}

/* Times librdf's lookups on a store: what SPARQL patterns cost a librdf
 * program (Redland's query engine also lists every graph of the store for
 * each query, which the last line times). Prints "name milliseconds rows"
 * lines. */
static int cmd_find(const char *path) {
  librdf_world *w = librdf_new_world();
  librdf_world_open(w);
  librdf_storage *sto = librdf_new_storage(w, "sqlite", path, "new='no'");
  librdf_model *m = sto ? librdf_new_model(w, sto, NULL) : NULL;
  if (m == NULL) {
    fprintf(stderr, "bench_store: librdf cannot open %s\n", path);
    return 1;
  }
  librdf_node *publisher = iri(w, DCT "publisher"), *title = iri(w, DCT "title");
  char buf[128];
  double t0 = now_s();
  int rows = 0;
  for (int i = 0; i < 1000; i++) {
    snprintf(buf, sizeof buf, EX "dataset/%d", i * 37);
    librdf_node *subj = iri(w, buf);
    rows += find_count(w, m, subj, NULL, NULL);
    librdf_free_node(subj);
  }
  printf("subject_x1000 %.1f %d\n", (now_s() - t0) * 1000, rows);
  t0 = now_s();
  rows = 0;
  for (int i = 0; i < 100; i++) {
    snprintf(buf, sizeof buf, EX "org/%d", i * 7);
    librdf_node *org = iri(w, buf);
    rows += find_count(w, m, NULL, publisher, org);
    librdf_free_node(org);
  }
  printf("predobj_x100 %.1f %d\n", (now_s() - t0) * 1000, rows);
  t0 = now_s();
  rows = 0;
  for (int i = 0; i < 100; i++) {
    snprintf(buf, sizeof buf, EX "org/%d", i * 7);
    librdf_node *org = iri(w, buf);
    rows += join_count(w, m, publisher, org, title);
    librdf_free_node(org);
  }
  printf("join_x100 %.1f %d\n", (now_s() - t0) * 1000, rows);
  t0 = now_s();
  librdf_iterator *it = librdf_model_get_contexts(m);
  rows = 0;
  for (; it != NULL && !librdf_iterator_end(it); librdf_iterator_next(it)) {
    rows++;
  }
  if (it != NULL) {
    librdf_free_iterator(it);
  }
  printf("graphs_x1 %.1f %d\n", (now_s() - t0) * 1000, rows);
  cust_store *cs = NULL;
  if (cust_store_open(path, CUST_STORE_READONLY, NULL, &cs) == CUST_OK) {
    t0 = now_s();
    rows = 0;
    cust_store_graphs(cs, count_graph, &rows);
    printf("graphs_store_x1 %.1f %d\n", (now_s() - t0) * 1000, rows);
  }
  cust_store_close(cs);
  librdf_free_node(publisher);
  librdf_free_node(title);
  librdf_free_model(m);
  librdf_free_storage(sto);
  librdf_free_world(w);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "find") == 0) {
    return cmd_find(argv[2]);
  }
  if (argc < 4) {
    fprintf(stderr, "usage: bench_store gen|writer|librdf N FILE [BATCH|LIMIT]\n");
    return 2;
  }
  uint64_t n = strtoull(argv[2], NULL, 10);
  uint64_t extra = argc > 4 ? strtoull(argv[4], NULL, 10) : 0;
  if (strcmp(argv[1], "gen") == 0) {
    return cmd_gen(n, argv[3]);
  }
  if (strcmp(argv[1], "writer") == 0) {
    return cmd_writer(n, argv[3], extra ? extra : 10000);
  }
  if (strcmp(argv[1], "librdf") == 0) {
    return cmd_librdf(n, argv[3], extra);
  }
  fprintf(stderr, "bench_store: unknown mode \"%s\"\n", argv[1]);
  return 2;
}
