/* The CometBFT JSON-RPC client: what each answer means (error
 * classification, backoff), batches, the /status and /blockchain answers
 * (rpc.c, without a network, so that unit tests and fuzzers reach them),
 * and one endpoint over libcurl (endpoint.c). The indexer (index/) uses it. */
#ifndef CUST_CHAIN_H
#define CUST_CHAIN_H

#include "core/core.h"
#include "tx/tx.h"

/* CUST_OK when `url` can name an endpoint: http://, https://, tcp:// (read
 * as http://) or host:port; CUST_ERR_INVALID otherwise. */
cust_status cust_chain_check_url(const char *url);

/* What an answer (or a failure to get one) means for the follower; the
 * table of ../shared/spec/chain.md. */
typedef enum chain_kind {
  CHAIN_OK = 0,
  CHAIN_NOT_YET,   /* the height is not produced (or its results not saved) yet: wait */
  CHAIN_PRUNED,    /* the endpoint no longer has the height: use another one */
  CHAIN_TRANSIENT, /* 429, 5xx with HTML, timeouts, cut-off or invalid bodies: back off */
  CHAIN_OTHER      /* any other error: retry a few times, then stop */
} chain_kind;

const char *cust_chain_kind_name(chain_kind k);

/* Copies `src` into dst[n], cut to fit: for messages and fixed fields. */
void cust_chain_copy_text(char *dst, size_t n, const char *src);

/* Classifies the `data` (or `message`) text of a JSON-RPC error. Sets
 * *lowest to the endpoint's lowest height for CHAIN_PRUNED. */
chain_kind cust_chain_classify_text(const char *text, uint64_t *lowest);

/* Classifies one HTTP exchange. `curl_failed` is non-zero for a transport
 * failure (timeout, refused, cut off); `http_status` is 0 then. A body
 * whose JSON parses with a "result" is CHAIN_OK. `msg` receives a short
 * description of a failure (may be NULL). */
chain_kind cust_chain_classify(int curl_failed, long http_status, const char *body, size_t len,
                               uint64_t *lowest, char *msg, size_t msglen);

/* The delay before retry number `failures` (1 = first retry): exponential
 * from `base_ms`, capped at `cap_ms`, with "equal jitter" from `rnd` (any
 * 64-bit random value): the result is in [d/2, d] where d is the capped
 * exponential. Never 0 when base_ms > 0. */
uint64_t cust_chain_backoff_ms(unsigned failures, uint64_t base_ms, uint64_t cap_ms, uint64_t rnd);

/* A 64-bit xorshift step, for the jitter. */
uint64_t cust_chain_rand(uint64_t *state);

/* ---- batches ----------------------------------------------------------------- */

/* One request of a batch: method "block" or "block_results" at `height`;
 * its JSON-RPC id is its index in the batch. */
typedef struct chain_req {
  uint64_t height;
  int is_results;
} chain_req;

/* Appends the JSON array of the requests (ids 0..n-1). */
cust_status cust_chain_batch_build(cust_buf *out, const chain_req *reqs, size_t n);

/* The answer to one request: its `result` as JSON text (malloc'd, owned by
 * the reply until chain_reply_clear) or the kind of its error. */
typedef struct chain_reply {
  chain_kind kind;
  char *json;
  size_t len;
  uint64_t lowest; /* for CHAIN_PRUNED */
  char msg[256];
} chain_reply;

void cust_chain_reply_clear(chain_reply *r);

/* Splits a batch answer into `replies` (n of them, zeroed or cleared
 * before, matched by id). A body
 * that is not JSON (cut off, HTML) makes every reply CHAIN_TRANSIENT; a
 * single error object (the whole batch refused) gives its kind to all; a
 * reply whose id is missing is CHAIN_TRANSIENT. Returns CUST_ERR_NOMEM
 * only; the kinds say the rest. */
cust_status cust_chain_batch_parse(const char *body, size_t len, chain_reply *replies, size_t n);

/* ---- /status and /blockchain --------------------------------------------------- */

typedef struct chain_status {
  char network[128]; /* the chain id */
  char version[64];  /* node_info.version */
  uint64_t latest;   /* sync_info.latest_block_height */
  uint64_t earliest; /* sync_info.earliest_block_height (0 when absent) */
  int is_catching_up;
} chain_status;

/* Reads a /status answer (a JSON-RPC response or its result). */
cust_status cust_chain_parse_status(const char *body, size_t len, chain_status *out, char *msg,
                                    size_t msglen);

/* One block meta of /blockchain. */
typedef struct chain_meta {
  uint64_t height;
  uint64_t num_txs;
  char hash[72];
  char last_hash[72];
  char chain_id[128];
  char time[48];
  int is_present;
} chain_meta;

/* Reads a /blockchain answer for [min, max] into out[0 .. max-min] (by
 * height), setting is_present on each meta found; metas outside the range
 * are ignored. *last_height is the node's height. CUST_ERR_INVALID with a
 * message when the body is malformed. */
cust_status cust_chain_parse_metas(const char *body, size_t len, uint64_t min, uint64_t max,
                                   chain_meta *out, uint64_t *last_height, char *msg,
                                   size_t msglen);

/* Turns "tcp://h:p", "h:p" or "http://h:p/" into "http://h:p" in `out`;
 * a query string ("?apikey=…") is kept, after the path. CUST_ERR_INVALID
 * for another scheme, no host, or when it does not fit. */
#define CHAIN_URL_MAX 1024
cust_status cust_chain_normalize_url(const char *in, char *out, size_t outlen);

/* ---- one endpoint ------------------------------------------------------------------ */

/* The largest answer read by default, decoded: a CometBFT block is at most
 * 100 MiB, and a batch holds a few. */
#define CUST_CHAIN_MAX_ANSWER ((size_t)512 * 1024 * 1024)

/* An RPC endpoint: one libcurl easy handle, reused so that the connection
 * stays open, and what the follower knows about the endpoint's health. Used
 * by one thread at a time. */
typedef struct chain_endpoint {
  char url[256];               /* as shown: secrets redacted (cust_url_redact) */
  char base[CHAIN_URL_MAX];    /* scheme, credentials, host and path: what requests go to */
  char query[CHAIN_URL_MAX];   /* the URL's query without '?', added to every request; "" */
  void *curl;                  /* CURL * */
  void *headers;               /* struct curl_slist * */
  cust_buf body;               /* the last answer */
  long http_status;            /* of the last answer; 0: no answer */
  size_t max_answer;           /* decoded bytes of one answer, at most */
  int is_too_big;              /* the last answer went over max_answer */
  int is_measuring;            /* read a too big answer on (up to 4 x max_answer) for its size */
  size_t answer_size;          /* decoded bytes of the last answer, as far as read */
  int is_size_known;           /* answer_size is the whole answer's */
  const volatile int *abort_a; /* non-zero: abort the transfer in hand */
  const volatile int *abort_b;
  /* health */
  int has_status; /* /status was read */
  cust_dialect dialect;
  uint64_t lowest;   /* lowest height the endpoint has; 0: unknown */
  uint64_t head;     /* its latest height */
  unsigned failures; /* consecutive failures */
  uint64_t ready_ms; /* do not use before this cust_now_ms() */
  int no_blockchain; /* /blockchain is not served: fetch every block */
  unsigned span;     /* requests per POST now: halved when an answer is too big */
  unsigned span_ok;  /* POSTs answered since, to grow it back */
  /* counters, copied into the indexer's status */
  uint64_t requests, errors_transient, errors_pruned, errors_other;
} chain_endpoint;

/* Opens nothing yet: sets up the handle. `max_answer` caps the decoded size
 * of one answer (0: CUST_CHAIN_MAX_ANSWER). CUST_ERR_INTERNAL when libcurl
 * cannot make one, CUST_ERR_INVALID for a URL that is not http(s). The
 * flags are polled during transfers (borrowed; may be NULL). */
cust_status cust_chain_endpoint_init(chain_endpoint *e, const char *url, uint64_t timeout_ms,
                                     size_t max_answer, const volatile int *abort_a,
                                     const volatile int *abort_b);
void cust_chain_endpoint_release(chain_endpoint *e);
/* GET base+path (path starts with '/') or POST a JSON body to base+"/",
 * with the URL's own query string added to each. The
 * answer is in e->body and e->http_status. CUST_ERR_NETWORK (with the
 * reason in `err`) when no complete answer came; CUST_ERR_LIMIT when the
 * answer, decoded, is larger than max_answer (e->is_too_big is set, the
 * body is dropped); CUST_ERR_STOPPED when a flag aborted it. An HTTP error
 * status is not a failure here. */
cust_status cust_chain_endpoint_get(chain_endpoint *e, const char *path, char *err, size_t errlen);
cust_status cust_chain_endpoint_post(chain_endpoint *e, const char *json, size_t len, char *err,
                                     size_t errlen);

#endif
