/* Executing one request inside a worker: refuse what must not run (updates,
 * SERVICE, graphs from outside the store), repair or refuse what rasqal
 * 0.9.33 would answer wrongly, bind canned-query parameters in the parsed
 * query, run it over the store, and write the answer.
 *
 * What rasqal gets wrong, and what happens here (each has a test):
 *   property paths, FILTER [NOT] EXISTS   parse errors, named in the message
 *   MINUS, SERVICE                        refused before execution
 *   DESCRIBE                              evaluated here (concise bounded
 *                                         description of each resource)
 *   GROUP_CONCAT(...; SEPARATOR=s)        refused unless s is " "
 *   GROUP BY (expr AS ?v), GROUP BY expr  refused (BIND it, GROUP BY ?v)
 *   DISTINCT aggregate with others        refused (one query each)
 *   aggregates over no solution           the one row is written here
 *   GROUP BY over no solution (one bogus  the lone group is checked with an
 *   group with COUNT(*) = 1)              ASK of the WHERE clause
 *   COUNT(?v) counts unbound ?v           rewritten SUM(IF(BOUND(?v),1,0))
 *   COUNT(DISTINCT ?v), ?v maybe unbound  refused; COUNT(expr) refused
 *   VALUES ?x { ... } (short form)        rewritten to VALUES (?x) { (...) }
 *   REPLACE takes the language tag away   rewritten REPLACE(CONCAT(s), ...)
 *   from its argument's value
 *   REPLACE with $n in the replacement    refused
 *   SELECT (expr AS ?v), ?v in the WHERE  refused (a SPARQL error)
 *   GRAPH ?g sets ?g to each graph before  the graph that holds nothing is
 *   and while other patterns run, and     visited first and last, and the
 *   leaves it set when done               triples source puts the values of
 *                                         the GRAPH variables back (source.c)
 *   GRAPH <iri> of a graph not listed     such graphs are listed, and read as
 *   answers one empty solution            empty
 *
 * What librdf's sqlite storage gets wrong, and what happens here or in the
 * worker (engine.c):
 *   reads on a connection of its own,     that connection is pinned by an
 *   outside the store handle's read       open stream, between two reads of
 *   transaction (one answer, two blocks)  the checkpoint that agree
 *   its transactions are BEGIN IMMEDIATE  not used (a reader would take the
 *   (a write lock)                        writer's lock)
 *   a statement that fails (SQLITE_SCHEMA the worker runs the query again
 *   after the writer's ANALYZE, busy) is  when the store logged an error,
 *   logged and its stream ends as if      then answers 503 with that error
 *   empty: a short answer */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sparql/eval.h"
#include "sparql/sparql_int.h"

#define BASE_IRI "https://w3id.org/custodian/"
#define XSD "http://www.w3.org/2001/XMLSchema#"

struct sq_exec {
  cust_store *store;
  const cust_logger *log;
  librdf_world *lw;
  librdf_model *model;
  raptor_world *raw;
  rasqal_world *rw;
  raptor_uri *base;
  char parse_error[512];  /* the first error rasqal logged for this query */
  const char *last_error; /* the last error the store logged (borrowed), or NULL */
  /* the store's graphs, listed again only when the store has changed: its
   * checkpoint or its number of quads differs from when they were listed */
  librdf_node **graphs;
  size_t ngraphs, capgraphs;
  int has_graphs, graphs_oom;
  cust_checkpoint graphs_cp;
  uint64_t graphs_count;
};

static void on_rasqal_log(void *ud, raptor_log_message *m) {
  sq_exec *x = ud;
  if (m->level < RAPTOR_LOG_LEVEL_ERROR || x->parse_error[0] != '\0') {
    return;
  }
  if (m->locator != NULL && m->locator->line > 0) {
    if (m->locator->column > 0) {
      snprintf(x->parse_error, sizeof x->parse_error, "line %d, column %d: %s", m->locator->line,
               m->locator->column, m->text);
    } else {
      snprintf(x->parse_error, sizeof x->parse_error, "line %d: %s", m->locator->line, m->text);
    }
  } else {
    snprintf(x->parse_error, sizeof x->parse_error, "%s", m->text);
  }
}

cust_status sq_exec_new(cust_store *store, const cust_logger *log, sq_exec **out) {
  *out = NULL;
  sq_exec *x = calloc(1, sizeof *x);
  if (x == NULL) {
    return CUST_ERR_NOMEM;
  }
  x->store = store;
  x->log = log;
  x->lw = cust_store_rdf_world(store);
  x->model = cust_store_rdf_model(store);
  if (x->lw == NULL || x->model == NULL) {
    free(x);
    return CUST_ERR_INTERNAL;
  }
  x->raw = librdf_world_get_raptor(x->lw);
  x->rw = rasqal_new_world();
  if (x->rw == NULL) {
    free(x);
    return CUST_ERR_NOMEM;
  }
  rasqal_world_set_raptor(x->rw, x->raw);
  rasqal_world_set_log_handler(x->rw, x, on_rasqal_log);
  if (rasqal_world_open(x->rw) != 0 || sq_source_register(x->rw) != 0) {
    rasqal_free_world(x->rw);
    free(x);
    return CUST_ERR_INTERNAL;
  }
  x->base = raptor_new_uri(x->raw, (const unsigned char *)BASE_IRI);
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

/* The failure of a read through the triples source, which flags the
 * store's errors and its own allocations alike: the store's message tells
 * them apart (a store error is logged). */
static cust_status read_failed(sq_exec *x, cust_sparql_result *r) {
  if (x->last_error == NULL) {
    return sq_fail(r, 503, "query failed",
                   "reading the query's triples failed (out of memory or a store error: see "
                   "the server's log): try again");
  }
  int is_store = x->last_error != NULL && x->last_error[0] != '\0';
  return store_failed(x, r, is_store ? CUST_ERR_IO : CUST_ERR_NOMEM, "reading the query's triples");
}

static void drop_graphs(sq_exec *x) {
  for (size_t i = 0; i < x->ngraphs; i++) {
    librdf_free_node(x->graphs[i]);
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
  if (x->base != NULL) {
    raptor_free_uri(x->base);
  }
  rasqal_free_world(x->rw);
  free(x);
}

/* ---- one request's state --------------------------------------------------- */

typedef struct run {
  sq_exec *x;
  const sq_request *req;
  cust_sparql_result *r;
  rasqal_query *q;
  sq_dataset d;
  librdf_node **graphs; /* every graph of the store (borrowed from x) */
  size_t ngraphs;
  rasqal_literal **binds; /* the values of req->bind_names */
  /* what the walk over expressions found */
  const void **seen;
  size_t nseen, capseen;
  int naggs, ndistinct;
  const char *refusal;
  char refusal_buf[512];
  rasqal_op *proj_ops;          /* per projected variable: its aggregate, or 0 */
  rasqal_literal **proj_consts; /* or its constant value (borrowed) */
  int nproj;
  const char *const *certain; /* names of variables bound in every solution */
  size_t ncertain;
  char **certain_own;
  size_t capcertain;
} run;

static void run_release(run *u) {
  free(u->d.defaults);
  free(u->d.named);
  if (u->binds != NULL) {
    for (size_t i = 0; i < u->req->nbind; i++) {
      if (u->binds[i] != NULL) {
        rasqal_free_literal(u->binds[i]);
      }
    }
    free(u->binds);
  }
  free(u->seen);
  free(u->proj_ops);
  free(u->proj_consts);
  for (size_t i = 0; i < u->ncertain; i++) {
    free(u->certain_own[i]);
  }
  free(u->certain_own);
  if (u->q != NULL) {
    rasqal_free_query(u->q);
  }
  sq_source_release(&u->d);
}

static void refuse(run *u, const char *msg) {
  if (u->refusal == NULL) {
    u->refusal = msg;
  }
}

#define OUT_OF_MEMORY "out of memory"

/* Answers a refusal `why` as 400 `error`, unless the check ran out of memory,
 * which is 503 like every other lack of memory: the query is not at fault. */
static cust_status fail_refused(run *u, const char *error, const char *why) {
  if (strcmp(why, OUT_OF_MEMORY) == 0) {
    return sq_fail(u->r, 503, OUT_OF_MEMORY, "the query engine ran out of memory");
  }
  return sq_fail(u->r, 400, error, why);
}

/* Answers a failure of the triples source: 503 when memory ran out. */
/* The triples source failed: out of memory, or the store (a 503 that names
 * the store's error, after which the worker retires). */
static cust_status fail_source(run *u) {
  if (u->d.has_error == CUST_ERR_NOMEM) {
    return sq_fail(u->r, 503, OUT_OF_MEMORY, "the query engine ran out of memory");
  }
  return read_failed(u->x, u->r);
}

/* ---- the store's graphs and the dataset ---------------------------------------- */

static int add_graph(void *ud, const char *iri, size_t len) {
  sq_exec *x = ud;
  (void)len;
  if (x->ngraphs == x->capgraphs) {
    size_t cap = x->capgraphs ? x->capgraphs * 2 : 64;
    librdf_node **g = realloc(x->graphs, cap * sizeof *g);
    if (g == NULL) {
      x->graphs_oom = 1;
      return 1;
    }
    x->graphs = g;
    x->capgraphs = cap;
  }
  librdf_node *n = librdf_new_node_from_uri_string(x->lw, (const unsigned char *)iri);
  if (n == NULL) {
    x->graphs_oom = 1;
    return 1;
  }
  x->graphs[x->ngraphs++] = n;
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
  u->graphs = x->graphs;
  u->ngraphs = x->ngraphs;
  return CUST_OK;
}

static librdf_node *store_graph(run *u, const char *iri) {
  for (size_t i = 0; i < u->ngraphs; i++) {
    const char *s = (const char *)librdf_uri_as_string(librdf_node_get_uri(u->graphs[i]));
    if (strcmp(s, iri) == 0) {
      return u->graphs[i];
    }
  }
  return NULL;
}

/* Resolves a list of graph IRIs to the store's graphs; 0 and a refusal when
 * one is not a graph of the store. */
static int resolve_graphs(run *u, const char *const *iris, size_t n, librdf_node ***out,
                          size_t *nout) {
  /* an empty list is an empty graph, distinct from NULL (all graphs) */
  librdf_node **v = calloc(n ? n : 1, sizeof *v);
  if (v == NULL) {
    refuse(u, OUT_OF_MEMORY);
    return 0;
  }
  for (size_t i = 0; i < n; i++) {
    v[i] = store_graph(u, iris[i]);
    if (v[i] == NULL) {
      snprintf(u->refusal_buf, sizeof u->refusal_buf,
               "graph <%.180s> is not a graph of this store: FROM, FROM NAMED and the graph "
               "parameters may only name the store's graphs",
               iris[i]);
      refuse(u, u->refusal_buf);
      free(v);
      return 0;
    }
  }
  *out = v;
  *nout = n;
  return 1;
}

/* ---- the graphs GRAPH ?var visits ----------------------------------------------- */

typedef struct graph_pick {
  run *u;
  unsigned char *keep; /* per graph of u->d.named */
  int is_all;          /* a GRAPH ?var whose graphs cannot be told: keep all */
  int has_graph;       /* a GRAPH, of a variable or of an IRI */
  size_t nquads;       /* quads read to pick graphs */
  int is_oom;
  /* GRAPH <iri> of graphs the store does not hold: listed all the same, so
   * that rasqal reads them as empty (unlisted, it answers one empty row) */
  rasqal_literal **absent;
  size_t nabsent, capabsent;
} graph_pick;

/* The index of the graph named `g` in u->d.named, or -1. */
static long named_index(run *u, const cust_term *g) {
  size_t lo = 0, hi = u->d.nnamed;
  if (g->kind != CUST_TERM_IRI) {
    return -1;
  }
  if (!u->d.is_named_all) {
    for (size_t i = 0; i < u->d.nnamed; i++) {
      const char *s = (const char *)librdf_uri_as_string(librdf_node_get_uri(u->d.named[i]));
      if (strlen(s) == g->len && memcmp(s, g->value, g->len) == 0) {
        return (long)i;
      }
    }
    return -1;
  }
  /* every graph: sorted byte by byte */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    size_t len = 0;
    const char *s =
        (const char *)librdf_uri_as_counted_string(librdf_node_get_uri(u->d.named[mid]), &len);
    int c = memcmp(s, g->value, len < g->len ? len : g->len);
    if (c == 0) {
      c = len < g->len ? -1 : len > g->len ? 1 : 0;
    }
    if (c == 0) {
      return (long)mid;
    }
    if (c < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return -1;
}

/* Past this many quads, telling the graphs apart costs more than visiting
 * them all. */
#define PICK_MAX_QUADS 1000

static int pick_graph(void *ud, const cust_quad *q) {
  graph_pick *p = ud;
  if (++p->nquads > PICK_MAX_QUADS) {
    p->is_all = 1;
    return 1;
  }
  long i = named_index(p->u, &q->g);
  if (i >= 0) {
    p->keep[i] = 1;
  }
  return 0;
}

/* The triples every solution of `gp` matches in its graph: those of its
 * basic patterns and of its groups, not of OPTIONAL, UNION and the like.
 * The one with the most constant terms, or NULL. */
static rasqal_triple *required_triple(rasqal_graph_pattern *gp, int *nconst) {
  rasqal_triple *best = NULL;
  rasqal_graph_pattern_operator op = rasqal_graph_pattern_get_operator(gp);
  if (op == RASQAL_GRAPH_PATTERN_OPERATOR_BASIC) {
    rasqal_triple *t;
    for (int i = 0; (t = rasqal_graph_pattern_get_triple(gp, i)) != NULL; i++) {
      rasqal_literal *parts[3] = { t->subject, t->predicate, t->object };
      int n = 0;
      for (int k = 0; k < 3; k++) {
        n += parts[k] != NULL && rasqal_literal_as_variable(parts[k]) == NULL;
      }
      if (n > *nconst) {
        *nconst = n;
        best = t;
      }
    }
    return best;
  }
  if (op != RASQAL_GRAPH_PATTERN_OPERATOR_GROUP) {
    return NULL;
  }
  rasqal_graph_pattern *sub;
  for (int i = 0; (sub = rasqal_graph_pattern_get_sub_graph_pattern(gp, i)) != NULL; i++) {
    rasqal_triple *t = required_triple(sub, nconst);
    if (t != NULL) {
      best = t;
    }
  }
  return best;
}

static void pick_graphs(graph_pick *p, rasqal_graph_pattern *gp) {
  if (gp == NULL || p->is_all || p->is_oom) {
    return;
  }
  rasqal_graph_pattern_operator op = rasqal_graph_pattern_get_operator(gp);
  if (op == RASQAL_GRAPH_PATTERN_OPERATOR_SELECT) {
    p->is_all = 1; /* a sub-query: not looked into */
    return;
  }
  rasqal_literal *origin =
      op == RASQAL_GRAPH_PATTERN_OPERATOR_GRAPH ? rasqal_graph_pattern_get_origin(gp) : NULL;
  if (origin != NULL && rasqal_literal_as_variable(origin) == NULL) {
    /* GRAPH <iri> reads its graph only when it is in the list too */
    cust_term g;
    sq_term_from_literal(origin, &g);
    long i = named_index(p->u, &g);
    p->has_graph = 1;
    if (i >= 0) {
      p->keep[i] = 1;
    } else if (p->u->d.is_named_all && g.kind == CUST_TERM_IRI) {
      if (p->nabsent == p->capabsent) {
        size_t cap = p->capabsent ? p->capabsent * 2 : 4;
        rasqal_literal **v = realloc(p->absent, cap * sizeof *v);
        if (v == NULL) {
          p->is_oom = 1;
          return;
        }
        p->absent = v;
        p->capabsent = cap;
      }
      p->absent[p->nabsent++] = origin;
    }
  } else if (origin != NULL) {
    p->has_graph = 1;
    int nconst = 0;
    rasqal_triple *t = NULL;
    rasqal_graph_pattern *sub;
    for (int i = 0; (sub = rasqal_graph_pattern_get_sub_graph_pattern(gp, i)) != NULL; i++) {
      rasqal_triple *c = required_triple(sub, &nconst);
      if (c != NULL) {
        t = c;
      }
    }
    if (t == NULL || p->u->d.store == NULL) {
      p->is_all = 1;
      return;
    }
    cust_quad pat;
    memset(&pat, 0, sizeof pat);
    rasqal_literal *parts[3] = { t->subject, t->predicate, t->object };
    cust_term *pt[3] = { &pat.s, &pat.p, &pat.o };
    for (int k = 0; k < 3; k++) {
      if (rasqal_literal_as_variable(parts[k]) == NULL) {
        sq_term_from_literal(parts[k], pt[k]);
        if (pt[k]->kind == CUST_TERM_NONE) {
          p->is_all = 1;
          return;
        }
      }
    }
    if (cust_store_find(p->u->d.store, &pat, pick_graph, p) != CUST_OK) {
      p->is_all = 1;
      return;
    }
  }
  rasqal_graph_pattern *sub;
  for (int i = 0; (sub = rasqal_graph_pattern_get_sub_graph_pattern(gp, i)) != NULL; i++) {
    pick_graphs(p, sub);
  }
}

/* Adds the graph that holds nothing to the graphs GRAPH visits. 0 on OOM. */
static int add_no_graph(run *u) {
  raptor_uri *none = raptor_new_uri(u->x->raw, (const unsigned char *)SQ_NO_GRAPH_IRI);
  rasqal_data_graph *dg =
      none ? rasqal_new_data_graph_from_uri(u->x->rw, none, none, RASQAL_DATA_GRAPH_NAMED, NULL,
                                            NULL, NULL)
           : NULL;
  if (none != NULL) {
    raptor_free_uri(none);
  }
  return dg != NULL && rasqal_query_add_data_graph(u->q, dg) == 0;
}

/* Lists the graphs GRAPH may visit as the query's named data graphs: none
 * without a GRAPH; the graph of each GRAPH <iri>; for each GRAPH ?var, those
 * of u->d.named holding a match of a triple its pattern requires (all of them
 * when that cannot be told, or would cost more than visiting them). 0 on
 * OOM. */
static int list_data_graphs(run *u) {
  graph_pick p;
  memset(&p, 0, sizeof p);
  p.u = u;
  p.keep = calloc(u->d.nnamed ? u->d.nnamed : 1, 1);
  if (p.keep == NULL) {
    return 0;
  }
  pick_graphs(&p, rasqal_query_get_query_graph_pattern(u->q));
  int ok = !p.is_oom;
  /* rasqal sets the variable of a GRAPH to the first graph when the GRAPH is
   * set up, before the patterns ahead of it run, and leaves it at the last
   * graph when the GRAPH is done, for the patterns after it: both are the
   * graph that holds nothing, which the triples source reads as no value
   * outside that GRAPH */
  if (ok && p.has_graph && !add_no_graph(u)) {
    ok = 0;
  }
  for (size_t i = 0; ok && p.has_graph && i < u->d.nnamed; i++) {
    if (!p.is_all && !p.keep[i]) {
      continue;
    }
    raptor_uri *g = librdf_node_get_uri(u->d.named[i]);
    rasqal_data_graph *dg =
        rasqal_new_data_graph_from_uri(u->x->rw, g, g, RASQAL_DATA_GRAPH_NAMED, NULL, NULL, NULL);
    if (dg == NULL || rasqal_query_add_data_graph(u->q, dg) != 0) {
      ok = 0;
    }
  }
  for (size_t i = 0; ok && i < p.nabsent; i++) {
    raptor_uri *g = p.absent[i]->type == RASQAL_LITERAL_URI ? p.absent[i]->value.uri : NULL;
    rasqal_data_graph *dg = g ? rasqal_new_data_graph_from_uri(
                                    u->x->rw, g, g, RASQAL_DATA_GRAPH_NAMED, NULL, NULL, NULL)
                              : NULL;
    if (dg == NULL || rasqal_query_add_data_graph(u->q, dg) != 0) {
      ok = 0;
    }
  }
  if (ok && p.has_graph && !add_no_graph(u)) {
    ok = 0;
  }
  free(p.absent);
  free(p.keep);
  return ok;
}

static int setup_dataset(run *u) {
  const sq_request *req = u->req;
  rasqal_query *q = u->q;
  const char **from = NULL, **from_named = NULL;
  const char *const *fromv, *const *namedv;
  size_t nfrom = 0, nnamed = 0;
  int ok = 0;
  raptor_sequence *dgs = rasqal_query_get_data_graph_sequence(q);
  int ndg = dgs ? raptor_sequence_size(dgs) : 0;
  from = calloc((size_t)ndg + 1, sizeof *from);
  from_named = calloc((size_t)ndg + 1, sizeof *from_named);
  if (from == NULL || from_named == NULL) {
    refuse(u, OUT_OF_MEMORY);
    goto done;
  }
  for (int i = 0; i < ndg; i++) {
    rasqal_data_graph *dg = raptor_sequence_get_at(dgs, i);
    if (dg->name_uri != NULL && (dg->flags & RASQAL_DATA_GRAPH_NAMED)) {
      from_named[nnamed++] = (const char *)raptor_uri_as_string(dg->name_uri);
    } else if (dg->uri != NULL) {
      from[nfrom++] = (const char *)raptor_uri_as_string(dg->uri);
    }
  }
  fromv = from;
  namedv = from_named;
  /* the protocol's parameters replace the query's FROM and FROM NAMED, but
   * what the query names must be in the store all the same */
  if ((nfrom > 0 || nnamed > 0) &&
      (!resolve_graphs(u, from, nfrom, &u->d.defaults, &u->d.ndefaults) ||
       !resolve_graphs(u, from_named, nnamed, &u->d.named, &u->d.nnamed))) {
    goto done;
  }
  free(u->d.defaults);
  free(u->d.named);
  u->d.defaults = NULL;
  u->d.named = NULL;
  if (req->ndefault > 0 || req->nnamed > 0) {
    fromv = req->default_graphs;
    nfrom = req->ndefault;
    namedv = req->named_graphs;
    nnamed = req->nnamed;
  }
  if (nfrom > 0 || nnamed > 0) {
    if (!resolve_graphs(u, fromv, nfrom, &u->d.defaults, &u->d.ndefaults) ||
        !resolve_graphs(u, namedv, nnamed, &u->d.named, &u->d.nnamed)) {
      goto done;
    }
  } else {
    /* the default graph is the merge of every graph; GRAPH visits them all */
    u->d.defaults = NULL;
    u->d.named = calloc(u->ngraphs ? u->ngraphs : 1, sizeof *u->d.named);
    if (u->d.named == NULL) {
      refuse(u, OUT_OF_MEMORY);
      goto done;
    }
    if (u->ngraphs) {
      memcpy(u->d.named, u->graphs, u->ngraphs * sizeof *u->d.named);
    }
    u->d.nnamed = u->ngraphs;
    u->d.is_named_all = 1;
  }
  /* rasqal walks the named graphs of its data graph list for GRAPH ?g,
   * evaluating the inner pattern once per graph: only the graphs where that
   * pattern can match are listed */
  while (dgs != NULL && raptor_sequence_size(dgs) > 0) {
    rasqal_data_graph *dg = raptor_sequence_pop(dgs);
    rasqal_free_data_graph(dg);
  }
  if (!list_data_graphs(u)) {
    refuse(u, OUT_OF_MEMORY);
    goto done;
  }
  ok = 1;
done:
  free(from);
  free(from_named);
  return ok;
}

/* ---- walking the query ------------------------------------------------------------ */

static int mark_seen(run *u, const void *p) {
  for (size_t i = 0; i < u->nseen; i++) {
    if (u->seen[i] == p) {
      return 0;
    }
  }
  if (u->nseen == u->capseen) {
    size_t cap = u->capseen ? u->capseen * 2 : 64;
    const void **s = realloc(u->seen, cap * sizeof *s);
    if (s == NULL) {
      /* walking it again could count its aggregates twice */
      refuse(u, OUT_OF_MEMORY);
      return 0;
    }
    u->seen = s;
    u->capseen = cap;
  }
  u->seen[u->nseen++] = p;
  return 1;
}

static int is_certain(run *u, const unsigned char *name) {
  for (size_t i = 0; i < u->ncertain; i++) {
    if (strcmp(u->certain[i], (const char *)name) == 0) {
      return 1;
    }
  }
  return 0;
}

static void add_certain(run *u, rasqal_literal *l) {
  rasqal_variable *v = rasqal_literal_as_variable(l);
  if (v == NULL || is_certain(u, v->name)) {
    return;
  }
  if (u->ncertain == u->capcertain) {
    size_t cap = u->capcertain ? u->capcertain * 2 : 16;
    char **c = realloc(u->certain_own, cap * sizeof *c);
    if (c == NULL) {
      refuse(u, OUT_OF_MEMORY); /* a variable left out would be refused as maybe unbound */
      return;
    }
    u->certain_own = c;
    u->certain = (const char *const *)c;
    u->capcertain = cap;
  }
  char *s = strdup((const char *)v->name);
  if (s == NULL) {
    refuse(u, OUT_OF_MEMORY);
    return;
  }
  u->certain_own[u->ncertain++] = s;
}

/* Variables bound in every solution: those of triple patterns reached from
 * the top through groups and GRAPH only. */
static void find_certain(run *u, rasqal_graph_pattern *gp) {
  if (gp == NULL) {
    return;
  }
  rasqal_graph_pattern_operator op = rasqal_graph_pattern_get_operator(gp);
  if (op == RASQAL_GRAPH_PATTERN_OPERATOR_BASIC) {
    rasqal_triple *t;
    for (int i = 0; (t = rasqal_graph_pattern_get_triple(gp, i)) != NULL; i++) {
      add_certain(u, t->subject);
      add_certain(u, t->predicate);
      add_certain(u, t->object);
      if (t->origin) {
        add_certain(u, t->origin);
      }
    }
    return;
  }
  if (op != RASQAL_GRAPH_PATTERN_OPERATOR_GROUP && op != RASQAL_GRAPH_PATTERN_OPERATOR_GRAPH) {
    return;
  }
  if (op == RASQAL_GRAPH_PATTERN_OPERATOR_GRAPH) {
    rasqal_literal *o = rasqal_graph_pattern_get_origin(gp);
    if (o != NULL) {
      add_certain(u, o);
    }
  }
  rasqal_graph_pattern *sub;
  for (int i = 0; (sub = rasqal_graph_pattern_get_sub_graph_pattern(gp, i)) != NULL; i++) {
    find_certain(u, sub);
  }
}

static int is_aggregate_op(rasqal_op op) {
  return op == RASQAL_EXPR_COUNT || op == RASQAL_EXPR_SUM || op == RASQAL_EXPR_AVG ||
         op == RASQAL_EXPR_MIN || op == RASQAL_EXPR_MAX || op == RASQAL_EXPR_SAMPLE ||
         op == RASQAL_EXPR_GROUP_CONCAT;
}

static rasqal_expression *int_expr(rasqal_world *rw, int v) {
  rasqal_literal *l = rasqal_new_integer_literal(rw, RASQAL_LITERAL_INTEGER, v);
  return l ? rasqal_new_literal_expression(rw, l) : NULL;
}

/* COUNT(?v) -> SUM(IF(BOUND(?v), 1, 0)): rasqal counts unbound values. */
static int rewrite_count(run *u, rasqal_expression *e) {
  rasqal_world *rw = u->x->rw;
  rasqal_expression *bound = rasqal_new_1op_expression(rw, RASQAL_EXPR_BOUND, e->arg1);
  e->arg1 = NULL;
  if (bound == NULL) {
    return 0;
  }
  rasqal_expression *one = int_expr(rw, 1), *zero = int_expr(rw, 0);
  if (one == NULL || zero == NULL) {
    rasqal_free_expression(bound);
    if (one) {
      rasqal_free_expression(one);
    }
    if (zero) {
      rasqal_free_expression(zero);
    }
    return 0;
  }
  rasqal_expression *cond = rasqal_new_3op_expression(rw, RASQAL_EXPR_IF, bound, one, zero);
  if (cond == NULL) {
    return 0;
  }
  e->op = RASQAL_EXPR_SUM;
  e->arg1 = cond;
  return 1;
}

/* REPLACE(s, ...) -> REPLACE(CONCAT(s), ...): rasqal's REPLACE takes the
 * language tag away from the value of `s` itself (a variable then loses it in
 * every later use); CONCAT makes a copy, and fails on what REPLACE fails on. */
static int rewrite_replace(run *u, rasqal_expression *e) {
  rasqal_world *rw = u->x->rw;
  raptor_sequence *args = raptor_new_sequence((raptor_data_free_handler)rasqal_free_expression,
                                              (raptor_data_print_handler)rasqal_expression_print);
  if (args == NULL) {
    return 0;
  }
  if (raptor_sequence_push(args, e->arg1) != 0) {
    e->arg1 = NULL; /* the sequence freed it */
    return 0;
  }
  e->arg1 = rasqal_new_expr_seq_expression(rw, RASQAL_EXPR_CONCAT, args);
  return e->arg1 != NULL;
}

static rasqal_literal *bound_value(run *u, const unsigned char *name) {
  for (size_t i = 0; i < u->req->nbind; i++) {
    if (u->binds[i] != NULL && strcmp(u->req->bind_names[i], (const char *)name) == 0) {
      return u->binds[i];
    }
  }
  return NULL;
}

static void walk_expr(run *u, rasqal_expression *e) {
  if (e == NULL || !mark_seen(u, e)) {
    return;
  }
  switch (e->op) {
    case RASQAL_EXPR_LITERAL: {
      rasqal_variable *v = rasqal_literal_as_variable(e->literal);
      rasqal_literal *b = v && u->binds ? bound_value(u, v->name) : NULL;
      if (b != NULL) {
        rasqal_free_literal(e->literal);
        e->literal = rasqal_new_literal_from_literal(b);
      }
      return;
    }
    case RASQAL_EXPR_GROUP_CONCAT:
      if (e->literal != NULL) {
        const unsigned char *sep = rasqal_literal_as_string(e->literal);
        if (sep == NULL || strcmp((const char *)sep, " ") != 0) {
          refuse(u, "GROUP_CONCAT with a SEPARATOR other than \" \" is not supported by this "
                    "endpoint (rasqal ignores it)");
        }
      }
      break;
    case RASQAL_EXPR_COUNT: {
      rasqal_variable *v = e->arg1 && e->arg1->op == RASQAL_EXPR_LITERAL
                               ? rasqal_literal_as_variable(e->arg1->literal)
                               : NULL;
      if (e->arg1 == NULL || e->arg1->op == RASQAL_EXPR_VARSTAR) {
        break;
      }
      if (e->flags & RASQAL_EXPR_FLAG_DISTINCT) {
        if (v == NULL) {
          refuse(u, "COUNT(DISTINCT expression) is not supported: COUNT(DISTINCT ?var) of a "
                    "variable bound in every solution is");
        } else if (!is_certain(u, v->name)) {
          refuse(u, "COUNT(DISTINCT ?var) of a variable that may be unbound (OPTIONAL, UNION, "
                    "BIND) is not supported by this endpoint (rasqal counts the unbound value)");
        }
        break;
      }
      if (v == NULL) {
        refuse(u, "COUNT of an expression is not supported: use COUNT(*) or COUNT(?var)");
        break;
      }
      u->naggs++;
      if (!rewrite_count(u, e)) {
        refuse(u, OUT_OF_MEMORY);
      }
      mark_seen(u, e->arg1);
      return; /* the new arguments need no walk */
    }
    case RASQAL_EXPR_REPLACE: {
      /* rasqal substitutes $n group references wrongly */
      const unsigned char *rep = e->arg3 && e->arg3->op == RASQAL_EXPR_LITERAL &&
                                         rasqal_literal_as_variable(e->arg3->literal) == NULL
                                     ? rasqal_literal_as_string(e->arg3->literal)
                                     : NULL;
      if (rep == NULL || strchr((const char *)rep, '$') != NULL) {
        refuse(u, "REPLACE is supported with a constant replacement string without $ group "
                  "references only (rasqal substitutes them wrongly)");
      }
      walk_expr(u, e->arg1);
      walk_expr(u, e->arg2);
      walk_expr(u, e->arg3);
      walk_expr(u, e->arg4);
      if (!rewrite_replace(u, e)) {
        refuse(u, OUT_OF_MEMORY);
      }
      mark_seen(u, e->arg1);
      return;
    }
    default:
      break;
  }
  if (is_aggregate_op(e->op)) {
    u->naggs++;
    if (e->flags & RASQAL_EXPR_FLAG_DISTINCT) {
      u->ndistinct++;
    }
  }
  walk_expr(u, e->arg1);
  walk_expr(u, e->arg2);
  walk_expr(u, e->arg3);
  walk_expr(u, e->arg4);
  if (e->args != NULL) {
    for (int i = 0; i < raptor_sequence_size(e->args); i++) {
      walk_expr(u, raptor_sequence_get_at(e->args, i));
    }
  }
}

static void bind_literal(run *u, rasqal_literal **slot) {
  rasqal_variable *v = rasqal_literal_as_variable(*slot);
  rasqal_literal *b = v && u->binds ? bound_value(u, v->name) : NULL;
  if (b != NULL) {
    rasqal_free_literal(*slot);
    *slot = rasqal_new_literal_from_literal(b);
  }
}

static void bind_triples(run *u, raptor_sequence *seq) {
  for (int i = 0; seq != NULL && i < raptor_sequence_size(seq); i++) {
    rasqal_triple *t = raptor_sequence_get_at(seq, i);
    bind_literal(u, &t->subject);
    bind_literal(u, &t->predicate);
    bind_literal(u, &t->object);
    if (t->origin != NULL) {
      bind_literal(u, &t->origin);
    }
  }
}

/* Whether every solution of `gp` must match at least one triple pattern:
 * rasqal's GRAPH ?var over a pattern that can match nothing (an empty group,
 * only OPTIONAL, BIND or VALUES) does not visit the graphs at all. */
static int has_required_triple(rasqal_graph_pattern *gp) {
  switch (rasqal_graph_pattern_get_operator(gp)) {
    case RASQAL_GRAPH_PATTERN_OPERATOR_BASIC:
      return rasqal_graph_pattern_get_triple(gp, 0) != NULL;
    case RASQAL_GRAPH_PATTERN_OPERATOR_GROUP:
    case RASQAL_GRAPH_PATTERN_OPERATOR_GRAPH:
      for (int i = 0; rasqal_graph_pattern_get_sub_graph_pattern(gp, i) != NULL; i++) {
        if (has_required_triple(rasqal_graph_pattern_get_sub_graph_pattern(gp, i))) {
          return 1;
        }
      }
      return 0;
    case RASQAL_GRAPH_PATTERN_OPERATOR_UNION: {
      int n = 0;
      for (; rasqal_graph_pattern_get_sub_graph_pattern(gp, n) != NULL; n++) {
        if (!has_required_triple(rasqal_graph_pattern_get_sub_graph_pattern(gp, n))) {
          return 0;
        }
      }
      return n > 0;
    }
    default:
      return 0;
  }
}

static int walk_gp(rasqal_query *q, rasqal_graph_pattern *gp, void *ud) {
  run *u = ud;
  (void)q;
  switch (rasqal_graph_pattern_get_operator(gp)) {
    case RASQAL_GRAPH_PATTERN_OPERATOR_SERVICE:
      refuse(u, "SERVICE is not allowed: queries read only this store");
      break;
    case RASQAL_GRAPH_PATTERN_OPERATOR_MINUS:
      refuse(u, "MINUS is not supported by this endpoint: use OPTIONAL with FILTER(!BOUND(?v))");
      break;
    default:
      break;
  }
  walk_expr(u, rasqal_graph_pattern_get_filter_expression(gp));
  rasqal_variable *v = rasqal_graph_pattern_get_variable(gp);
  if (v != NULL) {
    if (u->binds && bound_value(u, v->name)) {
      refuse(u, "a parameter cannot be the target of BIND");
    }
    walk_expr(u, v->expression);
  }
  if (rasqal_graph_pattern_get_operator(gp) == RASQAL_GRAPH_PATTERN_OPERATOR_GRAPH &&
      rasqal_literal_as_variable(rasqal_graph_pattern_get_origin(gp)) != NULL &&
      !has_required_triple(gp)) {
    refuse(u, "GRAPH ?var over a pattern that needs no triple (empty, or only OPTIONAL, BIND "
              "or VALUES) is not supported by this endpoint: add a triple pattern inside it, "
              "e.g. GRAPH ?g { ?s ?p ?o OPTIONAL { ... } }");
  }
  if (rasqal_graph_pattern_get_operator(gp) == RASQAL_GRAPH_PATTERN_OPERATOR_GRAPH && u->binds) {
    rasqal_variable *g = rasqal_literal_as_variable(rasqal_graph_pattern_get_origin(gp));
    if (g != NULL && bound_value(u, g->name)) {
      refuse(u, "a parameter cannot name the graph of GRAPH ?var: use FROM NAMED or "
                "named-graph-uri");
    }
  }
  return 0;
}

static void walk_seq_vars(run *u, raptor_sequence *seq) {
  for (int i = 0; seq != NULL && i < raptor_sequence_size(seq); i++) {
    rasqal_variable *v = raptor_sequence_get_at(seq, i);
    if (v != NULL) {
      walk_expr(u, v->expression);
    }
  }
}

static void walk_seq_exprs(run *u, raptor_sequence *seq) {
  for (int i = 0; seq != NULL && i < raptor_sequence_size(seq); i++) {
    walk_expr(u, raptor_sequence_get_at(seq, i));
  }
}

/* What each projected variable is, for the row of aggregates over no
 * solution: rasqal moves the aggregates away during execution. */
static void record_projection(run *u) {
  raptor_sequence *proj = rasqal_query_get_bound_variable_sequence(u->q);
  int n = proj ? raptor_sequence_size(proj) : 0;
  u->proj_ops = calloc((size_t)n + 1, sizeof *u->proj_ops);
  u->proj_consts = calloc((size_t)n + 1, sizeof *u->proj_consts);
  if (u->proj_ops == NULL || u->proj_consts == NULL) {
    refuse(u, OUT_OF_MEMORY); /* the row of aggregates over no solution needs them */
    return;
  }
  u->nproj = n;
  for (int i = 0; i < n; i++) {
    rasqal_variable *v = raptor_sequence_get_at(proj, i);
    rasqal_expression *e = v->expression;
    if (e == NULL) {
      u->proj_ops[i] = RASQAL_EXPR_UNKNOWN;
    } else if (is_aggregate_op(e->op)) {
      u->proj_ops[i] = e->op;
    } else if (e->op == RASQAL_EXPR_LITERAL && rasqal_literal_as_variable(e->literal) == NULL) {
      u->proj_ops[i] = RASQAL_EXPR_LITERAL;
      u->proj_consts[i] = e->literal;
    } else {
      u->proj_ops[i] = RASQAL_EXPR_LAST; /* an expression */
    }
  }
}

/* SELECT (expr AS ?v) with ?v used in the pattern is an error in SPARQL;
 * rasqal answers it with the pattern's value. */
static void check_projection(run *u) {
  raptor_sequence *proj = rasqal_query_get_bound_variable_sequence(u->q);
  raptor_sequence *triples = rasqal_query_get_triple_sequence(u->q);
  for (int i = 0; proj != NULL && i < raptor_sequence_size(proj); i++) {
    rasqal_variable *v = raptor_sequence_get_at(proj, i);
    if (v->expression == NULL) {
      continue;
    }
    for (int j = 0; triples != NULL && j < raptor_sequence_size(triples); j++) {
      rasqal_triple *t = raptor_sequence_get_at(triples, j);
      if (rasqal_literal_as_variable(t->subject) == v ||
          rasqal_literal_as_variable(t->predicate) == v ||
          rasqal_literal_as_variable(t->object) == v ||
          (t->origin && rasqal_literal_as_variable(t->origin) == v)) {
        snprintf(u->refusal_buf, sizeof u->refusal_buf,
                 "?%.100s is already used in the pattern: SELECT (... AS ?%.100s) needs a "
                 "new variable",
                 (const char *)v->name, (const char *)v->name);
        refuse(u, u->refusal_buf);
        return;
      }
    }
  }
}

static void check_query(run *u) {
  rasqal_query *q = u->q;
  record_projection(u);
  check_projection(u);
  find_certain(u, rasqal_query_get_query_graph_pattern(q));
  bind_triples(u, rasqal_query_get_triple_sequence(q));
  bind_triples(u, rasqal_query_get_construct_triples_sequence(q));
  rasqal_query_graph_pattern_visit2(q, walk_gp, u);
  walk_seq_vars(u, rasqal_query_get_bound_variable_sequence(q));
  walk_seq_vars(u, rasqal_query_get_all_variable_sequence(q));
  walk_seq_vars(u, rasqal_query_get_anonymous_variable_sequence(q));
  walk_seq_exprs(u, rasqal_query_get_order_conditions_sequence(q));
  walk_seq_exprs(u, rasqal_query_get_having_conditions_sequence(q));
  raptor_sequence *groups = rasqal_query_get_group_conditions_sequence(q);
  for (int i = 0; groups != NULL && i < raptor_sequence_size(groups); i++) {
    rasqal_expression *g = raptor_sequence_get_at(groups, i);
    rasqal_variable *v =
        g && g->op == RASQAL_EXPR_LITERAL ? rasqal_literal_as_variable(g->literal) : NULL;
    if (v == NULL || v->expression != NULL) {
      refuse(u, "GROUP BY an expression or (expression AS ?var) is not supported by this "
                "endpoint: BIND(expression AS ?var) in WHERE and GROUP BY ?var");
    }
  }
  if (u->ndistinct > 0 && u->naggs > 1) {
    refuse(u, "an aggregate with DISTINCT next to other aggregates is not supported by this "
              "endpoint (rasqal gives them all the same value): run one query per DISTINCT "
              "aggregate");
  }
}

/* ---- bindings ------------------------------------------------------------------------- */

static int prepare_binds(run *u) {
  const sq_request *req = u->req;
  if (req->nbind == 0) {
    return 1;
  }
  u->binds = calloc(req->nbind, sizeof *u->binds);
  if (u->binds == NULL) {
    refuse(u, OUT_OF_MEMORY);
    return 0;
  }
  for (size_t i = 0; i < req->nbind; i++) {
    const char *name = req->bind_names[i];
    if (!rasqal_query_has_variable2(u->q, RASQAL_VARIABLE_TYPE_NORMAL,
                                    (const unsigned char *)name)) {
      snprintf(u->refusal_buf, sizeof u->refusal_buf, "the query has no variable \"?%.100s\"",
               name);
      refuse(u, u->refusal_buf);
      return 0;
    }
    if (req->bind_values[i].kind != CUST_TERM_IRI &&
        req->bind_values[i].kind != CUST_TERM_LITERAL) {
      snprintf(u->refusal_buf, sizeof u->refusal_buf,
               "the value of \"%.100s\" must be an IRI or a literal", name);
      refuse(u, u->refusal_buf);
      return 0;
    }
    u->binds[i] = sq_literal_from_term(&u->d, &req->bind_values[i]);
    if (u->binds[i] == NULL) {
      snprintf(u->refusal_buf, sizeof u->refusal_buf,
               "the value of \"%.100s\" is not a valid term of its type", name);
      refuse(u, u->refusal_buf);
      return 0;
    }
  }
  return 1;
}

/* ---- reading results ------------------------------------------------------------------- */

static int limit_reached(run *u, size_t n) {
  if (n <= u->req->max_results) {
    return 0;
  }
  snprintf(u->refusal_buf, sizeof u->refusal_buf,
           "the query gives more than %llu results (the limit): add LIMIT or narrow it",
           (unsigned long long)u->req->max_results);
  return 1;
}

/* The one row of an aggregate query over no solutions, which rasqal omits:
 * COUNT, SUM and AVG are 0, GROUP_CONCAT "", MIN, MAX and SAMPLE unbound. */
static const char *empty_aggregate_row(run *u, sq_table *t) {
  rasqal_query *q = u->q;
  raptor_sequence *groups = rasqal_query_get_group_conditions_sequence(q);
  raptor_sequence *having = rasqal_query_get_having_conditions_sequence(q);
  if (u->naggs == 0 || t->nrows > 0 || (groups && raptor_sequence_size(groups) > 0) ||
      rasqal_query_get_offset(q) > 0 || rasqal_query_get_limit(q) == 0) {
    return NULL;
  }
  if (having && raptor_sequence_size(having) > 0) {
    return "HAVING over aggregates of no solutions is not supported by this endpoint";
  }
  raptor_sequence *proj = rasqal_query_get_bound_variable_sequence(q);
  cust_term *row = sq_table_add_row(t);
  if (row == NULL) {
    return OUT_OF_MEMORY;
  }
  for (size_t i = 0; i < t->nvars; i++) {
    int k = -1;
    for (int j = 0; proj != NULL && j < raptor_sequence_size(proj) && j < u->nproj; j++) {
      rasqal_variable *c = raptor_sequence_get_at(proj, j);
      if (strcmp((const char *)c->name, t->vars[i]) == 0) {
        k = j;
      }
    }
    cust_term val = { 0 };
    switch (k < 0 ? RASQAL_EXPR_UNKNOWN : u->proj_ops[k]) {
      case RASQAL_EXPR_COUNT:
      case RASQAL_EXPR_SUM:
      case RASQAL_EXPR_AVG:
        val = cust_term_literal("0", NULL, XSD "integer");
        break;
      case RASQAL_EXPR_GROUP_CONCAT:
        val = cust_term_literal("", NULL, NULL);
        break;
      case RASQAL_EXPR_LITERAL:
        sq_term_from_literal(u->proj_consts[k], &val);
        if (val.kind == CUST_TERM_NONE) {
          continue;
        }
        break;
      case RASQAL_EXPR_LAST:
        return "an expression over aggregates of no solutions is not supported by this endpoint";
      default:
        continue; /* MIN, MAX, SAMPLE, a plain variable: unbound */
    }
    if (sq_table_set(t, &row[i], &val) != CUST_OK) {
      return OUT_OF_MEMORY;
    }
  }
  return NULL;
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

static cust_status read_bindings(run *u, rasqal_query_results *res, sq_table *t) {
  int n = rasqal_query_results_get_bindings_count(res);
  cust_status st = CUST_OK;
  uint64_t bytes = 0;
  for (int i = 0; i < n && st == CUST_OK; i++) {
    st = sq_table_add_var(t, (const char *)rasqal_query_results_get_binding_name(res, i));
  }
  if (n <= 0) {
    /* no solution: rasqal does not name the variables then */
    raptor_sequence *proj = rasqal_query_get_bound_variable_sequence(u->q);
    for (int i = 0; proj != NULL && i < raptor_sequence_size(proj) && st == CUST_OK; i++) {
      rasqal_variable *v = raptor_sequence_get_at(proj, i);
      st = sq_table_add_var(t, (const char *)v->name);
    }
    return st;
  }
  while (st == CUST_OK && !rasqal_query_results_finished(res)) {
    if (limit_reached(u, t->nrows + 1)) {
      return CUST_ERR_LIMIT;
    }
    cust_term *row = sq_table_add_row(t);
    if (row == NULL) {
      return CUST_ERR_NOMEM;
    }
    for (int i = 0; i < n && st == CUST_OK; i++) {
      rasqal_literal *l = rasqal_query_results_get_binding_value(res, i);
      if (l == NULL && u->binds) {
        l = bound_value(u, (const unsigned char *)t->vars[i]);
      }
      cust_term v;
      sq_term_from_literal(l, &v);
      if (v.kind != CUST_TERM_NONE) {
        bytes += v.len;
        if (bytes_reached(u, bytes)) {
          return CUST_ERR_LIMIT;
        }
        st = sq_table_set(t, &row[i], &v);
      }
    }
    if (rasqal_query_results_next(res) != 0) {
      break;
    }
  }
  return st;
}

typedef struct graph_out {
  cust_quad *q;
  size_t n, cap;
  cust_arena arena;
} graph_out;

static cust_status graph_add(graph_out *g, const cust_term t[3]) {
  if (g->n == g->cap) {
    size_t cap = g->cap ? g->cap * 2 : 64;
    cust_quad *q = realloc(g->q, cap * sizeof *q);
    if (q == NULL) {
      return CUST_ERR_NOMEM;
    }
    g->q = q;
    g->cap = cap;
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

static cust_status read_graph(run *u, rasqal_query_results *res, graph_out *g) {
  cust_status st = CUST_OK;
  while (st == CUST_OK) {
    raptor_statement *s = rasqal_query_results_get_triple(res);
    if (s == NULL) {
      break;
    }
    if (limit_reached(u, g->n + 1)) {
      return CUST_ERR_LIMIT;
    }
    cust_term t[3];
    sq_term_from_raptor(s->subject, &t[0]);
    sq_term_from_raptor(s->predicate, &t[1]);
    sq_term_from_raptor(s->object, &t[2]);
    st = graph_add(g, t);
    if (rasqal_query_results_next_triple(res) != 0) {
      break;
    }
  }
  return st;
}

/* ---- DESCRIBE ---------------------------------------------------------------------------- */

static int node_in(librdf_node **v, size_t n, librdf_node *x) {
  for (size_t i = 0; i < n; i++) {
    if (librdf_node_equals(v[i], x)) {
      return 1;
    }
  }
  return 0;
}

/* Adds to `g` the concise bounded description of `node`: its triples in the
 * default graph, and recursively those of blank nodes they lead to. */
static cust_status describe_node(run *u, librdf_node *node, graph_out *g, cust_buf *key,
                                 librdf_node ***queue, size_t *nq, size_t *capq) {
  sq_dataset *d = &u->d;
  cust_status st = CUST_OK;
  {
    librdf_statement *pat =
        librdf_new_statement_from_nodes(d->lw, librdf_new_node_from_node(node), NULL, NULL);
    if (pat == NULL) {
      return CUST_ERR_NOMEM;
    }
    librdf_stream *s = librdf_model_find_statements(d->model, pat);
    librdf_free_statement(pat);
    if (s == NULL) {
      return CUST_ERR_IO;
    }
    for (; st == CUST_OK && !librdf_stream_end(s); librdf_stream_next(s)) {
      librdf_statement *stmt = librdf_stream_get_object(s);
      if (d->defaults != NULL) {
        librdf_node *ctx = librdf_stream_get_context2(s);
        if (ctx == NULL || !node_in(d->defaults, d->ndefaults, ctx)) {
          continue;
        }
      }
      cust_term t[3];
      sq_term_from_raptor(stmt->subject, &t[0]);
      sq_term_from_raptor(stmt->predicate, &t[1]);
      sq_term_from_raptor(stmt->object, &t[2]);
      /* a triple in several graphs is described once */
      size_t mark = key->len;
      for (int i = 0; i < 3 && st == CUST_OK; i++) {
        st = cust_term_write_nt(key, &t[i]);
      }
      if (st == CUST_OK) {
        st = cust_buf_putc(key, '\n');
      }
      if (st != CUST_OK) {
        break;
      }
      const char *line = key->data + mark;
      size_t linelen = key->len - mark;
      int dup = 0;
      for (size_t off = 0; off < mark;) {
        const char *nl = memchr(key->data + off, '\n', mark - off);
        size_t l = (size_t)(nl - (key->data + off)) + 1;
        if (l == linelen && memcmp(key->data + off, line, l) == 0) {
          dup = 1;
          break;
        }
        off += l;
      }
      if (dup) {
        key->len = mark;
        continue;
      }
      if (limit_reached(u, g->n + 1)) {
        st = CUST_ERR_LIMIT;
        break;
      }
      st = graph_add(g, t);
      if (st == CUST_OK && t[2].kind == CUST_TERM_BLANK) {
        if (*nq == *capq) {
          size_t cap = *capq ? *capq * 2 : 16;
          librdf_node **nqv = realloc(*queue, cap * sizeof *nqv);
          if (nqv == NULL) {
            st = CUST_ERR_NOMEM;
            break;
          }
          *queue = nqv;
          *capq = cap;
        }
        (*queue)[(*nq)++] = librdf_new_node_from_node(stmt->object);
      }
    }
    librdf_free_stream(s);
  }
  return st;
}

static cust_status describe(run *u, librdf_node **targets, size_t ntargets, graph_out *g) {
  librdf_node **queue = NULL, **done = NULL;
  size_t nq = 0, capq = 0, ndone = 0;
  cust_buf key;
  cust_status st = CUST_OK;
  cust_buf_init(&key);
  done = calloc(1, sizeof *done);
  for (size_t i = 0; i < ntargets && st == CUST_OK; i++) {
    if (nq == capq) {
      size_t cap = capq ? capq * 2 : 16;
      librdf_node **nqv = realloc(queue, cap * sizeof *nqv);
      if (nqv == NULL) {
        st = CUST_ERR_NOMEM;
        break;
      }
      queue = nqv;
      capq = cap;
    }
    queue[nq++] = librdf_new_node_from_node(targets[i]);
  }
  size_t head = 0;
  while (st == CUST_OK && head < nq) {
    librdf_node *n = queue[head++];
    if (n == NULL || node_in(done, ndone, n)) {
      continue;
    }
    librdf_node **dv = realloc(done, (ndone + 1) * sizeof *dv);
    if (dv == NULL) {
      st = CUST_ERR_NOMEM;
      break;
    }
    done = dv;
    done[ndone++] = n;
    queue[head - 1] = NULL;
    st = describe_node(u, n, g, &key, &queue, &nq, &capq);
  }
  for (size_t i = 0; i < nq; i++) {
    if (queue[i] != NULL) {
      librdf_free_node(queue[i]);
    }
  }
  for (size_t i = 0; i < ndone; i++) {
    librdf_free_node(done[i]);
  }
  free(queue);
  free(done);
  cust_buf_release(&key);
  return st;
}

/* ---- running ------------------------------------------------------------------------------ */

static int parse(run *u, const char *text) {
  u->x->parse_error[0] = '\0';
  u->q = rasqal_new_query(u->x->rw, "sparql11-query", NULL);
  if (u->q == NULL) {
    return 0;
  }
  rasqal_query_set_user_data(u->q, &u->d);
  rasqal_query_set_feature(u->q, RASQAL_FEATURE_NO_NET, 1);
  return rasqal_query_prepare(u->q, (const unsigned char *)text, u->x->base) == 0;
}

static cust_status parse_failed(run *u, const char *text) {
  const char *msg = u->x->parse_error[0] ? u->x->parse_error : "the query cannot be parsed";
  const char *why = sq_lex_diagnose(text, msg);
  if (why != NULL) {
    char detail[900];
    snprintf(detail, sizeof detail, "%s (parser: %s)", why, msg);
    return sq_fail(u->r, 400, "unsupported query", detail);
  }
  return sq_fail(u->r, 400, "malformed query", msg);
}

static int is_update_keyword(const char *kw) {
  static const char *const upd[] = { "INSERT", "DELETE", "LOAD", "CLEAR", "CREATE",
                                     "DROP",   "COPY",   "MOVE", "ADD",   "WITH" };
  for (size_t i = 0; i < sizeof upd / sizeof upd[0]; i++) {
    if (strcmp(kw, upd[i]) == 0) {
      return 1;
    }
  }
  return 0;
}

static int pattern_has_graph(rasqal_graph_pattern *gp) {
  if (gp == NULL) {
    return 0;
  }
  rasqal_graph_pattern_operator op = rasqal_graph_pattern_get_operator(gp);
  if (op == RASQAL_GRAPH_PATTERN_OPERATOR_GRAPH || op == RASQAL_GRAPH_PATTERN_OPERATOR_SELECT) {
    return 1;
  }
  rasqal_graph_pattern *sub;
  for (int i = 0; (sub = rasqal_graph_pattern_get_sub_graph_pattern(gp, i)) != NULL; i++) {
    if (pattern_has_graph(sub)) {
      return 1;
    }
  }
  return 0;
}

/* Whether the query needs the list of the store's graphs: it names graphs
 * (FROM, FROM NAMED, the protocol's parameters) or has a GRAPH. Without, the
 * default graph is the merge of all graphs, which needs no list. */
static int needs_graphs(run *u) {
  raptor_sequence *dgs = rasqal_query_get_data_graph_sequence(u->q);
  return (dgs != NULL && raptor_sequence_size(dgs) > 0) || u->req->ndefault > 0 ||
         u->req->nnamed > 0 || pattern_has_graph(rasqal_query_get_query_graph_pattern(u->q));
}

/* Parses, checks, binds and executes `text` as u->q; NULL with u->r set on
 * failure. */
static rasqal_query_results *prepare_and_execute(run *u, const char *text, int *failed) {
  *failed = 1;
  if (u->q == NULL && !parse(u, text)) {
    parse_failed(u, text);
    return NULL;
  }
  cust_status lst = needs_graphs(u) ? list_graphs(u) : CUST_OK;
  if (lst != CUST_OK) {
    store_failed(u->x, u->r, lst, "listing the store's graphs");
    return NULL;
  }
  if (!prepare_binds(u)) {
    fail_refused(u, "bad parameter", u->refusal);
    return NULL;
  }
  check_query(u);
  if (u->refusal == NULL) {
    setup_dataset(u);
  }
  if (u->refusal != NULL) {
    fail_refused(u, "unsupported query", u->refusal);
    return NULL;
  }
  u->x->parse_error[0] = '\0';
  rasqal_query_results *res = rasqal_query_execute(u->q);
  if (res == NULL || u->d.has_error) {
    if (res != NULL) {
      rasqal_free_query_results(res);
    }
    const char *why = u->x->parse_error[0] ? u->x->parse_error : "the query could not be executed";
    if (u->d.has_error) {
      fail_source(u);
    } else {
      sq_fail(u->r, 400, "query failed", why);
    }
    return NULL;
  }
  *failed = 0;
  return res;
}

/* Whether the WHERE clause of the SELECT `text` has any solution, under the
 * same dataset and bindings: -1 when that cannot be told. */
static int where_has_solutions(run *u, const char *text) {
  char *ask = NULL;
  int answer = -1;
  if (sq_lex_where_as_ask(text, &ask) != CUST_OK || ask == NULL) {
    return -1;
  }
  run v;
  cust_sparql_result r;
  memset(&v, 0, sizeof v);
  cust_sparql_result_init(&r);
  v.x = u->x;
  v.req = u->req;
  v.r = &r;
  v.d.lw = u->d.lw;
  v.d.model = u->d.model;
  v.d.rw = u->d.rw;
  v.d.raw = u->d.raw;
  v.d.store = u->d.store;
  int failed = 0;
  rasqal_query_results *res = prepare_and_execute(&v, ask, &failed);
  if (!failed) {
    answer = rasqal_query_results_get_boolean(res);
    rasqal_free_query_results(res);
    if (v.d.has_error) {
      answer = -1;
    }
  }
  run_release(&v);
  cust_sparql_result_release(&r);
  free(ask);
  return answer < 0 ? -1 : answer;
}

/* rasqal answers a GROUP BY over no solution with one group whose keys are
 * unbound and whose COUNT(*) is 1: such a lone row is checked. */
static const char *check_lone_group(run *u, sq_table *t, const char *text) {
  raptor_sequence *groups = rasqal_query_get_group_conditions_sequence(u->q);
  if (groups == NULL || raptor_sequence_size(groups) == 0 || t->nrows != 1) {
    return NULL;
  }
  for (int i = 0; i < raptor_sequence_size(groups); i++) {
    rasqal_expression *g = raptor_sequence_get_at(groups, i);
    rasqal_variable *v = g ? rasqal_literal_as_variable(g->literal) : NULL;
    for (size_t j = 0; v != NULL && j < t->nvars; j++) {
      if (strcmp(t->vars[j], (const char *)v->name) == 0 && t->cells[j].kind != CUST_TERM_NONE) {
        return NULL; /* a real group */
      }
    }
  }
  int has = where_has_solutions(u, text);
  if (has < 0) {
    return "a GROUP BY whose only group has unbound keys cannot be checked by this endpoint";
  }
  if (has == 0) {
    t->nrows = 0;
  }
  return NULL;
}

static cust_status answer_graph(run *u, graph_out *g, sq_format f) {
  cust_sparql_result *r = u->r;
  cust_buf_reset(&r->body);
  char why[320], detail[400];
  if (f == SQ_FMT_RDFXML && !sq_rdfxml_check(g->q, g->n, why, sizeof why)) {
    snprintf(detail, sizeof detail, "%s; ask for text/turtle or application/n-triples", why);
    return sq_fail(r, 406, "not acceptable", detail);
  }
  cust_status st = sq_write_graph(&r->body, f, g->q, g->n, u->x->raw);
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

static cust_status run_describe(run *u, const char *text) {
  sq_format f = sq_format_pick(u->req->format, u->req->accept, 1);
  if (f == SQ_FMT_NONE) {
    return sq_fail(u->r, 406, "not acceptable",
                   "DESCRIBE answers text/turtle, application/n-triples, application/n-quads "
                   "or application/rdf+xml");
  }
  if (!parse(u, text)) {
    return parse_failed(u, text);
  }
  /* the constant targets, before the query is replaced by its SELECT */
  librdf_node **targets = NULL;
  size_t nt = 0;
  graph_out g;
  memset(&g, 0, sizeof g);
  cust_arena_init(&g.arena, 64 * 1024);
  cust_status st = CUST_OK;
  raptor_sequence *ds = rasqal_query_get_describe_sequence(u->q);
  int n = ds ? raptor_sequence_size(ds) : 0;
  targets = calloc((size_t)n + 1, sizeof *targets);
  if (targets == NULL) {
    graph_release(&g);
    return store_failed(u->x, u->r, CUST_ERR_NOMEM, "reading the DESCRIBE targets");
  }
  for (int i = 0; i < n; i++) {
    rasqal_literal *l = raptor_sequence_get_at(ds, i);
    if (l->type == RASQAL_LITERAL_URI) {
      targets[nt++] = librdf_new_node_from_uri(u->x->lw, (librdf_uri *)l->value.uri);
    }
  }
  char *select = NULL;
  st = sq_lex_describe_as_select(text, &select);
  rasqal_free_query(u->q);
  u->q = NULL;
  if (st == CUST_OK && select != NULL) {
    int failed = 0;
    rasqal_query_results *res = prepare_and_execute(u, select, &failed);
    if (failed) {
      goto done;
    }
    sq_table t;
    sq_table_init(&t);
    st = read_bindings(u, res, &t);
    rasqal_free_query_results(res);
    for (size_t i = 0; st == CUST_OK && i < t.nrows * t.nvars; i++) {
      const cust_term *c = &t.cells[i];
      librdf_node *node = NULL;
      if (c->kind == CUST_TERM_IRI) {
        node = librdf_new_node_from_uri_string(u->x->lw, (const unsigned char *)c->value);
      } else if (c->kind == CUST_TERM_BLANK) {
        node = librdf_new_node_from_blank_identifier(u->x->lw, (const unsigned char *)c->value);
      }
      if (node == NULL) {
        continue;
      }
      if (node_in(targets, nt, node)) {
        librdf_free_node(node);
        continue;
      }
      librdf_node **tv = realloc(targets, (nt + 1) * sizeof *tv);
      if (tv == NULL) {
        librdf_free_node(node);
        st = CUST_ERR_NOMEM;
        break;
      }
      targets = tv;
      targets[nt++] = node;
    }
    sq_table_release(&t);
  } else if (st == CUST_OK) {
    /* no WHERE: the dataset is still the request's */
    if (!parse(u, text) || list_graphs(u) != CUST_OK || (check_query(u), u->refusal != NULL) ||
        !setup_dataset(u)) {
      if (u->refusal != NULL) {
        fail_refused(u, "unsupported query", u->refusal);
      } else {
        sq_fail(u->r, 500, "query failed", "the query could not be prepared");
      }
      goto done;
    }
  }
  if (st == CUST_OK) {
    st = describe(u, targets, nt, &g);
  }
  if (st == CUST_OK) {
    st = answer_graph(u, &g, f);
  } else {
    limit_or_fail(u, st);
  }
done:
  for (size_t i = 0; i < nt; i++) {
    if (targets[i] != NULL) {
      librdf_free_node(targets[i]);
    }
  }
  free(targets);
  free(select);
  graph_release(&g);
  return CUST_OK;
}

static int same_commit(const cust_checkpoint *a, const cust_checkpoint *b) {
  return a->height == b->height && strcmp(a->block_hash, b->block_hash) == 0;
}

/* Makes librdf's own connection to the file (the reads of patterns with no
 * constant) take its snapshot now and keep it: a statement that has rows
 * left holds its connection's read transaction open, and every other read
 * on that connection shares it. (librdf's own transactions are BEGIN
 * IMMEDIATE, a write lock.) The stream, or NULL when the store is empty. */
static librdf_stream *pin_librdf(sq_exec *x) {
  librdf_statement *all = librdf_new_statement(x->lw);
  librdf_stream *s = all ? librdf_model_find_statements(x->model, all) : NULL;
  if (all != NULL) {
    librdf_free_statement(all);
  }
  if (s != NULL && librdf_stream_end(s)) {
    librdf_free_stream(s);
    s = NULL;
  }
  return s;
}

/* One snapshot of the store for a whole answer, as *cp says: the store's
 * handle reads in a transaction, and librdf's connection is pinned (*pin)
 * between two reads of the checkpoint that see the same commit (again while
 * the indexer commits in between). */
static cust_status begin_snapshot(sq_exec *x, int *began, librdf_stream **pin,
                                  cust_checkpoint *cp) {
  enum { TRIES = 5 };
  *began = 0;
  *pin = NULL;
  for (int i = 0;; i++) {
    cust_checkpoint first;
    memset(&first, 0, sizeof first);
    cust_status st = cust_store_read_begin(x->store, began);
    if (st == CUST_OK) {
      st = cust_store_checkpoint(x->store, &first);
    }
    if (st != CUST_OK || !*began) {
      *cp = first;
      return st; /* failed, or in the caller's transaction already */
    }
    *pin = pin_librdf(x);
    cust_store_read_end(x->store, *began);
    st = cust_store_read_begin(x->store, began);
    if (st == CUST_OK) {
      st = cust_store_checkpoint(x->store, cp);
    }
    if (st != CUST_OK || *pin == NULL || same_commit(&first, cp) || i + 1 == TRIES) {
      return st;
    }
    librdf_free_stream(*pin);
    *pin = NULL;
    cust_store_read_end(x->store, *began);
    *began = 0;
  }
}

/* ---- the native engine (CUSTODIAN_SPARQL_ENGINE=native) ---------------------------------- */

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
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 64;
    uint64_t *v = realloc(s->t, cap * 3 * sizeof *v);
    if (v == NULL) {
      return CUST_ERR_NOMEM;
    }
    s->t = v;
    s->cap = cap;
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

/* Runs the request with the native engine: parse, bind the parameters,
 * evaluate over the store's ids, write the answer. */
static cust_status run_native(run *u) {
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
      if (store_graph(u, lists[l][i]) == NULL) {
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
        if (st == CUST_OK && ntargets == captargets) {
          captargets = captargets ? captargets * 2 : 16;
          uint64_t *v = realloc(targets, captargets * sizeof *v);
          st = v == NULL ? CUST_ERR_NOMEM : CUST_OK;
          targets = v != NULL ? v : targets;
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
        if (ntargets == captargets) {
          captargets = captargets ? captargets * 2 : 16;
          uint64_t *v = realloc(targets, captargets * sizeof *v);
          if (v == NULL) {
            st = CUST_ERR_NOMEM;
            break;
          }
          targets = v;
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

static int is_native(void) {
  const char *v = getenv("CUSTODIAN_SPARQL_ENGINE");
  return v != NULL && strcmp(v, "native") == 0;
}

cust_status sq_exec_run(sq_exec *x, const sq_request *req, cust_sparql_result *r) {
  run u;
  char kw[16];
  char *rewritten = NULL;
  cust_status st = CUST_OK;
  memset(&u, 0, sizeof u);
  u.x = x;
  u.req = req;
  u.r = r;
  u.d.lw = x->lw;
  u.d.model = x->model;
  u.d.rw = x->rw;
  u.d.raw = x->raw;
  u.d.store = x->store;
  /* one snapshot for the whole answer, and one lock instead of one per lookup */
  int began = 0;
  librdf_stream *pin = NULL;
  cust_checkpoint cp;
  if (is_native()) {
    /* one read transaction pins the commit: no librdf connection is read */
    memset(&cp, 0, sizeof cp);
    st = cust_store_read_begin(x->store, &began);
    if (st == CUST_OK) {
      st = cust_store_checkpoint(x->store, &cp);
    }
  } else {
    st = begin_snapshot(x, &began, &pin, &cp);
  }
  if (st != CUST_OK) {
    st = store_failed(x, r, st, "starting a read");
    goto done;
  }
  r->height = cp.height;
  if (is_native()) {
    st = run_native(&u);
    goto done;
  }

  sq_lex_first_keyword(req->query, kw, sizeof kw);
  if (is_update_keyword(kw)) {
    st = sq_fail(r, 400, "update not allowed",
                 "this endpoint is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, "
                 "CREATE, DROP …) is refused");
    goto done;
  }
  if (sq_lex_rewrite(req->query, &rewritten) != CUST_OK) {
    st = store_failed(x, r, CUST_ERR_NOMEM, "reading the query");
    goto done;
  }
  const char *text = rewritten ? rewritten : req->query;
  if (strcmp(kw, "DESCRIBE") == 0) {
    st = run_describe(&u, text);
    goto done;
  }
  if (!parse(&u, text)) {
    st = parse_failed(&u, text);
    goto done;
  }
  rasqal_query_verb verb = rasqal_query_get_verb(u.q);
  if (verb != RASQAL_QUERY_VERB_SELECT && verb != RASQAL_QUERY_VERB_ASK &&
      verb != RASQAL_QUERY_VERB_CONSTRUCT) {
    st = sq_fail(r, 400, "update not allowed", "this endpoint is read-only");
    goto done;
  }
  int is_graph = verb == RASQAL_QUERY_VERB_CONSTRUCT;
  sq_format f = sq_format_pick(req->format, req->accept, is_graph);
  if (f == SQ_FMT_NONE) {
    st = sq_fail(r, 406, "not acceptable",
                 is_graph ? "CONSTRUCT answers text/turtle, application/n-triples, "
                            "application/n-quads or application/rdf+xml"
                          : "SELECT and ASK answer application/sparql-results+json, "
                            "application/sparql-results+xml, text/csv or "
                            "text/tab-separated-values");
    goto done;
  }
  int failed = 0;
  rasqal_query_results *res = prepare_and_execute(&u, text, &failed);
  if (failed) {
    goto done;
  }
  cust_buf_reset(&r->body);
  if (verb == RASQAL_QUERY_VERB_ASK) {
    int b = rasqal_query_results_get_boolean(res);
    st = b < 0 ? CUST_ERR_INTERNAL : sq_write_boolean(&r->body, f, b);
  } else if (is_graph) {
    graph_out g;
    memset(&g, 0, sizeof g);
    cust_arena_init(&g.arena, 64 * 1024);
    st = read_graph(&u, res, &g);
    if (st == CUST_OK && !u.d.has_error) {
      rasqal_free_query_results(res);
      res = NULL;
      st = answer_graph(&u, &g, f);
      graph_release(&g);
      goto done;
    }
    graph_release(&g);
  } else {
    sq_table t;
    sq_table_init(&t);
    st = read_bindings(&u, res, &t);
    const char *why = st == CUST_OK ? check_lone_group(&u, &t, text) : NULL;
    if (why == NULL && st == CUST_OK) {
      why = empty_aggregate_row(&u, &t);
    }
    if (why != NULL) {
      sq_table_release(&t);
      rasqal_free_query_results(res);
      st = fail_refused(&u, "unsupported query", why);
      goto done;
    }
    if (st == CUST_OK) {
      st = sq_write_table(&r->body, f, &t);
    }
    sq_table_release(&t);
  }
  if (res != NULL) {
    rasqal_free_query_results(res);
  }
  if (u.d.has_error) {
    st = fail_source(&u);
    goto done;
  }
  if (st != CUST_OK) {
    st = limit_or_fail(&u, st);
    goto done;
  }
  r->http_status = 200;
  r->content_type = sq_format_type(f);
done:
  free(rewritten);
  run_release(&u);
  if (pin != NULL) {
    librdf_free_stream(pin);
  }
  cust_store_read_end(x->store, began);
  return st == CUST_ERR_NOMEM ? st : CUST_OK;
}
