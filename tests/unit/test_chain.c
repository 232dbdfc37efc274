/* Unit tests of the chain module's pure pieces: what each error body of
 * chain.md means, the retry delays, batches and their answers, /status and
 * /blockchain answers, endpoint URLs; then the follower in-process against
 * the devnet, directly and through a loopback proxy that breaks its batch
 * answers (not JSON, too large, a gzip bomb). */
#include "config.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include "chain/chain.h"
#include "devnet/devnet.h"
#include "index/index.h"
#include "tap.h"

#define RPC_ERR(data)                                                                              \
  "{\"jsonrpc\":\"2.0\",\"id\":-1,\"error\":{\"code\":-32603,\"message\":\"Internal error\","      \
  "\"data\":\"" data "\"}}"

static chain_kind classify(int curl_failed, long status, const char *body, uint64_t *lowest) {
  char msg[256];
  return cust_chain_classify(curl_failed, status, body, body ? strlen(body) : 0, lowest, msg,
                             sizeof msg);
}

static void test_classify(void) {
  uint64_t lowest = 99;
  /* the error table of chain.md, as GET answers (HTTP 500 with a body) */
  is_int(classify(0, 500,
                  RPC_ERR("height 101 must be less than or equal to the current blockchain "
                          "height 100"),
                  &lowest),
         CHAIN_NOT_YET, "a height above the head is 'not yet'");
  is_int(classify(0, 500, RPC_ERR("could not find results for height #100"), &lowest),
         CHAIN_NOT_YET, "results not saved yet is 'not yet'");
  is_int(classify(0, 500, RPC_ERR("height 5 is not available, lowest height is 3001"), &lowest),
         CHAIN_PRUNED, "a pruned height is 'pruned'");
  is_int(lowest, 3001, "the lowest height is read");
  is_int(classify(0, 500, RPC_ERR("transaction indexing is disabled"), &lowest), CHAIN_OTHER,
         "disabled tx indexing is another error");
  is_int(classify(0, 500,
                  RPC_ERR("timed out waiting for the block store: context deadline exceeded"),
                  &lowest),
         CHAIN_TRANSIENT, "an unknown internal error is transient");
  is_int(classify(0, 429, "Too Many Requests", &lowest), CHAIN_TRANSIENT, "429 is transient");
  is_int(classify(0, 502, "<html><body>502 Bad Gateway</body></html>", &lowest), CHAIN_TRANSIENT,
         "502 with HTML is transient");
  is_int(classify(0, 503, "<html>Service Unavailable</html>", &lowest), CHAIN_TRANSIENT,
         "503 with HTML is transient");
  is_int(classify(0, 504, "", &lowest), CHAIN_TRANSIENT, "504 is transient");
  is_int(classify(1, 0, NULL, &lowest), CHAIN_TRANSIENT, "a timeout is transient");
  is_int(classify(0, 200, "{\"jsonrpc\":\"2.0\",\"id\":-1,\"result\":{\"block", &lowest),
         CHAIN_TRANSIENT, "a cut-off body is transient");
  is_int(classify(0, 500, "<html>oops</html>", &lowest), CHAIN_TRANSIENT,
         "500 with HTML is transient");
  is_int(classify(0, 200, "", &lowest), CHAIN_TRANSIENT, "an empty body is transient");
  is_int(classify(0, 200, NULL, &lowest), CHAIN_TRANSIENT, "no body is transient");
  is_int(classify(0, 200, "{\"jsonrpc\":\"2.0\",\"id\":-1,\"result\":{}}", &lowest), CHAIN_OK,
         "a result is ok");
  is_int(classify(0, 404, "{\"jsonrpc\":\"2.0\",\"id\":-1,\"result\":{}}", &lowest), CHAIN_OTHER,
         "a result with 404 is not ok");
  is_int(classify(0, 200,
                  "{\"jsonrpc\":\"2.0\",\"id\":-1,\"error\":{\"code\":-32601,\"message\":"
                  "\"Method not found\"}}",
                  &lowest),
         CHAIN_OTHER, "an unknown method is another error");
  is_int(classify(0, 200, "[1,2]", &lowest), CHAIN_OTHER, "a list where an object is due");
  is_int(classify(0, 500, RPC_ERR("min height 101 can't be greater than max height 100"), &lowest),
         CHAIN_NOT_YET, "/blockchain above the head is 'not yet'");

  char msg[64];
  cust_chain_classify(0, 500, RPC_ERR("could not find results for height #7"),
                      strlen(RPC_ERR("could not find results for height #7")), NULL, msg,
                      sizeof msg);
  ok(strstr(msg, "could not find results") != NULL, "the message is the error's data: %s", msg);

  /* the text alone */
  is_int(cust_chain_classify_text("height 5 is not available, lowest height is ", &lowest),
         CHAIN_PRUNED, "pruned without a number");
  is_int(lowest, 0, "no number: lowest 0");
  is_int(cust_chain_classify_text(
             "height 5 is not available, lowest height is 99999999999999999999999", &lowest),
         CHAIN_PRUNED, "pruned with an overflowing number");
  is_int(lowest, 0, "overflow: lowest 0");
  is_int(cust_chain_classify_text(NULL, NULL), CHAIN_OTHER, "no text");
  is_str(cust_chain_kind_name(CHAIN_PRUNED), "pruned", "kind names");
}

static void test_backoff(void) {
  uint64_t rng = 42;
  int bounded = 1, grows = 1, jitters = 0;
  uint64_t prev_max = 0;
  for (unsigned f = 1; f <= 40; f++) {
    uint64_t d_cap = 100;
    for (unsigned i = 1; i < f && d_cap < 10000; i++) {
      d_cap *= 2;
    }
    if (d_cap > 10000) {
      d_cap = 10000;
    }
    uint64_t lo = UINT64_MAX, hi = 0;
    for (int k = 0; k < 200; k++) {
      uint64_t d = cust_chain_backoff_ms(f, 100, 10000, cust_chain_rand(&rng));
      if (d < d_cap / 2 || d > d_cap || d > 10000) {
        bounded = 0;
      }
      lo = d < lo ? d : lo;
      hi = d > hi ? d : hi;
    }
    if (hi < prev_max / 2) {
      grows = 0;
    }
    prev_max = hi;
    if (lo != hi) {
      jitters++;
    }
  }
  ok(bounded, "every delay is within [d/2, d] of the capped exponential");
  ok(grows, "delays grow with failures");
  ok(jitters == 40, "delays are jittered at every step");
  is_int(cust_chain_backoff_ms(0, 100, 10000, 5), 0, "no failure, no delay");
  is_int(cust_chain_backoff_ms(1000, 100, 10000, UINT64_MAX) <= 10000, 1,
         "a huge failure count is capped without overflow");
  ok(cust_chain_backoff_ms(64, UINT64_MAX / 2, UINT64_MAX, 7) >= UINT64_MAX / 4,
     "no overflow near the top");
  is_int(cust_chain_backoff_ms(1, 1, 1, 0), 1, "tiny delays are not 0");
  uint64_t s = 0;
  ok(cust_chain_rand(&s) != 0 && s != 0, "the generator leaves 0");
}

static void test_batch(void) {
  cust_buf b;
  cust_buf_init(&b);
  chain_req reqs[3] = { { 10, 0 }, { 10, 1 }, { 11, 0 } };
  ok(cust_chain_batch_build(&b, reqs, 3) == CUST_OK, "build a batch");
  is_str(b.data,
         "[{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"block\",\"params\":{\"height\":\"10\"}},"
         "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"block_results\",\"params\":{\"height\":"
         "\"10\"}},{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"block\",\"params\":{\"height\":"
         "\"11\"}}]",
         "the batch is a JSON-RPC array with heights as strings");
  cust_buf_release(&b);

  chain_reply r[3];
  memset(r, 0, sizeof r);
  /* answers out of order, one error, ids as numbers and strings */
  const char *ans =
      "[{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":-32603,\"message\":\"Internal error\","
      "\"data\":\"height 11 must be less than or equal to the current blockchain height 10\"}},"
      "{\"jsonrpc\":\"2.0\",\"id\":\"1\",\"result\":{\"height\":\"10\",\"txs_results\":null}},"
      "{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{\"block\":{\"a\":[1, 2]}}}]";
  ok(cust_chain_batch_parse(ans, strlen(ans), r, 3) == CUST_OK, "parse a batch answer");
  is_int(r[0].kind, CHAIN_OK, "first ok");
  is_str(r[0].json, "{\"block\":{\"a\":[1, 2]}}", "first result, as its text");
  is_int(r[1].kind, CHAIN_OK, "a string id matches");
  ok(r[1].json != NULL && strstr(r[1].json, "txs_results") != NULL, "second result");
  is_int(r[2].kind, CHAIN_NOT_YET, "an error in a batch is classified");
  ok(strstr(r[2].msg, "must be less") != NULL, "its message is kept");

  /* a missing reply, a cut-off body, a whole-batch error, unknown ids */
  const char *partial =
      "[{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{}},{\"id\":7,\"result\":{}},{\"id\":-1}]";
  cust_chain_batch_parse(partial, strlen(partial), r, 3);
  ok(r[0].kind == CHAIN_OK && r[1].kind == CHAIN_TRANSIENT && r[2].kind == CHAIN_TRANSIENT,
     "replies missing from the answer are transient");
  const char *cut = "[{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{\"block\":{\"hea";
  cust_chain_batch_parse(cut, strlen(cut), r, 3);
  ok(r[0].kind == CHAIN_TRANSIENT && r[0].json == NULL && r[2].kind == CHAIN_TRANSIENT,
     "a cut-off answer makes every reply transient");
  const char *whole = "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":"
                      "\"Invalid Request\",\"data\":\"batch too large\"}}";
  cust_chain_batch_parse(whole, strlen(whole), r, 3);
  ok(r[0].kind == CHAIN_OTHER && r[2].kind == CHAIN_OTHER && strstr(r[1].msg, "batch too large"),
     "a refused batch gives its error to every reply");
  const char *pruned = "[{\"id\":0,\"error\":{\"code\":-32603,\"message\":\"Internal error\","
                       "\"data\":\"height 1 is not available, lowest height is 50\"}}]";
  cust_chain_batch_parse(pruned, strlen(pruned), r, 1);
  ok(r[0].kind == CHAIN_PRUNED && r[0].lowest == 50, "a pruned reply carries the lowest height");
  cust_chain_batch_parse("{\"a\":1}", 7, r, 1);
  is_int(r[0].kind, CHAIN_OTHER, "an object without error is another error");
  const char *noresult = "[{\"id\":0,\"result\":null}]";
  cust_chain_batch_parse(noresult, strlen(noresult), r, 1);
  is_int(r[0].kind, CHAIN_OTHER, "a null result is another error");

  /* the scan: strings holding brackets, quotes and escapes, whitespace,
   * null errors, ids out of range, elements that are not objects */
  const char *tricky =
      " [ 7, \"x\" ,{ \"id\" : 1 , \"error\" : null , \"result\" : {\"s\":\"}]\\\"[{\\\\\"}} ,"
      "{\"result\":{},\"id\":9},{\"id\":\"0\",\"jsonrpc\":\"2.0\",\"result\":{\"t\":[[],{}]}} ]\n";
  ok(cust_chain_batch_parse(tricky, strlen(tricky), r, 2) == CUST_OK, "parse a tricky answer");
  ok(r[1].kind == CHAIN_OK && r[1].json != NULL &&
         strcmp(r[1].json, "{\"s\":\"}]\\\"[{\\\\\"}") == 0,
     "brackets and escapes inside strings are skipped: %s", r[1].json ? r[1].json : "");
  ok(r[0].kind == CHAIN_OK && r[0].json != NULL && strcmp(r[0].json, "{\"t\":[[],{}]}") == 0,
     "a quoted id and nested brackets");
  static const char *const broken[] = {
    "[{\"id\":0,\"result\":{\"a\":\"b}]", /* cut in a string */
    "[{\"id\":0,\"result\":{\"a\":[}]}]", /* brackets that do not match */
    "[{\"id\":0,\"result\":{}},]",        /* a trailing comma */
    "[{\"id\":0,\"result\":{},}]",        /* a trailing comma in a reply */
    "[{\"id\":0 \"result\":{}}]",         /* a missing comma */
    "[{\"id\":0,\"result\":{}}",          /* no closing bracket */
    "[{\"id\":0,\"result\":{\"a\":\"\\",  /* cut after a backslash */
    "[{0:1}]",                            /* a key that is not a string */
    "[{\"id\" 0}]",                       /* no colon */
  };
  int bad = 0;
  for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
    cust_chain_batch_parse(broken[i], strlen(broken[i]), r, 1);
    if (r[0].kind != CHAIN_TRANSIENT || r[0].json != NULL) {
      tap_diag("not refused: %s", broken[i]);
      bad++;
    }
  }
  ok(bad == 0, "malformed or cut-off answers make every reply transient");
  cust_buf deep;
  cust_buf_init(&deep);
  cust_buf_puts(&deep, "[{\"id\":0,\"result\":");
  for (int i = 0; i < 300; i++) {
    cust_buf_putc(&deep, '[');
  }
  for (int i = 0; i < 300; i++) {
    cust_buf_putc(&deep, ']');
  }
  cust_buf_puts(&deep, "}]");
  cust_chain_batch_parse(deep.data, deep.len, r, 1);
  ok(r[0].kind == CHAIN_TRANSIENT, "nesting beyond the limit is refused");
  cust_buf_release(&deep);
  /* every prefix of a good answer: never a crash, never a result from a
   * cut-off body */
  const char *good = "[{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{\"a\":\"x\\\"]\"}},"
                     "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32603,\"data\":\"e\"}}]";
  bad = 0;
  for (size_t k = 0; k < strlen(good); k++) {
    char *copy = malloc(k + 1);
    memcpy(copy, good, k);
    cust_chain_batch_parse(copy, k, r, 2);
    if (r[0].kind == CHAIN_OK || r[1].kind != CHAIN_TRANSIENT) {
      bad++;
    }
    free(copy);
  }
  ok(bad == 0, "no prefix of an answer is taken for an answer");
  cust_chain_batch_parse(good, strlen(good), r, 2);
  ok(r[0].kind == CHAIN_OK && r[1].kind == CHAIN_TRANSIENT, "the whole answer is");
  for (int i = 0; i < 3; i++) {
    cust_chain_reply_clear(&r[i]);
  }
  cust_chain_reply_clear(NULL);
}

static void test_status_and_metas(void) {
  chain_status s;
  char msg[128];
  const char *st =
      "{\"jsonrpc\":\"2.0\",\"id\":-1,\"result\":{\"node_info\":{\"network\":\"okp4-nemeton-1\","
      "\"version\":\"0.38.7\",\"moniker\":\"n\"},\"sync_info\":{\"latest_block_hash\":\"03\","
      "\"latest_block_height\":\"1234567\",\"earliest_block_height\":\"1000\","
      "\"catching_up\":false}}}";
  ok(cust_chain_parse_status(st, strlen(st), &s, msg, sizeof msg) == CUST_OK, "parse /status");
  is_str(s.network, "okp4-nemeton-1", "network");
  is_str(s.version, "0.38.7", "version");
  is_int(s.latest, 1234567, "latest height");
  is_int(s.earliest, 1000, "earliest height");
  is_int(s.is_catching_up, 0, "not catching up");
  const char *bad = "{\"result\":{\"node_info\":{\"network\":\"x\",\"version\":\"0.38.1\"},"
                    "\"sync_info\":{\"latest_block_height\":\"12a\"}}}";
  ok(cust_chain_parse_status(bad, strlen(bad), &s, msg, sizeof msg) == CUST_ERR_INVALID &&
         strstr(msg, "latest_block_height"),
     "a malformed height is refused: %s", msg);
  ok(cust_chain_parse_status("{\"result\":{}}", 13, &s, msg, sizeof msg) == CUST_ERR_INVALID,
     "an empty status is refused");
  ok(cust_chain_parse_status("nope", 4, &s, msg, sizeof msg) == CUST_ERR_INVALID,
     "not JSON is refused");

  chain_meta m[5];
  uint64_t last = 0;
  const char *metas =
      "{\"jsonrpc\":\"2.0\",\"id\":-1,\"result\":{\"last_height\":\"214\",\"block_metas\":["
      "{\"block_id\":{\"hash\":\"H12\"},\"block_size\":\"569\",\"header\":{\"chain_id\":\"c\","
      "\"height\":\"12\",\"time\":\"t12\",\"last_block_id\":{\"hash\":\"H11\"}},\"num_txs\":\"3\"},"
      "{\"block_id\":{\"hash\":\"H11\"},\"header\":{\"chain_id\":\"c\",\"height\":\"11\","
      "\"time\":\"t11\",\"last_block_id\":{\"hash\":\"H10\"}},\"num_txs\":\"0\"},"
      "{\"block_id\":{\"hash\":\"H99\"},\"header\":{\"chain_id\":\"c\",\"height\":\"99\"},"
      "\"num_txs\":\"0\"}]}}";
  ok(cust_chain_parse_metas(metas, strlen(metas), 10, 14, m, &last, msg, sizeof msg) == CUST_OK,
     "parse /blockchain");
  is_int(last, 214, "last height");
  ok(!m[0].is_present && m[1].is_present && m[2].is_present && !m[3].is_present,
     "metas land by height, missing ones are marked");
  is_int(m[2].num_txs, 3, "num_txs");
  is_str(m[2].hash, "H12", "hash");
  is_str(m[2].last_hash, "H11", "last hash");
  is_str(m[1].time, "t11", "time");
  is_str(m[1].chain_id, "c", "chain id");
  const char *badmeta = "{\"result\":{\"last_height\":\"5\",\"block_metas\":[{\"header\":{}}]}}";
  ok(cust_chain_parse_metas(badmeta, strlen(badmeta), 1, 5, m, &last, msg, sizeof msg) ==
         CUST_ERR_INVALID,
     "a meta without height is refused");
  const char *nulls = "{\"result\":{\"last_height\":\"5\",\"block_metas\":null}}";
  ok(cust_chain_parse_metas(nulls, strlen(nulls), 1, 5, m, &last, msg, sizeof msg) == CUST_OK &&
         !m[0].is_present,
     "null metas: none present");
  ok(cust_chain_parse_metas(nulls, strlen(nulls), 5, 1, m, &last, msg, sizeof msg) ==
         CUST_ERR_INVALID,
     "an empty range is refused");
}

static void test_urls(void) {
  char out[64];
  ok(cust_chain_normalize_url("http://127.0.0.1:26657/", out, sizeof out) == CUST_OK, "http");
  is_str(out, "http://127.0.0.1:26657", "trailing slash dropped");
  cust_chain_normalize_url("tcp://node:26657", out, sizeof out);
  is_str(out, "http://node:26657", "tcp:// becomes http://");
  cust_chain_normalize_url("node:26657", out, sizeof out);
  is_str(out, "http://node:26657", "no scheme becomes http://");
  cust_chain_normalize_url("https://rpc.example.org/okp4", out, sizeof out);
  is_str(out, "https://rpc.example.org/okp4", "https with a path");
  ok(cust_chain_normalize_url("ftp://x", out, sizeof out) == CUST_ERR_INVALID, "ftp refused");
  ok(cust_chain_normalize_url("", out, sizeof out) == CUST_ERR_INVALID, "empty refused");
  ok(cust_chain_normalize_url("http://", out, sizeof out) == CUST_ERR_INVALID, "no host refused");
  ok(cust_chain_normalize_url("http://a-very-long-host-name-that-does-not-fit.example.org:26657",
                              out, 20) == CUST_ERR_INVALID,
     "too long refused");
}

static void test_new(void) {
  cust_index *c = (cust_index *)1;
  cust_index_config cfg;
  cust_index_config_init(&cfg);
  const char *bad[] = { "ftp://x" };
  cfg.nodes = bad;
  cfg.nnodes = 1;
  ok(cust_index_new(&cfg, NULL, NULL, NULL, NULL, &c) == CUST_ERR_INVALID && c == NULL,
     "no store refused");
  cust_index_free(NULL);
  is_str(cust_index_error(NULL), "", "no chain, no error");
}

/* ---- the follower in-process, against the devnet ---------------------------------- */

static void remove_store(const char *path) {
  char p[600];
  unlink(path);
  snprintf(p, sizeof p, "%s-wal", path);
  unlink(p);
  snprintf(p, sizeof p, "%s-shm", path);
  unlink(p);
}

/* What a test changes of the follower's configuration. */
typedef struct follow_opts {
  size_t max_response;
  uint64_t backoff_max_ms;
  const cust_logger *log;
} follow_opts;

/* Indexes `url` into the store at `path` until `until`; returns the status
 * of cust_index_run and the checkpoint and shared status it left. */
static cust_status follow_with(const char *url, const char *path, uint64_t until,
                               const follow_opts *fo, cust_checkpoint *cp, cust_index_status *out,
                               char *err, size_t errlen) {
  cust_store *s = NULL;
  cust_mapper *m = NULL;
  cust_index *c = NULL;
  cust_index_shared shared;
  cust_index_config cfg;
  const char *nodes[] = { url };
  memset(&shared, 0, sizeof shared);
  memset(cp, 0, sizeof *cp);
  pthread_mutex_init(&shared.lock, NULL);
  cust_index_config_init(&cfg);
  cfg.nodes = nodes;
  cfg.nnodes = 1;
  cfg.until = until;
  cfg.startup_ms = 2000;
  if (fo != NULL) {
    cfg.max_response = fo->max_response;
    cfg.backoff_max_ms = fo->backoff_max_ms;
  }
  const cust_logger *log = fo != NULL ? fo->log : NULL;
  err[0] = '\0';
  cust_status st = cust_store_open(path, CUST_STORE_CREATE, NULL, &s);
  if (st == CUST_OK) {
    st = cust_index_new(&cfg, s, NULL, &shared, log, &c);
  }
  if (st == CUST_OK) {
    st = cust_index_connect(c);
  }
  if (st == CUST_OK) {
    cust_mapper_config mc;
    memset(&mc, 0, sizeof mc);
    mc.chain_id = cust_index_chain_id(c);
    st = cust_mapper_new(&mc, NULL, &m);
  }
  if (st == CUST_OK) {
    cust_index_set_mapper(c, m);
    st = cust_index_run(c);
  }
  if (c != NULL) {
    snprintf(err, errlen, "%s", cust_index_error(c));
  }
  if (s != NULL) {
    cust_store_checkpoint(s, cp);
  }
  *out = shared.st;
  cust_index_free(c);
  cust_mapper_free(m);
  cust_store_close(s);
  pthread_mutex_destroy(&shared.lock);
  return st;
}

static cust_status follow(const char *url, const char *path, uint64_t until, cust_checkpoint *cp,
                          cust_index_status *out, char *err, size_t errlen) {
  return follow_with(url, path, until, NULL, cp, out, err, errlen);
}

/* A logger into a temporary file, read back by log_text. */
static FILE *log_open(cust_logger *log) {
  FILE *f = tmpfile();
  cust_logger_init(log, f, CUST_LOG_DEBUG);
  return f;
}

/* What was logged so far (static; cut at 64 KiB). */
static const char *log_text(FILE *f) {
  static char text[65536];
  size_t n = 0;
  text[0] = '\0';
  if (f != NULL) {
    fflush(f);
    rewind(f);
    n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
  }
  return text;
}

/* ---- a loopback proxy in front of the devnet that breaks batch answers -------------- */

typedef enum px_mode {
  PX_BAD_JSON, /* every POST is answered with cut-off JSON; GETs pass */
  PX_PAD,      /* answers to POSTs of more than `pad_above` requests get `pad` spaces more */
  PX_PAD_AT,   /* answers to POSTs that ask for `height` get `pad` spaces more */
  PX_BOMB_AT   /* answers to POSTs that ask for `height` are a gzip bomb */
} px_mode;

typedef struct proxy {
  struct MHD_Daemon *mhd;
  char url[64];
  const char *upstream;
  px_mode mode;
  size_t pad;
  unsigned pad_above;
  uint64_t height;
  unsigned stop_after;           /* PX_BAD_JSON: request a stop after this many broken answers */
  atomic_uint posts_by_size[11]; /* POSTs seen, by number of requests */
  atomic_uint broken;            /* answers broken on purpose */
  atomic_uint blockchain_ok;     /* /blockchain answers passed on with status 200 */
  unsigned char *bomb;
  size_t bomb_len;
} proxy;

typedef struct px_conn {
  cust_buf body;
} px_conn;

static size_t px_collect(char *p, size_t size, size_t n, void *ud) {
  return cust_buf_append(ud, p, size * n) == CUST_OK ? size * n : 0;
}

static enum MHD_Result px_arg(void *ud, enum MHD_ValueKind kind, const char *key,
                              const char *value) {
  (void)kind;
  cust_buf_printf(ud, "%s%s=%s", strchr(((cust_buf *)ud)->data, '?') ? "&" : "?", key,
                  value ? value : "");
  return MHD_YES;
}

/* Asks the devnet; the answer in `out`, its status returned (0: none). */
static long px_forward(const proxy *px, const char *path, const cust_buf *post, cust_buf *out) {
  long code = 0;
  CURL *h = curl_easy_init();
  if (h == NULL) {
    return 0;
  }
  char url[1024];
  snprintf(url, sizeof url, "%s%s", px->upstream, path);
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, px_collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
  if (post != NULL) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, post->data);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)post->len);
  }
  if (curl_easy_perform(h) == CURLE_OK) {
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  }
  curl_easy_cleanup(h);
  return code;
}

static enum MHD_Result px_send(struct MHD_Connection *mc, long code, const void *data, size_t len,
                               int is_gzip) {
  struct MHD_Response *r =
      MHD_create_response_from_buffer(len, (void *)(uintptr_t)data, MHD_RESPMEM_MUST_COPY);
  if (r == NULL) {
    return MHD_NO;
  }
  MHD_add_response_header(r, "Content-Type", "application/json");
  if (is_gzip) {
    MHD_add_response_header(r, "Content-Encoding", "gzip");
  }
  enum MHD_Result ret = MHD_queue_response(mc, (unsigned)code, r);
  MHD_destroy_response(r);
  return ret;
}

static int px_asks_height(const cust_buf *post, uint64_t h) {
  char needle[64];
  snprintf(needle, sizeof needle, "\"height\":\"%llu\"", (unsigned long long)h);
  return post->data != NULL && strstr(post->data, needle) != NULL;
}

static enum MHD_Result px_request(void *cls, struct MHD_Connection *mc, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls) {
  proxy *px = cls;
  (void)version;
  if (*con_cls == NULL) {
    px_conn *c = calloc(1, sizeof *c);
    if (c == NULL) {
      return MHD_NO;
    }
    cust_buf_init(&c->body);
    cust_buf_puts(&c->body, "");
    *con_cls = c;
    return MHD_YES;
  }
  px_conn *c = *con_cls;
  if (*upload_size > 0) {
    cust_buf_append(&c->body, upload, *upload_size);
    *upload_size = 0;
    return MHD_YES;
  }
  cust_buf path, answer;
  cust_buf_init(&path);
  cust_buf_init(&answer);
  cust_buf_puts(&path, url);
  enum MHD_Result ret;
  if (strcmp(method, "POST") != 0) {
    MHD_get_connection_values(mc, MHD_GET_ARGUMENT_KIND, px_arg, &path);
    long code = px_forward(px, path.data, NULL, &answer);
    if (code == 200 && strcmp(url, "/blockchain") == 0) {
      atomic_fetch_add(&px->blockchain_ok, 1);
    }
    ret = px_send(mc, code ? code : 502, answer.data, answer.len, 0);
  } else {
    unsigned nreq = 0;
    for (const char *p = c->body.data; (p = strstr(p, "\"method\"")) != NULL; p++) {
      nreq++;
    }
    atomic_fetch_add(&px->posts_by_size[nreq < 10 ? nreq : 10], 1);
    if (px->mode == PX_BAD_JSON) {
      static const char cut[] = "[{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{\"block_id\":{";
      if (atomic_fetch_add(&px->broken, 1) + 1 >= px->stop_after && px->stop_after > 0) {
        cust_stop_requested = 1;
      }
      ret = px_send(mc, 200, cut, sizeof cut - 1, 0);
    } else if (px->mode == PX_BOMB_AT && px_asks_height(&c->body, px->height)) {
      atomic_fetch_add(&px->broken, 1);
      ret = px_send(mc, 200, px->bomb, px->bomb_len, 1);
    } else {
      long code = px_forward(px, "/", &c->body, &answer);
      int is_padded = (px->mode == PX_PAD && nreq > px->pad_above) ||
                      (px->mode == PX_PAD_AT && px_asks_height(&c->body, px->height));
      if (is_padded) {
        atomic_fetch_add(&px->broken, 1);
        for (size_t i = 0; i < px->pad; i++) {
          cust_buf_putc(&answer, ' ');
        }
      }
      ret = px_send(mc, code ? code : 502, answer.data, answer.len, 0);
    }
  }
  cust_buf_release(&path);
  cust_buf_release(&answer);
  return ret;
}

static void px_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
  (void)cls;
  (void)mc;
  (void)toe;
  px_conn *c = *con_cls;
  if (c != NULL) {
    cust_buf_release(&c->body);
    free(c);
    *con_cls = NULL;
  }
}

/* gzip of `n` spaces: a few KiB that inflate to n bytes */
static unsigned char *gzip_spaces(size_t n, size_t *len) {
  z_stream z;
  memset(&z, 0, sizeof z);
  if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
    return NULL;
  }
  static unsigned char chunk[65536];
  memset(chunk, ' ', sizeof chunk);
  size_t cap = n / 500 + 4096;
  unsigned char *out = malloc(cap);
  z.next_out = out;
  z.avail_out = (uInt)cap;
  for (size_t done = 0; out != NULL && done < n; done += sizeof chunk) {
    z.next_in = chunk;
    z.avail_in = (uInt)(n - done < sizeof chunk ? n - done : sizeof chunk);
    deflate(&z, Z_NO_FLUSH);
  }
  if (out != NULL && deflate(&z, Z_FINISH) != Z_STREAM_END) {
    free(out);
    out = NULL;
  }
  *len = out != NULL ? cap - z.avail_out : 0;
  deflateEnd(&z);
  return out;
}

static int proxy_start(proxy *px, const char *upstream, px_mode mode) {
  memset(px, 0, sizeof *px);
  px->upstream = upstream;
  px->mode = mode;
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  px->mhd =
      MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL,
                       NULL, px_request, px, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                       MHD_OPTION_NOTIFY_COMPLETED, px_completed, px, MHD_OPTION_END);
  if (px->mhd == NULL) {
    return -1;
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(px->mhd, MHD_DAEMON_INFO_BIND_PORT);
  snprintf(px->url, sizeof px->url, "http://127.0.0.1:%u", info != NULL ? info->port : 0);
  return 0;
}

static void proxy_stop(proxy *px) {
  if (px->mhd != NULL) {
    MHD_stop_daemon(px->mhd);
  }
  free(px->bomb);
  memset(px, 0, sizeof *px);
}

static void test_follow(void) {
  cust_devnet_config dc;
  cust_devnet *full = NULL, *pruned = NULL;
  char dir[] = "/tmp/custodian-test-chain.XXXXXX";
  char path[128], path2[128], err[512];
  cust_checkpoint cp;
  cust_index_status st;
  if (mkdtemp(dir) == NULL) {
    ok(0, "a temporary folder");
    return;
  }
  snprintf(path, sizeof path, "%s/a.db", dir);
  snprintf(path2, sizeof path2, "%s/b.db", dir);
  cust_devnet_config_init(&dc);
  dc.listen = "127.0.0.1:0";
  dc.blocks = 40;
  dc.block_time_ms = 0;
  dc.seed = 11;
  ok(cust_devnet_start(&dc, NULL, &full) == CUST_OK, "a devnet starts");
  dc.earliest = 10;
  ok(cust_devnet_start(&dc, NULL, &pruned) == CUST_OK, "a pruned devnet starts");
  if (full == NULL || pruned == NULL) {
    cust_devnet_stop(full);
    cust_devnet_stop(pruned);
    return;
  }

  ok(follow(cust_devnet_url(full), path, 25, &cp, &st, err, sizeof err) == CUST_OK,
     "index until 25: %s", err);
  is_int(cp.height, 25, "the checkpoint is at 25");
  is_str(cp.chain_id, "okp4-devnet-1", "the checkpoint names the chain");
  ok(strlen(cp.block_hash) == 64, "the checkpoint holds the block hash");
  is_int(st.indexed_height, 25, "the shared status has the indexed height");
  is_int(st.head_height, 40, "and the head");
  is_str(st.chain_id, "okp4-devnet-1", "and the chain id");
  is_str(st.dialect, "0.38", "and the dialect");
  is_int(st.blocks_total, 25, "and the blocks indexed");
  ok(st.triples_total > 0, "and the triples written (%llu)", (unsigned long long)st.triples_total);
  is_int(st.nendpoints, 1, "one endpoint");
  ok(st.endpoints[0].requests > 0 && st.endpoints[0].is_healthy, "its requests are counted");
  is_int(st.is_running, 0, "not running after the run");

  ok(follow(cust_devnet_url(full), path, 40, &cp, &st, err, sizeof err) == CUST_OK,
     "resume until 40: %s", err);
  is_int(cp.height, 40, "the checkpoint is at 40");
  is_int(st.blocks_total, 15, "only the 15 new blocks were indexed");

  ok(follow(cust_devnet_url(pruned), path2, 40, &cp, &st, err, sizeof err) == CUST_ERR_NOTFOUND,
     "a pruned node alone fails");
  ok(strstr(err, "height 1 is not available") != NULL, "naming the height: %s", err);
  is_int(cp.height, 0, "nothing was written");
  ok(strstr(st.last_error, "not available") != NULL, "the shared status has the error");

  /* a node failing half of its answers: every error is counted by kind,
   * and the index still reaches the height */
  cust_devnet *faulty = NULL;
  char path3[128];
  snprintf(path3, sizeof path3, "%s/c.db", dir);
  dc.earliest = 0;
  dc.blocks = 12;
  dc.faults = 0.5;
  ok(cust_devnet_start(&dc, NULL, &faulty) == CUST_OK, "a faulty devnet starts");
  if (faulty != NULL) {
    ok(follow(cust_devnet_url(faulty), path3, 12, &cp, &st, err, sizeof err) == CUST_OK,
       "a faulty node is followed to the end: %s", err);
    is_int(cp.height, 12, "every height is indexed");
    ok(st.endpoints[0].errors_transient > 0, "transient errors are counted (%llu of %llu)",
       (unsigned long long)st.endpoints[0].errors_transient,
       (unsigned long long)st.endpoints[0].requests);
    is_int(st.endpoints[0].errors_pruned, 0, "none of them is taken for pruning");
  }

  cust_devnet_stop(full);
  cust_devnet_stop(pruned);
  cust_devnet_stop(faulty);
  remove_store(path);
  remove_store(path2);
  remove_store(path3);
  rmdir(dir);
}

/* Batches that fail while /blockchain answers: the node is counted as
 * failing (warning, status, error counters), its failures not cleared. */
static void test_failing_batches(const char *upstream, const char *dir) {
  proxy px;
  char path[160], err[512];
  cust_checkpoint cp;
  cust_index_status st;
  cust_logger log;
  snprintf(path, sizeof path, "%s/bad-json.db", dir);
  if (proxy_start(&px, upstream, PX_BAD_JSON) != 0) {
    ok(0, "a proxy starts");
    return;
  }
  px.stop_after = 6;
  FILE *lf = log_open(&log);
  follow_opts fo = { .backoff_max_ms = 400, .log = &log };
  cust_status rc = follow_with(px.url, path, 12, &fo, &cp, &st, err, sizeof err);
  cust_stop_requested = 0;
  ok(rc == CUST_OK, "a run over broken batches ends on the stop request: %s", err);
  ok(atomic_load(&px.broken) >= 6, "six batches were broken (%u)", atomic_load(&px.broken));
  ok(atomic_load(&px.blockchain_ok) >= 1, "while /blockchain answered (%u times)",
     atomic_load(&px.blockchain_ok));
  is_int(cp.height, 1, "nothing past the empty height 1 was written");
  ok(!st.endpoints[0].is_healthy, "the status shows the node unhealthy");
  ok(st.endpoints[0].errors_transient >= 5, "each broken batch is a counted error (%llu)",
     (unsigned long long)st.endpoints[0].errors_transient);
  const char *text = log_text(lf);
  ok(strstr(text, "is failing: 3 failures in a row without progress") != NULL,
     "the failing-node warning is logged");
  ok(strstr(text, "not JSON") != NULL, "and says what is wrong");
  ok(strstr(st.last_error, "not JSON") != NULL, "the status has the last error: %s", st.last_error);
  if (lf != NULL) {
    fclose(lf);
  }
  proxy_stop(&px);
  remove_store(path);
}

/* Batch answers over --max-response are split in halves down to one
 * request; one block over it is an error naming the height, the size and
 * the flag; a gzip bomb is cut at the limit. */
static void test_split(const char *upstream, const char *dir, const cust_checkpoint *want) {
  proxy px;
  char path[160], err[512];
  cust_checkpoint cp;
  cust_index_status st;
  cust_logger log;
  snprintf(path, sizeof path, "%s/split.db", dir);
  if (proxy_start(&px, upstream, PX_PAD) != 0) {
    ok(0, "a proxy starts");
    return;
  }
  px.pad = 300 * 1024;
  px.pad_above = 2;
  FILE *lf = log_open(&log);
  follow_opts fo = { .max_response = 256 * 1024, .backoff_max_ms = 200, .log = &log };
  ok(follow_with(px.url, path, 40, &fo, &cp, &st, err, sizeof err) == CUST_OK,
     "answers over the limit are split and the index completes: %s", err);
  is_int(cp.height, 40, "every height is indexed");
  is_str(cp.block_hash, want->block_hash, "to the same block as without the proxy");
  ok(atomic_load(&px.posts_by_size[10]) >= 1 && atomic_load(&px.posts_by_size[5]) >= 1 &&
         atomic_load(&px.posts_by_size[2]) >= 1,
     "batches of 10, then 5, then 2 requests were asked (%u, %u, %u)",
     atomic_load(&px.posts_by_size[10]), atomic_load(&px.posts_by_size[5]),
     atomic_load(&px.posts_by_size[2]));
  const char *text = log_text(lf);
  ok(strstr(text, "asking 5 at a time") != NULL && strstr(text, "asking 2 at a time") != NULL,
     "each split is logged");
  ok(st.endpoints[0].errors_transient >= 2, "and counted (%llu)",
     (unsigned long long)st.endpoints[0].errors_transient);
  ok(st.endpoints[0].is_healthy, "a node whose batches split fine ends healthy");
  if (lf != NULL) {
    fclose(lf);
  }
  proxy_stop(&px);
  remove_store(path);

  /* one block over the limit */
  snprintf(path, sizeof path, "%s/one-big.db", dir);
  if (proxy_start(&px, upstream, PX_PAD_AT) != 0) {
    ok(0, "a proxy starts");
    return;
  }
  px.pad = 300 * 1024;
  px.height = 3;
  fo.log = NULL;
  ok(follow_with(px.url, path, 40, &fo, &cp, &st, err, sizeof err) == CUST_ERR_LIMIT,
     "a block over the limit stops the index with CUST_ERR_LIMIT");
  ok(strstr(err, "height 3") != NULL && strstr(err, "262144") != NULL &&
         strstr(err, "--max-response") != NULL,
     "naming the height, the limit and the flag: %s", err);
  ok(strstr(err, " bytes, over the answer limit") != NULL && strstr(err, "more than") == NULL,
     "and the size of the answer");
  is_int(cp.height, 2, "every height before it is committed");
  ok(atomic_load(&px.posts_by_size[1]) >= 1, "it was asked alone before giving up");
  proxy_stop(&px);
  remove_store(path);

  /* a gzip bomb: 64 MiB of spaces in about 64 KiB */
  snprintf(path, sizeof path, "%s/bomb.db", dir);
  if (proxy_start(&px, upstream, PX_BOMB_AT) != 0) {
    ok(0, "a proxy starts");
    return;
  }
  px.height = 3;
  px.bomb = gzip_spaces((size_t)64 << 20, &px.bomb_len);
  ok(px.bomb != NULL && px.bomb_len < (size_t)256 * 1024, "a gzip bomb of %zu bytes", px.bomb_len);
  ok(follow_with(px.url, path, 40, &fo, &cp, &st, err, sizeof err) == CUST_ERR_LIMIT,
     "a gzip bomb is cut at the limit and stops the index");
  ok(strstr(err, "height 3") != NULL && strstr(err, "more than") != NULL &&
         strstr(err, "--max-response") != NULL,
     "the error names the height and the flag: %s", err);
  is_int(cp.height, 2, "every height before it is committed");
  ok(st.endpoints[0].errors_other >= 1 && !st.endpoints[0].is_healthy,
     "the node is counted as failing");
  proxy_stop(&px);
  remove_store(path);
}

static void test_faulty_batches(void) {
  cust_devnet_config dc;
  cust_devnet *dn = NULL;
  char dir[] = "/tmp/custodian-test-proxy.XXXXXX";
  char path[160], err[512];
  cust_checkpoint cp;
  cust_index_status st;
  if (mkdtemp(dir) == NULL) {
    ok(0, "a temporary folder");
    return;
  }
  cust_devnet_config_init(&dc);
  dc.listen = "127.0.0.1:0";
  dc.blocks = 40;
  dc.block_time_ms = 0;
  dc.seed = 11;
  if (cust_devnet_start(&dc, NULL, &dn) != CUST_OK) {
    ok(0, "a devnet starts");
    rmdir(dir);
    return;
  }
  snprintf(path, sizeof path, "%s/direct.db", dir);
  ok(follow(cust_devnet_url(dn), path, 40, &cp, &st, err, sizeof err) == CUST_OK,
     "the devnet indexes directly: %s", err);
  remove_store(path);
  test_failing_batches(cust_devnet_url(dn), dir);
  test_split(cust_devnet_url(dn), dir, &cp);
  cust_devnet_stop(dn);
  rmdir(dir);
}

int main(void) {
  test_classify();
  test_backoff();
  test_batch();
  test_status_and_metas();
  test_urls();
  test_new();
  test_follow();
  test_faulty_batches();
  return done_testing();
}
