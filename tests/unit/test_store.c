/* Unit tests of the store: the writer, equivalence with librdf, find
 * patterns, REMOVE_SP, the checkpoint, atomicity under kill -9, read-only
 * files, a wrong chain id, files that are not stores, and a full disk. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/store_int.h"
#include "tap.h"

#define XSD "http://www.w3.org/2001/XMLSchema#"
#define LEDGER CUST_GRAPH_LEDGER

static char tmpdir[256];
static cust_logger quiet;   /* discards */
static cust_logger capture; /* into capture_buf */
static char *capture_buf;
static size_t capture_len;

static const char *path_of(const char *name) {
  static char buf[4][512];
  static int n;
  char *p = buf[n++ % 4];
  snprintf(p, 512, "%s/%s", tmpdir, name);
  return p;
}

static void capture_reset(void) {
  fflush(capture.out);
  rewind(capture.out);
  if (capture_buf != NULL) {
    capture_buf[0] = '\0';
  }
}

static int captured(const char *needle) {
  fflush(capture.out);
  return capture_buf != NULL && strstr(capture_buf, needle) != NULL;
}

static cust_quad quad(cust_term s, const char *p, cust_term o, const char *g) {
  cust_quad q = { s, cust_term_iri(p), o, { CUST_TERM_NONE, NULL, 0, NULL, NULL } };
  if (g != NULL) {
    q.g = cust_term_iri(g);
  }
  return q;
}

/* The export of a store as a malloc'd string. */
static char *export_of(cust_store *s, const char *graph) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  cust_status st = cust_store_export(s, graph, f);
  fclose(f);
  if (st != CUST_OK) {
    free(text);
    return NULL;
  }
  return text;
}

static int count_cb(void *ud, const cust_quad *q) {
  (void)q;
  (*(int *)ud)++;
  return 0;
}

static int find_count(cust_store *s, cust_quad pattern) {
  int n = 0;
  if (cust_store_find(s, &pattern, count_cb, &n) != CUST_OK) {
    return -1;
  }
  return n;
}

static cust_term none(void) {
  cust_term t = { CUST_TERM_NONE, NULL, 0, NULL, NULL };
  return t;
}

/* A varied set of quads: IRIs, blank nodes, plain, language-tagged and typed
 * literals with characters that need escaping, several graphs, the default
 * graph, the same triple in two graphs. */
static size_t sample_quads(cust_quad *out, size_t max) {
  static const char *const graphs[] = { NULL, "http://example.org/g1", "http://example.org/g2",
                                        LEDGER };
  size_t n = 0;
#define PUT(q)                                                                                     \
  do {                                                                                             \
    if (n < max) {                                                                                 \
      out[n++] = (q);                                                                              \
    }                                                                                              \
  } while (0)
  for (int gi = 0; gi < 4; gi++) {
    const char *g = graphs[gi];
    PUT(quad(cust_term_iri("http://example.org/s"), "http://example.org/p",
             cust_term_iri("http://example.org/o"), g));
    PUT(quad(cust_term_iri("http://example.org/s"), "http://example.org/p",
             cust_term_literal("plain", NULL, NULL), g));
    PUT(quad(cust_term_iri("http://example.org/s"), "http://example.org/p",
             cust_term_literal("plain", "en", NULL), g));
    PUT(quad(cust_term_iri("http://example.org/s"), "http://example.org/p",
             cust_term_literal("plain", NULL, XSD "string"), g));
    PUT(quad(cust_term_iri("http://example.org/s"), "http://example.org/n",
             cust_term_literal("1", NULL, XSD "integer"), g));
    PUT(quad(cust_term_iri("http://example.org/s"), "http://example.org/n",
             cust_term_literal("1", NULL, NULL), g));
    PUT(quad(cust_term_blank("b1"), "http://example.org/knows", cust_term_blank("b2"), g));
    PUT(quad(cust_term_blank("b2"), "http://example.org/name",
             cust_term_literal("Zoë \"the\" \\ \n\t", "fr-BE", NULL), g));
  }
  PUT(quad(cust_term_iri("http://example.org/caf\xc3\xa9"), "http://example.org/p",
           cust_term_literal("", NULL, NULL), "http://example.org/g1"));
  PUT(quad(cust_term_iri("urn:x:1"), "http://example.org/t",
           cust_term_literal("2023-01-01T00:00:00Z", NULL, XSD "dateTime"),
           "http://example.org/g3"));
#undef PUT
  return n;
}

/* ---- librdf helpers ------------------------------------------------------------ */

static librdf_node *rdf_node(librdf_world *w, const cust_term *t) {
  switch (t->kind) {
    case CUST_TERM_IRI:
      return librdf_new_node_from_uri_string(w, (const unsigned char *)t->value);
    case CUST_TERM_BLANK:
      return librdf_new_node_from_blank_identifier(w, (const unsigned char *)t->value);
    case CUST_TERM_LITERAL: {
      librdf_uri *dt = t->datatype ? librdf_new_uri(w, (const unsigned char *)t->datatype) : NULL;
      librdf_node *n = librdf_new_node_from_typed_counted_literal(
          w, (const unsigned char *)t->value, t->len, t->lang, t->lang ? strlen(t->lang) : 0, dt);
      if (dt != NULL) {
        librdf_free_uri(dt);
      }
      return n;
    }
    default:
      return NULL;
  }
}

static int rdf_add(librdf_world *w, librdf_model *m, const cust_quad *q) {
  librdf_statement *st = librdf_new_statement_from_nodes(w, rdf_node(w, &q->s), rdf_node(w, &q->p),
                                                         rdf_node(w, &q->o));
  librdf_node *g = q->g.kind == CUST_TERM_IRI ? rdf_node(w, &q->g) : NULL;
  int rc = librdf_model_context_add_statement(m, g, st);
  librdf_free_statement(st);
  if (g != NULL) {
    librdf_free_node(g);
  }
  return rc;
}

static cust_term term_of(librdf_node *n) {
  cust_term t = none();
  size_t len = 0;
  if (librdf_node_is_resource(n)) {
    t.kind = CUST_TERM_IRI;
    t.value = (const char *)librdf_uri_as_counted_string(librdf_node_get_uri(n), &len);
  } else if (librdf_node_is_blank(n)) {
    t.kind = CUST_TERM_BLANK;
    t.value = (const char *)librdf_node_get_counted_blank_identifier(n, &len);
  } else if (librdf_node_is_literal(n)) {
    t.kind = CUST_TERM_LITERAL;
    t.value = (const char *)librdf_node_get_literal_value_as_counted_string(n, &len);
    t.lang = librdf_node_get_literal_value_language(n);
    librdf_uri *dt = librdf_node_get_literal_value_datatype_uri(n);
    t.datatype = dt ? (const char *)librdf_uri_as_string(dt) : NULL;
  }
  t.len = len;
  return t;
}

static int cmp_lines(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A list of N-Quads lines, sorted and joined on demand. */
typedef struct lines {
  char **v;
  size_t n, cap;
} lines;

static void lines_add(lines *l, const cust_quad *q) {
  cust_buf b;
  cust_buf_init(&b);
  cust_quad_write_nq(&b, q);
  if (l->n == l->cap) {
    l->cap = l->cap ? 2 * l->cap : 64;
    l->v = realloc(l->v, l->cap * sizeof *l->v);
  }
  size_t len;
  l->v[l->n++] = cust_buf_steal(&b, &len);
}

static void lines_join(lines *l, cust_buf *out) {
  qsort(l->v, l->n, sizeof *l->v, cmp_lines);
  for (size_t i = 0; i < l->n; i++) {
    cust_buf_puts(out, l->v[i]);
    free(l->v[i]);
  }
  free(l->v);
  memset(l, 0, sizeof *l);
}

static void add_stream(lines *l, librdf_stream *str, librdf_node *ctx) {
  for (; str != NULL && !librdf_stream_end(str); librdf_stream_next(str)) {
    librdf_statement *st = librdf_stream_get_object(str);
    cust_quad q = { term_of(librdf_statement_get_subject(st)),
                    term_of(librdf_statement_get_predicate(st)),
                    term_of(librdf_statement_get_object(st)), none() };
    if (ctx != NULL) {
      q.g = term_of(ctx);
    }
    lines_add(l, &q);
  }
  if (str != NULL) {
    librdf_free_stream(str);
  }
}

/* What librdf sees in the store: the quads of each named graph (one context
 * at a time), then every triple without its graph. librdf's whole-store
 * stream cannot be used for graphs: after a row of a named graph it reports
 * the default graph's rows with that graph. */
static char *librdf_dump(cust_store *s) {
  librdf_model *m = cust_store_rdf_model(s);
  if (m == NULL) {
    return NULL;
  }
  lines named = { 0 }, all = { 0 };
  librdf_iterator *it = librdf_model_get_contexts(m);
  for (; it != NULL && !librdf_iterator_end(it); librdf_iterator_next(it)) {
    librdf_node *ctx = librdf_iterator_get_object(it);
    add_stream(&named, librdf_model_context_as_stream(m, ctx), ctx);
  }
  if (it != NULL) {
    librdf_free_iterator(it);
  }
  add_stream(&all, librdf_model_as_stream(m), NULL);
  cust_buf b;
  cust_buf_init(&b);
  lines_join(&named, &b);
  cust_buf_puts(&b, "--\n");
  lines_join(&all, &b);
  size_t len;
  return cust_buf_steal(&b, &len);
}

struct dump_ctx {
  lines named, all;
};

static int dump_cb(void *ud, const cust_quad *q) {
  struct dump_ctx *d = ud;
  if (q->g.kind != CUST_TERM_NONE) {
    lines_add(&d->named, q);
  }
  cust_quad t = *q;
  t.g = none();
  lines_add(&d->all, &t);
  return 0;
}

/* The same view of the store, read with cust_store_find. */
static char *store_dump(cust_store *s) {
  struct dump_ctx d = { { 0 }, { 0 } };
  cust_quad pat = { none(), none(), none(), none() };
  cust_store_find(s, &pat, dump_cb, &d);
  cust_buf b;
  cust_buf_init(&b);
  lines_join(&d.named, &b);
  cust_buf_puts(&b, "--\n");
  lines_join(&d.all, &b);
  size_t len;
  return cust_buf_steal(&b, &len);
}

/* ---- tests -------------------------------------------------------------------- */

static void close_null(void *unused) {
  (void)unused;
  cust_store_close(NULL);
}

static void test_open_and_create(void) {
  cust_store *s = (cust_store *)1;
  ok(cust_store_open(path_of("missing.db"), 0, &quiet, &s) == CUST_ERR_NOTFOUND && s == NULL,
     "a missing store without CREATE is NOTFOUND and *out NULL");
  ok(cust_store_open(path_of("missing.db"), CUST_STORE_READONLY | CUST_STORE_CREATE, &quiet, &s) ==
         CUST_ERR_NOTFOUND,
     "a read-only open never creates");
  ok(cust_store_open(path_of("new.db"), CUST_STORE_CREATE, &quiet, &s) == CUST_OK && s != NULL,
     "CREATE makes a new store");
  sqlite3 *db = cust_store_db(s);
  sqlite3_stmt *q = NULL;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL);
  ok(sqlite3_step(q) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(q, 0), "wal") == 0,
     "the store is in WAL mode");
  sqlite3_finalize(q);
  sqlite3_prepare_v2(db,
                     "SELECT count(*) FROM sqlite_master WHERE name IN "
                     "('uris','blanks','literals','triples','uriindex')",
                     -1, &q, NULL);
  ok(sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0) == 5,
     "Redland's tables and uriindex exist");
  sqlite3_finalize(q);
  cust_checkpoint cp;
  ok(cust_store_checkpoint(s, &cp) == CUST_OK && cp.height == 0 && cp.chain_id[0] == '\0' &&
         cp.block_hash[0] == '\0',
     "a new store has an empty checkpoint");
  uint64_t n = 99;
  ok(cust_store_count(s, &n) == CUST_OK && n == 0, "a new store is empty");
  cust_store_close(s);
  ok(cust_store_open(path_of("new.db"), 0, &quiet, &s) == CUST_OK, "it opens again");
  cust_store_close(s);
  ok(tap_survives(close_null, NULL), "cust_store_close(NULL) is harmless");

  /* librdf opens what we created, and rdfproc-style reads work. */
  ok(cust_store_open(path_of("new.db"), 0, &quiet, &s) == CUST_OK, "open for librdf");
  librdf_model *m = cust_store_rdf_model(s);
  ok(m != NULL && librdf_model_size(m) == 0, "librdf opens the new store (size 0)");
  ok(cust_store_rdf_world(s) != NULL, "the handle has its librdf world");
  cust_store_close(s);
}

static void test_not_a_store(void) {
  cust_store *s = NULL;
  FILE *f = fopen(path_of("text.db"), "w");
  fputs("this is not a database, just text that is long enough to be read as a header\n", f);
  for (int i = 0; i < 100; i++) {
    fputs("more text to fill a page of what SQLite would read\n", f);
  }
  fclose(f);
  capture_reset();
  ok(cust_store_open(path_of("text.db"), 0, &capture, &s) == CUST_ERR_FORMAT && s == NULL,
     "a text file is CUST_ERR_FORMAT");
  ok(captured("not a Custodian store") && captured("text.db"), "the message names the file");
  ok(cust_store_open(path_of("text.db"), CUST_STORE_CREATE, &quiet, &s) == CUST_ERR_FORMAT,
     "CREATE does not overwrite a text file");

  sqlite3 *db = NULL;
  sqlite3_open(path_of("other.db"), &db);
  sqlite3_exec(db, "CREATE TABLE t (x); INSERT INTO t VALUES (1)", NULL, NULL, NULL);
  sqlite3_close(db);
  capture_reset();
  ok(cust_store_open(path_of("other.db"), CUST_STORE_CREATE, &capture, &s) == CUST_ERR_FORMAT,
     "an SQLite file of another application is CUST_ERR_FORMAT");
  ok(captured("another application"), "and says so");

  /* A plain Redland store (no application id) is not ours either. */
  librdf_world *w = librdf_new_world();
  librdf_world_open(w);
  librdf_storage *rs = librdf_new_storage(w, "sqlite", path_of("redland.db"), "new='yes'");
  librdf_model *rm = rs ? librdf_new_model(w, rs, NULL) : NULL;
  if (rm != NULL) {
    librdf_free_model(rm);
  }
  librdf_free_storage(rs);
  librdf_free_world(w);
  ok(cust_store_open(path_of("redland.db"), 0, &quiet, &s) == CUST_ERR_FORMAT,
     "a Redland store made by librdf is refused");

  ok(cust_store_open(path_of("v2.db"), CUST_STORE_CREATE, &quiet, &s) == CUST_OK, "make v2.db");
  sqlite3_exec(cust_store_db(s), "PRAGMA user_version = 2", NULL, NULL, NULL);
  cust_store_close(s);
  capture_reset();
  ok(cust_store_open(path_of("v2.db"), 0, &capture, &s) == CUST_ERR_VERSION,
     "another schema version is CUST_ERR_VERSION");
  ok(captured("schema version 2"), "and names the version");

  f = fopen(path_of("empty.db"), "w");
  fclose(f);
  ok(cust_store_open(path_of("empty.db"), 0, &quiet, &s) == CUST_ERR_FORMAT,
     "an empty file without CREATE is CUST_ERR_FORMAT");
  ok(cust_store_open(path_of("empty.db"), CUST_STORE_CREATE, &quiet, &s) == CUST_OK,
     "an empty file with CREATE becomes a store");
  cust_store_close(s);
  mkdir(path_of("adir.db"), 0755);
  ok(cust_store_open(path_of("adir.db"), 0, &quiet, &s) == CUST_ERR_FORMAT,
     "a directory is not a store");
}

static void test_writer_and_find(void) {
  cust_store *s = NULL;
  cust_quad qs[64];
  size_t n = sample_quads(qs, 64);
  ok(cust_store_open(path_of("w.db"), CUST_STORE_CREATE, &quiet, &s) == CUST_OK, "open w.db");
  ok(cust_store_begin(s) == CUST_OK, "begin");
  cust_status st = CUST_OK;
  for (size_t i = 0; i < n && st == CUST_OK; i++) {
    st = cust_store_add(s, &qs[i]);
  }
  for (size_t i = 0; i < n && st == CUST_OK; i++) {
    st = cust_store_add(s, &qs[i]); /* again: no duplicates */
  }
  ok(st == CUST_OK, "%zu quads added twice", n);
  ok(cust_store_begin(s) == CUST_ERR_INVALID, "a nested begin is refused");
  ok(cust_store_commit(s) == CUST_OK, "commit");
  ok(cust_store_commit(s) == CUST_ERR_INVALID, "commit without a transaction is refused");
  uint64_t count = 0;
  st = cust_store_count(s, &count);
  ok(st == CUST_OK && count == n, "each quad stored once (%llu)", (unsigned long long)count);
  ok(cust_store_add(s, &qs[0]) == CUST_OK, "add outside a transaction runs in its own");
  cust_store_count(s, &count);
  is_int(count, n, "still no duplicate");

  cust_quad bad = quad(cust_term_literal("x", NULL, NULL), "http://example.org/p",
                       cust_term_iri("http://example.org/o"), NULL);
  ok(cust_store_add(s, &bad) == CUST_ERR_INVALID, "a literal subject is refused");
  bad = quad(cust_term_iri("http://example.org/s"), "http://example.org/p",
             cust_term_iri("http://example.org/o"), NULL);
  bad.g = cust_term_blank("g");
  ok(cust_store_add(s, &bad) == CUST_ERR_INVALID, "a blank graph is refused");

  /* find, shape by shape */
  cust_term S = cust_term_iri("http://example.org/s"), P = cust_term_iri("http://example.org/p");
  cust_term G1 = cust_term_iri("http://example.org/g1");
  cust_quad pat = { none(), none(), none(), none() };
  is_int(find_count(s, pat), n, "find (*, *, *, *) sees every quad");
  pat.s = S;
  is_int(find_count(s, pat), 24, "find (s, *, *, *)");
  pat.p = P;
  is_int(find_count(s, pat), 16, "find (s, p, *, *)");
  pat.g = G1;
  is_int(find_count(s, pat), 4, "find (s, p, *, g)");
  pat.o = cust_term_literal("plain", "en", NULL);
  is_int(find_count(s, pat), 1, "find (s, p, \"plain\"@en, g)");
  pat.o = cust_term_literal("plain", "de", NULL);
  is_int(find_count(s, pat), 0, "another language does not match");
  pat.o = cust_term_literal("plain", NULL, XSD "string");
  is_int(find_count(s, pat), 1, "a typed literal matches its datatype");
  pat.o = cust_term_literal("plain", NULL, XSD "token");
  is_int(find_count(s, pat), 0, "an unknown datatype matches nothing");
  pat = (cust_quad){ none(), none(), cust_term_literal("1", NULL, XSD "integer"), none() };
  is_int(find_count(s, pat), 4, "find (*, *, \"1\"^^xsd:integer, *) in four graphs");
  pat = (cust_quad){ none(), cust_term_iri("http://example.org/knows"), cust_term_blank("b2"),
                     none() };
  is_int(find_count(s, pat), 4, "find (*, p, _:b2, *)");
  pat = (cust_quad){ cust_term_blank("b2"), none(), none(), G1 };
  is_int(find_count(s, pat), 1, "find (_:b2, *, *, g)");
  pat = (cust_quad){ none(), none(), cust_term_iri("http://example.org/o"), none() };
  is_int(find_count(s, pat), 4, "find (*, *, o, *)");
  pat = (cust_quad){ none(), none(), none(), cust_term_iri("http://example.org/g3") };
  is_int(find_count(s, pat), 1, "find (*, *, *, g3)");
  pat = (cust_quad){ cust_term_iri("http://example.org/nobody"), none(), none(), none() };
  is_int(find_count(s, pat), 0, "an unknown subject matches nothing");
  pat = (cust_quad){ cust_term_literal("plain", NULL, NULL), none(), none(), none() };
  is_int(find_count(s, pat), 0, "a literal subject matches nothing");
  pat = (cust_quad){ none(), none(), none(), cust_term_blank("b1") };
  is_int(find_count(s, pat), 0, "a blank graph matches nothing");

  /* The terms arrive intact. */
  cust_quad expect =
      quad(cust_term_blank("b2"), "http://example.org/name",
           cust_term_literal("Zoë \"the\" \\ \n\t", "fr-BE", NULL), "http://example.org/g1");
  cust_buf b1;
  cust_buf_init(&b1);
  cust_quad_write_nq(&b1, &expect);
  char *dump = export_of(s, "http://example.org/g1");
  ok(dump != NULL && strstr(dump, b1.data) != NULL, "a literal with quotes, newline, tab, "
                                                    "backslash and a language comes back");
  free(dump);
  cust_buf_release(&b1);
  cust_store_close(s);
}

/* The plan SQLite picks for `sql` (one line per step, joined). */
static char *plan_of(cust_store *s, const char *sql) {
  char q[1024];
  snprintf(q, sizeof q, "EXPLAIN QUERY PLAN %s", sql);
  sqlite3_stmt *st = NULL;
  cust_buf b;
  cust_buf_init(&b);
  if (sqlite3_prepare_v2(cust_store_db(s), q, -1, &st, NULL) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW) {
      cust_buf_printf(&b, "%s; ", (const char *)sqlite3_column_text(st, 3));
    }
  }
  sqlite3_finalize(st);
  size_t len;
  return cust_buf_steal(&b, &len);
}

/* librdf's own lookups (the SQL it builds for find_statements) and the
 * writer's use the indexes. */
static void test_query_plans(void) {
  static const struct {
    const char *where, *index;
  } cases[] = {
    { "T.subjectUri=1 AND T.predicateUri=2",
      "cust_triples_spog (subjectUri=? AND predicateUri=?)" },
    { "T.subjectBlank=1 AND T.predicateUri=2",
      "cust_triples_sb (subjectBlank=? AND predicateUri=?)" },
    { "T.predicateUri=2 AND T.objectUri=3", "cust_triples_ou (objectUri=? AND predicateUri=?)" },
    { "T.predicateUri=2 AND T.objectLiteral=3",
      "cust_triples_ol (objectLiteral=? AND predicateUri=?)" },
    { "T.objectBlank=3", "cust_triples_ob (objectBlank=?)" },
    { "T.predicateUri=2", "cust_triples_p (predicateUri=?)" },
    { "T.contextUri=4", "cust_triples_g (contextUri=?)" },
  };
  cust_store *s = NULL;
  ok(cust_store_open(path_of("w.db"), 0, &quiet, &s) == CUST_OK, "reopen w.db for plans");
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT SubjectURIs.uri FROM triples AS T LEFT JOIN uris AS SubjectURIs ON "
             "SubjectURIs.id = T.subjectUri WHERE %s",
             cases[i].where);
    char *plan = plan_of(s, sql);
    ok(strstr(plan, cases[i].index) != NULL, "librdf's lookup %s uses %s", cases[i].where,
       cases[i].index);
    if (strstr(plan, cases[i].index) == NULL) {
      tap_diag("plan: %s", plan);
    }
    free(plan);
  }
  char *plan = plan_of(s, "SELECT 1 FROM triples WHERE subjectUri IS 1 AND predicateUri IS 2 AND "
                          "objectUri IS 3 AND objectLiteral IS NULL AND objectBlank IS NULL AND "
                          "contextUri IS 4 AND subjectBlank IS NULL");
  ok(strstr(plan, "cust_triples_spog (subjectUri=? AND predicateUri=? AND objectUri=? AND "
                  "objectLiteral=? AND objectBlank=? AND contextUri=? AND subjectBlank=?)") != NULL,
     "the writer's duplicate check is one seek in cust_triples_spog");
  free(plan);
  plan = plan_of(s, "SELECT id FROM literals WHERE text = 'x' AND language IS NULL AND "
                    "datatype IS NULL");
  ok(strstr(plan, "cust_literals_text") != NULL, "a literal lookup uses cust_literals_text");
  free(plan);
  plan = plan_of(s, "SELECT id FROM blanks WHERE blank = 'b1'");
  ok(strstr(plan, "cust_blanks_blank") != NULL, "a blank lookup uses cust_blanks_blank");
  free(plan);
  cust_store_close(s);
}

struct nest {
  cust_store *s;
  int outer, inner;
};

static int inner_cb(void *ud, const cust_quad *q) {
  (void)q;
  ((struct nest *)ud)->inner++;
  return 0;
}

static int outer_cb(void *ud, const cust_quad *q) {
  struct nest *n = ud;
  n->outer++;
  /* The same shape as the outer find: it must not disturb it. */
  cust_quad pat = { q->s, none(), none(), none() };
  cust_store_find(n->s, &pat, inner_cb, n);
  return 0;
}

static int stop_cb(void *ud, const cust_quad *q) {
  (void)q;
  return ++*(int *)ud == 3;
}

static void test_find_nested(void) {
  cust_store *s = NULL;
  ok(cust_store_open(path_of("w.db"), 0, &quiet, &s) == CUST_OK, "reopen w.db");
  struct nest n = { s, 0, 0 };
  cust_quad pat = { cust_term_iri("http://example.org/s"), none(), none(), none() };
  cust_status st = cust_store_find(s, &pat, outer_cb, &n);
  ok(st == CUST_OK && n.outer == 24 && n.inner == 24 * 24,
     "a find inside a find's callback works (%d, %d)", n.outer, n.inner);
  int k = 0;
  pat = (cust_quad){ none(), none(), none(), none() };
  ok(cust_store_find(s, &pat, stop_cb, &k) == CUST_OK && k == 3, "a callback stops the find");
  cust_graph_view v = cust_store_view(s);
  k = 0;
  ok(v.find(v.ud, &pat, count_cb, &k) == CUST_OK && k > 0, "the graph view finds");
  cust_store_close(s);
}

static void release_null_changes(void *unused) {
  (void)unused;
  cust_changes_release(NULL);
}

static void test_remove_sp(void) {
  cust_store *s = NULL;
  ok(cust_store_open(path_of("w.db"), 0, &quiet, &s) == CUST_OK, "reopen w.db");
  uint64_t before = 0, after = 0;
  cust_store_count(s, &before);
  cust_changes c;
  cust_changes_init(&c);
  cust_term S = cust_term_iri("http://example.org/s"), P = cust_term_iri("http://example.org/p");
  cust_term G1 = cust_term_iri("http://example.org/g1"), D = none();
  cust_changes_remove_sp(&c, &S, &P, &G1);
  cust_quad nq = quad(S, "http://example.org/p", cust_term_literal("new", NULL, NULL),
                      "http://example.org/g1");
  cust_changes_add(&c, &nq);
  cust_changes_remove_sp(&c, &S, &P, &D);
  cust_term unknown = cust_term_iri("http://example.org/unknown");
  cust_changes_remove_sp(&c, &unknown, &P, &G1);
  ok(cust_store_begin(s) == CUST_OK && cust_store_apply(s, &c) == CUST_OK &&
         cust_store_commit(s) == CUST_OK,
     "apply removals and an addition");
  cust_store_count(s, &after);
  is_int(after, before - 4 + 1 - 4, "four removed from g1, one added, four from the default graph");
  cust_quad pat = { S, P, none(), G1 };
  is_int(find_count(s, pat), 1, "g1 holds only the new value");
  pat.g = cust_term_iri("http://example.org/g2");
  is_int(find_count(s, pat), 4, "g2 is untouched");
  pat.g = none();
  is_int(find_count(s, pat), 1 + 4 + 4, "the default graph lost its four");
  cust_changes_release(&c);
  ok(tap_survives(release_null_changes, NULL), "cust_changes_release(NULL) is harmless");
  cust_store_close(s);
}

static int graph_cb(void *ud, const char *iri, size_t len) {
  cust_buf_append(ud, iri, len);
  cust_buf_putc(ud, ' ');
  return 0;
}

static void test_equivalence(void) {
  cust_quad qs[64];
  size_t n = sample_quads(qs, 64);
  cust_store *a = NULL, *b = NULL;
  ok(cust_store_open(path_of("eq-librdf.db"), CUST_STORE_CREATE, &quiet, &a) == CUST_OK &&
         cust_store_open(path_of("eq-writer.db"), CUST_STORE_CREATE, &quiet, &b) == CUST_OK,
     "two stores");
  librdf_world *w = cust_store_rdf_world(a);
  librdf_model *m = cust_store_rdf_model(a);
  int rc = 0;
  librdf_model_transaction_start(m);
  for (size_t i = 0; i < n; i++) {
    rc |= rdf_add(w, m, &qs[i]);
  }
  librdf_model_transaction_commit(m);
  ok(rc == 0 && librdf_model_size(m) == (int)n, "librdf adds %zu quads", n);
  ok(cust_store_begin(b) == CUST_OK, "begin");
  cust_status st = CUST_OK;
  for (size_t i = n; i-- > 0 && st == CUST_OK;) {
    st = cust_store_add(b, &qs[i]); /* another order, same set */
  }
  ok(st == CUST_OK && cust_store_commit(b) == CUST_OK, "the writer adds them");
  char *ea = export_of(a, NULL), *eb = export_of(b, NULL);
  ok(ea != NULL && eb != NULL && strcmp(ea, eb) == 0 && strlen(ea) > 100,
     "librdf and the writer give the same export");
  size_t nlines = 0;
  for (const char *p = eb; p != NULL && *p != '\0'; p++) {
    nlines += *p == '\n';
  }
  is_int(nlines, n, "one line per quad");
  char *lb = librdf_dump(b), *sb = store_dump(b);
  ok(lb != NULL && sb != NULL && strcmp(lb, sb) == 0 && strlen(sb) > 100,
     "librdf reads the writer's store as the same quads");
  if (lb != NULL && sb != NULL && strcmp(lb, sb) != 0) {
    tap_diag("librdf sees:\n%s\nthe store:\n%s", lb, sb);
  }
  /* A quad added twice through librdf (it does not check) is exported once. */
  rdf_add(w, m, &qs[0]);
  char *ea2 = export_of(a, NULL);
  ok(ea2 != NULL && ea != NULL && strcmp(ea, ea2) == 0, "a duplicate row is exported once");
  /* librdf finds by pattern in the writer's store, through our indexes. */
  librdf_world *wb = cust_store_rdf_world(b);
  librdf_model *mb = cust_store_rdf_model(b);
  librdf_node *ns =
      librdf_new_node_from_uri_string(wb, (const unsigned char *)"http://example.org/s");
  librdf_node *np =
      librdf_new_node_from_uri_string(wb, (const unsigned char *)"http://example.org/n");
  librdf_statement *pattern = librdf_new_statement_from_nodes(wb, ns, np, NULL);
  librdf_stream *found = librdf_model_find_statements(mb, pattern);
  int k = 0;
  for (; found != NULL && !librdf_stream_end(found); librdf_stream_next(found)) {
    k++;
  }
  is_int(k, 8, "librdf finds (s, n, ?) in the writer's store");
  if (found != NULL) {
    librdf_free_stream(found);
  }
  librdf_free_statement(pattern);
  cust_buf gl;
  cust_buf_init(&gl);
  st = cust_store_graphs(b, graph_cb, &gl);
  ok(st == CUST_OK && gl.data != NULL &&
         strcmp(gl.data, "http://example.org/g1 http://example.org/g2 http://example.org/g3 " LEDGER
                         " ") == 0,
     "the named graphs, sorted: %s", gl.data);
  cust_buf_release(&gl);
  char *g1 = export_of(b, "http://example.org/g1");
  size_t g1lines = 0;
  for (const char *p = g1; p != NULL && *p != '\0'; p++) {
    g1lines += *p == '\n';
  }
  ok(g1 != NULL && g1lines == 9 && strstr(g1, "<http://example.org/g2>") == NULL,
     "export of one graph (%zu lines)", g1lines);
  char *gx = export_of(b, "http://example.org/none");
  ok(gx != NULL && gx[0] == '\0', "export of an unknown graph is empty");
  free(gx);
  free(g1);
  free(ea);
  free(ea2);
  free(eb);
  free(lb);
  free(sb);
  cust_store_close(a);
  cust_store_close(b);
}

/* Counts the rows of one SQL query's single result. */
static int64_t count_of(cust_store *s, const char *sql) {
  sqlite3_stmt *q = NULL;
  int64_t n = -1;
  if (sqlite3_prepare_v2(cust_store_db(s), sql, -1, &q, NULL) == SQLITE_OK &&
      sqlite3_step(q) == SQLITE_ROW) {
    n = sqlite3_column_int64(q, 0);
  }
  sqlite3_finalize(q);
  return n;
}

/* The writer queues new terms and triples within one call: duplicates in
 * the queue, removals after queued adds, and terms that another connection
 * stored since our last transaction. */
static void test_batched_writes(void) {
  cust_store *s = NULL, *other = NULL;
  ok(cust_store_open(path_of("batch.db"), CUST_STORE_CREATE, &quiet, &s) == CUST_OK,
     "open batch.db");
  cust_changes c;
  cust_changes_init(&c);
  char subj[200][32];
  for (int i = 0; i < 200; i++) {
    snprintf(subj[i], sizeof subj[i], "urn:batch:%d", i);
    cust_quad q =
        quad(cust_term_iri(subj[i]), "urn:p", cust_term_literal(subj[i], "en", NULL), "urn:g");
    cust_changes_add(&c, &q);
    cust_changes_add(&c, &q); /* the duplicate waits in the same queue */
  }
  cust_quad q0 =
      quad(cust_term_iri(subj[0]), "urn:p", cust_term_literal(subj[0], "en", NULL), "urn:g");
  cust_changes_remove_sp(&c, &q0.s, &q0.p, &q0.g);
  cust_changes_add(&c, &q0);
  ok(cust_store_apply(s, &c) == CUST_OK, "400 adds, a removal and an add in one call");
  is_int(count_of(s, "SELECT count(*) FROM triples"), 200, "each quad once (200)");
  is_int(count_of(s, "SELECT count(*) FROM triples WHERE subjectUri = (SELECT id FROM uris WHERE "
                     "uri = 'urn:batch:0')"),
         1, "the removed quad is back once");
  is_int(
      count_of(s, "SELECT count(*) FROM (SELECT uri FROM uris GROUP BY uri HAVING count(*) > 1)"),
      0, "no IRI stored twice");
  is_int(count_of(s, "SELECT count(*) FROM literals"), 200, "each literal once");
  ok(cust_store_open(path_of("batch.db"), 0, &quiet, &other) == CUST_OK, "a second writer");
  cust_quad shared =
      quad(cust_term_iri("urn:shared"), "urn:p", cust_term_iri("urn:shared:o"), "urn:g");
  ok(cust_store_add(other, &shared) == CUST_OK, "the second writer adds new terms");
  cust_store_close(other);
  cust_quad again =
      quad(cust_term_iri("urn:shared"), "urn:p2", cust_term_iri("urn:shared:o"), "urn:g");
  ok(cust_store_add(s, &shared) == CUST_OK && cust_store_add(s, &again) == CUST_OK,
     "the first writer adds quads with them");
  is_int(count_of(s, "SELECT count(*) FROM uris WHERE uri IN ('urn:shared', 'urn:shared:o')"), 2,
         "and finds the other writer's terms instead of storing them again");
  is_int(count_of(s, "SELECT count(*) FROM triples"), 202, "the shared quad is stored once");
  cust_changes_release(&c);
  cust_store_close(s);
}

/* The definitions of the store's indexes, sorted, one string. */
static char *index_sql(cust_store *s) {
  sqlite3_stmt *q = NULL;
  cust_buf b;
  cust_buf_init(&b);
  cust_buf_puts(&b, "");
  sqlite3_prepare_v2(cust_store_db(s),
                     "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                     "ORDER BY sql",
                     -1, &q, NULL);
  while (q != NULL && sqlite3_step(q) == SQLITE_ROW) {
    cust_buf_printf(&b, "%s;\n", (const char *)sqlite3_column_text(q, 0));
  }
  sqlite3_finalize(q);
  return cust_buf_steal(&b, NULL);
}

/* A large apply into an empty store builds the secondary indexes after the
 * rows; the store ends with the same indexes and the same quads. */
static void test_bulk_apply(void) {
  enum { N = 120000 };
  cust_store *s = NULL;
  ok(cust_store_open(path_of("bulk.db"), CUST_STORE_CREATE, &quiet, &s) == CUST_OK, "open bulk.db");
  if (s == NULL) {
    return;
  }
  char *before = index_sql(s);
  cust_changes c;
  cust_changes_init(&c);
  char subj[48], obj[48], lit[48];
  for (int i = 0; i < N; i++) {
    snprintf(subj, sizeof subj, "urn:bulk:%d", i / 3);
    snprintf(obj, sizeof obj, "urn:bulk:o%d", i % 1000);
    snprintf(lit, sizeof lit, "v%d", i);
    cust_quad q = i % 2 ? quad(cust_term_iri(subj), "urn:p", cust_term_iri(obj), "urn:g")
                        : quad(cust_term_iri(subj), "urn:q", cust_term_literal(lit, NULL, NULL),
                               i % 4 ? "urn:g2" : NULL);
    cust_changes_add(&c, &q);
  }
  cust_quad dup = quad(cust_term_iri("urn:bulk:1"), "urn:p", cust_term_iri("urn:bulk:o3"), "urn:g");
  cust_changes_add(&c, &dup); /* already added: stored once */
  ok(cust_store_begin(s) == CUST_OK && cust_store_apply(s, &c) == CUST_OK &&
         cust_store_commit(s) == CUST_OK,
     "%d changes applied to an empty store", N + 1);
  char *after = index_sql(s);
  ok(strcmp(before, after) == 0, "the same indexes afterwards");
  is_int(count_of(s, "SELECT count(*) FROM triples"), N, "each quad once");
  is_int(count_of(s, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"), 1,
         "the file passes the integrity check");
  is_int(count_of(s, "SELECT count(*) FROM triples INDEXED BY cust_triples_ou WHERE objectUri = "
                     "(SELECT id FROM uris WHERE uri = 'urn:bulk:o3')"),
         N / 1000, "the object index finds its rows");
  /* a second large apply, on a store that is not empty, keeps the indexes */
  cust_changes_reset(&c);
  for (int i = 0; i < N; i++) {
    snprintf(subj, sizeof subj, "urn:bulk2:%d", i);
    cust_quad q = quad(cust_term_iri(subj), "urn:p", cust_term_iri("urn:bulk:o1"), "urn:g");
    cust_changes_add(&c, &q);
  }
  ok(cust_store_apply(s, &c) == CUST_OK, "a second large apply");
  char *again = index_sql(s);
  ok(strcmp(before, again) == 0, "the indexes are still the same");
  is_int(count_of(s, "SELECT count(*) FROM triples"), 2 * N, "with every quad");
  free(before);
  free(after);
  free(again);
  cust_changes_release(&c);
  cust_store_close(s);
}

static void test_cache_bound(void) {
  cust_store *a = NULL, *b = NULL;
  ok(cust_store_open(path_of("c-small.db"), CUST_STORE_CREATE, &quiet, &a) == CUST_OK &&
         cust_store_open(path_of("c-big.db"), CUST_STORE_CREATE, &quiet, &b) == CUST_OK,
     "two stores for the cache test");
  cust_store_set_cache(a, 16, 4096);
  size_t most = 0;
  cust_status st = cust_store_begin(a);
  if (st == CUST_OK) {
    st = cust_store_begin(b);
  }
  for (int i = 0; i < 3000 && st == CUST_OK; i++) {
    char sbuf[64], obuf[64];
    snprintf(sbuf, sizeof sbuf, "urn:s:%d", i % 700);
    snprintf(obuf, sizeof obuf, "v%d", i % 333);
    cust_quad q =
        quad(cust_term_iri(sbuf), i % 2 ? "urn:p:a" : "urn:p:b",
             cust_term_literal(obuf, i % 3 ? NULL : "en", NULL), i % 5 ? "urn:g:1" : NULL);
    st = cust_store_add(a, &q);
    if (st == CUST_OK) {
      st = cust_store_add(b, &q);
    }
    most = a->cache.count > most ? a->cache.count : most;
  }
  ok(st == CUST_OK && cust_store_commit(a) == CUST_OK && cust_store_commit(b) == CUST_OK,
     "3000 adds with a 16-term cache");
  ok(most <= 16 && a->cache.clears > 10, "the cache stays within its bound (%zu, %llu clears)",
     most, (unsigned long long)a->cache.clears);
  char *ea = export_of(a, NULL), *eb = export_of(b, NULL);
  ok(ea != NULL && eb != NULL && strcmp(ea, eb) == 0, "a tiny cache gives the same store");
  free(ea);
  free(eb);
  cust_store_close(a);
  cust_store_close(b);
}

static cust_status write_block(cust_store *s, const char *chain, uint64_t h, int nquads) {
  cust_status st = cust_store_begin(s);
  for (int i = 0; i < nquads && st == CUST_OK; i++) {
    char subj[64], val[64];
    snprintf(subj, sizeof subj, "urn:block:%llu:%d", (unsigned long long)h, i);
    snprintf(val, sizeof val, "value %llu/%d with some padding text", (unsigned long long)h, i);
    cust_quad q = quad(cust_term_iri(subj), "urn:p:value", cust_term_literal(val, NULL, NULL),
                       i % 2 ? "urn:g:a" : "urn:g:b");
    st = cust_store_add(s, &q);
  }
  char hv[32];
  snprintf(hv, sizeof hv, "%llu", (unsigned long long)h);
  cust_term cur = cust_term_iri("urn:current"), latest = cust_term_iri("urn:p:latest");
  cust_term gc = cust_term_iri(CUST_GRAPH_CURRENT);
  if (st == CUST_OK) {
    st = cust_store_remove_sp(s, &cur, &latest, &gc);
  }
  if (st == CUST_OK) {
    cust_quad q =
        quad(cur, "urn:p:latest", cust_term_literal(hv, NULL, XSD "integer"), CUST_GRAPH_CURRENT);
    st = cust_store_add(s, &q);
  }
  if (st == CUST_OK) {
    cust_checkpoint cp;
    memset(&cp, 0, sizeof cp);
    cp.height = h;
    snprintf(cp.block_hash, sizeof cp.block_hash, "%064llX", (unsigned long long)h);
    snprintf(cp.chain_id, sizeof cp.chain_id, "%s", chain);
    snprintf(cp.block_time, sizeof cp.block_time, "2024-01-01T00:00:%02lluZ",
             (unsigned long long)h % 60);
    st = cust_store_set_checkpoint(s, &cp);
  }
  if (st == CUST_OK) {
    st = cust_store_commit(s);
  } else {
    cust_store_rollback(s);
  }
  return st;
}

/* Rows of a scan over merged graphs: each triple once, whether the scan
 * remembers them all or runs out of room and goes on with SQL's DISTINCT. */
static size_t merged_rows(cust_store *s, const cust_store_id_pattern *pat, int *is_unique) {
  cust_store_scan *sc = NULL;
  int64_t seen[64];
  size_t n = 0;
  *is_unique = 1;
  if (cust_store_scan_open(s, pat, &sc) != CUST_OK) {
    return 0;
  }
  cust_store_id_row row;
  int has = 0;
  while (cust_store_scan_next(sc, &row, &has) == CUST_OK && has) {
    for (size_t i = 0; i < n && i < 64; i++) {
      *is_unique = *is_unique && seen[i] != row.o;
    }
    if (n < 64) {
      seen[n] = row.o;
    }
    n++;
  }
  cust_store_scan_close(sc);
  return n;
}

static void test_merged_scans(void) {
  cust_store *s = NULL;
  cust_status st = cust_store_open(path_of("merged.db"), CUST_STORE_CREATE, &quiet, &s);
  st = st == CUST_OK ? cust_store_begin(s) : st;
  for (int i = 0; i < 30 && st == CUST_OK; i++) {
    char v[16];
    snprintf(v, sizeof v, "v%d", i);
    cust_quad q =
        quad(cust_term_iri("urn:ms:s"), "urn:ms:p", cust_term_literal(v, NULL, NULL), "urn:ms:g1");
    st = cust_store_add(s, &q);
    if (st == CUST_OK && i % 2 == 0) {
      q.g = cust_term_iri("urn:ms:g2");
      st = cust_store_add(s, &q);
    }
  }
  st = st == CUST_OK ? cust_store_commit(s) : st;
  ok(st == CUST_OK, "30 triples, 15 of them in two graphs");
  cust_term subj = cust_term_iri("urn:ms:s"), pred = cust_term_iri("urn:ms:p");
  cust_term g1 = cust_term_iri("urn:ms:g1"), g2 = cust_term_iri("urn:ms:g2");
  int64_t gids[2] = { 0, 0 };
  cust_store_id_pattern pat;
  memset(&pat, 0, sizeof pat);
  pat.s_kind = CUST_TERM_IRI;
  ok(cust_store_term_id(s, &subj, &pat.s) == CUST_OK &&
         cust_store_term_id(s, &pred, &pat.p) == CUST_OK &&
         cust_store_term_id(s, &g1, &gids[0]) == CUST_OK &&
         cust_store_term_id(s, &g2, &gids[1]) == CUST_OK,
     "the ids");
  int is_unique = 0;
  size_t n = merged_rows(s, &pat, &is_unique);
  ok(n == 30 && is_unique, "the merged graphs: each triple once (%zu)", n);
  s->scan_seen_max = 4;
  n = merged_rows(s, &pat, &is_unique);
  ok(n == 30 && is_unique, "past the remembered rows, DISTINCT: still each once (%zu)", n);
  pat.graphs = CUST_SCAN_LIST;
  pat.gids = gids;
  pat.ngids = 2;
  n = merged_rows(s, &pat, &is_unique);
  ok(n == 30 && is_unique, "a list of two graphs, the same (%zu)", n);
  pat.ngids = 1;
  n = merged_rows(s, &pat, &is_unique);
  ok(n == 30 && is_unique, "one graph of the list (%zu)", n);
  /* a scan that matches nothing, then a scan of everything: the two share
   * a shape, and the second still gives each triple once */
  s->scan_seen_max = 0;
  cust_store_id_pattern none, all;
  memset(&none, 0, sizeof none);
  memset(&all, 0, sizeof all);
  none.s = -1;
  none.s_kind = CUST_TERM_IRI;
  n = merged_rows(s, &none, &is_unique);
  size_t n_all = merged_rows(s, &all, &is_unique);
  ok(n == 0 && n_all == 30 && is_unique, "nothing, then everything once (%zu, %zu)", n, n_all);
  cust_store_close(s);
}

/* Literals read by id name their datatype, beyond the datatypes the handle
 * keeps (64): the oldest ones make room and are read again. */
static void test_datatypes_by_id(void) {
  cust_store *s = NULL;
  cust_status st = cust_store_open(path_of("types.db"), CUST_STORE_CREATE, &quiet, &s);
  st = st == CUST_OK ? cust_store_begin(s) : st;
  for (int i = 0; i < 80 && st == CUST_OK; i++) {
    char dt[48];
    snprintf(dt, sizeof dt, "urn:dt:%d", i);
    cust_quad q =
        quad(cust_term_iri("urn:t:s"), "urn:t:p", cust_term_literal("v", NULL, dt), "urn:t:g");
    st = cust_store_add(s, &q);
  }
  st = st == CUST_OK ? cust_store_commit(s) : st;
  int bad = 0;
  cust_arena a;
  cust_arena_init(&a, 4096);
  for (int round = 0; round < 2 && st == CUST_OK; round++) {
    for (int i = 0; i < 80 && st == CUST_OK; i++) {
      char dt[48];
      snprintf(dt, sizeof dt, "urn:dt:%d", i);
      cust_term lit = cust_term_literal("v", NULL, dt), back;
      int64_t id = 0;
      st = cust_store_term_id(s, &lit, &id);
      st = st == CUST_OK ? cust_store_id_term(s, CUST_TERM_LITERAL, id, &a, &back) : st;
      bad += st != CUST_OK || back.datatype == NULL || strcmp(back.datatype, dt) != 0;
    }
  }
  ok(st == CUST_OK && bad == 0, "80 datatypes read twice by id: each right (%d wrong)", bad);
  cust_arena_release(&a);
  cust_store_close(s);
}

/* Predicate counts for join order are kept while the store grows little. */
static void test_predicate_counts(void) {
  cust_store *s = NULL, *r = NULL;
  ok(cust_store_open(path_of("pcount.db"), CUST_STORE_CREATE, &quiet, &s) == CUST_OK &&
         write_block(s, "pc-1", 1, 100) == CUST_OK &&
         cust_store_open(path_of("pcount.db"), CUST_STORE_READONLY, &quiet, &r) == CUST_OK,
     "a store of 100 values and a reader");
  cust_term value = cust_term_iri("urn:p:value");
  int64_t p = 0;
  uint64_t n = 0, capped = 0;
  ok(cust_store_term_id(r, &value, &p) == CUST_OK && p > 0, "the predicate's id");
  cust_status st = cust_store_predicate_count(r, p, 5000, &n);
  ok(st == CUST_OK && n == 100, "counted: %llu", (unsigned long long)n);
  st = write_block(s, "pc-1", 2, 100);
  st = st == CUST_OK ? cust_store_predicate_count(r, p, 5000, &n) : st;
  ok(st == CUST_OK && n == 100, "100 more quads: the estimate stands (%llu)",
     (unsigned long long)n);
  st = write_block(s, "pc-1", 3, 1200);
  st = st == CUST_OK ? cust_store_predicate_count(r, p, 5000, &n) : st;
  ok(st == CUST_OK && n == 1400, "1,200 more: counted again (%llu)", (unsigned long long)n);
  st = cust_store_predicate_count(r, p, 10, &capped);
  ok(st == CUST_OK && capped == 10, "another cap counts again, up to it (%llu)",
     (unsigned long long)capped);
  ok(cust_store_predicate_count(r, 0, 5000, &n) == CUST_OK && n == 0, "no predicate: 0");
  cust_store_close(r);
  cust_store_close(s);
}

static void test_checkpoint(void) {
  cust_store *s = NULL, *r = NULL;
  ok(cust_store_open(path_of("cp.db"), CUST_STORE_CREATE, &quiet, &s) == CUST_OK, "open cp.db");
  cust_checkpoint cp;
  memset(&cp, 0, sizeof cp);
  ok(cust_store_set_checkpoint(s, &cp) == CUST_ERR_INVALID,
     "a checkpoint outside a transaction is refused");
  ok(write_block(s, "test-1", 1, 10) == CUST_OK && write_block(s, "test-1", 2, 10) == CUST_OK,
     "two blocks");
  ok(cust_store_checkpoint(s, &cp) == CUST_OK && cp.height == 2 &&
         strcmp(cp.chain_id, "test-1") == 0 && strlen(cp.block_hash) == 64 &&
         strcmp(cp.block_time, "2024-01-01T00:00:02Z") == 0,
     "the checkpoint reads back");
  cust_quad pat = { cust_term_iri("urn:custodian:checkpoint"), none(), none(),
                    cust_term_iri(LEDGER) };
  is_int(find_count(s, pat), 4, "the checkpoint is mirrored as four ledger quads");
  pat.p = cust_term_iri("https://w3id.org/custodian/ns#height");
  pat.o = cust_term_literal("2", NULL, XSD "integer");
  is_int(find_count(s, pat), 1, "cust:height is the new height, typed xsd:integer");
  pat.o = cust_term_literal("1", NULL, XSD "integer");
  is_int(find_count(s, pat), 0, "the old height is gone");
  pat.p = cust_term_iri("https://w3id.org/custodian/ns#blockTime");
  pat.o = cust_term_literal("2024-01-01T00:00:02Z", NULL, XSD "dateTime");
  is_int(find_count(s, pat), 1, "cust:blockTime is an xsd:dateTime");

  /* Readers see committed blocks only. */
  ok(cust_store_open(path_of("cp.db"), CUST_STORE_READONLY, &quiet, &r) == CUST_OK,
     "a read-only handle");
  ok(cust_store_begin(r) == CUST_ERR_READONLY, "a read-only handle cannot begin");
  cust_quad q = quad(cust_term_iri("urn:x"), "urn:p", cust_term_iri("urn:o"), NULL);
  ok(cust_store_add(r, &q) == CUST_ERR_READONLY, "nor add");
  ok(cust_store_begin(s) == CUST_OK && cust_store_add(s, &q) == CUST_OK, "writer adds, open");
  uint64_t n1 = 0, n2 = 0;
  cust_store_count(s, &n1);
  cust_store_count(r, &n2);
  ok(n1 == n2 + 1, "the reader does not see the open transaction (%llu vs %llu)",
     (unsigned long long)n1, (unsigned long long)n2);
  librdf_model *rm = cust_store_rdf_model(r);
  ok(rm != NULL && librdf_model_size(rm) == (int)n2, "nor does librdf on the reader");
  cust_store_rollback(s);
  cust_store_count(s, &n1);
  ok(n1 == n2, "rollback undoes it");
  ok(cust_store_checkpoint(s, &cp) == CUST_OK && cp.height == 2, "the checkpoint is unchanged");
  ok(write_block(s, "test-1", 3, 5) == CUST_OK, "a third block");
  cust_store_count(r, &n2);
  cust_store_count(s, &n1);
  ok(n1 == n2, "the reader sees it once committed");
  /* A reader with a find in progress does not block the writer. */
  cust_quad all = { none(), none(), none(), none() };
  int k = 0;
  ok(cust_store_find(r, &all, count_cb, &k) == CUST_OK && k == (int)n2, "reader finds all");
  cust_store_close(r);
  cust_store_rollback(NULL);
  cust_store_close(s);
}

static void test_chain_mismatch(void) {
  cust_store *s = NULL;
  ok(cust_store_open(path_of("cp.db"), 0, &quiet, &s) == CUST_OK, "reopen cp.db");
  ok(cust_store_bind_chain(s, "test-1") == CUST_OK, "binding to its own chain is fine");
  capture_reset();
  s->log = &capture;
  ok(cust_store_bind_chain(s, "other-2") == CUST_ERR_MISMATCH, "another chain id is refused");
  ok(captured("\"test-1\"") && captured("\"other-2\"") && captured("cp.db"),
     "the message names both chains and the file");
  ok(write_block(s, "other-2", 4, 1) == CUST_ERR_MISMATCH,
     "a checkpoint for another chain is refused");
  cust_checkpoint cp;
  ok(cust_store_checkpoint(s, &cp) == CUST_OK && cp.height == 3, "and nothing was written");
  s->log = &quiet;
  cust_store_close(s);
  ok(cust_store_open(path_of("fresh.db"), CUST_STORE_CREATE, &quiet, &s) == CUST_OK &&
         cust_store_bind_chain(s, "axone-1") == CUST_OK,
     "a new store binds to a chain");
  cust_store_close(s);
  ok(cust_store_open(path_of("fresh.db"), 0, &quiet, &s) == CUST_OK &&
         cust_store_bind_chain(s, "okp4-nemeton-1") == CUST_ERR_MISMATCH,
     "and remembers it after reopening");
  ok(cust_store_bind_chain(s, "") == CUST_ERR_INVALID, "an empty chain id is invalid");
  cust_store_close(s);
}

static void test_readonly_file(void) {
  cust_store *s = NULL;
  ok(cust_store_open(path_of("ro.db"), CUST_STORE_CREATE, &quiet, &s) == CUST_OK &&
         write_block(s, "ro-1", 1, 3) == CUST_OK,
     "make ro.db");
  cust_store_close(s);
  chmod(path_of("ro.db"), 0444);
  chmod(tmpdir, 0555);
  pid_t pid = fork();
  if (pid == 0) {
    /* root ignores permissions: drop to nobody to see a real read-only file */
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) {
      _exit(9);
    }
    int code = 0;
    cust_store *c = NULL;
    if (cust_store_open(path_of("ro.db"), 0, &quiet, &c) != CUST_ERR_READONLY || c != NULL) {
      code |= 1;
    }
    cust_store_close(c);
    c = NULL;
    uint64_t n = 0;
    if (cust_store_open(path_of("ro.db"), CUST_STORE_READONLY, &quiet, &c) != CUST_OK ||
        cust_store_count(c, &n) != CUST_OK || n == 0) {
      code |= 2;
    }
    cust_quad q = quad(cust_term_iri("urn:x"), "urn:p", cust_term_iri("urn:o"), NULL);
    if (c != NULL && cust_store_add(c, &q) != CUST_ERR_READONLY) {
      code |= 4;
    }
    /* librdf's own connection, which SPARQL reads through */
    librdf_model *m = c != NULL ? cust_store_rdf_model(c) : NULL;
    if (m == NULL || librdf_model_size(m) != (int)n) {
      code |= 8;
    }
    cust_store_close(c);
    /* a second handle after the first is gone */
    c = NULL;
    if (cust_store_open(path_of("ro.db"), CUST_STORE_READONLY, &quiet, &c) != CUST_OK ||
        (m = cust_store_rdf_model(c)) == NULL || librdf_model_size(m) != (int)n) {
      code |= 16;
    }
    cust_store_close(c);
    _exit(code);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 100;
  ok(code != 9, "the child could drop privileges");
  ok(!(code & 1), "a read-only file cannot be opened for writing (CUST_ERR_READONLY)");
  ok(!(code & 2), "a read-only file opens read-only and reads");
  ok(!(code & 4), "writes to it fail cleanly");
  ok(!(code & 8), "librdf reads it too, in a folder nobody may write");
  ok(!(code & 16), "and again after the first handle is closed");
  struct stat sb;
  ok(stat(path_of("ro.db-shm"), &sb) != 0 && stat(path_of("ro.db-wal"), &sb) != 0,
     "no -shm or -wal was made");
  chmod(path_of("ro.db"), 0644);
  chmod(tmpdir, 0700);
  ok(cust_store_open(path_of("ro.db"), 0, &quiet, &s) == CUST_OK, "writable again");
  sqlite3_stmt *q = NULL;
  sqlite3_prepare_v2(cust_store_db(s), "PRAGMA integrity_check", -1, &q, NULL);
  ok(sqlite3_step(q) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(q, 0), "ok") == 0,
     "and intact");
  sqlite3_finalize(q);
  cust_store_close(s);
}

static void test_full_disk(void) {
  cust_store *s = NULL;
  ok(cust_store_open(path_of("full.db"), CUST_STORE_CREATE, &quiet, &s) == CUST_OK &&
         write_block(s, "full-1", 1, 20) == CUST_OK,
     "make full.db");
  uint64_t before = 0, after = 0;
  cust_store_count(s, &before);
  /* Room for 128 KiB more, whatever the page size. */
  sqlite3_stmt *pq = NULL;
  int64_t pages = 0, page_size = 4096;
  if (sqlite3_prepare_v2(cust_store_db(s),
                         "SELECT page_count, page_size FROM pragma_page_count, "
                         "pragma_page_size",
                         -1, &pq, NULL) == SQLITE_OK &&
      sqlite3_step(pq) == SQLITE_ROW) {
    pages = sqlite3_column_int64(pq, 0);
    page_size = sqlite3_column_int64(pq, 1);
  }
  sqlite3_finalize(pq);
  char limit[80];
  snprintf(limit, sizeof limit, "PRAGMA max_page_count = %lld",
           (long long)(pages + 131072 / page_size));
  sqlite3_exec(cust_store_db(s), limit, NULL, NULL, NULL);
  capture_reset();
  s->log = &capture;
  cust_status st = cust_store_begin(s);
  char big[2000];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  int i = 0;
  for (; i < 10000 && st == CUST_OK; i++) {
    char subj[64];
    snprintf(subj, sizeof subj, "urn:full:%d", i);
    big[0] = (char)('a' + i % 26);
    big[1] = (char)('a' + (i / 26) % 26);
    big[2] = (char)('a' + (i / 676) % 26);
    cust_quad q = quad(cust_term_iri(subj), "urn:p", cust_term_literal(big, NULL, NULL), "urn:g");
    st = cust_store_add(s, &q);
  }
  ok(st == CUST_ERR_FULL, "a full disk is CUST_ERR_FULL (after %d quads)", i);
  cust_quad more = quad(cust_term_iri("urn:more"), "urn:p", cust_term_iri("urn:o"), "urn:g");
  st = cust_store_add(s, &more);
  ok(st == CUST_ERR_INVALID || st == CUST_ERR_FULL,
     "writing on after the failure is refused until rollback (%s)", cust_strerror(st));
  ok(captured("disk full") && captured("full.db"), "the message says disk full and names the file");
  cust_store_rollback(s);
  s->log = &quiet;
  cust_store_count(s, &after);
  is_int(after, before, "the store is as it was before the transaction");
  cust_checkpoint cp;
  ok(cust_store_checkpoint(s, &cp) == CUST_OK && cp.height == 1, "and so is the checkpoint");
  /* A commit that fails on a full disk also rolls back. */
  ok(write_block(s, "full-1", 2, 2000) == CUST_ERR_FULL, "a whole block on a full disk fails");
  cust_store_count(s, &after);
  ok(after == before && cust_store_checkpoint(s, &cp) == CUST_OK && cp.height == 1,
     "and leaves the store at block 1");
  sqlite3_exec(cust_store_db(s), "PRAGMA max_page_count = 1000000", NULL, NULL, NULL);
  ok(write_block(s, "full-1", 2, 20) == CUST_OK, "with room again, block 2 commits");
  sqlite3_stmt *q = NULL;
  sqlite3_prepare_v2(cust_store_db(s), "PRAGMA integrity_check", -1, &q, NULL);
  ok(sqlite3_step(q) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(q, 0), "ok") == 0,
     "the file is intact");
  sqlite3_finalize(q);
  cust_store_close(s);
}

/* A child writes blocks of 300 quads in a loop until it is killed, writing
 * one byte to `fd` after each commit. */
static void crash_writer(const char *path, int fd) {
  cust_store *s = NULL;
  if (cust_store_open(path, CUST_STORE_CREATE, NULL, &s) != CUST_OK) {
    _exit(3);
  }
  cust_checkpoint cp;
  if (cust_store_checkpoint(s, &cp) != CUST_OK) {
    _exit(4);
  }
  for (uint64_t h = cp.height + 1;; h++) {
    if (write_block(s, "crash-1", h, 300) != CUST_OK) {
      _exit(5);
    }
    if (write(fd, "c", 1) != 1) {
      _exit(6);
    }
  }
}

static int check_boundary(const char *path, uint64_t *height) {
  cust_store *s = NULL;
  if (cust_store_open(path, 0, &quiet, &s) != CUST_OK) {
    return 0;
  }
  cust_checkpoint cp;
  uint64_t n = 0;
  int good = cust_store_checkpoint(s, &cp) == CUST_OK && cust_store_count(s, &n) == CUST_OK;
  uint64_t h = cp.height;
  *height = h;
  /* h blocks of 300, one "latest", four checkpoint quads */
  good = good && n == (h == 0 ? 0 : h * 300 + 1 + 4);
  char hv[32], subj[64];
  snprintf(hv, sizeof hv, "%llu", (unsigned long long)h);
  cust_quad pat = { cust_term_iri("urn:current"), cust_term_iri("urn:p:latest"),
                    cust_term_literal(hv, NULL, XSD "integer"), none() };
  good = good && (h == 0 || find_count(s, pat) == 1);
  snprintf(subj, sizeof subj, "urn:block:%llu:299", (unsigned long long)h);
  pat = (cust_quad){ cust_term_iri(subj), none(), none(), none() };
  good = good && (h == 0 || find_count(s, pat) == 1);
  snprintf(subj, sizeof subj, "urn:block:%llu:0", (unsigned long long)h + 1);
  pat = (cust_quad){ cust_term_iri(subj), none(), none(), none() };
  good = good && find_count(s, pat) == 0;
  sqlite3_stmt *q = NULL;
  sqlite3_prepare_v2(cust_store_db(s), "PRAGMA quick_check", -1, &q, NULL);
  good = good && sqlite3_step(q) == SQLITE_ROW &&
         strcmp((const char *)sqlite3_column_text(q, 0), "ok") == 0;
  sqlite3_finalize(q);
  cust_store_close(s);
  return good;
}

static void test_crash_atomicity(void) {
  const char *path = path_of("crash.db");
  unsigned seed = (unsigned)getpid();
  int bad = 0, kills = 0, advanced = 0;
  uint64_t last = 0, h = 0;
  for (int round = 0; round < 40; round++) {
    int fds[2];
    if (pipe(fds) != 0) {
      break;
    }
    pid_t pid = fork();
    if (pid == 0) {
      close(fds[0]);
      crash_writer(path, fds[1]);
    }
    close(fds[1]);
    /* After the first commit of this run, kill at a random moment of the
     * blocks that follow (a block takes a few milliseconds). */
    char c;
    if (read(fds[0], &c, 1) != 1) {
      tap_diag("round %d: the writer committed nothing", round);
    }
    usleep((useconds_t)(rand_r(&seed) % 15000));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    close(fds[0]);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
      kills++;
    } else {
      tap_diag("writer exited by itself with status %d", status);
    }
    if (!check_boundary(path, &h)) {
      bad++;
      tap_diag("round %d: the store is not at a block boundary (height %llu)", round,
               (unsigned long long)h);
    }
    advanced += h > last;
    last = h;
  }
  ok(kills == 40, "the writer was killed at a random moment 40 times (%d)", kills);
  ok(bad == 0, "after every kill -9 the store is exactly at a block boundary");
  ok(advanced == 40, "and indexing went on from there each time (%d, height %llu)", advanced,
     (unsigned long long)last);
}

/* ---- the change log ------------------------------------------------------ */

typedef struct seen_change {
  int n, adds, dels;
  int q1_add, q1_del, q3_add;
} seen_change;

static int on_change(void *ud, int is_add, const cust_quad *q) {
  seen_change *c = ud;
  c->n++;
  is_add ? c->adds++ : c->dels++;
  if (q->s.kind == CUST_TERM_IRI && strcmp(q->s.value, "http://example.org/log1") == 0) {
    is_add ? c->q1_add++ : c->q1_del++;
  }
  if (q->s.kind == CUST_TERM_BLANK && strcmp(q->s.value, "b3") == 0 && is_add) {
    c->q3_add++;
  }
  return 0;
}

static int on_mark(void *ud, const cust_store_commit_mark *m) {
  cust_store_commit_mark *out = ud;
  out[out[0].seq == 0 ? 0 : 1] = *m;
  return 0;
}

static cust_status commit_at(cust_store *s, uint64_t height, const char *hash) {
  cust_checkpoint cp;
  memset(&cp, 0, sizeof cp);
  cp.height = height;
  snprintf(cp.block_hash, sizeof cp.block_hash, "%s", hash);
  snprintf(cp.chain_id, sizeof cp.chain_id, "log-chain");
  cust_status st = cust_store_set_checkpoint(s, &cp);
  return st == CUST_OK ? cust_store_commit(s) : st;
}

static void test_change_log(void) {
  cust_store *s = NULL;
  cust_store_log_info info;
  ok(cust_store_open(path_of("log.db"), CUST_STORE_CREATE, &quiet, &s) == CUST_OK, "open log.db");
  ok(cust_store_log_state(s, &info) == CUST_OK && info.is_whole && info.log_from == 0 &&
         info.last_seq == 0 && strlen(info.store_id) == 32,
     "a new store has a whole, empty log and an id");
  cust_quad q1 = quad(cust_term_iri("http://example.org/log1"), "http://example.org/p",
                      cust_term_literal("one", NULL, NULL), "http://example.org/g");
  cust_quad q2 = quad(cust_term_iri("http://example.org/log2"), "http://example.org/p",
                      cust_term_literal("2", NULL, "http://www.w3.org/2001/XMLSchema#integer"),
                      "http://example.org/g");
  cust_quad q3 = quad(cust_term_blank("b3"), "http://example.org/p",
                      cust_term_literal("x", "en", NULL), "http://example.org/g2");
  ok(cust_store_begin(s) == CUST_OK && cust_store_add(s, &q1) == CUST_OK &&
         cust_store_add(s, &q2) == CUST_OK && commit_at(s, 1, "AA") == CUST_OK,
     "block 1: two quads");
  cust_changes c;
  cust_changes_init(&c);
  cust_changes_remove_sp(&c, &q1.s, &q1.p, &q1.g);
  cust_changes_add(&c, &q3);
  ok(cust_store_begin(s) == CUST_OK && cust_store_apply(s, &c) == CUST_OK &&
         commit_at(s, 2, "BB") == CUST_OK,
     "block 2: one removed, one added");
  cust_changes_release(&c);
  ok(cust_store_begin(s) == CUST_OK && cust_store_add(s, &q1) == CUST_OK, "a third block begins");
  cust_store_rollback(s);

  cust_store_commit_mark marks[2];
  memset(marks, 0, sizeof marks);
  ok(cust_store_log_state(s, &info) == CUST_OK && info.last_seq > 0, "the log has grown");
  ok(cust_store_log_commits(s, 0, 10, on_mark, marks) == CUST_OK && marks[0].height == 1 &&
         strcmp(marks[0].block_hash, "AA") == 0 && marks[1].height == 2 &&
         strcmp(marks[1].block_hash, "BB") == 0 && marks[1].seq == info.last_seq,
     "one mark per commit, with its height and hash; the rolled-back one has none");
  seen_change all = { 0 }, second = { 0 };
  ok(cust_store_log_changes(s, 0, info.last_seq, on_change, &all) == CUST_OK, "read the whole log");
  ok(all.q1_del == 1 && all.q1_add == 0 && all.q3_add == 1,
     "net changes: a quad added then removed is removed, once");
  ok(cust_store_log_changes(s, marks[0].seq, marks[1].seq, on_change, &second) == CUST_OK &&
         second.q1_del == 1 && second.q3_add == 1,
     "the changes of block 2 alone");
  char hash[80];
  ok(cust_store_log_hash_at(s, 1, hash, sizeof hash) == CUST_OK && strcmp(hash, "AA") == 0,
     "the hash of height 1 is kept");
  uint64_t nq = 0;
  seen_change quads = { 0 };
  cust_store_count(s, &nq);
  cust_status qst = cust_store_quads(s, on_change, &quads);
  ok(qst == CUST_OK && (uint64_t)quads.n == nq && quads.q3_add == 1,
     "every quad of the store is read (%d of %llu)", quads.n, (unsigned long long)nq);

  /* trimming: rows more than CUST_STORE_LOG_KEEP heights old go, every 64
   * commits, except after the pin of a mirror */
  cust_store_pin_log(s, marks[1].seq);
  cust_status tst = CUST_OK;
  for (int i = 0; i < 130 && tst == CUST_OK; i++) {
    cust_quad qi =
        quad(cust_term_iri("http://example.org/trim"), "http://example.org/n",
             cust_term_literal(i % 2 ? "odd" : "even", NULL, NULL), "http://example.org/g");
    tst = cust_store_begin(s);
    tst = tst == CUST_OK ? cust_store_add(s, &qi) : tst;
    tst = tst == CUST_OK ? commit_at(s, 3 + CUST_STORE_LOG_KEEP * 2 + (uint64_t)i, "CC") : tst;
  }
  tst = tst == CUST_OK ? cust_store_log_state(s, &info) : tst;
  ok(tst == CUST_OK && info.log_from == marks[1].seq,
     "a pinned log is trimmed up to the pin only (from %lld, pin %lld)", (long long)info.log_from,
     (long long)marks[1].seq);
  cust_store_pin_log(s, -1);
  for (int i = 0; i < 64 && tst == CUST_OK; i++) {
    cust_quad qi =
        quad(cust_term_iri("http://example.org/trim2"), "http://example.org/n",
             cust_term_literal(i % 2 ? "odd" : "even", NULL, NULL), "http://example.org/g");
    tst = cust_store_begin(s);
    tst = tst == CUST_OK ? cust_store_add(s, &qi) : tst;
    tst = tst == CUST_OK ? commit_at(s, 3 + CUST_STORE_LOG_KEEP * 3 + (uint64_t)i, "DD") : tst;
  }
  tst = tst == CUST_OK ? cust_store_log_state(s, &info) : tst;
  ok(tst == CUST_OK && info.log_from > marks[1].seq && info.log_from < info.last_seq,
     "unpinned, the old heights are trimmed, the last row kept (from %lld, last %lld)",
     (long long)info.log_from, (long long)info.last_seq);
  seen_change rest = { 0 };
  tst = cust_store_log_changes(s, info.log_from, info.last_seq, on_change, &rest);
  ok(tst == CUST_OK && rest.n > 0, "what is kept reads back (%d changes)", rest.n);
  cust_store_close(s);

  /* a store made before the log: it gets one, not whole */
  sqlite3 *db = NULL;
  sqlite3_open(path_of("log.db"), &db);
  ok(sqlite3_exec(db,
                  "DROP TRIGGER cust_log_add; DROP TRIGGER cust_log_del; DROP TABLE cust_log; "
                  "DROP TABLE cust_log_commits; DELETE FROM cust_meta WHERE key LIKE 'log%' "
                  "OR key = 'store_id'",
                  NULL, NULL, NULL) == SQLITE_OK,
     "remove the log");
  sqlite3_close(db);
  ok(cust_store_open(path_of("log.db"), CUST_STORE_READONLY, &quiet, &s) == CUST_OK &&
         cust_store_log_state(s, &info) == CUST_ERR_FORMAT,
     "read-only, a store without a log says so");
  cust_store_close(s);
  ok(cust_store_open(path_of("log.db"), 0, &quiet, &s) == CUST_OK &&
         cust_store_log_state(s, &info) == CUST_OK && !info.is_whole && info.last_seq == 0,
     "opened for writing, it gets a log that does not hold its past");
  cust_store_close(s);
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "%s/custodian-store.XXXXXX",
           getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (mkdtemp(tmpdir) == NULL) {
    printf("Bail out! cannot make a temporary directory\n");
    return 1;
  }
  cust_logger_init(&quiet, NULL, CUST_LOG_ERROR);
  cust_logger_init(&capture, open_memstream(&capture_buf, &capture_len), CUST_LOG_DEBUG);

  test_open_and_create();
  test_not_a_store();
  test_writer_and_find();
  test_find_nested();
  test_query_plans();
  test_remove_sp();
  test_equivalence();
  test_batched_writes();
  test_bulk_apply();
  test_cache_bound();
  test_predicate_counts();
  test_datatypes_by_id();
  test_merged_scans();
  test_checkpoint();
  test_chain_mismatch();
  test_readonly_file();
  test_full_disk();
  test_crash_atomicity();
  test_change_log();

  fclose(capture.out);
  free(capture_buf);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (system(cmd) != 0) {
    tap_diag("could not remove %s", tmpdir);
  }
  return done_testing();
}
