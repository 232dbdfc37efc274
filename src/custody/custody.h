/* Custody: the chain of custody around a resource (executions, what they
 * used and generated, sub-executions), walked natively over indexed lookups,
 * and the memoized fact layer that the reward engine walks as well. */
#ifndef CUST_CUSTODY_H
#define CUST_CUSTODY_H

#include "core/core.h"
#include "store/store.h"

/* ---- vocabulary: the normalised one the mapper derives (core/vocab.h) -- */

#include "core/vocab.h"

/* ---- the fact layer ------------------------------------------------------ */

/* Per-request memoized lookups over a graph view: each (node, predicate,
 * graph) is asked of the view once, and facts of revoked credentials (those
 * with `cust:revokedIn` in the ledger) are left out. Not thread-safe: one per
 * request. */
typedef struct cust_custody_facts cust_custody_facts;

/* One answer of a lookup. Strings are owned by the facts object. */
typedef struct cust_custody_value {
  const char *value;     /* IRI, "_:label" for a blank node, or literal text */
  cust_term_kind kind;   /* CUST_TERM_IRI, CUST_TERM_BLANK or CUST_TERM_LITERAL */
  const char *predicate; /* the predicate (useful with a wildcard lookup) */
  const char *graph;     /* the graph that asserted it; NULL: the default graph */
} cust_custody_value;

typedef struct cust_custody_values {
  const cust_custody_value *items; /* owned by the facts object */
  size_t len;
} cust_custody_values;

/* What the store says about one credential. Owned by the facts object. */
typedef struct cust_custody_cred {
  const char *iri;
  const char *type;       /* its one non-VC type, or NULL */
  const char *subject;    /* cred:credentialSubject, or NULL */
  const char *issuer;     /* cred:issuer, or NULL */
  const char *tx;         /* the transaction that submitted it, or NULL */
  const char *block_time; /* that transaction's cust:blockTime, or NULL */
  /* its place in the chain (0 when unknown): the transaction's height and
     index, the message's index in it (and inside an authz MsgExec) */
  uint64_t height, tx_index, msg_index, inner_index;
  int is_revoked;
  int is_located; /* tx, block_time and the place are filled in */
} cust_custody_cred;

/* Makes the fact layer over `view` (borrowed for the object's life; the view
 * must not change meanwhile). Reads the revoked credentials once.
 * Errors: CUST_ERR_NOMEM, or what the view returns. */
cust_status cust_custody_facts_new(const cust_graph_view *view, cust_custody_facts **out);
void cust_custody_facts_free(cust_custody_facts *f);

/* The objects of (node, predicate) in `graph`; `graph` NULL means any graph
 * but a revoked credential's; `predicate` NULL is a wildcard. `node` is an
 * IRI, or "_:label" for a blank node. The answer is valid until the object is
 * freed. */
cust_status cust_custody_facts_objects(cust_custody_facts *f, const char *node,
                                       const char *predicate, const char *graph,
                                       cust_custody_values *out);
/* The subjects of (predicate, object IRI) in `graph` (NULL: as above). */
cust_status cust_custody_facts_subjects(cust_custody_facts *f, const char *predicate,
                                        const char *object, const char *graph,
                                        cust_custody_values *out);
/* Reads every quad of `predicate` (in `graph`, or any) in one call so that
 * later lookups of it, in both directions, are answered from memory. Gives
 * up with CUST_ERR_LIMIT (nothing is remembered) after `max_rows` quads (0:
 * no limit), so that a walk pays for a bulk read only where it is cheaper
 * than the lookups it saves. */
cust_status cust_custody_facts_prefetch(cust_custody_facts *f, const char *predicate,
                                        const char *graph, size_t max_rows);
/* The credential `iri` (a credential is its own graph): its type, subject,
 * issuer, and whether it was revoked; not yet located (see below). *out is
 * never NULL on success; unknown fields are NULL/0. */
cust_status cust_custody_facts_cred(cust_custody_facts *f, const char *iri,
                                    const cust_custody_cred **out);
/* Fills in where `cred` (from cust_custody_facts_cred) was submitted: its
 * transaction, block time and place in the chain (two lookups, once). */
cust_status cust_custody_facts_locate(cust_custody_facts *f, const cust_custody_cred *cred);
/* The transaction that submitted credential `cred` and its block time (two
 * lookups of single predicates, which a bulk read can answer); NULL when
 * unknown. */
cust_status cust_custody_facts_submission(cust_custody_facts *f, const char *cred, const char **tx,
                                          const char **block_time);
/* Orders located credentials by their place in the chain, then by IRI: < 0 when `a`
 * came first. */
int cust_custody_cred_compare(const cust_custody_cred *a, const cust_custody_cred *b);

/* The current status of an execution (`cust:status` in the current graph,
 * else the status of its latest report), or NULL when unknown. */
cust_status cust_custody_facts_status(cust_custody_facts *f, const char *execution,
                                      const char **out);

/* An execution's order and what its latest live order credential says. */
typedef struct cust_custody_order {
  const char *order;      /* cust:executionOf, or NULL */
  const char *credential; /* the order credential (its cust:payer's graph), or NULL */
  const char *service;    /* the orchestration service: the execution's
                             prov:wasAssociatedWith */
  const char *payer;      /* cust:payer of the order (its credential's issuer), or NULL */
  const char *zone;       /* the order's cust:inZone, else the execution's own
                             (axone v5 scope), or NULL */
} cust_custody_order;
cust_status cust_custody_facts_order(cust_custody_facts *f, const char *execution,
                                     cust_custody_order *out);
/* Only the orchestration service of cust_custody_facts_order (fewer lookups);
 * *out NULL when unknown. */
cust_status cust_custody_facts_service(cust_custody_facts *f, const char *execution,
                                       const char **out);

/* The latest live description credential (a dataset or service description,
 * or a v5 profile) whose subject is `resource` (found through the
 * `prov:wasAttributedTo` that the mapper derives in each description's
 * graph); *out NULL when nothing describes it. */
cust_status cust_custody_facts_description(cust_custody_facts *f, const char *resource,
                                           const cust_custody_cred **out);

/* What the live credentials say `resource` is (rdf:type of cust:Dataset,
 * cust:DigitalService, cust:StorageService, whatever the profile): a mask of
 * the flags below, 0 when nothing types it. */
#define CUST_CUSTODY_IS_DATASET 1
#define CUST_CUSTODY_IS_SERVICE 2
#define CUST_CUSTODY_IS_STORAGE 4
cust_status cust_custody_facts_kind(cust_custody_facts *f, const char *resource, int *out);

/* Bytes the facts object holds (its memo grows with every lookup). */
size_t cust_custody_facts_bytes(const cust_custody_facts *f);

/* ---- a cache across requests ----------------------------------------------- */

/* Keeps one facts object between requests for as long as the store stays at
 * the same checkpoint (height and block hash) and the same handle, so that
 * repeated walks are answered from memory; dropped when it grows past
 * CUST_CUSTODY_CACHE_BYTES. One per reading thread (as store handles are);
 * not thread-safe. Writes that do not move the checkpoint (policies, the
 * ontology) are not facts and do not need it dropped. */
typedef struct cust_custody_cache cust_custody_cache;
#define CUST_CUSTODY_CACHE_BYTES ((size_t)512 << 20)

cust_status cust_custody_cache_new(cust_custody_cache **out);
void cust_custody_cache_free(cust_custody_cache *c);
/* The facts for `view` (borrowed for the cache's life or until the next call)
 * at checkpoint `cp`: the cached ones when both match, else new ones. *out is
 * owned by the cache. */
cust_status cust_custody_cache_facts(cust_custody_cache *c, const cust_graph_view *view,
                                     const cust_checkpoint *cp, cust_custody_facts **out);
/* Drops the facts if they grew too large (called after each request). */
void cust_custody_cache_trim(cust_custody_cache *c);

/* A query over facts (the custody walk, the reward split): `view` is the
 * graph view the facts read, `height` the height it answers at. */
typedef cust_status (*cust_custody_facts_fn)(void *ud, cust_custody_facts *f,
                                             const cust_graph_view *view, uint64_t height,
                                             char *err, size_t errlen);
/* Runs `fn` over new facts of `view` (freed after). */
cust_status cust_custody_with_view(const cust_graph_view *view, uint64_t height,
                                   cust_custody_facts_fn fn, void *ud, char *err, size_t errlen);
/* Runs `fn` in one read transaction of `s`, so that it sees one block height
 * whatever the indexer commits meanwhile, at the store's checkpoint, over the
 * facts of `cache` (trimmed after), or new facts when `cache` is NULL. */
cust_status cust_custody_with_store(cust_custody_cache *cache, cust_store *s,
                                    cust_custody_facts_fn fn, void *ud, char *err, size_t errlen);
/* Cuts `b` back to `len` bytes: what a failed answer appended goes. */
void cust_custody_buf_truncate(cust_buf *b, size_t len);

/* ---- a string map ------------------------------------------------------ */

/* A hash map from NUL-terminated strings to pointers, for visited sets and
 * memo tables. Keys are borrowed (they must outlive the map, usually in an
 * arena); values are borrowed. Embedded struct: cust_custody_map_init and
 * cust_custody_map_release. */
typedef struct cust_custody_map_slot {
  const char *key;
  uint64_t hash;
  void *value;
} cust_custody_map_slot;
typedef struct cust_custody_map {
  cust_custody_map_slot *slots;
  size_t cap, len;
} cust_custody_map;

void cust_custody_map_init(cust_custody_map *m);
void cust_custody_map_release(cust_custody_map *m);
uint64_t cust_custody_map_hash(const char *key);
/* The value of `key`, or NULL. */
void *cust_custody_map_get(const cust_custody_map *m, const char *key);
/* Sets `key` to `value` (replacing any value). CUST_ERR_NOMEM. */
cust_status cust_custody_map_put(cust_custody_map *m, const char *key, void *value);

/* Makes room for one more item in the malloc'ed array *items of *cap items
 * of `size` bytes, `len` in use (doubling; 64 at first). CUST_ERR_NOMEM
 * leaves the array as it was. */
cust_status cust_custody_grow(void **items, size_t *cap, size_t len, size_t size);
/* qsort order of int64_t values. */
int cust_custody_i64_cmp(const void *a, const void *b);

/* ---- JSON ------------------------------------------------------------------ */

/* The local name of an IRI (after its last '/' or '#'), borrowed from `iri`;
 * NULL for NULL. */
const char *cust_custody_local_name(const char *iri);

/* ---- the custody query ------------------------------------------------------ */

/* Default and hard limits of a walk. */
#define CUST_CUSTODY_DEFAULT_DEPTH 16
#define CUST_CUSTODY_MAX_DEPTH 1024
#define CUST_CUSTODY_MAX_NODES 50000

/* The custody DAG around `iri` (a resource or an execution), upstream
 * (`is_upstream`: what it was made from) or downstream (what was made from
 * it), `depth` execution steps away at most, as JSON appended to `json_out`
 * (the format is documented at the top of custody.c). Reaching the node limit
 * is not an error (CUST_ERR_LIMIT is never returned): the answer then has
 * "truncated":true and a "message"; reaching the depth with more beyond it
 * sets "depthReached":true.
 * Errors (with one line in `err`): CUST_ERR_NOTFOUND (nothing is known of
 * `iri`: 404), CUST_ERR_INVALID (a bad parameter: 400), CUST_ERR_NOMEM, or a
 * store error. `s` is borrowed for the call. */
cust_status cust_custody_query(cust_store *s, const char *iri, int is_upstream, unsigned depth,
                               cust_buf *json_out, char *err, size_t errlen);

/* cust_custody_query with the facts of `cache` (NULL: none), for a server
 * thread that answers many requests with one store handle. */
cust_status cust_custody_query_cached(cust_custody_cache *cache, cust_store *s, const char *iri,
                                      int is_upstream, unsigned depth, cust_buf *json_out,
                                      char *err, size_t errlen);

/* The same walk over any graph view (what cust_custody_query runs, and what
 * the unit tests call without a store); `height` is reported as asOfHeight,
 * `max_nodes` bounds the answer (0: CUST_CUSTODY_MAX_NODES). */
cust_status cust_custody_walk(const cust_graph_view *view, uint64_t height, const char *iri,
                              int is_upstream, unsigned depth, size_t max_nodes, cust_buf *json_out,
                              char *err, size_t errlen);
/* The same walk over a facts object (borrowed). */
cust_status cust_custody_walk_facts(cust_custody_facts *f, uint64_t height, const char *iri,
                                    int is_upstream, unsigned depth, size_t max_nodes,
                                    cust_buf *json_out, char *err, size_t errlen);

/* The walk alone, without details: the nodes the custody query of `iri`
 * reaches (same direction, depth, node limit and rules; revoked credentials
 * left out), read by term id with one indexed scan per predicate followed,
 * in one read transaction. Calls `fn` (may be NULL; non-zero stops) with each
 * node's IRI ("_:label" for a blank node; borrowed for the call), whether it
 * is an execution, and its depth, in no particular order; `info` (may be
 * NULL) gets the counts. An execution is recognized by what it used or made.
 * Errors as cust_custody_query's, but CUST_ERR_NOTFOUND only when the store
 * does not hold `iri` at all (a term named only by revoked credentials is
 * answered as the node alone). */
typedef int (*cust_custody_reach_fn)(void *ud, const char *iri, int is_execution, unsigned depth);
typedef struct cust_custody_reach_info {
  size_t resources, executions;
  int is_truncated, is_depth_reached;
} cust_custody_reach_info;
cust_status cust_custody_reach(cust_store *s, const char *iri, int is_upstream, unsigned depth,
                               size_t max_nodes, cust_custody_reach_fn fn, void *ud,
                               cust_custody_reach_info *info, char *err, size_t errlen);

#endif
