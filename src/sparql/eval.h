/* The query engine's evaluator: runs the algebra of a parsed query over the
 * store's term ids (eval.c), for sq_exec_run and tests. */
#ifndef CUST_SPARQL_EVAL_H
#define CUST_SPARQL_EVAL_H

#include "sparql/algebra.h"
#include "store/store.h"

/* The dataset of one request. When either list is given (has_defaults or
 * has_named), the dataset is exactly those lists: the default graph is the
 * merge of `defaults` (none: empty) and GRAPH visits the graphs of `named`
 * (none: no graph); graphs the store lacks are empty. Otherwise the query's
 * FROM / FROM NAMED make it the same way, and a query without either reads
 * the merge of every graph of the store as its default graph and visits
 * every named graph. (The protocol's default-graph-uri / named-graph-uri
 * thus replace the query's FROM and FROM NAMED.) */
typedef struct sq_graphs {
  const char *const *defaults;
  size_t ndefaults;
  int has_defaults;
  const char *const *named;
  size_t nnamed;
  int has_named;
} sq_graphs;

typedef struct sq_eval sq_eval;

/* Prepares the evaluation of `q` (borrowed until sq_eval_free) over `store`
 * (borrowed; the caller holds a read transaction for the whole
 * evaluation). `ds` may be NULL (the query's own dataset). `deadline_ms`
 * (cust_now_ms() scale, 0: none) is checked as rows are read: past it,
 * sq_eval_next fails with CUST_ERR_TIMEOUT. Errors: CUST_ERR_NOMEM,
 * CUST_ERR_LIMIT (more than CUST_SCAN_MAX_GRAPHS default graphs), the
 * store's. */
cust_status sq_eval_new(cust_store *store, const sq_query *q, const sq_graphs *ds,
                        uint64_t deadline_ms, sq_eval **out);
void sq_eval_free(sq_eval *e);

/* The next solution of the query's root: *has 0 at the end. Errors:
 * CUST_ERR_TIMEOUT, CUST_ERR_NOMEM, the store's (CUST_ERR_IO, CUST_ERR_BUSY). */
cust_status sq_eval_next(sq_eval *e, int *has);
/* The id of variable `var` in the current solution (0: unbound). */
uint64_t sq_eval_id(const sq_eval *e, int var);
/* The term of an id (kind NONE for 0); strings borrowed until sq_eval_free. */
cust_status sq_eval_term(sq_eval *e, uint64_t id, cust_term *out);
/* The id of a term (a store id when the store holds it); CUST_ERR_NOMEM. */
cust_status sq_eval_intern(sq_eval *e, const cust_term *t, uint64_t *id);

/* The concise bounded description of each of `ids` (IRIs or blank nodes):
 * its triples in the default graph, and those of the blank nodes they lead
 * to, each triple once; `fn` gets each as a quad with a NONE graph (borrowed
 * for the call; non-zero stops). */
cust_status sq_eval_describe(sq_eval *e, const uint64_t *ids, size_t n, cust_quad_fn fn, void *ud);

#endif
