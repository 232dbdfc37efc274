/* Executing one request inside a worker: parse the query (refusing updates
 * and SERVICE), check that its dataset names only graphs of the store, bind
 * canned-query parameters in the parsed query, evaluate it over the store's
 * term ids (eval.c) in one read transaction, and write the answer within
 * the result limits. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sparql/eval.h"
#include "sparql/sparql_int.h"

#define BASE_IRI "https://w3id.org/custodian/"

struct sq_exec {
  cust_store *store;
  const cust_logger *log;
  const char *last_error; /* the last error the store logged (borrowed), or NULL */
  /* the store's graphs, listed again only when the store has changed: its
   * checkpoint or its number of quads differs from when they were listed */
  char **graphs;
  size_t ngraphs, capgraphs;
  int has_graphs, graphs_oom;
  cust_checkpoint graphs_cp;
  uint64_t graphs_count;
};

cust_status sq_exec_new(cust_store *store, const cust_logger *log, sq_exec **out) {
  *out = NULL;
  sq_exec *x = calloc(1, sizeof *x);
  if (x == NULL) {
    return CUST_ERR_NOMEM;
  }
  x->store = store;
  x->log = log;
  *out = x;
  return CUST_OK;
}

void sq_exec_watch_errors(sq_exec *x, const char *last_error) {
  x->last_error = last_error;
}

/* Sets the answer for a store or memory failure `st` while `doing`: what
 * failed, from the store's own message when it logged one. */
static cust_status store_failed(sq_exec *x, cust_sparql_result *r, cust_status st,
                                const char *doing) {
  char detail[800];
  if (st == CUST_ERR_NOMEM) {
    snprintf(detail, sizeof detail, "the query engine ran out of memory while %s: try again",
             doing);
    return sq_fail(r, 503, "out of memory", detail);
  }
  const char *why = x->last_error != NULL && x->last_error[0] ? x->last_error : cust_strerror(st);
  snprintf(detail, sizeof detail, "the store could not be read while %s: %s: try again", doing,
           why);
  return sq_fail(r, 503, "store unavailable", detail);
}

static void drop_graphs(sq_exec *x) {
  for (size_t i = 0; i < x->ngraphs; i++) {
    free(x->graphs[i]);
  }
  x->ngraphs = 0;
  x->has_graphs = 0;
}

void sq_exec_free(sq_exec *x) {
  if (x == NULL) {
    return;
  }
  drop_graphs(x);
  free(x->graphs);
  free(x);
}

/* ---- one request's state --------------------------------------------------- */

typedef struct run {
  sq_exec *x;
  const sq_request *req;
  cust_sparql_result *r;
  char refusal_buf[512]; /* why a limit was reached */
} run;

#define OUT_OF_MEMORY "out of memory"

/* ---- the store's graphs ------------------------------------------------------ */

static int add_graph(void *ud, const char *iri, size_t len) {
  sq_exec *x = ud;
  char *c = NULL;
  if (cust_grow(&x->graphs, x->ngraphs, &x->capgraphs, sizeof *x->graphs, 64) != CUST_OK ||
      (c = malloc(len + 1)) == NULL) {
    x->graphs_oom = 1;
    return 1;
  }
  memcpy(c, iri, len);
  c[len] = '\0';
  x->graphs[x->ngraphs++] = c;
  return 0;
}

/* The store's graphs (borrowed from the executor): listed once per state of
 * the store, which a checkpoint and a count of quads tell cheaply. */
static cust_status list_graphs(run *u) {
  sq_exec *x = u->x;
  cust_checkpoint cp;
  uint64_t count = 0;
  cust_status st = cust_store_checkpoint(x->store, &cp);
  if (st == CUST_OK) {
    st = cust_store_count(x->store, &count);
  }
  if (st != CUST_OK) {
    return st;
  }
  if (!x->has_graphs || count != x->graphs_count || cp.height != x->graphs_cp.height ||
      strcmp(cp.block_hash, x->graphs_cp.block_hash) != 0) {
    drop_graphs(x);
    x->graphs_oom = 0;
    st = cust_store_graphs(x->store, add_graph, x);
    if (st == CUST_OK && x->graphs_oom) {
      st = CUST_ERR_NOMEM;
    }
    if (st != CUST_OK) {
      drop_graphs(x);
      return st;
    }
    x->has_graphs = 1;
    x->graphs_cp = cp;
    x->graphs_count = count;
  }
  return CUST_OK;
}

/* Whether `iri` names a graph of the store (listed by list_graphs, sorted). */
static int is_store_graph(const sq_exec *x, const char *iri) {
  size_t lo = 0, hi = x->ngraphs;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(x->graphs[mid], iri);
    if (c == 0) {
      return 1;
    }
    if (c < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return 0;
}

/* ---- limits and graph answers ------------------------------------------------ */

static int limit_reached(run *u, size_t n) {
  if (n <= u->req->max_results) {
    return 0;
  }
  snprintf(u->refusal_buf, sizeof u->refusal_buf,
           "the query gives more than %llu results (the limit): add LIMIT or narrow it",
           (unsigned long long)u->req->max_results);
  return 1;
}

/* Whether the values read so far (`bytes`) already pass the byte limit of
 * the answer, which they are part of. */
static int bytes_reached(run *u, uint64_t bytes) {
  if (u->req->max_bytes == 0 || bytes <= u->req->max_bytes) {
    return 0;
  }
  snprintf(u->refusal_buf, sizeof u->refusal_buf,
           "the answer is more than %llu bytes (the limit): add LIMIT or select less",
           (unsigned long long)u->req->max_bytes);
  return 1;
}

typedef struct graph_out {
  cust_quad *q;
  size_t n, cap;
  cust_arena arena;
} graph_out;

static cust_status graph_add(graph_out *g, const cust_term t[3]) {
  if (cust_grow(&g->q, g->n, &g->cap, sizeof *g->q, 64) != CUST_OK) {
    return CUST_ERR_NOMEM;
  }
  cust_quad *q = &g->q[g->n];
  memset(q, 0, sizeof *q);
  cust_term *dst[3] = { &q->s, &q->p, &q->o };
  for (int i = 0; i < 3; i++) {
    *dst[i] = t[i];
    dst[i]->value = cust_arena_strndup(&g->arena, t[i].value ? t[i].value : "", t[i].len);
    dst[i]->lang = t[i].lang ? cust_arena_strdup(&g->arena, t[i].lang) : NULL;
    dst[i]->datatype = t[i].datatype ? cust_arena_strdup(&g->arena, t[i].datatype) : NULL;
    if (dst[i]->value == NULL || (t[i].lang && dst[i]->lang == NULL) ||
        (t[i].datatype && dst[i]->datatype == NULL)) {
      return CUST_ERR_NOMEM;
    }
  }
  g->n++;
  return CUST_OK;
}

static void graph_release(graph_out *g) {
  free(g->q);
  cust_arena_release(&g->arena);
}

static cust_status answer_graph(run *u, graph_out *g, sq_format f) {
  cust_sparql_result *r = u->r;
  cust_buf_reset(&r->body);
  char why[320], detail[400];
  if (f == SQ_FMT_RDFXML && !sq_rdfxml_check(g->q, g->n, why, sizeof why)) {
    snprintf(detail, sizeof detail, "%s; ask for text/turtle or application/n-triples", why);
    return sq_fail(r, 406, "not acceptable", detail);
  }
  cust_status st = sq_write_graph(&r->body, f, g->q, g->n);
  if (st == CUST_ERR_NOMEM) {
    return sq_fail(r, 503, OUT_OF_MEMORY, "the query engine ran out of memory");
  }
  if (st != CUST_OK) {
    return sq_fail(r, 500, "internal error", "the result could not be written");
  }
  r->http_status = 200;
  r->content_type = sq_format_type(f);
  return CUST_OK;
}

static cust_status limit_or_fail(run *u, cust_status st) {
  if (st == CUST_ERR_LIMIT) {
    return sq_fail(u->r, 413, "result too large", u->refusal_buf);
  }
  if (st == CUST_ERR_NOMEM) {
    return store_failed(u->x, u->r, st, "making the answer");
  }
  if (st == CUST_ERR_IO || st == CUST_ERR_BUSY || st == CUST_ERR_FORMAT) {
    return store_failed(u->x, u->r, st, "making the answer");
  }
  return sq_fail(u->r, 500, "query failed", cust_strerror(st));
}

/* ---- the query ---------------------------------------------------------------- */

/* A CONSTRUCT's triples as ids, each once (fresh blank nodes have ids of
 * their own). */
typedef struct triple_set {
  uint64_t *t; /* 3 per triple */
  size_t n, cap;
  uint64_t *slot; /* open addressing: triple index + 1, 0 empty */
  size_t nslot;
} triple_set;

static uint64_t triple_hash(const uint64_t *t) {
  uint64_t h = t[0] * 0x9e3779b97f4a7c15ULL;
  h = (h ^ (h >> 29) ^ t[1]) * 0xbf58476d1ce4e5b9ULL;
  h = (h ^ (h >> 31) ^ t[2]) * 0x94d049bb133111ebULL;
  return h ^ (h >> 32);
}

/* Adds t; *is_new says whether it was absent. */
static cust_status triple_set_add(triple_set *s, const uint64_t *t, int *is_new) {
  *is_new = 0;
  if ((s->n + 1) * 2 > s->nslot) {
    size_t nslot = s->nslot ? s->nslot * 2 : 256;
    uint64_t *slot = calloc(nslot, sizeof *slot);
    if (slot == NULL) {
      return CUST_ERR_NOMEM;
    }
    for (size_t i = 0; i < s->n; i++) {
      size_t j = triple_hash(s->t + 3 * i) & (nslot - 1);
      while (slot[j] != 0) {
        j = (j + 1) & (nslot - 1);
      }
      slot[j] = i + 1;
    }
    free(s->slot);
    s->slot = slot;
    s->nslot = nslot;
  }
  size_t j = triple_hash(t) & (s->nslot - 1);
  for (; s->slot[j] != 0; j = (j + 1) & (s->nslot - 1)) {
    if (memcmp(s->t + 3 * (s->slot[j] - 1), t, 3 * sizeof *t) == 0) {
      return CUST_OK;
    }
  }
  if (cust_grow(&s->t, s->n, &s->cap, 3 * sizeof *s->t, 64) != CUST_OK) {
    return CUST_ERR_NOMEM;
  }
  memcpy(s->t + 3 * s->n, t, 3 * sizeof *t);
  s->slot[j] = ++s->n;
  *is_new = 1;
  return CUST_OK;
}

typedef struct native_describe {
  run *u;
  graph_out *g;
  cust_status st;
} native_describe;

static int describe_add(void *ud, const cust_quad *q) {
  native_describe *d = ud;
  if (limit_reached(d->u, d->g->n + 1)) {
    d->st = CUST_ERR_LIMIT;
    return 1;
  }
  cust_term t[3] = { q->s, q->p, q->o };
  d->st = graph_add(d->g, t);
  return d->st != CUST_OK;
}

/* The template of a CONSTRUCT for the current solution, into g. */
static cust_status construct_solution(run *u, sq_eval *ev, const sq_query *q, uint64_t serial,
                                      triple_set *seen, graph_out *g) {
  cust_status st = CUST_OK;
  for (size_t i = 0; st == CUST_OK && i < q->nconstruct; i++) {
    const sq_pt *pt[3] = { &q->construct[i].s, &q->construct[i].p, &q->construct[i].o };
    uint64_t ids[3];
    cust_term t[3];
    int ok = 1;
    for (int k = 0; st == CUST_OK && ok && k < 3; k++) {
      if (pt[k]->var < 0) {
        st = sq_eval_intern(ev, &pt[k]->term, &ids[k]);
      } else if ((ids[k] = sq_eval_id(ev, pt[k]->var)) == 0 && q->vars[pt[k]->var].is_hidden) {
        /* a blank node of the template: a fresh one per solution */
        char label[64];
        snprintf(label, sizeof label, "c%llux%d", (unsigned long long)serial, pt[k]->var);
        cust_term b = cust_term_blank(label);
        st = sq_eval_intern(ev, &b, &ids[k]);
      }
      if (st == CUST_OK) {
        st = sq_eval_term(ev, ids[k], &t[k]);
      }
      ok = st == CUST_OK && t[k].kind != CUST_TERM_NONE;
    }
    if (st != CUST_OK || !ok || t[0].kind == CUST_TERM_LITERAL || t[1].kind != CUST_TERM_IRI) {
      continue; /* unbound or ill-formed: not in the graph */
    }
    int is_new = 0;
    st = triple_set_add(seen, ids, &is_new);
    if (st == CUST_OK && is_new) {
      if (limit_reached(u, g->n + 1)) {
        return CUST_ERR_LIMIT;
      }
      st = graph_add(g, t);
    }
  }
  return st;
}

static cust_status native_failed(run *u, cust_status st) {
  if (st == CUST_ERR_TIMEOUT) {
    char detail[128];
    snprintf(detail, sizeof detail, "query timed out after %llu ms",
             (unsigned long long)u->req->timeout_ms);
    return sq_fail(u->r, 503, "timeout", detail);
  }
  return limit_or_fail(u, st);
}

/* Runs the request: parse, bind the parameters, evaluate over the store's
 * ids, write the answer. */
static cust_status run_query(run *u) {
  const sq_request *req = u->req;
  cust_sparql_result *r = u->r;
  sq_query *q = NULL;
  sq_eval *ev = NULL;
  sq_parse_error perr;
  char detail[800];
  memset(&perr, 0, sizeof perr);
  cust_status st = sq_parse(req->query, BASE_IRI, &q, &perr);
  if (st == CUST_ERR_NOMEM) {
    return sq_fail(r, 503, OUT_OF_MEMORY, "the query engine ran out of memory");
  }
  if (st != CUST_OK) {
    if (perr.kind == SQ_PARSE_UPDATE) {
      return sq_fail(r, 400, "update not allowed",
                     "this endpoint is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, "
                     "CREATE, DROP …) is refused");
    }
    if (perr.kind == SQ_PARSE_REFUSED && strncmp(perr.message, "SERVICE", 7) == 0) {
      snprintf(detail, sizeof detail,
               "line %u, column %u: SERVICE is not allowed: queries read only this store",
               perr.line, perr.col);
    } else {
      snprintf(detail, sizeof detail, "line %u, column %u: %s", perr.line, perr.col, perr.message);
    }
    return sq_fail(r, 400, perr.kind == SQ_PARSE_REFUSED ? "unsupported query" : "malformed query",
                   detail);
  }
  /* FROM, FROM NAMED and the graph parameters name graphs of the store
   * only: anything else would be a fetch */
  const char *const *lists[4] = { q->from, q->from_named, req->default_graphs, req->named_graphs };
  size_t nlists[4] = { q->nfrom, q->nfrom_named, req->ndefault, req->nnamed };
  st = q->nfrom + q->nfrom_named + req->ndefault + req->nnamed > 0 ? list_graphs(u) : CUST_OK;
  if (st != CUST_OK) {
    sq_query_free(q);
    return store_failed(u->x, r, st, "listing the store's graphs");
  }
  for (int l = 0; l < 4; l++) {
    for (size_t i = 0; i < nlists[l]; i++) {
      if (!is_store_graph(u->x, lists[l][i])) {
        snprintf(detail, sizeof detail,
                 "graph <%.180s> is not a graph of this store: FROM, FROM NAMED and the graph "
                 "parameters may only name the store's graphs",
                 lists[l][i]);
        sq_query_free(q);
        return sq_fail(r, 400, "unsupported query", detail);
      }
    }
  }
  for (size_t i = 0; i < req->nbind; i++) {
    const cust_term *v = &req->bind_values[i];
    if (v->kind != CUST_TERM_IRI && v->kind != CUST_TERM_LITERAL) {
      snprintf(detail, sizeof detail, "the value of \"%.100s\" must be an IRI or a literal",
               req->bind_names[i]);
      sq_query_free(q);
      return sq_fail(r, 400, "bad parameter", detail);
    }
    st = sq_query_substitute(q, req->bind_names[i], v);
    if (st != CUST_OK) {
      sq_query_free(q);
      if (st == CUST_ERR_NOMEM) {
        return sq_fail(r, 503, OUT_OF_MEMORY, "the query engine ran out of memory");
      }
      snprintf(detail, sizeof detail, "the query has no variable \"?%.100s\"", req->bind_names[i]);
      return sq_fail(r, 400, "bad parameter", detail);
    }
  }
  int is_graph = q->form == SQ_CONSTRUCT || q->form == SQ_DESCRIBE;
  sq_format f = sq_format_pick(req->format, req->accept, is_graph);
  if (f == SQ_FMT_NONE) {
    sq_query_free(q);
    return sq_fail(r, 406, "not acceptable",
                   is_graph ? "CONSTRUCT and DESCRIBE answer text/turtle, application/n-triples, "
                              "application/n-quads or application/rdf+xml"
                            : "SELECT and ASK answer application/sparql-results+json, "
                              "application/sparql-results+xml, text/csv or "
                              "text/tab-separated-values");
  }
  int has_params = req->ndefault > 0 || req->nnamed > 0;
  sq_graphs ds = { req->default_graphs, req->ndefault, has_params,
                   req->named_graphs,   req->nnamed,   has_params };
  uint64_t deadline = req->timeout_ms ? cust_now_ms() + req->timeout_ms : 0;
  st = sq_eval_new(u->x->store, q, &ds, deadline, &ev);
  if (st == CUST_ERR_LIMIT) {
    sq_query_free(q);
    snprintf(detail, sizeof detail, "the default graph may merge at most %d graphs",
             CUST_SCAN_MAX_GRAPHS);
    return sq_fail(r, 400, "unsupported query", detail);
  }
  graph_out g;
  sq_table t;
  triple_set seen;
  uint64_t *targets = NULL;
  size_t ntargets = 0, captargets = 0;
  memset(&g, 0, sizeof g);
  memset(&seen, 0, sizeof seen);
  cust_arena_init(&g.arena, 64 * 1024);
  sq_table_init(&t);
  int has = 0;
  cust_buf_reset(&r->body);
  if (st != CUST_OK) {
    /* failed to start */
  } else if (q->form == SQ_ASK) {
    st = sq_eval_next(ev, &has);
    if (st == CUST_OK) {
      st = sq_write_boolean(&r->body, f, has);
    }
  } else if (q->form == SQ_SELECT) {
    uint64_t bytes = 0;
    for (size_t i = 0; st == CUST_OK && i < q->nresult; i++) {
      st = sq_table_add_var(&t, q->vars[q->result_vars[i]].name);
    }
    while (st == CUST_OK && (st = sq_eval_next(ev, &has)) == CUST_OK && has) {
      if (limit_reached(u, t.nrows + 1)) {
        st = CUST_ERR_LIMIT;
        break;
      }
      cust_term *row = sq_table_add_row(&t);
      if (row == NULL) {
        st = CUST_ERR_NOMEM;
        break;
      }
      for (size_t i = 0; st == CUST_OK && i < q->nresult; i++) {
        cust_term v;
        st = sq_eval_term(ev, sq_eval_id(ev, q->result_vars[i]), &v);
        if (st == CUST_OK && v.kind != CUST_TERM_NONE) {
          bytes += v.len;
          st = bytes_reached(u, bytes) ? CUST_ERR_LIMIT : sq_table_set(&t, &row[i], &v);
        }
      }
    }
    if (st == CUST_OK) {
      st = sq_write_table(&r->body, f, &t);
    }
  } else if (q->form == SQ_CONSTRUCT) {
    uint64_t serial = 0;
    while (st == CUST_OK && (st = sq_eval_next(ev, &has)) == CUST_OK && has) {
      st = construct_solution(u, ev, q, serial++, &seen, &g);
    }
  } else {
    /* DESCRIBE: the constant targets, then the values of the variables */
    for (size_t i = 0; st == CUST_OK && i < q->ndescribe; i++) {
      if (q->describe[i].var < 0) {
        uint64_t id = 0;
        st = sq_eval_intern(ev, &q->describe[i].term, &id);
        if (st == CUST_OK) {
          st = cust_grow(&targets, ntargets, &captargets, sizeof *targets, 16);
        }
        if (st == CUST_OK) {
          targets[ntargets++] = id;
        }
      }
    }
    while (st == CUST_OK && q->root != NULL && (st = sq_eval_next(ev, &has)) == CUST_OK && has) {
      for (size_t i = 0; st == CUST_OK && i < q->ndescribe; i++) {
        uint64_t id = q->describe[i].var >= 0 ? sq_eval_id(ev, q->describe[i].var) : 0;
        if (id == 0) {
          continue;
        }
        st = cust_grow(&targets, ntargets, &captargets, sizeof *targets, 16);
        if (st != CUST_OK) {
          break;
        }
        targets[ntargets++] = id;
      }
    }
    if (st == CUST_OK) {
      native_describe d = { u, &g, CUST_OK };
      st = sq_eval_describe(ev, targets, ntargets, describe_add, &d);
      if (st == CUST_OK) {
        st = d.st;
      }
    }
  }
  if (st == CUST_OK && is_graph) {
    st = answer_graph(u, &g, f);
  } else if (st == CUST_OK) {
    r->http_status = 200;
    r->content_type = sq_format_type(f);
  } else {
    st = native_failed(u, st);
  }
  free(targets);
  free(seen.t);
  free(seen.slot);
  sq_table_release(&t);
  graph_release(&g);
  sq_eval_free(ev);
  sq_query_free(q);
  return st;
}

cust_status sq_exec_run(sq_exec *x, const sq_request *req, cust_sparql_result *r) {
  run u;
  memset(&u, 0, sizeof u);
  u.x = x;
  u.req = req;
  u.r = r;
  /* one read transaction pins one commit for the whole answer */
  int began = 0;
  cust_checkpoint cp;
  memset(&cp, 0, sizeof cp);
  cust_status st = cust_store_read_begin(x->store, &began);
  if (st == CUST_OK) {
    st = cust_store_checkpoint(x->store, &cp);
  }
  if (st != CUST_OK) {
    st = store_failed(x, r, st, "starting a read");
  } else {
    r->height = cp.height;
    st = run_query(&u);
  }
  cust_store_read_end(x->store, began);
  return st == CUST_ERR_NOMEM ? st : CUST_OK;
}
