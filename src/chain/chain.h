/* The chain follower: reads blocks from CometBFT JSON-RPC endpoints (libcurl,
 * keep-alive, batches, failover), hands each block in order to the mapper and
 * commits its changes with the checkpoint in one store transaction. */
#ifndef CUST_CHAIN_H
#define CUST_CHAIN_H

#include "core/core.h"
#include "mapper/mapper.h"
#include "store/store.h"

typedef struct cust_chain cust_chain;

typedef struct cust_chain_config {
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
} cust_chain_config;

/* Sets the defaults above (all zero) and nothing else. */
void cust_chain_config_init(cust_chain_config *c);

/* CUST_OK when `url` can name an endpoint: http://, https://, tcp:// (read
 * as http://) or host:port; CUST_ERR_INVALID otherwise. */
cust_status cust_chain_check_url(const char *url);

/* Makes a follower. `store`, `mapper` (may be NULL until
 * cust_chain_set_mapper), `shared` (may be NULL) and `log` are borrowed
 * until cust_chain_free; the config's strings are copied. Opens no
 * connection yet. Errors: CUST_ERR_INVALID (no node, too many, a URL that is
 * not http(s), a batch outside 1..10), CUST_ERR_NOMEM, CUST_ERR_INTERNAL
 * (libcurl could not start). *out is NULL on failure. */
cust_status cust_chain_new(const cust_chain_config *cfg, cust_store *store, cust_mapper *mapper,
                           cust_index_shared *shared, const cust_logger *log, cust_chain **out);

/* Asks every endpoint's /status (retrying for up to startup_ms), checks
 * that they follow one chain and binds the store to it; cust_chain_id()
 * then names it, so that the caller can make the mapper. Called by
 * cust_chain_run when not done before. Errors: CUST_ERR_NETWORK (no
 * endpoint answered), CUST_ERR_MISMATCH (endpoints or store of another
 * chain), CUST_ERR_STOPPED (stop requested while waiting), the store's. */
cust_status cust_chain_connect(cust_chain *c);

/* Sets the mapper (borrowed until cust_chain_free) before cust_chain_run. */
void cust_chain_set_mapper(cust_chain *c, cust_mapper *mapper);

/* Indexes: connects when not done yet, resumes at the checkpoint + 1 (or
 * from_height on an empty store) and runs until `until` is committed,
 * cust_stop_requested is set (the block in hand is committed or rolled
 * back), or a fatal error. Blocks are fetched ahead by a thread of its own
 * (at most queue_blocks of them and 64 MiB) while the calling thread maps
 * and commits them. Returns CUST_OK in the first two cases. Fatal errors,
 * with the reason in cust_chain_error(): CUST_ERR_MISMATCH (another chain
 * id, a block that does not link to the stored one, transactions and
 * results that disagree on every endpoint), CUST_ERR_NOTFOUND (a height
 * that no endpoint has: pruned everywhere), CUST_ERR_NETWORK (no endpoint
 * answered at start), CUST_ERR_REMOTE (an error that retrying on every
 * endpoint did not clear), CUST_ERR_LIMIT (one block or its results larger
 * than max_response on every attempt; a batch too large is split in halves
 * first), the store's and the mapper's errors. */
cust_status cust_chain_run(cust_chain *c);

/* The reason of the last failure of cust_chain_run, one lowercase line
 * saying what to do; "" when none. Borrowed until cust_chain_free. */
const char *cust_chain_error(const cust_chain *c);

/* The chain id the endpoints reported; "" before cust_chain_connect.
 * Borrowed until cust_chain_free. */
const char *cust_chain_id(const cust_chain *c);

/* NULL-safe. Must not be called while cust_chain_run runs. */
void cust_chain_free(cust_chain *c);

#endif
