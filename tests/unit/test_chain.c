/* Unit tests of the RPC client's pure pieces: what each error body of
 * chain.md means, the retry delays, batches and their answers, /status and
 * /blockchain answers, endpoint URLs. */
#include "config.h"

#include <stdlib.h>

#include "chain/chain.h"
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
  cust_chain_normalize_url("https://rpc.example.org/okp4/?apikey=K1#x", out, sizeof out);
  is_str(out, "https://rpc.example.org/okp4?apikey=K1", "the query is kept after the path");
  ok(cust_chain_normalize_url("http://?apikey=K", out, sizeof out) == CUST_ERR_INVALID,
     "a query without a host refused");
  ok(cust_chain_normalize_url("ftp://x", out, sizeof out) == CUST_ERR_INVALID, "ftp refused");
  ok(cust_chain_normalize_url("", out, sizeof out) == CUST_ERR_INVALID, "empty refused");
  ok(cust_chain_normalize_url("http://", out, sizeof out) == CUST_ERR_INVALID, "no host refused");
  ok(cust_chain_normalize_url("http://a-very-long-host-name-that-does-not-fit.example.org:26657",
                              out, 20) == CUST_ERR_INVALID,
     "too long refused");
}

int main(void) {
  test_classify();
  test_backoff();
  test_batch();
  test_status_and_metas();
  test_urls();
  return done_testing();
}
