/* bench_custody: generates a custody DAG shaped like the indexer's output
 * (credentials as graphs, ledger records, current status, PROV-O) into a
 * store and as N-Quads, then times the custody walk and the reward split.
 *
 *   bench_custody gen DB FILE.nq NEXEC DEPTH   writes the DAG; prints the final
 *                                              output and execution IRIs
 *   bench_custody time DB RUNS IRI EXEC        prints median and p90 (ms) of
 *                                              custody up and rewards, and the
 *                                              size of the custody answer */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "custody/custody.h"
#include "rewards/rewards.h"
#include "sparql/eval.h"
#include "store/store.h"

#define RDF_TYPE CUST_V_TYPE
#define CRED CUST_V_CRED
#define PROV CUST_V_PROV
#define XSD CUST_V_XSD
/* the source classes of the graph: axone v4, what the live network speaks */
#define V4 "https://w3id.org/axone/ontology/v4/schema/credential/"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

typedef struct gen {
  cust_store *s;
  FILE *nq;
  cust_arena a;
  cust_buf line;
  unsigned long long ncred, height, nquads;
} gen;

static cust_term T(gen *g, const char *v) {
  if (v[0] == '"') {
    return cust_term_literal(v + 1, NULL, NULL);
  }
  return cust_term_iri(v);
}

static int add(gen *g, const char *s, const char *p, const char *o, const char *graph) {
  cust_quad q;
  q.s = T(g, s);
  q.p = T(g, p);
  q.o = T(g, o);
  q.g = cust_term_iri(graph);
  cust_buf_reset(&g->line);
  g->nquads++;
  if (cust_store_add(g->s, &q) != CUST_OK || cust_quad_write_nq(&g->line, &q) != CUST_OK) {
    return -1;
  }
  return fwrite(g->line.data, 1, g->line.len, g->nq) == g->line.len ? 0 : -1;
}

static const char *P(gen *g, const char *fmt, unsigned long long v) {
  return cust_arena_printf(&g->a, fmt, v);
}

/* A credential of `type` about `subject` by `issuer` with its ledger record
 * (and, for descriptions, the mapper's prov:wasAttributedTo). */
static const char *cred(gen *g, const char *type, const char *subject, const char *issuer) {
  const char *c = P(g, "urn:uuid:cred-%llu", ++g->ncred);
  const char *tx = P(g, "urn:cosmos:bench:tx:%llu", g->ncred);
  add(g, c, RDF_TYPE, CRED "VerifiableCredential", c);
  add(g, c, RDF_TYPE, type, c);
  add(g, c, CRED "credentialSubject", subject, c);
  add(g, c, CRED "issuer", issuer, c);
  if (strstr(type, "DescriptionCredential")) {
    add(g, subject, PROV "wasAttributedTo", issuer, c);
    add(g, subject, RDF_TYPE, strstr(type, "Dataset") ? CUST_V_DATASET : CUST_V_SERVICE, c);
  }
  add(g, c, CUST_V_CUST "submittedIn", tx, CUST_GRAPH_LEDGER);
  add(g, c, CUST_V_CUST "msgIndex", "\"0", CUST_GRAPH_LEDGER);
  add(g, tx, CUST_V_CUST "height", P(g, "\"%llu", g->height), CUST_GRAPH_LEDGER);
  add(g, tx, CUST_V_CUST "txIndex", P(g, "\"%llu", g->ncred % 10), CUST_GRAPH_LEDGER);
  add(g, tx, CUST_V_CUST "blockTime", "\"2024-05-01T12:00:00Z", CUST_GRAPH_LEDGER);
  return c;
}

static int commit(gen *g) {
  cust_checkpoint cp;
  memset(&cp, 0, sizeof cp);
  cp.height = g->height;
  snprintf(cp.chain_id, sizeof cp.chain_id, "bench");
  snprintf(cp.block_hash, sizeof cp.block_hash, "%064llX", g->height);
  snprintf(cp.block_time, sizeof cp.block_time, "2024-05-01T12:00:00Z");
  if (cust_store_set_checkpoint(g->s, &cp) != CUST_OK || cust_store_commit(g->s) != CUST_OK) {
    return -1;
  }
  cust_arena_reset(&g->a);
  g->height++;
  return cust_store_begin(g->s) == CUST_OK ? 0 : -1;
}

static int run_gen(const char *db, const char *nqpath, int nexec, int depth) {
  gen g;
  memset(&g, 0, sizeof g);
  g.height = 1;
  cust_arena_init(&g.a, 1 << 20);
  cust_buf_init(&g.line);
  remove(db);
  if (cust_store_open(db, CUST_STORE_CREATE, NULL, &g.s) != CUST_OK) {
    fprintf(stderr, "cannot create \"%s\"\n", db);
    return 1;
  }
  g.nq = fopen(nqpath, "w");
  if (g.nq == NULL || cust_store_begin(g.s) != CUST_OK) {
    return 1;
  }
  const int nsources = 400, nalgos = 40, nstorage = 4;
  const int width = nexec / depth;
  /* sources, algorithms, storage services, two orchestration services */
  for (int i = 0; i < nsources; i++) {
    const char *d = P(&g, "did:key:dataset-%llu", (unsigned long long)i);
    const char *c = cred(&g, V4 "dataset/description/DatasetDescriptionCredential", d,
                         P(&g, "did:key:provider-%llu", rnd() % 50));
    add(&g, d, CUST_V_TITLE, P(&g, "\"Dataset %llu", (unsigned long long)i), c);
    const char *pc =
        cred(&g, V4 "digital-resource/publication/DigitalResourcePublicationCredential", d,
             P(&g, "did:key:provider-%llu", rnd() % 50));
    add(&g, d, CUST_V_SERVED_BY, P(&g, "did:key:storage-%llu", rnd() % nstorage), pc);
  }
  for (int i = 0; i < nalgos + nstorage + 2; i++) {
    const char *svc = i < nalgos ? P(&g, "did:key:algo-%llu", (unsigned long long)i)
                      : i < nalgos + nstorage
                          ? P(&g, "did:key:storage-%llu", (unsigned long long)(i - nalgos))
                          : P(&g, "did:key:orchestrator-%llu", (unsigned long long)(i % 2));
    const char *c = cred(&g, V4 "digital-service/description/DigitalServiceDescriptionCredential",
                         svc, P(&g, "did:key:company-%llu", (unsigned long long)(i % 7)));
    if (i >= nalgos && i < nalgos + nstorage) {
      add(&g, svc, RDF_TYPE, CUST_V_STORAGE_SERVICE, c);
    }
  }
  if (commit(&g) != 0) {
    return 1;
  }
  /* layer by layer: each execution uses 3 outputs of the layer before (or
     sources), one algorithm, sometimes a source, and makes one output */
  for (int layer = 0; layer < depth; layer++) {
    for (int k = 0; k < width; k++) {
      unsigned long long e = (unsigned long long)layer * (unsigned long long)width + (unsigned)k;
      const char *x = P(&g, "urn:uuid:exec-%llu", e);
      const char *order = P(&g, "urn:uuid:order-%llu", e);
      const char *orch = P(&g, "did:key:orchestrator-%llu", e % 2);
      const char *payer = P(&g, "did:key:consumer-%llu", e % 97);
      const char *oc = cred(
          &g,
          V4 "orchestration-service/execution-order/OrchestrationServiceExecutionOrderCredential",
          orch, payer);
      add(&g, order, CUST_V_PAYER, payer, oc);
      add(&g, order, CUST_V_IN_ZONE, "did:key:zone-bench", oc);
      add(&g, order, CUST_V_CUST "lockedAmount", P(&g, "\"%llu", 1000000 + e), CUST_GRAPH_LEDGER);
      add(&g, order, CUST_V_CUST "lockedDenom", "\"uknow", CUST_GRAPH_LEDGER);
      const char *ec =
          cred(&g, V4 "orchestration-service/execution/OrchestrationServiceExecutionCredential",
               orch, orch);
      add(&g, x, CUST_V_EXECUTION_OF, order, ec);
      add(&g, x, CUST_V_REPORTED_STATUS, CUST_V_DELIVERED, ec);
      add(&g, x, RDF_TYPE, PROV "Activity", ec);
      add(&g, x, PROV "wasAssociatedWith", orch, ec);
      add(&g, x, PROV "startedAtTime", "\"2024-05-01T12:00:00Z", ec);
      const char *out = P(&g, "urn:uuid:data-%llu", e);
      const char *in[5];
      int nin = 0;
      for (int i = 0; i < 3; i++) {
        in[nin++] =
            layer == 0
                ? P(&g, "did:key:dataset-%llu", rnd() % (unsigned)nsources)
                : P(&g, "urn:uuid:data-%llu",
                    (unsigned long long)(layer - 1) * (unsigned)width + rnd() % (unsigned)width);
      }
      in[nin++] = P(&g, "did:key:algo-%llu", rnd() % (unsigned)nalgos);
      if (rnd() % 4 == 0) {
        in[nin++] = P(&g, "did:key:dataset-%llu", rnd() % (unsigned)nsources);
      }
      for (int i = 0; i < nin; i++) {
        add(&g, x, CUST_V_USED, in[i], ec);
        add(&g, out, PROV "wasDerivedFrom", in[i], ec);
      }
      add(&g, x, CUST_V_GENERATED, out, ec);
      add(&g, out, PROV "wasGeneratedBy", x, ec);
      add(&g, x, CUST_V_CUST "status", CUST_V_DELIVERED, CUST_GRAPH_CURRENT);
      if (rnd() % 3 == 0) {
        const char *dc = cred(&g, V4 "dataset/description/DatasetDescriptionCredential", out,
                              P(&g, "did:key:provider-%llu", rnd() % 50));
        add(&g, out, CUST_V_TITLE, P(&g, "\"Derived %llu", e), dc);
      }
    }
    if (commit(&g) != 0) {
      return 1;
    }
  }
  if (cust_store_commit(g.s) != CUST_OK) {
    return 1;
  }
  unsigned long long last = (unsigned long long)depth * (unsigned)width - 1;
  printf("quads %llu\nfinal urn:uuid:data-%llu\nexec urn:uuid:exec-%llu\n", g.nquads, last, last);
  fclose(g.nq);
  cust_store_close(g.s);
  cust_buf_release(&g.line);
  cust_arena_release(&g.a);
  return 0;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double cpu_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int dcmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Runs the custody walk (kind 0) or the reward split (kind 1) `runs` times,
 * with a cache (`cache` non-NULL: filled by one run first) or without, and
 * prints the median and p90. */
static int time_one(cust_store *s, int kind, cust_custody_cache *cache, int runs, const char *iri,
                    const char *exec) {
  double *t = calloc((size_t)runs, sizeof *t);
  double *ct = calloc((size_t)runs, sizeof *ct);
  cust_buf b;
  char err[400];
  cust_buf_init(&b);
  for (int r = cache ? -1 : 0; r < runs; r++) {
    cust_buf_reset(&b);
    double t0 = now_ms(), c0 = cpu_ms();
    cust_status st =
        kind == 0
            ? cust_custody_query_cached(cache, s, iri, 1, 64, &b, err, sizeof err)
            : cust_rewards_query_cached(cache, s, &(cust_rewards_request){ .execution = exec }, &b,
                                        err, sizeof err);
    double dt = now_ms() - t0, dc = cpu_ms() - c0;
    if (st != CUST_OK) {
      fprintf(stderr, "%s\n", err);
      return 1;
    }
    if (r >= 0) {
      t[r] = dt;
      ct[r] = dc;
    }
  }
  qsort(t, (size_t)runs, sizeof *t, dcmp);
  qsort(ct, (size_t)runs, sizeof *ct, dcmp);
  int n = 0;
  const char *what = kind == 0 ? "{\"iri\":" : "\"payee\":";
  for (const char *p = strstr(b.data, what); p; p = strstr(p + 1, what)) {
    n++;
  }
  printf("%s %s median_ms %.2f p90_ms %.2f cpu_median_ms %.2f bytes %zu %s %d\n",
         kind == 0 ? "custody" : "rewards", cache ? "warm" : "cold", t[runs / 2],
         t[(runs * 9) / 10], ct[runs / 2], b.len, kind == 0 ? "nodes" : "payouts", n);
  free(t);
  free(ct);
  cust_buf_release(&b);
  return 0;
}

static int count_cb(void *ud, const char *iri, int is_execution, unsigned depth) {
  (void)iri;
  (void)is_execution;
  (void)depth;
  (*(size_t *)ud)++;
  return 0;
}

/* The walk alone (cust_custody_reach: the IRIs of the nodes reached), what
 * a closure query such as prov:wasDerivedFrom+ returns. */
static int time_reach(cust_store *s, int runs, const char *iri) {
  double *t = calloc((size_t)runs, sizeof *t);
  double *ct = calloc((size_t)runs, sizeof *ct);
  cust_custody_reach_info info;
  size_t named = 0;
  char err[400];
  for (int r = 0; r < runs; r++) {
    named = 0;
    double t0 = now_ms(), c0 = cpu_ms();
    cust_status st = cust_custody_reach(s, iri, 1, 64, 0, count_cb, &named, &info, err, sizeof err);
    t[r] = now_ms() - t0;
    ct[r] = cpu_ms() - c0;
    if (st != CUST_OK) {
      fprintf(stderr, "%s\n", err);
      return 1;
    }
  }
  qsort(t, (size_t)runs, sizeof *t, dcmp);
  qsort(ct, (size_t)runs, sizeof *ct, dcmp);
  printf("walk cold median_ms %.2f p90_ms %.2f cpu_median_ms %.2f nodes %zu (resources %zu, "
         "executions %zu)\n",
         t[runs / 2], t[(runs * 9) / 10], ct[runs / 2], named, info.resources, info.executions);
  free(t);
  free(ct);
  return 0;
}

/* The same closure as a SPARQL property path in the native engine: parse,
 * evaluate over ids, and turn each node reached into its IRI. */
static int time_closure(cust_store *s, int runs, const char *iri) {
  double *t = calloc((size_t)runs, sizeof *t);
  double *ct = calloc((size_t)runs, sizeof *ct);
  char text[1024];
  size_t n = 0;
  snprintf(text, sizeof text,
           "PREFIX prov: <" PROV ">\n"
           "SELECT DISTINCT ?source WHERE { <%s> prov:wasDerivedFrom+ ?source }",
           iri);
  for (int r = 0; r < runs; r++) {
    double t0 = now_ms(), c0 = cpu_ms();
    sq_query *q = NULL;
    sq_eval *e = NULL;
    sq_parse_error perr;
    int began = 0, has = 0;
    cust_status st = sq_parse(text, NULL, &q, &perr);
    if (st == CUST_OK) {
      st = cust_store_read_begin(s, &began);
    }
    if (st == CUST_OK) {
      st = sq_eval_new(s, q, NULL, 0, &e);
    }
    n = 0;
    while (st == CUST_OK && (st = sq_eval_next(e, &has)) == CUST_OK && has) {
      cust_term term;
      st = sq_eval_term(e, sq_eval_id(e, q->result_vars[0]), &term);
      n += st == CUST_OK && term.kind == CUST_TERM_IRI;
    }
    sq_eval_free(e);
    cust_store_read_end(s, began);
    sq_query_free(q);
    t[r] = now_ms() - t0;
    ct[r] = cpu_ms() - c0;
    if (st != CUST_OK) {
      fprintf(stderr, "closure query failed: %s\n", cust_strerror(st));
      return 1;
    }
  }
  qsort(t, (size_t)runs, sizeof *t, dcmp);
  qsort(ct, (size_t)runs, sizeof *ct, dcmp);
  printf("sparql closure (native) median_ms %.2f p90_ms %.2f cpu_median_ms %.2f results %zu\n",
         t[runs / 2], t[(runs * 9) / 10], ct[runs / 2], n);
  free(t);
  free(ct);
  return 0;
}

static int run_time(const char *db, int runs, const char *iri, const char *exec) {
  cust_store *s = NULL;
  cust_custody_cache *cache = NULL;
  if (cust_store_open(db, CUST_STORE_READONLY, NULL, &s) != CUST_OK ||
      cust_custody_cache_new(&cache) != CUST_OK) {
    fprintf(stderr, "cannot open \"%s\"\n", db);
    return 1;
  }
  int rc = time_reach(s, runs * 3, iri);
  if (rc == 0) {
    rc = time_closure(s, runs * 3, iri);
  }
  for (int kind = 0; kind < 2 && rc == 0; kind++) {
    rc = time_one(s, kind, NULL, runs, iri, exec);
    if (rc == 0) {
      rc = time_one(s, kind, cache, runs * 3, iri, exec);
    }
    cust_custody_cache_free(cache);
    cache = NULL;
    if (kind == 0 && cust_custody_cache_new(&cache) != CUST_OK) {
      rc = 1;
    }
  }
  cust_custody_cache_free(cache);
  cust_store_close(s);
  return rc;
}

int main(int argc, char **argv) {
  if (argc == 6 && strcmp(argv[1], "gen") == 0) {
    return run_gen(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]));
  }
  if (argc == 6 && strcmp(argv[1], "time") == 0) {
    return run_time(argv[2], atoi(argv[3]), argv[4], argv[5]);
  }
  fprintf(stderr, "usage: bench_custody gen DB FILE.nq NEXEC DEPTH | time DB RUNS IRI EXEC\n");
  return 2;
}
