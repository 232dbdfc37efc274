/* The indexer: follows a chain through the RPC client of chain/ (batches,
 * failover, a fetch thread ahead of the writer), hands each block in order to
 * the mapper (on a thread of its own) and commits its changes with the
 * checkpoint in one store transaction; and the status it shares with the
 * server. */
#ifndef CUST_INDEX_H
#define CUST_INDEX_H

#include <pthread.h>

#include "core/core.h"
#include "mapper/mapper.h"
#include "store/store.h"

/* ---- status ------------------------------------------------------------------ */

/* What the indexer tells the server (/status, /health, /metrics): the
 * follower fills it, the http module reads it, through cust_index_shared. */
#define CUST_MAX_ENDPOINTS 8
typedef struct cust_endpoint_status {
  char url[256];
  int is_healthy;
  uint64_t errors_transient; /* 429, 5xx, timeouts, cut-off bodies */
  uint64_t errors_pruned;    /* height not available */
  uint64_t errors_other;
  uint64_t requests;
} cust_endpoint_status;

typedef struct cust_index_status {
  char chain_id[128];
  char dialect[8];         /* "0.34", "0.37", "0.38" */
  uint64_t head_height;    /* the node's latest height */
  uint64_t indexed_height; /* last committed height */
  uint64_t blocks_total;   /* blocks committed by this process */
  uint64_t triples_total;  /* quads written by this process */
  uint64_t credentials;    /* credentials accepted by this process */
  uint64_t rejections;
  uint64_t failed;
  double blocks_per_s; /* recent rates */
  double triples_per_s;
  uint64_t last_progress_ms; /* cust_now_ms() of the last commit */
  uint64_t last_head_ms;     /* cust_now_ms() of the last head seen to move */
  uint64_t block_time_ms;    /* the chain's observed block time */
  int is_running;            /* an indexer runs in this process */
  char last_error[256];      /* the latest error, "" when none */
  size_t nendpoints;
  cust_endpoint_status endpoints[CUST_MAX_ENDPOINTS];
} cust_index_status;

/* The status shared between the indexer thread and the server's threads.
 * Writers and readers hold `lock` while they touch `st`; readers copy it. */
typedef struct cust_index_shared {
  pthread_mutex_t lock;
  cust_index_status st;
} cust_index_shared;

/* ---- the follower ---------------------------------------------------------------- */

typedef struct cust_index cust_index;

typedef struct cust_index_config {
  const char *const *nodes; /* endpoint URLs ("http://host:26657"); borrowed for the call */
  size_t nnodes;            /* 1..CUST_MAX_ENDPOINTS */
  uint64_t from_height;     /* first height on an empty store; 0: 1 */
  uint64_t until;           /* stop after this height; 0: follow the head forever */
  unsigned batch;           /* JSON-RPC requests per POST, 1..10; 0: 10 */
  int is_tty;               /* show a progress line on stderr instead of log lines */
  int no_skip_empty;        /* fetch every block instead of skipping empty ones */
  uint64_t timeout_ms;      /* one HTTP request; 0: 15000 */
  uint64_t backoff_max_ms;  /* cap of the retry delay; 0: 10000 */
  uint64_t startup_ms;      /* how long to wait for a first /status; 0: 30000 */
  size_t queue_blocks;      /* blocks fetched ahead of the writer; 0: 256 */
  size_t max_response;      /* decoded bytes of one RPC answer; 0: 512 MiB */
} cust_index_config;

/* Sets the defaults above (all zero) and nothing else. */
void cust_index_config_init(cust_index_config *c);

/* Makes a follower. `store`, `mapper` (may be NULL until
 * cust_index_set_mapper), `shared` (may be NULL) and `log` are borrowed
 * until cust_index_free; the config's strings are copied. Opens no
 * connection yet. Errors: CUST_ERR_INVALID (no node, too many, a URL that is
 * not http(s), a batch outside 1..10), CUST_ERR_NOMEM, CUST_ERR_INTERNAL
 * (libcurl could not start). *out is NULL on failure. */
cust_status cust_index_new(const cust_index_config *cfg, cust_store *store, cust_mapper *mapper,
                           cust_index_shared *shared, const cust_logger *log, cust_index **out);

/* Asks every endpoint's /status (retrying for up to startup_ms), checks
 * that they follow one chain and binds the store to it; cust_index_chain_id()
 * then names it, so that the caller can make the mapper. Called by
 * cust_index_run when not done before. Errors: CUST_ERR_NETWORK (no
 * endpoint answered), CUST_ERR_MISMATCH (endpoints or store of another
 * chain), CUST_ERR_STOPPED (stop requested while waiting), the store's. */
cust_status cust_index_connect(cust_index *c);

/* Sets the mapper (borrowed until cust_index_free) before cust_index_run. */
void cust_index_set_mapper(cust_index *c, cust_mapper *mapper);

/* Indexes: connects when not done yet, resumes at the checkpoint + 1 (or
 * from_height on an empty store) and runs until `until` is committed,
 * cust_stop_requested is set (the block in hand is committed or rolled
 * back), or a fatal error. Blocks are fetched ahead by a thread of its own
 * and mapped by another, in chain order (at most queue_blocks of them and
 * 64 MiB in each queue), while the calling thread applies and commits them;
 * the mapping thread reads the store through a read-only handle of its own
 * (cust_store_open_reader) plus the mapped blocks not committed yet, and
 * without that handle the calling thread maps them. The mapper is used by
 * one thread at a time. Returns CUST_OK in the first two cases. Fatal errors,
 * with the reason in cust_index_error(): CUST_ERR_MISMATCH (another chain
 * id, a block that does not link to the stored one, transactions and
 * results that disagree on every endpoint), CUST_ERR_NOTFOUND (a height
 * that no endpoint has: pruned everywhere), CUST_ERR_NETWORK (no endpoint
 * answered at start), CUST_ERR_REMOTE (an error that retrying on every
 * endpoint did not clear), CUST_ERR_LIMIT (one block or its results larger
 * than max_response on every attempt; a batch too large is split in halves
 * first), the store's and the mapper's errors. */
cust_status cust_index_run(cust_index *c);

/* The reason of the last failure of cust_index_run, one lowercase line
 * saying what to do; "" when none. Borrowed until cust_index_free. */
const char *cust_index_error(const cust_index *c);

/* The chain id the endpoints reported; "" before cust_index_connect.
 * Borrowed until cust_index_free. */
const char *cust_index_chain_id(const cust_index *c);

/* NULL-safe. Must not be called while cust_index_run runs. */
void cust_index_free(cust_index *c);

#endif /* CUST_INDEX_H */
