/* The mirror: pushes the store's committed changes, in commit order, to an
 * external SPARQL 1.1 store through the Update protocol (and its rebuilds
 * through the Graph Store Protocol when given one), keeping its position
 * inside the target (the protocol is described at the top of mirror.c). */
#ifndef CUST_MIRROR_H
#define CUST_MIRROR_H

#include "core/core.h"
#include "index/index.h"
#include "store/store.h"

/* The graph, and the subject in it, that hold the mirror's position. */
#define CUST_MIRROR_GRAPH "urn:custodian:mirror"
/* Blank nodes become IRIs under this base (RDF 1.1 skolem IRIs): SPARQL
 * Update cannot name a blank node twice, nor delete one. */
#define CUST_MIRROR_GENID "https://w3id.org/custodian/.well-known/genid/"

typedef struct cust_mirror_config {
  const char *db_path;     /* the store, opened read-only */
  const char *update_url;  /* SPARQL Update endpoint (POST application/sparql-update) */
  const char *query_url;   /* SPARQL query endpoint for the position; NULL: update_url */
  const char *graph_store; /* Graph Store Protocol endpoint for rebuilds, or NULL */
  const char *auth;        /* "user:password" (HTTP basic or digest), or NULL */
  size_t max_bytes;        /* bytes of one request, 0: 512 KiB (a larger commit goes in parts) */
  size_t max_commits;      /* commits per request, 0: 256 */
  uint64_t poll_ms;        /* wait for new commits, 0: 200 */
  uint64_t backoff_max_ms; /* cap of the retry delay, 0: 10000 */
  uint64_t timeout_ms;     /* one HTTP request, 0: 120000 */
  int is_once;             /* return once the target holds every commit (else follow) */
} cust_mirror_config;

typedef struct cust_mirror cust_mirror;

/* Makes a mirror. The config's strings are borrowed until cust_mirror_free.
 * `shared` (may be NULL) receives the mirror's height, lag and errors, under
 * its lock; `pin` (may be NULL) is the writer's store handle, whose change
 * log is then kept until the mirror has passed it; `log` is borrowed.
 * Errors: CUST_ERR_INVALID (a URL that is not http(s), a bad --auth),
 * CUST_ERR_NOMEM, CUST_ERR_INTERNAL (libcurl). */
cust_status cust_mirror_new(const cust_mirror_config *cfg, cust_index_shared *shared,
                            cust_store *pin, const cust_logger *log, cust_mirror **out);
void cust_mirror_free(cust_mirror *m);

/* Mirrors until stopped (cust_stop_requested or cust_mirror_stop), or with
 * is_once until the target holds the store's last commit. Network errors,
 * 408, 429 and 5xx answers are retried with jittered exponential backoff,
 * re-reading the position from the target each time. Errors (logged, with
 * what to do): CUST_ERR_MISMATCH (the target is ahead of the store, on
 * another chain, or at another block hash), CUST_ERR_REMOTE (the target
 * refused an update, a query or an upload: 4xx, or 501; a graph store that
 * does not show the position graph), the store's errors, CUST_ERR_STOPPED
 * is never returned: a stop returns CUST_OK. */
cust_status cust_mirror_run(cust_mirror *m);
/* Asks a running mirror to return; thread-safe. */
void cust_mirror_stop(cust_mirror *m);

#endif
