/* The W3C SPARQL 1.1 test suite as TAP: reads the manifests with raptor,
 * loads each test's data with `custodian load`, runs its query with
 * `custodian query` (or Oxigraph through bench/oxigraph_w3c.mjs) and compares
 * the answer with the expected one: one TAP line per manifest entry.
 *
 *   run_w3c [--suite DIR] [--custodian PATH | --oxigraph SCRIPT] [--known FILE]
 *           [--write-known FILE] [--only TEXT] [--keep]
 *
 * Files are named by their W3C IRIs (W3C_BASE + path in the suite), so
 * relative IRIs of data, queries and expected answers resolve as the working
 * group resolved them, wherever the suite lies. The known-failures file lists
 * one test a line, "dir/name reason"; such a test that fails is reported as
 * `not ok … # TODO known failure`, one that passes fails the run. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <raptor2.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/core.h"

extern char **environ;

#define W3C_BASE "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/"
#define MF "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
#define QT "http://www.w3.org/2001/sw/DataAccess/tests/test-query#"
#define DAWGT "http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#"
#define RDF "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define RS "http://www.w3.org/2001/sw/DataAccess/tests/result-set#"
#define XSD "http://www.w3.org/2001/XMLSchema#"
/* the graph that holds each test's default-graph data */
#define DEFAULT_GRAPH "urn:custodian:w3c:default-graph"
#define MAX_FILES 16
#define MAX_STEPS 2000000

/* ---- terms, graphs and result sets ---------------------------------------- */

typedef enum { T_NONE, T_IRI, T_BNODE, T_LIT } tkind;

typedef struct term {
  tkind kind;
  const char *v;    /* IRI, blank label or lexical form */
  const char *dt;   /* literal datatype or NULL */
  const char *lang; /* language tag or NULL */
} term;

typedef struct triple {
  term s, p, o;
} triple;

typedef struct graph {
  triple *t;
  size_t n, cap;
  cust_arena *a; /* borrowed: holds the strings and the array */
} graph;

typedef struct results {
  int is_bool, boolean;
  const char **vars;
  size_t nvars, capvars;
  term **rows; /* rows[i][j]: the value of vars[j] in row i (T_NONE: unbound) */
  size_t nrows, caprows;
} results;

/* What a test expects or what an engine answered. */
typedef struct answer {
  int is_graph;
  graph g;
  results r;
} answer;

typedef struct dirstat {
  char name[64];
  int pass, refused, error, wrong, skip;
} dirstat;

typedef struct known {
  char *name;
  char *reason;
} known;

typedef struct runner {
  const char *suite, *custodian, *oxigraph, *only, *work;
  raptor_world *world;
  char parse_err[512];
  known *known;
  size_t nknown;
  FILE *write_known;
  int n, unexpected;
  dirstat dirs[64];
  size_t ndirs;
  cust_arena *a; /* the current test's memory */
} runner;

static void oom(void) {
  fputs("Bail out! out of memory\n", stdout);
  exit(99);
}

static void *xalloc(cust_arena *a, size_t n) {
  void *p = cust_arena_alloc(a, n ? n : 1);
  if (p == NULL) {
    oom();
  }
  memset(p, 0, n ? n : 1);
  return p;
}

static char *xdup(cust_arena *a, const char *s, size_t n) {
  char *p = cust_arena_strndup(a, s, n);
  if (p == NULL) {
    oom();
  }
  return p;
}

static char *xprintf(cust_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *xprintf(cust_arena *a, const char *fmt, ...) {
  char small[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) {
    oom();
  }
  char *p = xalloc(a, (size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return p;
}

/* Grows an arena array of `size`-byte items to hold one more. */
static void *grow(cust_arena *a, void *v, size_t n, size_t *cap, size_t size) {
  if (n < *cap) {
    return v;
  }
  size_t ncap = *cap ? *cap * 2 : 8;
  void *nv = xalloc(a, ncap * size);
  if (n > 0) {
    memcpy(nv, v, n * size);
  }
  *cap = ncap;
  return nv;
}

static int is_numeric_dt(const char *dt) {
  static const char *const names[] = { "integer",
                                       "decimal",
                                       "double",
                                       "float",
                                       "int",
                                       "long",
                                       "short",
                                       "byte",
                                       "nonNegativeInteger",
                                       "nonPositiveInteger",
                                       "negativeInteger",
                                       "positiveInteger",
                                       "unsignedLong",
                                       "unsignedInt",
                                       "unsignedShort",
                                       "unsignedByte" };
  if (dt == NULL || strncmp(dt, XSD, strlen(XSD)) != 0) {
    return 0;
  }
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (strcmp(dt + strlen(XSD), names[i]) == 0) {
      return 1;
    }
  }
  return 0;
}

static int numeric_value(const char *s, long double *out) {
  while (*s == ' ') {
    s++;
  }
  if (strcmp(s, "NaN") == 0) {
    *out = NAN;
    return 1;
  }
  if (strcmp(s, "INF") == 0 || strcmp(s, "+INF") == 0) {
    *out = INFINITY;
    return 1;
  }
  if (strcmp(s, "-INF") == 0) {
    *out = -INFINITY;
    return 1;
  }
  char *end = NULL;
  errno = 0;
  *out = strtold(s, &end);
  return end != s && *end == '\0' && errno == 0;
}

static const char *norm_dt(const term *t) {
  if (t->lang != NULL && t->lang[0] != '\0') {
    return RDF "langString";
  }
  return t->dt != NULL && t->dt[0] != '\0' ? t->dt : XSD "string";
}

/* Literal equality, by value where the expected literal is numeric. */
static int literal_equal(const term *e, const term *a) {
  if (is_numeric_dt(e->dt) && is_numeric_dt(a->dt)) {
    long double x, y;
    if (numeric_value(e->v, &x) && numeric_value(a->v, &y)) {
      if (isnan(x) || isnan(y)) {
        return isnan(x) && isnan(y);
      }
      if (x == y) {
        return 1;
      }
      long double m = fabsl(x) > fabsl(y) ? fabsl(x) : fabsl(y);
      return isfinite(x) && isfinite(y) && fabsl(x - y) <= m * 1e-12L;
    }
  }
  if (strcmp(e->v, a->v) != 0 || strcmp(norm_dt(e), norm_dt(a)) != 0) {
    return 0;
  }
  const char *el = e->lang ? e->lang : "", *al = a->lang ? a->lang : "";
  return strcasecmp(el, al) == 0;
}

/* ---- blank node bijections ---------------------------------------------- */

typedef struct bmap {
  const char **e, **a;
  size_t n, cap;
  cust_arena *arena;
} bmap;

static int bmap_bind(bmap *m, const char *e, const char *a) {
  for (size_t i = 0; i < m->n; i++) {
    int se = strcmp(m->e[i], e) == 0, sa = strcmp(m->a[i], a) == 0;
    if (se || sa) {
      return se && sa;
    }
  }
  size_t cap = m->cap;
  m->e = grow(m->arena, m->e, m->n, &cap, sizeof *m->e);
  m->a = grow(m->arena, m->a, m->n, &m->cap, sizeof *m->a);
  m->e[m->n] = e;
  m->a[m->n] = a;
  m->n++;
  return 1;
}

static int term_match(const term *e, const term *a, bmap *m) {
  if (e->kind != a->kind) {
    return 0;
  }
  switch (e->kind) {
    case T_NONE:
      return 1;
    case T_IRI:
      return strcmp(e->v, a->v) == 0;
    case T_BNODE:
      return bmap_bind(m, e->v, a->v);
    case T_LIT:
      return literal_equal(e, a);
  }
  return 0;
}

/* ---- result sets ---------------------------------------------------------- */

static size_t var_index(cust_arena *a, results *r, const char *name) {
  for (size_t i = 0; i < r->nvars; i++) {
    if (strcmp(r->vars[i], name) == 0) {
      return i;
    }
  }
  r->vars = grow(a, r->vars, r->nvars, &r->capvars, sizeof *r->vars);
  r->vars[r->nvars] = xdup(a, name, strlen(name));
  return r->nvars++;
}

/* Rows are allocated with room for 64 variables, which every test fits. */
#define ROW_VARS 64

static term *new_row(cust_arena *a, results *r) {
  r->rows = grow(a, r->rows, r->nrows, &r->caprows, sizeof *r->rows);
  r->rows[r->nrows] = xalloc(a, ROW_VARS * sizeof(term));
  return r->rows[r->nrows++];
}

static int set_binding(cust_arena *a, results *r, term *row, const char *var, term t) {
  size_t j = var_index(a, r, var);
  if (j >= ROW_VARS) {
    return 0;
  }
  row[j] = t;
  return 1;
}

/* ---- reading files -------------------------------------------------------- */

static char *read_file(cust_arena *a, const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    return NULL;
  }
  cust_buf b;
  cust_buf_init(&b);
  char chunk[8192];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (cust_buf_append(&b, chunk, n) != CUST_OK) {
      oom();
    }
  }
  fclose(f);
  char *s = xdup(a, b.data ? b.data : "", b.len);
  if (len) {
    *len = b.len;
  }
  cust_buf_release(&b);
  return s;
}

/* The local file of a W3C IRI, or NULL when it lies outside the suite. */
static char *local_path(runner *r, const char *iri) {
  if (strncmp(iri, W3C_BASE, strlen(W3C_BASE)) != 0) {
    return NULL;
  }
  return xprintf(r->a, "%s/%s", r->suite, iri + strlen(W3C_BASE));
}

static const char *ext_of(const char *path) {
  const char *dot = strrchr(path, '.');
  return dot ? dot + 1 : "";
}

static void log_handler(void *ud, raptor_log_message *msg) {
  runner *r = ud;
  if (msg->level >= RAPTOR_LOG_LEVEL_ERROR && r->parse_err[0] == '\0') {
    snprintf(r->parse_err, sizeof r->parse_err, "line %d: %s",
             msg->locator ? msg->locator->line : -1, msg->text ? msg->text : "?");
  }
}

static term from_raptor(cust_arena *a, const raptor_term *t) {
  term out;
  memset(&out, 0, sizeof out);
  switch (t->type) {
    case RAPTOR_TERM_TYPE_URI: {
      const char *s = (const char *)raptor_uri_as_string(t->value.uri);
      out.kind = T_IRI;
      out.v = xdup(a, s, strlen(s));
      break;
    }
    case RAPTOR_TERM_TYPE_BLANK:
      out.kind = T_BNODE;
      out.v = xdup(a, (const char *)t->value.blank.string, t->value.blank.string_len);
      break;
    case RAPTOR_TERM_TYPE_LITERAL:
      out.kind = T_LIT;
      out.v = xdup(a, (const char *)t->value.literal.string, t->value.literal.string_len);
      if (t->value.literal.datatype) {
        const char *d = (const char *)raptor_uri_as_string(t->value.literal.datatype);
        out.dt = xdup(a, d, strlen(d));
      }
      if (t->value.literal.language) {
        out.lang = xdup(a, (const char *)t->value.literal.language, t->value.literal.language_len);
      }
      break;
    default:
      break;
  }
  return out;
}

static void add_statement(void *ud, raptor_statement *st) {
  graph *g = ud;
  g->t = grow(g->a, g->t, g->n, &g->cap, sizeof *g->t);
  g->t[g->n].s = from_raptor(g->a, st->subject);
  g->t[g->n].p = from_raptor(g->a, st->predicate);
  g->t[g->n].o = from_raptor(g->a, st->object);
  g->n++;
}

static const char *rdf_syntax(const char *path) {
  const char *e = ext_of(path);
  if (strcmp(e, "ttl") == 0) {
    return "turtle";
  }
  if (strcmp(e, "nt") == 0) {
    return "ntriples";
  }
  if (strcmp(e, "nq") == 0) {
    return "nquads";
  }
  if (strcmp(e, "rdf") == 0 || strcmp(e, "xml") == 0) {
    return "rdfxml";
  }
  return NULL;
}

/* Parses an RDF file as `syntax` with `base_iri`; on failure a message in
 * r->parse_err and 0. */
static int parse_rdf(runner *r, const char *path, const char *syntax, const char *base_iri,
                     graph *g) {
  r->parse_err[0] = '\0';
  raptor_parser *p = raptor_new_parser(r->world, syntax);
  unsigned char *fs = raptor_uri_filename_to_uri_string(path);
  raptor_uri *file = fs ? raptor_new_uri(r->world, fs) : NULL;
  raptor_uri *base = raptor_new_uri(r->world, (const unsigned char *)base_iri);
  int ok = 0;
  if (p == NULL || file == NULL || base == NULL) {
    snprintf(r->parse_err, sizeof r->parse_err, "cannot make a %s parser", syntax);
    goto done;
  }
  raptor_parser_set_option(p, RAPTOR_OPTION_NO_NET, NULL, 1);
  raptor_parser_set_statement_handler(p, g, add_statement);
  ok = raptor_parser_parse_file(p, file, base) == 0 && r->parse_err[0] == '\0';
  if (!ok && r->parse_err[0] == '\0') {
    snprintf(r->parse_err, sizeof r->parse_err, "cannot parse the file");
  }
done:
  raptor_free_uri(base);
  raptor_free_uri(file);
  raptor_free_memory(fs);
  raptor_free_parser(p);
  return ok;
}

/* ---- graph lookups (manifests, rs:ResultSet) ------------------------------ */

static int term_is(const term *t, const term *u) {
  return t->kind == u->kind && strcmp(t->v, u->v) == 0;
}

static const term *obj(const graph *g, const term *s, const char *p) {
  for (size_t i = 0; i < g->n; i++) {
    if (term_is(&g->t[i].s, s) && strcmp(g->t[i].p.v, p) == 0) {
      return &g->t[i].o;
    }
  }
  return NULL;
}

/* The objects of (s, p) in file order, up to `max`; returns how many. */
static size_t objs(const graph *g, const term *s, const char *p, const term **out, size_t max) {
  size_t n = 0;
  for (size_t i = 0; i < g->n; i++) {
    if (term_is(&g->t[i].s, s) && strcmp(g->t[i].p.v, p) == 0) {
      if (n < max) {
        out[n] = &g->t[i].o;
      }
      n++;
    }
  }
  return n;
}

static size_t list_items(const graph *g, const term *head, const term **out, size_t max) {
  size_t n = 0;
  while (head != NULL && !(head->kind == T_IRI && strcmp(head->v, RDF "nil") == 0) && n < max) {
    const term *first = obj(g, head, RDF "first");
    if (first == NULL) {
      break;
    }
    out[n++] = first;
    head = obj(g, head, RDF "rest");
  }
  return n;
}

/* An rs:ResultSet graph as a result set; 0 when there is none. */
static int results_from_rs(cust_arena *a, const graph *g, results *r, int *is_ordered) {
  const term *rs = NULL;
  for (size_t i = 0; i < g->n && rs == NULL; i++) {
    if (strcmp(g->t[i].p.v, RDF "type") == 0 && g->t[i].o.kind == T_IRI &&
        strcmp(g->t[i].o.v, RS "ResultSet") == 0) {
      rs = &g->t[i].s;
    }
  }
  if (rs == NULL) {
    return 0;
  }
  const term *b = obj(g, rs, RS "boolean");
  if (b != NULL) {
    r->is_bool = 1;
    r->boolean = strcmp(b->v, "true") == 0 || strcmp(b->v, "1") == 0;
    return 1;
  }
  const term *items[1024];
  size_t nv = objs(g, rs, RS "resultVariable", items, 1024);
  for (size_t i = 0; i < nv && i < 1024; i++) {
    var_index(a, r, items[i]->v);
  }
  size_t ns = objs(g, rs, RS "solution", items, 1024);
  long idx[1024];
  const term *sols[1024];
  for (size_t i = 0; i < ns && i < 1024; i++) {
    const term *ix = obj(g, items[i], RS "index");
    idx[i] = ix ? strtol(ix->v, NULL, 10) : (long)i;
    *is_ordered |= ix != NULL;
    sols[i] = items[i];
  }
  /* order the solutions by rs:index, an insertion sort of a few rows */
  for (size_t i = 1; i < ns && i < 1024; i++) {
    for (size_t j = i; j > 0 && idx[j - 1] > idx[j]; j--) {
      long t = idx[j];
      idx[j] = idx[j - 1];
      idx[j - 1] = t;
      const term *s = sols[j];
      sols[j] = sols[j - 1];
      sols[j - 1] = s;
    }
  }
  for (size_t i = 0; i < ns && i < 1024; i++) {
    term *row = new_row(a, r);
    const term *bs[64];
    size_t nb = objs(g, sols[i], RS "binding", bs, 64);
    for (size_t k = 0; k < nb && k < 64; k++) {
      const term *var = obj(g, bs[k], RS "variable");
      const term *val = obj(g, bs[k], RS "value");
      if (var != NULL && val != NULL && !set_binding(a, r, row, var->v, *val)) {
        return 0;
      }
    }
  }
  return 1;
}

/* ---- SPARQL results: XML, JSON, TSV, CSV ---------------------------------- */

typedef struct srx_state {
  cust_arena *a;
  results *r;
  term *row;
  const char *var;
  int in_value; /* 1 uri, 2 bnode, 3 literal, 4 boolean */
  const char *dt, *lang;
  cust_buf text;
  int is_bad;
} srx_state;

static const char *attr(raptor_xml_element *el, const char *name) {
  raptor_qname **at = raptor_xml_element_get_attributes(el);
  int n = raptor_xml_element_get_attributes_count(el);
  for (int i = 0; i < n; i++) {
    if (strcmp((const char *)raptor_qname_get_local_name(at[i]), name) == 0) {
      return (const char *)raptor_qname_get_value(at[i]);
    }
  }
  return NULL;
}

static void srx_start(void *ud, raptor_xml_element *el) {
  srx_state *s = ud;
  const char *name = (const char *)raptor_qname_get_local_name(raptor_xml_element_get_name(el));
  if (strcmp(name, "variable") == 0 && attr(el, "name") != NULL) {
    var_index(s->a, s->r, attr(el, "name"));
  } else if (strcmp(name, "result") == 0) {
    s->row = new_row(s->a, s->r);
  } else if (strcmp(name, "binding") == 0 && attr(el, "name") != NULL) {
    s->var = xdup(s->a, attr(el, "name"), strlen(attr(el, "name")));
  } else if (strcmp(name, "uri") == 0 || strcmp(name, "bnode") == 0 ||
             strcmp(name, "literal") == 0 || strcmp(name, "boolean") == 0) {
    s->in_value = name[0] == 'u'                     ? 1
                  : name[0] == 'b' && name[1] == 'n' ? 2
                  : name[0] == 'l'                   ? 3
                                                     : 4;
    cust_buf_reset(&s->text);
    const char *dt = attr(el, "datatype");
    const char *lang = attr(el, "lang");
    s->dt = dt ? xdup(s->a, dt, strlen(dt)) : NULL;
    s->lang = lang ? xdup(s->a, lang, strlen(lang)) : NULL;
  }
}

static void srx_chars(void *ud, raptor_xml_element *el, const unsigned char *t, int len) {
  (void)el;
  srx_state *s = ud;
  if (s->in_value && cust_buf_append(&s->text, t, (size_t)len) != CUST_OK) {
    oom();
  }
}

static void srx_end(void *ud, raptor_xml_element *el) {
  srx_state *s = ud;
  (void)el;
  if (!s->in_value) {
    return;
  }
  const char *text = xdup(s->a, s->text.data ? s->text.data : "", s->text.len);
  if (s->in_value == 4) {
    s->r->is_bool = 1;
    s->r->boolean = strstr(text, "true") != NULL;
  } else if (s->row != NULL && s->var != NULL) {
    term t = { .kind = s->in_value == 1   ? T_IRI
                       : s->in_value == 2 ? T_BNODE
                                          : T_LIT,
               .v = text,
               .dt = s->dt,
               .lang = s->lang };
    if (!set_binding(s->a, s->r, s->row, s->var, t)) {
      s->is_bad = 1;
    }
  }
  s->in_value = 0;
}

static int parse_srx(runner *r, const char *path, results *out) {
  size_t len;
  char *text = read_file(r->a, path, &len);
  if (text == NULL) {
    snprintf(r->parse_err, sizeof r->parse_err, "cannot read it");
    return 0;
  }
  r->parse_err[0] = '\0';
  srx_state s;
  memset(&s, 0, sizeof s);
  s.a = r->a;
  s.r = out;
  cust_buf_init(&s.text);
  raptor_locator loc;
  memset(&loc, 0, sizeof loc);
  raptor_sax2 *sax = raptor_new_sax2(r->world, &loc, &s);
  if (sax == NULL) {
    oom();
  }
  raptor_sax2_set_start_element_handler(sax, srx_start);
  raptor_sax2_set_end_element_handler(sax, srx_end);
  raptor_sax2_set_characters_handler(sax, srx_chars);
  raptor_sax2_set_cdata_handler(sax, srx_chars);
  raptor_sax2_parse_start(sax, NULL);
  int rc = raptor_sax2_parse_chunk(sax, (const unsigned char *)text, len, 1);
  raptor_free_sax2(sax);
  cust_buf_release(&s.text);
  if (rc != 0 || r->parse_err[0] != '\0' || s.is_bad) {
    if (r->parse_err[0] == '\0') {
      snprintf(r->parse_err, sizeof r->parse_err, "not SPARQL XML results");
    }
    return 0;
  }
  return 1;
}

static int parse_srj(runner *r, const char *path, results *out) {
  json_error_t je;
  json_t *root = json_load_file(path, 0, &je);
  int ok = 0;
  if (root == NULL) {
    snprintf(r->parse_err, sizeof r->parse_err, "line %d: %s", je.line, je.text);
    return 0;
  }
  json_t *b = json_object_get(root, "boolean");
  if (json_is_boolean(b)) {
    out->is_bool = 1;
    out->boolean = json_is_true(b);
    ok = 1;
    goto done;
  }
  json_t *vars = json_object_get(json_object_get(root, "head"), "vars");
  size_t i;
  json_t *v;
  json_array_foreach(vars, i, v) {
    if (json_is_string(v)) {
      var_index(r->a, out, json_string_value(v));
    }
  }
  json_t *rows = json_object_get(json_object_get(root, "results"), "bindings");
  if (!json_is_array(rows)) {
    snprintf(r->parse_err, sizeof r->parse_err, "no results.bindings array");
    goto done;
  }
  json_t *row;
  json_array_foreach(rows, i, row) {
    term *tr = new_row(r->a, out);
    const char *key;
    json_t *val;
    json_object_foreach(row, key, val) {
      const char *type = json_string_value(json_object_get(val, "type"));
      const char *value = json_string_value(json_object_get(val, "value"));
      const char *dt = json_string_value(json_object_get(val, "datatype"));
      const char *lang = json_string_value(json_object_get(val, "xml:lang"));
      if (type == NULL || value == NULL) {
        snprintf(r->parse_err, sizeof r->parse_err, "a binding without type or value");
        goto done;
      }
      term t = { .kind = strcmp(type, "uri") == 0     ? T_IRI
                         : strcmp(type, "bnode") == 0 ? T_BNODE
                                                      : T_LIT,
                 .v = xdup(r->a, value, strlen(value)),
                 .dt = dt ? xdup(r->a, dt, strlen(dt)) : NULL,
                 .lang = lang ? xdup(r->a, lang, strlen(lang)) : NULL };
      if (!set_binding(r->a, out, tr, key, t)) {
        snprintf(r->parse_err, sizeof r->parse_err, "more than %d variables", ROW_VARS);
        goto done;
      }
    }
  }
  ok = 1;
done:
  json_decref(root);
  return ok;
}

static void put_utf8(cust_buf *b, unsigned long c) {
  unsigned char u[4];
  size_t n;
  if (c < 0x80) {
    u[0] = (unsigned char)c;
    n = 1;
  } else if (c < 0x800) {
    u[0] = (unsigned char)(0xC0 | (c >> 6));
    u[1] = (unsigned char)(0x80 | (c & 0x3F));
    n = 2;
  } else if (c < 0x10000) {
    u[0] = (unsigned char)(0xE0 | (c >> 12));
    u[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
    u[2] = (unsigned char)(0x80 | (c & 0x3F));
    n = 3;
  } else {
    u[0] = (unsigned char)(0xF0 | (c >> 18));
    u[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
    u[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
    u[3] = (unsigned char)(0x80 | (c & 0x3F));
    n = 4;
  }
  if (cust_buf_append(b, u, n) != CUST_OK) {
    oom();
  }
}

/* One TSV field (a Turtle term) as a term; 0 when it is not one. */
static int tsv_term(cust_arena *a, const char *s, size_t n, term *t) {
  memset(t, 0, sizeof *t);
  if (n == 0) {
    return 1; /* unbound */
  }
  if (s[0] == '<' && s[n - 1] == '>') {
    t->kind = T_IRI;
    t->v = xdup(a, s + 1, n - 2);
    return 1;
  }
  if (n > 2 && s[0] == '_' && s[1] == ':') {
    t->kind = T_BNODE;
    t->v = xdup(a, s + 2, n - 2);
    return 1;
  }
  t->kind = T_LIT;
  if (s[0] == '"') {
    cust_buf b;
    cust_buf_init(&b);
    size_t i = 1;
    for (; i < n && s[i] != '"'; i++) {
      char c = s[i];
      if (c == '\\' && i + 1 < n) {
        char e = s[++i];
        unsigned long cp;
        int digits = e == 'u' ? 4 : e == 'U' ? 8 : 0;
        if (digits > 0 && i + (size_t)digits < n) {
          char hex[9];
          memcpy(hex, s + i + 1, (size_t)digits);
          hex[digits] = '\0';
          cp = strtoul(hex, NULL, 16);
          put_utf8(&b, cp);
          i += (size_t)digits;
          continue;
        }
        c = e == 't'   ? '\t'
            : e == 'n' ? '\n'
            : e == 'r' ? '\r'
            : e == 'b' ? '\b'
            : e == 'f' ? '\f'
                       : e;
      }
      if (cust_buf_putc(&b, c) != CUST_OK) {
        oom();
      }
    }
    t->v = xdup(a, b.data ? b.data : "", b.len);
    cust_buf_release(&b);
    if (i >= n) {
      return 0;
    }
    i++;
    if (i < n && s[i] == '@') {
      t->lang = xdup(a, s + i + 1, n - i - 1);
    } else if (i + 3 < n && s[i] == '^' && s[i + 1] == '^' && s[i + 2] == '<' && s[n - 1] == '>') {
      t->dt = xdup(a, s + i + 3, n - i - 4);
    } else if (i != n) {
      return 0;
    }
    return 1;
  }
  t->v = xdup(a, s, n);
  if (strcmp(t->v, "true") == 0 || strcmp(t->v, "false") == 0) {
    t->dt = XSD "boolean";
  } else if (strpbrk(t->v, "eE") != NULL) {
    t->dt = XSD "double";
  } else if (strchr(t->v, '.') != NULL) {
    t->dt = XSD "decimal";
  } else {
    t->dt = XSD "integer";
  }
  return 1;
}

static int parse_tsv(runner *r, const char *path, results *out) {
  size_t len;
  char *text = read_file(r->a, path, &len);
  if (text == NULL) {
    snprintf(r->parse_err, sizeof r->parse_err, "cannot read it");
    return 0;
  }
  size_t idx[ROW_VARS];
  size_t ncols = 0;
  int line = 0;
  char *p = text;
  while (*p != '\0') {
    char *eol = strchr(p, '\n');
    size_t llen = eol ? (size_t)(eol - p) : strlen(p);
    if (llen > 0 && p[llen - 1] == '\r') {
      llen--;
    }
    line++;
    if (line == 1 && llen == 0) {
      p = eol ? eol + 1 : p + strlen(p); /* a result without variables */
      continue;
    }
    term *row = line == 1 ? NULL : new_row(r->a, out);
    size_t col = 0;
    const char *f = p, *end = p + llen;
    while (f <= end) {
      const char *tab = memchr(f, '\t', (size_t)(end - f));
      const char *fe = tab ? tab : end;
      if (col >= ROW_VARS) {
        snprintf(r->parse_err, sizeof r->parse_err, "line %d: too many columns", line);
        return 0;
      }
      if (line == 1) {
        const char *name = f + (f < fe && (*f == '?' || *f == '$'));
        char *v = xdup(r->a, name, (size_t)(fe - name));
        idx[col] = var_index(r->a, out, v);
        ncols++;
      } else {
        term t;
        if (col >= ncols || !tsv_term(r->a, f, (size_t)(fe - f), &t)) {
          snprintf(r->parse_err, sizeof r->parse_err, "line %d, column %zu: not a TSV term", line,
                   col + 1);
          return 0;
        }
        row[idx[col]] = t;
      }
      col++;
      if (tab == NULL) {
        break;
      }
      f = tab + 1;
    }
    if (eol == NULL) {
      break;
    }
    p = eol + 1;
  }
  return 1;
}

/* CSV keeps no types: every field is a plain string, "_:" fields blank
 * nodes, empty fields unbound; both sides are read the same way. */
static int parse_csv(runner *r, const char *path, results *out) {
  size_t len;
  char *text = read_file(r->a, path, &len);
  if (text == NULL) {
    snprintf(r->parse_err, sizeof r->parse_err, "cannot read it");
    return 0;
  }
  size_t idx[ROW_VARS];
  size_t col = 0, ncols = 0;
  int line = 1;
  term *row = NULL;
  cust_buf f;
  cust_buf_init(&f);
  size_t i = 0;
  while (i < len) {
    int quoted = 0;
    cust_buf_reset(&f);
    if (text[i] == '"') {
      quoted = 1;
      i++;
      while (i < len) {
        if (text[i] == '"' && i + 1 < len && text[i + 1] == '"') {
          cust_buf_putc(&f, '"');
          i += 2;
        } else if (text[i] == '"') {
          i++;
          break;
        } else {
          cust_buf_putc(&f, text[i++]);
        }
      }
    } else {
      while (i < len && text[i] != ',' && text[i] != '\r' && text[i] != '\n') {
        cust_buf_putc(&f, text[i++]);
      }
    }
    const char *v = f.data ? f.data : "";
    if (col >= ROW_VARS) {
      cust_buf_release(&f);
      snprintf(r->parse_err, sizeof r->parse_err, "line %d: too many columns", line);
      return 0;
    }
    if (line == 1) {
      idx[col] = var_index(r->a, out, v);
      ncols++;
    } else {
      if (row == NULL) {
        row = new_row(r->a, out);
      }
      if (col < ncols && (f.len > 0 || quoted)) {
        term t = { .kind = f.len > 2 && v[0] == '_' && v[1] == ':' ? T_BNODE : T_LIT,
                   .v = xdup(r->a, v + (f.len > 2 && v[0] == '_' && v[1] == ':' ? 2 : 0),
                             f.len - (f.len > 2 && v[0] == '_' && v[1] == ':' ? 2 : 0)) };
        row[idx[col]] = t;
      }
    }
    col++;
    if (i < len && text[i] == ',') {
      i++;
      continue;
    }
    if (i < len && text[i] == '\r') {
      i++;
    }
    if (i < len && text[i] == '\n') {
      i++;
    }
    line++;
    col = 0;
    row = NULL;
  }
  cust_buf_release(&f);
  return 1;
}

/* Reads an answer file in the format its extension (or `fmt`) says. */
static int read_answer(runner *r, const char *path, const char *fmt, const char *base_iri,
                       answer *out, int *is_ordered) {
  memset(out, 0, sizeof *out);
  out->g.a = r->a;
  r->parse_err[0] = '\0';
  if (strcmp(fmt, "srx") == 0 || strcmp(fmt, "xml") == 0) {
    return parse_srx(r, path, &out->r);
  }
  if (strcmp(fmt, "srj") == 0 || strcmp(fmt, "json") == 0) {
    return parse_srj(r, path, &out->r);
  }
  if (strcmp(fmt, "tsv") == 0) {
    return parse_tsv(r, path, &out->r);
  }
  if (strcmp(fmt, "csv") == 0) {
    return parse_csv(r, path, &out->r);
  }
  const char *syntax = strcmp(fmt, "turtle") == 0     ? "turtle"
                       : strcmp(fmt, "ntriples") == 0 ? "ntriples"
                       : strcmp(fmt, "rdfxml") == 0   ? "rdfxml"
                                                      : rdf_syntax(path);
  if (syntax == NULL) {
    snprintf(r->parse_err, sizeof r->parse_err, "unknown result format \"%s\"", fmt);
    return 0;
  }
  if (!parse_rdf(r, path, syntax, base_iri, &out->g)) {
    return 0;
  }
  if (results_from_rs(r->a, &out->g, &out->r, is_ordered)) {
    return 1;
  }
  out->is_graph = 1;
  return 1;
}

/* ---- comparing -------------------------------------------------------------- */

typedef struct cmp {
  bmap m;
  long steps;
  /* the actual column of each expected variable, or SIZE_MAX */
  size_t col[ROW_VARS];
} cmp;

static int row_match(cmp *c, const results *e, const term *er, const results *a, const term *ar) {
  static const term unbound = { T_NONE, NULL, NULL, NULL };
  for (size_t j = 0; j < e->nvars; j++) {
    const term *at = c->col[j] == SIZE_MAX ? &unbound : &ar[c->col[j]];
    if (!term_match(&er[j], at, &c->m)) {
      return 0;
    }
  }
  /* a variable only the engine has must be unbound */
  for (size_t k = 0; k < a->nvars; k++) {
    int is_shared = 0;
    for (size_t j = 0; j < e->nvars; j++) {
      is_shared |= c->col[j] == k;
    }
    if (!is_shared && ar[k].kind != T_NONE) {
      return 0;
    }
  }
  return 1;
}

static int row_has_bnode(const term *row, size_t n) {
  for (size_t j = 0; j < n; j++) {
    if (row[j].kind == T_BNODE) {
      return 1;
    }
  }
  return 0;
}

static int match_rest(cmp *c, const results *e, const results *a, const size_t *todo, size_t ntodo,
                      unsigned char *used) {
  if (ntodo == 0) {
    return 1;
  }
  if (++c->steps > MAX_STEPS) {
    return 0;
  }
  for (size_t j = 0; j < a->nrows; j++) {
    if (used[j]) {
      continue;
    }
    size_t n0 = c->m.n;
    if (row_match(c, e, e->rows[todo[0]], a, a->rows[j])) {
      used[j] = 1;
      if (match_rest(c, e, a, todo + 1, ntodo - 1, used)) {
        return 1;
      }
      used[j] = 0;
    }
    c->m.n = n0;
  }
  return 0;
}

/* The ORDER BY keys of a query that are plain variables; -1 when a key is
 * an expression (then whole rows are compared in order). */
typedef struct order_keys {
  int has_order;
  const char *vars[16];
  int nvars; /* -1: compare whole rows */
} order_keys;

/* A solution as "?x=<iri> ?y="text"^^<dt>", cut to `len`, for messages. */
static void row_text(const results *e, const term *row, char *out, size_t len) {
  size_t k = 0;
  out[0] = '\0';
  for (size_t j = 0; j < e->nvars && k + 1 < len; j++) {
    const term *t = &row[j];
    int n = 0;
    if (t->kind == T_IRI) {
      n = snprintf(out + k, len - k, "%s?%s=<%.80s>", k ? " " : "", e->vars[j], t->v);
    } else if (t->kind == T_BNODE) {
      n = snprintf(out + k, len - k, "%s?%s=_:%.40s", k ? " " : "", e->vars[j], t->v);
    } else if (t->kind == T_LIT) {
      int is_xsd = t->dt != NULL && strncmp(t->dt, XSD, strlen(XSD)) == 0;
      const char *sep = t->lang ? "@" : t->dt ? (is_xsd ? "^^xsd:" : "^^") : "";
      const char *tail = t->lang ? t->lang : t->dt ? t->dt + (is_xsd ? strlen(XSD) : 0) : "";
      n = snprintf(out + k, len - k, "%s?%s=\"%.80s\"%s%.60s", k ? " " : "", e->vars[j], t->v, sep,
                   tail);
    }
    if (n < 0 || (size_t)n >= len - k) {
      break;
    }
    k += (size_t)n;
  }
  if (k == 0) {
    snprintf(out, len, "(no bindings)");
  }
}

static int compare_results(runner *r, const results *e, const results *a, const order_keys *ok,
                           char *why, size_t whylen) {
  if (e->is_bool || a->is_bool) {
    if (e->is_bool != a->is_bool) {
      snprintf(why, whylen, "expected %s, got %s", e->is_bool ? "a boolean" : "solutions",
               a->is_bool ? "a boolean" : "solutions");
      return 0;
    }
    if (e->boolean != a->boolean) {
      snprintf(why, whylen, "expected %s, got %s", e->boolean ? "true" : "false",
               a->boolean ? "true" : "false");
      return 0;
    }
    return 1;
  }
  if (e->nvars > ROW_VARS) {
    snprintf(why, whylen, "more than %d variables", ROW_VARS);
    return 0;
  }
  if (e->nrows != a->nrows) {
    snprintf(why, whylen, "expected %zu solutions, got %zu", e->nrows, a->nrows);
    return 0;
  }
  cmp c;
  memset(&c, 0, sizeof c);
  c.m.arena = r->a;
  for (size_t j = 0; j < e->nvars; j++) {
    c.col[j] = SIZE_MAX;
    for (size_t k = 0; k < a->nvars; k++) {
      if (strcmp(e->vars[j], a->vars[k]) == 0) {
        c.col[j] = k;
      }
    }
  }
  unsigned char *used = xalloc(r->a, a->nrows + 1);
  size_t *todo = xalloc(r->a, (e->nrows + 1) * sizeof *todo);
  size_t ntodo = 0;
  /* rows without blank nodes match one actual row each, whichever: the
   * search is kept for the others */
  for (size_t i = 0; i < e->nrows; i++) {
    if (row_has_bnode(e->rows[i], e->nvars)) {
      todo[ntodo++] = i;
      continue;
    }
    size_t j = 0;
    for (; j < a->nrows; j++) {
      size_t n0 = c.m.n;
      if (!used[j] && row_match(&c, e, e->rows[i], a, a->rows[j])) {
        break;
      }
      c.m.n = n0;
    }
    if (j == a->nrows) {
      char row[400];
      row_text(e, e->rows[i], row, sizeof row);
      snprintf(why, whylen, "expected solution %zu is missing: %s", i + 1, row);
      return 0;
    }
    used[j] = 1;
  }
  if (!match_rest(&c, e, a, todo, ntodo, used)) {
    snprintf(why, whylen, "%s",
             c.steps > MAX_STEPS ? "the blank node search gave up"
                                 : "no blank node mapping makes the solutions equal");
    return 0;
  }
  if (ok->has_order && ok->nvars != 0) {
    /* the order: row i against row i, on the keys (or whole rows) */
    cmp o;
    memset(&o, 0, sizeof o);
    o.m.arena = r->a;
    for (size_t i = 0; i < e->nrows; i++) {
      for (size_t j = 0; j < e->nvars; j++) {
        int is_key = ok->nvars < 0;
        for (int k = 0; k < ok->nvars; k++) {
          is_key |= strcmp(ok->vars[k], e->vars[j]) == 0;
        }
        if (!is_key || c.col[j] == SIZE_MAX) {
          continue;
        }
        if (!term_match(&e->rows[i][j], &a->rows[i][c.col[j]], &o.m)) {
          snprintf(why, whylen, "the solutions are right but not in order (row %zu)", i + 1);
          return 0;
        }
      }
    }
  }
  return 1;
}

static int triple_ground(const triple *t) {
  return t->s.kind != T_BNODE && t->o.kind != T_BNODE;
}

static int triple_match(const triple *e, const triple *a, bmap *m) {
  size_t n0 = m->n;
  if (term_match(&e->s, &a->s, m) && term_match(&e->p, &a->p, m) && term_match(&e->o, &a->o, m)) {
    return 1;
  }
  m->n = n0;
  return 0;
}

static int same_triple(const triple *x, const triple *y) {
  const term *a[3] = { &x->s, &x->p, &x->o }, *b[3] = { &y->s, &y->p, &y->o };
  for (int i = 0; i < 3; i++) {
    if (a[i]->kind != b[i]->kind || strcmp(a[i]->v, b[i]->v) != 0 ||
        strcmp(a[i]->dt ? a[i]->dt : "", b[i]->dt ? b[i]->dt : "") != 0 ||
        strcmp(a[i]->lang ? a[i]->lang : "", b[i]->lang ? b[i]->lang : "") != 0) {
      return 0;
    }
  }
  return 1;
}

static void dedupe(graph *g) {
  size_t k = 0;
  for (size_t i = 0; i < g->n; i++) {
    size_t j = 0;
    while (j < k && !same_triple(&g->t[j], &g->t[i])) {
      j++;
    }
    if (j == k) {
      g->t[k++] = g->t[i];
    }
  }
  g->n = k;
}

static int graph_rest(bmap *m, long *steps, const graph *e, const graph *a, const size_t *todo,
                      size_t ntodo, unsigned char *used) {
  if (ntodo == 0) {
    return 1;
  }
  if (++*steps > MAX_STEPS) {
    return 0;
  }
  for (size_t j = 0; j < a->n; j++) {
    size_t n0 = m->n;
    if (!used[j] && triple_match(&e->t[todo[0]], &a->t[j], m)) {
      used[j] = 1;
      if (graph_rest(m, steps, e, a, todo + 1, ntodo - 1, used)) {
        return 1;
      }
      used[j] = 0;
      m->n = n0;
    }
  }
  return 0;
}

static int compare_graphs(runner *r, graph *e, graph *a, char *why, size_t whylen) {
  dedupe(e);
  dedupe(a);
  if (e->n != a->n) {
    snprintf(why, whylen, "expected %zu triples, got %zu", e->n, a->n);
    return 0;
  }
  bmap m;
  memset(&m, 0, sizeof m);
  m.arena = r->a;
  unsigned char *used = xalloc(r->a, a->n + 1);
  size_t *todo = xalloc(r->a, (e->n + 1) * sizeof *todo);
  size_t ntodo = 0;
  for (size_t i = 0; i < e->n; i++) {
    if (!triple_ground(&e->t[i])) {
      todo[ntodo++] = i;
      continue;
    }
    size_t j = 0;
    while (j < a->n && (used[j] || !triple_match(&e->t[i], &a->t[j], &m))) {
      j++;
    }
    if (j == a->n) {
      snprintf(why, whylen, "expected triple <%.80s> <%.80s> %.80s is missing", e->t[i].s.v,
               e->t[i].p.v, e->t[i].o.v);
      return 0;
    }
    used[j] = 1;
  }
  long steps = 0;
  if (!graph_rest(&m, &steps, e, a, todo, ntodo, used)) {
    snprintf(why, whylen, "%s",
             steps > MAX_STEPS ? "the blank node search gave up" : "the graphs are not isomorphic");
    return 0;
  }
  return 1;
}

/* ---- the query text ------------------------------------------------------ */

/* Calls `fn` on each keyword or variable of the query outside strings,
 * comments and IRIs, with the brace depth. */
typedef struct qscan {
  int has_from;
  order_keys ok;
  int in_order; /* after ORDER BY at depth 0 */
  int paren;
  cust_arena *a;
} qscan;

static void on_token(qscan *q, const char *t, size_t n, int depth, int paren) {
  if (depth != 0) {
    return;
  }
  if (n == 4 && strncasecmp(t, "FROM", 4) == 0) {
    q->has_from = 1;
  } else if (n == 5 && strncasecmp(t, "ORDER", 5) == 0) {
    q->ok.has_order = 1;
    q->in_order = 1;
    q->ok.nvars = 0;
  } else if (q->in_order && ((n == 5 && strncasecmp(t, "LIMIT", 5) == 0) ||
                             (n == 6 && strncasecmp(t, "OFFSET", 6) == 0) ||
                             (n == 6 && strncasecmp(t, "VALUES", 6) == 0))) {
    q->in_order = 0;
  } else if (q->in_order && (t[0] == '?' || t[0] == '$')) {
    if (q->ok.nvars >= 0 && q->ok.nvars < 16 && (paren == 0 || paren == 1)) {
      q->ok.vars[q->ok.nvars++] = xdup(q->a, t + 1, n - 1);
    }
  } else if (q->in_order && !(n == 2 && strncasecmp(t, "BY", 2) == 0) &&
             !(n == 3 && strncasecmp(t, "ASC", 3) == 0) &&
             !(n == 4 && strncasecmp(t, "DESC", 4) == 0)) {
    q->ok.nvars = -1; /* an expression key */
  }
}

static void scan_query(const char *s, qscan *q) {
  int depth = 0, paren = 0;
  size_t i = 0, n = strlen(s);
  while (i < n) {
    char c = s[i];
    if (c == '#') {
      while (i < n && s[i] != '\n') {
        i++;
      }
    } else if (c == '"' || c == '\'') {
      int is_long = i + 2 < n && s[i + 1] == c && s[i + 2] == c;
      i += is_long ? 3 : 1;
      while (i < n) {
        if (s[i] == '\\') {
          i += 2;
          continue;
        }
        if (s[i] == c && (!is_long || (i + 2 < n && s[i + 1] == c && s[i + 2] == c))) {
          i += is_long ? 3 : 1;
          break;
        }
        i++;
      }
      if (q->in_order && depth == 0) {
        q->ok.nvars = -1;
      }
    } else if (c == '<') {
      size_t j = i + 1;
      while (j < n && s[j] != '>' && s[j] != ' ' && s[j] != '\n' && s[j] != '\t') {
        j++;
      }
      i = j < n && s[j] == '>' ? j + 1 : i + 1;
      if (q->in_order && depth == 0) {
        q->ok.nvars = -1;
      }
    } else if (c == '{') {
      depth++;
      i++;
    } else if (c == '}') {
      depth--;
      i++;
    } else if (c == '(') {
      paren++;
      i++;
    } else if (c == ')') {
      paren--;
      i++;
    } else if (c == '?' || c == '$' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
               c == '_') {
      size_t j = i + 1;
      while (j < n && (s[j] == '_' || s[j] == '-' || s[j] == ':' || s[j] == '.' ||
                       (s[j] >= '0' && s[j] <= '9') || (s[j] >= 'A' && s[j] <= 'Z') ||
                       (s[j] >= 'a' && s[j] <= 'z') || (unsigned char)s[j] >= 0x80)) {
        j++;
      }
      while (j > i + 1 && s[j - 1] == '.') {
        j--;
      }
      if (strchr(s + i, ':') != NULL && memchr(s + i, ':', j - i) != NULL && c != '?' && c != '$') {
        if (q->in_order && depth == 0 && paren <= 1) {
          /* a function call (prefixed name) is an expression key */
          q->ok.nvars = -1;
        }
      } else {
        on_token(q, s + i, j - i, depth, paren);
      }
      i = j;
    } else {
      if (q->in_order && depth == 0 && strchr("+-*/=!<>|&0123456789", c) != NULL) {
        q->ok.nvars = -1;
      }
      i++;
    }
  }
}

/* ---- running programs ------------------------------------------------------- */

/* Runs argv with stdout and stderr into files; returns the exit status, or
 * -1 when it could not start or died of a signal. */
static int run_prog(char *const *argv, const char *out, const char *err) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid;
  int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    return -1;
  }
  int status;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return -1;
    }
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

typedef struct load {
  const char *graph, *file, *base;
} load;

static uint64_t fnv(uint64_t h, const char *s) {
  for (; *s; s++) {
    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  }
  return (h ^ 0xff) * 1099511628211ULL;
}

/* The store holding these loads, made on first use; NULL with `why` set. */
static const char *dataset_db(runner *r, const load *loads, size_t n, char *why, size_t whylen) {
  uint64_t h = 14695981039346656037ULL;
  for (size_t i = 0; i < n; i++) {
    h = fnv(fnv(fnv(h, loads[i].graph), loads[i].file), loads[i].base);
  }
  const char *db = xprintf(r->a, "%s/ds-%016llx.db", r->work, (unsigned long long)h);
  struct stat sb;
  if (stat(db, &sb) == 0) {
    return db;
  }
  const char *out = xprintf(r->a, "%s/load.out", r->work);
  const char *err = xprintf(r->a, "%s/load.err", r->work);
  const char *empty = xprintf(r->a, "%s/empty.ttl", r->work);
  for (size_t i = 0; i < (n ? n : 1); i++) {
    char *argv[] = { (char *)r->custodian,
                     "load",
                     "--quiet",
                     "--db",
                     (char *)db,
                     "--graph",
                     (char *)(n ? loads[i].graph : DEFAULT_GRAPH),
                     "--base",
                     (char *)(n ? loads[i].base : W3C_BASE "empty.ttl"),
                     (char *)(n ? loads[i].file : empty),
                     NULL };
    if (run_prog(argv, out, err) != 0) {
      char *msg = read_file(r->a, err, NULL);
      snprintf(why, whylen, "custodian load of \"%s\" failed: %.300s", argv[9], msg ? msg : "?");
      unlink(db);
      return NULL;
    }
  }
  return db;
}

/* ---- one test --------------------------------------------------------------- */

typedef enum { R_PASS, R_REFUSED, R_ERROR, R_WRONG, R_SKIP } outcome;

static dirstat *dir_of(runner *r, const char *name) {
  size_t len = strcspn(name, "/");
  for (size_t i = 0; i < r->ndirs; i++) {
    if (strlen(r->dirs[i].name) == len && strncmp(r->dirs[i].name, name, len) == 0) {
      return &r->dirs[i];
    }
  }
  if (r->ndirs == sizeof r->dirs / sizeof r->dirs[0]) {
    return &r->dirs[r->ndirs - 1];
  }
  dirstat *d = &r->dirs[r->ndirs++];
  memset(d, 0, sizeof *d);
  snprintf(d->name, sizeof d->name, "%.*s", (int)len, name);
  return d;
}

static const known *find_known(const runner *r, const char *name) {
  for (size_t i = 0; i < r->nknown; i++) {
    if (strcmp(r->known[i].name, name) == 0) {
      return &r->known[i];
    }
  }
  return NULL;
}

/* TAP text may not hold '#' (a directive) or line breaks. */
static void clean(char *s) {
  for (; *s; s++) {
    if (*s == '#' || *s == '\n' || *s == '\r' || *s == '\t') {
      *s = *s == '#' ? '%' : ' ';
    }
  }
}

static void report(runner *r, const char *name, outcome o, char *why) {
  dirstat *d = dir_of(r, name);
  r->n++;
  clean(why);
  switch (o) {
    case R_PASS:
      d->pass++;
      break;
    case R_REFUSED:
      d->refused++;
      break;
    case R_ERROR:
      d->error++;
      break;
    case R_WRONG:
      d->wrong++;
      break;
    case R_SKIP:
      d->skip++;
      printf("ok %d - %s # SKIP %s\n", r->n, name, why);
      return;
  }
  const known *k = find_known(r, name);
  if (o == R_PASS && k == NULL) {
    printf("ok %d - %s\n", r->n, name);
  } else if (o == R_PASS) {
    r->unexpected++;
    printf("not ok %d - %s: passes now; remove it from the known failures\n", r->n, name);
  } else if (k != NULL) {
    printf("not ok %d - %s # TODO known failure: %s\n", r->n, name, why);
  } else {
    r->unexpected++;
    printf("not ok %d - %s: %s\n", r->n, name, why);
  }
  if (o != R_PASS && r->write_known != NULL) {
    fprintf(r->write_known, "%s\t%s%s\n", name,
            o == R_REFUSED ? "refused: "
            : o == R_ERROR ? "error: "
                           : "wrong: ",
            why);
  }
  fflush(stdout);
}

typedef struct engine_out {
  int rc;
  int is_malformed, is_400;
  char *out_path;
  char *err;
} engine_out;

/* Runs `query_text` (with BASE set to the query's IRI) on the dataset. */
static int run_query(runner *r, const char *query_iri, const char *query_text, const char *fmt,
                     const load *loads, size_t nloads, int use_graphs, const char *const *dgs,
                     size_t ndg, const char *const *ngs, size_t nng, engine_out *eo, char *why,
                     size_t whylen) {
  memset(eo, 0, sizeof *eo);
  const char *qfile = xprintf(r->a, "%s/query.rq", r->work);
  FILE *f = fopen(qfile, "wb");
  if (f == NULL || fprintf(f, "BASE <%s>\n%s", query_iri, query_text) < 0 || fclose(f) != 0) {
    snprintf(why, whylen, "cannot write \"%s\"", qfile);
    return 0;
  }
  eo->out_path = xprintf(r->a, "%s/answer.out", r->work);
  const char *err = xprintf(r->a, "%s/answer.err", r->work);
  char **argv = xalloc(r->a, (size_t)(16 + 4 * nloads + 2 * ndg + 2 * nng) * sizeof *argv);
  size_t k = 0;
  if (r->oxigraph != NULL) {
    argv[k++] = "node";
    argv[k++] = (char *)r->oxigraph;
    for (size_t i = 0; i < nloads; i++) {
      argv[k++] = "--load";
      argv[k++] = (char *)loads[i].graph;
      argv[k++] = (char *)loads[i].base;
      argv[k++] = (char *)loads[i].file;
    }
  } else {
    const char *db = dataset_db(r, loads, nloads, why, whylen);
    if (db == NULL) {
      return 0;
    }
    argv[k++] = (char *)r->custodian;
    argv[k++] = "query";
    argv[k++] = "--verbose";
    argv[k++] = "--db";
    argv[k++] = (char *)db;
  }
  argv[k++] = "--format";
  argv[k++] = (char *)fmt;
  argv[k++] = "-f";
  argv[k++] = (char *)qfile;
  for (size_t i = 0; use_graphs && i < ndg; i++) {
    argv[k++] = "--default-graph-uri";
    argv[k++] = (char *)dgs[i];
  }
  for (size_t i = 0; use_graphs && i < nng; i++) {
    argv[k++] = "--named-graph-uri";
    argv[k++] = (char *)ngs[i];
  }
  argv[k] = NULL;
  eo->rc = run_prog(argv, eo->out_path, err);
  eo->err = read_file(r->a, err, NULL);
  if (eo->err == NULL) {
    eo->err = "";
  }
  eo->is_400 = strstr(eo->err, ": 400 ") != NULL;
  eo->is_malformed = strstr(eo->err, ": 400 malformed query") != NULL;
  return 1;
}

/* The first line of an engine's error, without the program's name. */
static const char *first_error(cust_arena *a, const char *err) {
  const char *line = strstr(err, ": 400 ");
  if (line == NULL) {
    line = strstr(err, "custodian: ");
  }
  line = line ? strchr(line, ':') + 2 : err;
  return xdup(a, line, strcspn(line, "\n"));
}

static const char *result_format(const char *ext) {
  static const char *const map[][2] = { { "srx", "xml" },    { "srj", "json" },
                                        { "tsv", "tsv" },    { "csv", "csv" },
                                        { "ttl", "turtle" }, { "nt", "ntriples" },
                                        { "rdf", "rdfxml" } };
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
    if (strcmp(ext, map[i][0]) == 0) {
      return map[i][1];
    }
  }
  return NULL;
}

/* Counts the triples of a data file, so that empty graphs are not named
 * (an empty graph is no graph of the store). */
static long data_triples(runner *r, const char *path, const char *iri) {
  graph g;
  memset(&g, 0, sizeof g);
  g.a = r->a;
  const char *syntax = rdf_syntax(path);
  if (syntax == NULL || !parse_rdf(r, path, syntax, iri, &g)) {
    return -1;
  }
  return (long)g.n;
}

static void eval_test(runner *r, const graph *m, const term *entry, const char *name) {
  char why[1024] = "";
  const term *action = obj(m, entry, MF "action");
  const term *q = action ? obj(m, action, QT "query") : NULL;
  const term *res = obj(m, entry, MF "result");
  if (q == NULL || q->kind != T_IRI || res == NULL || res->kind != T_IRI) {
    snprintf(why, sizeof why, "the manifest gives no qt:query or mf:result");
    report(r, name, R_WRONG, why);
    return;
  }
  const char *qpath = local_path(r, q->v), *rpath = local_path(r, res->v);
  char *qtext = qpath ? read_file(r->a, qpath, NULL) : NULL;
  if (qtext == NULL || rpath == NULL) {
    snprintf(why, sizeof why, "cannot read the query or result of <%s>", q->v);
    report(r, name, R_WRONG, why);
    return;
  }
  const term *data[MAX_FILES], *gdata[MAX_FILES];
  size_t nd = objs(m, action, QT "data", data, MAX_FILES);
  size_t ng = objs(m, action, QT "graphData", gdata, MAX_FILES);
  if (nd > MAX_FILES || ng > MAX_FILES) {
    snprintf(why, sizeof why, "more than %d data files", MAX_FILES);
    report(r, name, R_WRONG, why);
    return;
  }
  load loads[2 * MAX_FILES];
  size_t nloads = 0, ndg = 0, nng = 0;
  const char *dgs[1], *ngs[MAX_FILES];
  for (size_t i = 0; i < nd + ng; i++) {
    const term *t = i < nd ? data[i] : gdata[i - nd];
    const char *path = t->kind == T_IRI ? local_path(r, t->v) : NULL;
    long n = path ? data_triples(r, path, t->v) : -1;
    if (n < 0) {
      snprintf(why, sizeof why, "cannot read the data <%s>: %s", t->kind == T_IRI ? t->v : "?",
               r->parse_err);
      report(r, name, R_WRONG, why);
      return;
    }
    loads[nloads].graph = i < nd ? DEFAULT_GRAPH : t->v;
    loads[nloads].file = path;
    loads[nloads].base = t->v;
    nloads++;
    if (n > 0 && i < nd) {
      dgs[0] = DEFAULT_GRAPH;
      ndg = 1;
    } else if (n > 0) {
      ngs[nng++] = t->v;
    }
  }
  const char *ext = ext_of(rpath);
  answer expected, actual;
  int is_ordered = 0;
  if (!read_answer(r, rpath, ext, res->v, &expected, &is_ordered)) {
    snprintf(why, sizeof why, "cannot read the expected answer \"%s\": %s", rpath, r->parse_err);
    report(r, name, R_WRONG, why);
    return;
  }
  const char *fmt = result_format(ext);
  if (fmt == NULL) {
    snprintf(why, sizeof why, "unknown result format \"%s\"", ext);
    report(r, name, R_WRONG, why);
    return;
  }
  if (!expected.is_graph && (strcmp(ext, "ttl") == 0 || strcmp(ext, "rdf") == 0)) {
    fmt = "xml"; /* an rs:ResultSet: the engine answers in SPARQL XML */
  }
  qscan qs;
  memset(&qs, 0, sizeof qs);
  qs.a = r->a;
  scan_query(qtext, &qs);
  engine_out eo;
  /* a query with FROM or FROM NAMED makes its own dataset from the graphs
   * loaded under the files' IRIs */
  if (!run_query(r, q->v, qtext, fmt, loads, nloads, !qs.has_from, dgs, ndg, ngs, nng, &eo, why,
                 sizeof why)) {
    report(r, name, R_ERROR, why);
    return;
  }
  if (eo.rc != 0) {
    snprintf(why, sizeof why, "%s", first_error(r->a, eo.err));
    report(r, name, eo.is_400 ? R_REFUSED : R_ERROR, why);
    return;
  }
  if (!read_answer(r, eo.out_path, fmt, q->v, &actual, &is_ordered)) {
    snprintf(why, sizeof why, "the answer is not %s: %s", fmt, r->parse_err);
    report(r, name, R_WRONG, why);
    return;
  }
  int ok;
  if (expected.is_graph || actual.is_graph) {
    ok = expected.is_graph == actual.is_graph &&
         compare_graphs(r, &expected.g, &actual.g, why, sizeof why);
    if (expected.is_graph != actual.is_graph) {
      snprintf(why, sizeof why, "expected %s", expected.is_graph ? "a graph" : "solutions");
    }
  } else {
    if (is_ordered && !qs.ok.has_order) {
      qs.ok.has_order = 1;
      qs.ok.nvars = -1;
    }
    ok = compare_results(r, &expected.r, &actual.r, &qs.ok, why, sizeof why);
  }
  report(r, name, ok ? R_PASS : R_WRONG, why);
}

static void syntax_test(runner *r, const graph *m, const term *entry, const char *name,
                        int is_positive) {
  char why[1024] = "";
  const term *action = obj(m, entry, MF "action");
  const char *qpath = action && action->kind == T_IRI ? local_path(r, action->v) : NULL;
  char *qtext = qpath ? read_file(r->a, qpath, NULL) : NULL;
  if (qtext == NULL) {
    snprintf(why, sizeof why, "cannot read the query of the test");
    report(r, name, R_WRONG, why);
    return;
  }
  engine_out eo;
  if (!run_query(r, action->v, qtext, "json", NULL, 0, 0, NULL, 0, NULL, 0, &eo, why, sizeof why)) {
    report(r, name, R_ERROR, why);
    return;
  }
  if (is_positive && eo.is_malformed) {
    snprintf(why, sizeof why, "a valid query was called malformed: %s", first_error(r->a, eo.err));
    report(r, name, R_REFUSED, why);
  } else if (!is_positive && !eo.is_malformed) {
    snprintf(why, sizeof why, "an invalid query was %s",
             eo.rc == 0 ? "answered" : first_error(r->a, eo.err));
    report(r, name, eo.rc == 0 ? R_WRONG : eo.is_400 ? R_REFUSED : R_ERROR, why);
  } else {
    report(r, name, R_PASS, why);
  }
}

/* Why a test is not run, or NULL. */
static const char *skip_reason(const char *dir, const char *type) {
  static const char *const dirs[][2] = {
    { "service", "SERVICE: federated queries reach other endpoints, which the store refuses" },
    { "syntax-fed", "SERVICE: federated queries reach other endpoints, which the store refuses" },
    { "entailment", "entailment regimes are not offered: the store answers simple entailment" },
    { "protocol", "SPARQL protocol over HTTP: tests/integration cover /sparql" },
    { "graph-store-protocol", "the graph store HTTP protocol is not offered" },
    { "http-rdf-update", "the graph store HTTP protocol is not offered" },
    { "service-description", "service description over HTTP: tests/integration cover it" },
  };
  for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
    if (strcmp(dir, dirs[i][0]) == 0) {
      return dirs[i][1];
    }
  }
  if (strstr(type, "Update") != NULL) {
    return "SPARQL Update: the store is read-only, updates are refused by design";
  }
  return NULL;
}

static void run_manifest(runner *r, const char *iri, int depth) {
  cust_arena a;
  cust_arena_init(&a, 1 << 16);
  cust_arena *outer = r->a;
  r->a = &a;
  const char *path = local_path(r, iri);
  graph m;
  memset(&m, 0, sizeof m);
  m.a = &a;
  if (path == NULL || !parse_rdf(r, path, "turtle", iri, &m)) {
    printf("Bail out! cannot read the manifest <%s>: %s\n", iri, r->parse_err);
    exit(99);
  }
  const char *rel = iri + strlen(W3C_BASE);
  const char *slash = strrchr(rel, '/');
  char *dir = xdup(&a, rel, slash ? (size_t)(slash - rel) : 0);
  const term self = { T_IRI, iri, NULL, NULL };
  const term *items[2048];
  const term *inc = obj(&m, &self, MF "include");
  size_t ni = list_items(&m, inc, items, 2048);
  for (size_t i = 0; i < ni && depth < 4; i++) {
    if (items[i]->kind == T_IRI) {
      run_manifest(r, items[i]->v, depth + 1);
    }
  }
  const term *ent = obj(&m, &self, MF "entries");
  size_t ne = list_items(&m, ent, items, 2048);
  for (size_t i = 0; i < ne; i++) {
    cust_arena ta;
    cust_arena_init(&ta, 1 << 16);
    r->a = &ta;
    const term *e = items[i];
    const char *local = strrchr(e->v, '#');
    local = local ? local + 1 : strrchr(e->v, '/') ? strrchr(e->v, '/') + 1 : e->v;
    char *name = xprintf(&ta, "%s/%s", dir, local);
    const term *type = obj(&m, e, RDF "type");
    const char *tname = type && strncmp(type->v, MF, strlen(MF)) == 0 ? type->v + strlen(MF)
                        : type                                        ? type->v
                                                                      : "?";
    const term *approval = obj(&m, e, DAWGT "approval");
    const char *skip = skip_reason(dir, tname);
    const term *act = obj(&m, e, MF "action");
    if (skip == NULL && act != NULL && act->kind == T_IRI && strcmp(ext_of(act->v), "ru") == 0) {
      skip = "SPARQL Update: the store is read-only, updates are refused by design";
    }
    char why[512];
    if (r->only != NULL && strstr(name, r->only) == NULL) {
      /* not asked for */
    } else if (skip != NULL) {
      snprintf(why, sizeof why, "%s", skip);
      report(r, name, R_SKIP, why);
    } else if (approval && strstr(approval->v, "Withdrawn") != NULL) {
      snprintf(why, sizeof why, "withdrawn by the working group");
      report(r, name, R_SKIP, why);
    } else if (strcmp(tname, "QueryEvaluationTest") == 0 ||
               strcmp(tname, "CSVResultFormatTest") == 0) {
      eval_test(r, &m, e, name);
    } else if (strcmp(tname, "PositiveSyntaxTest11") == 0 ||
               strcmp(tname, "PositiveSyntaxTest") == 0) {
      syntax_test(r, &m, e, name, 1);
    } else if (strcmp(tname, "NegativeSyntaxTest11") == 0 ||
               strcmp(tname, "NegativeSyntaxTest") == 0) {
      syntax_test(r, &m, e, name, 0);
    } else {
      snprintf(why, sizeof why, "a test of type %s is not a query test", tname);
      report(r, name, R_SKIP, why);
    }
    cust_arena_release(&ta);
    r->a = &a;
  }
  r->a = outer;
  cust_arena_release(&a);
}

/* ---- main ----------------------------------------------------------------- */

static int read_known(runner *r, const char *path) {
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    return errno == ENOENT ? 1 : 0;
  }
  char line[2048];
  size_t cap = 0;
  while (fgets(line, sizeof line, f) != NULL) {
    line[strcspn(line, "\r\n")] = '\0';
    char *s = line + strspn(line, " \t");
    if (*s == '\0' || *s == '#') {
      continue;
    }
    size_t n = strcspn(s, " \t");
    char *reason = s + n + strspn(s + n, " \t");
    s[n] = '\0';
    if (r->nknown == cap) {
      cap = cap ? cap * 2 : 64;
      known *k = realloc(r->known, cap * sizeof *k);
      if (k == NULL) {
        oom();
      }
      r->known = k;
    }
    r->known[r->nknown].name = strdup(s);
    r->known[r->nknown].reason = strdup(reason);
    if (r->known[r->nknown].name == NULL || r->known[r->nknown].reason == NULL) {
      oom();
    }
    r->nknown++;
  }
  fclose(f);
  return 1;
}

static void summary(const runner *r) {
  dirstat t;
  memset(&t, 0, sizeof t);
  printf("# %-22s %6s %8s %6s %6s %8s\n", "directory", "pass", "refused", "error", "wrong",
         "skipped");
  for (size_t i = 0; i < r->ndirs; i++) {
    const dirstat *d = &r->dirs[i];
    printf("# %-22s %6d %8d %6d %6d %8d\n", d->name, d->pass, d->refused, d->error, d->wrong,
           d->skip);
    t.pass += d->pass;
    t.refused += d->refused;
    t.error += d->error;
    t.wrong += d->wrong;
    t.skip += d->skip;
  }
  printf("# %-22s %6d %8d %6d %6d %8d\n", "total", t.pass, t.refused, t.error, t.wrong, t.skip);
  printf("# refused: answered 400; error: any other failure (500, 503, timeout); wrong: an "
         "answer that differs\n");
}

static void usage(void) {
  fputs("usage: run_w3c [--suite DIR] [--custodian PATH | --oxigraph SCRIPT] [--known FILE]\n"
        "               [--write-known FILE] [--only TEXT] [--keep]\n",
        stderr);
}

int main(int argc, char **argv) {
  runner r;
  memset(&r, 0, sizeof r);
  const char *srcdir = getenv("srcdir");
  const char *known_path = NULL, *write_known = NULL;
  int keep = 0;
  cust_arena top;
  cust_arena_init(&top, 4096);
  r.a = &top;
  r.custodian = getenv("CUSTODIAN");
  for (int i = 1; i < argc; i++) {
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(argv[i], "--keep") == 0) {
      keep = 1;
      continue;
    }
    if (v == NULL) {
      usage();
      return 2;
    }
    if (strcmp(argv[i], "--suite") == 0) {
      r.suite = v;
    } else if (strcmp(argv[i], "--custodian") == 0) {
      r.custodian = v;
    } else if (strcmp(argv[i], "--oxigraph") == 0) {
      r.oxigraph = v;
    } else if (strcmp(argv[i], "--known") == 0) {
      known_path = v;
    } else if (strcmp(argv[i], "--write-known") == 0) {
      write_known = v;
    } else if (strcmp(argv[i], "--only") == 0) {
      r.only = v;
    } else {
      usage();
      return 2;
    }
    i++;
  }
  if (r.suite == NULL) {
    r.suite = xprintf(&top, "%s/tests/w3c/sparql11", srcdir ? srcdir : CUST_SRCDIR);
  }
  if (known_path == NULL && r.oxigraph == NULL) {
    known_path = xprintf(&top, "%s/../known-failures.txt", r.suite);
  }
  if (r.custodian == NULL && r.oxigraph == NULL) {
    fputs("run_w3c: set CUSTODIAN or give --custodian PATH (the program under test)\n", stderr);
    return 2;
  }
  if (known_path != NULL && !read_known(&r, known_path)) {
    fprintf(stderr, "run_w3c: cannot read \"%s\": %s\n", known_path, strerror(errno));
    return 2;
  }
  if (write_known != NULL && (r.write_known = fopen(write_known, "w")) == NULL) {
    fprintf(stderr, "run_w3c: cannot write \"%s\": %s\n", write_known, strerror(errno));
    return 2;
  }
  const char *tmp = getenv("TMPDIR");
  char *work = xprintf(&top, "%s/custodian-w3c.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
  if (mkdtemp(work) == NULL) {
    fprintf(stderr, "run_w3c: cannot make a folder in \"%s\": %s\n", tmp ? tmp : "/tmp",
            strerror(errno));
    return 2;
  }
  r.work = work;
  FILE *e = fopen(xprintf(&top, "%s/empty.ttl", work), "w");
  if (e != NULL) {
    fclose(e);
  }
  r.world = raptor_new_world();
  if (r.world == NULL || raptor_world_open(r.world) != 0) {
    fputs("Bail out! cannot start raptor\n", stdout);
    return 99;
  }
  raptor_world_set_log_handler(r.world, &r, log_handler);
  printf("# W3C SPARQL 1.1 suite in \"%s\", engine %s\n", r.suite,
         r.oxigraph ? "oxigraph" : "custodian");
  run_manifest(&r, W3C_BASE "manifest-all.ttl", 0);
  printf("1..%d\n", r.n);
  summary(&r);
  if (r.unexpected > 0) {
    printf("# %d unexpected result%s (not in %s)\n", r.unexpected, r.unexpected == 1 ? "" : "s",
           known_path ? known_path : "a known-failures list");
  }
  raptor_free_world(r.world);
  if (r.write_known != NULL) {
    fclose(r.write_known);
  }
  for (size_t i = 0; i < r.nknown; i++) {
    free(r.known[i].name);
    free(r.known[i].reason);
  }
  free(r.known);
  if (!keep) {
    char *rm[] = { "rm", "-rf", work, NULL };
    run_prog(rm, "/dev/null", "/dev/null");
  } else {
    fprintf(stderr, "run_w3c: kept \"%s\"\n", work);
  }
  cust_arena_release(&top);
  return 0;
}
