/* Unit tests of the tx module: protobuf round trips, authz, malformed
 * transactions, and blocks with their results in the three dialects. */
#include "config.h"

#include "tap.h"
#include "tx/tx.h"

/* ---- helpers ---------------------------------------------------------------- */

static char *b64(const cust_buf *raw) {
  cust_buf b;
  cust_buf_init(&b);
  cust_base64_encode(&b, (const unsigned char *)raw->data, raw->len);
  return cust_buf_steal(&b, NULL);
}

static const char *hash_of(const cust_buf *raw, char out[65]) {
  unsigned char d[32];
  cust_sha256((const unsigned char *)raw->data, raw->len, d);
  cust_hex_upper(d, 32, out);
  return out;
}

static cust_status decode_buf(cust_arena *a, const cust_buf *raw, cust_tx *tx, char *err,
                              size_t errlen) {
  memset(tx, 0, sizeof *tx);
  return cust_tx_decode(a, (const unsigned char *)raw->data, raw->len, tx, err, errlen);
}

static cust_status decode_bytes(cust_arena *a, const unsigned char *p, size_t n, cust_tx *tx,
                                char *err, size_t errlen) {
  memset(tx, 0, sizeof *tx);
  return cust_tx_decode(a, p, n, tx, err, errlen);
}

/* Appends protobuf pieces by hand, for malformed and real-looking input. */
static void put_varint(cust_buf *b, uint64_t v) {
  do {
    unsigned char c = (unsigned char)(v & 0x7f);
    v >>= 7;
    if (v) {
      c |= 0x80;
    }
    cust_buf_append(b, &c, 1);
  } while (v);
}

static void put_len(cust_buf *b, uint32_t num, const void *p, size_t n) {
  put_varint(b, ((uint64_t)num << 3) | 2);
  put_varint(b, n);
  cust_buf_append(b, p, n);
}

static void put_str(cust_buf *b, uint32_t num, const char *s) {
  put_len(b, num, s, strlen(s));
}

static void wrap_raw(cust_buf *raw, const cust_buf *body) {
  put_len(raw, 1, body->data, body->len);
}

/* ---- protobuf ---------------------------------------------------------------- */

static void test_round_trip(void) {
  cust_arena a;
  cust_arena_init(&a, 0);
  cust_buf raw;
  cust_buf_init(&raw);
  const cust_coin funds[] = { { "uknow", "1500000" }, { "ibc/27394FB", "7" } };
  cust_msg_spec m = { .sender = "okp41sender",
                      .contract = "okp41contract",
                      .json = "{\"submit_claims\":{\"metadata\":\"AAEC\"}}",
                      .funds = funds,
                      .nfunds = 2 };
  ok(cust_tx_encode(&raw, &m, 1, "a memo") == CUST_OK, "encode one MsgExecuteContract");
  cust_tx tx;
  char err[128] = "x";
  ok(decode_buf(&a, &raw, &tx, err, sizeof err) == CUST_OK, "decode it back");
  is_str(err, "", "no error message on success");
  is_int(tx.nmsgs, 1, "one message");
  is_str(tx.msgs[0].type_url, "/cosmwasm.wasm.v1.MsgExecuteContract", "type url");
  is_str(tx.msgs[0].sender, "okp41sender", "sender");
  is_str(tx.msgs[0].contract, "okp41contract", "contract");
  is_str(tx.msgs[0].json, m.json, "json message");
  is_int(tx.msgs[0].json_len, strlen(m.json), "json length");
  is_int(tx.msgs[0].nfunds, 2, "two coins");
  is_str(tx.msgs[0].funds[0].denom, "uknow", "first denom");
  is_str(tx.msgs[0].funds[0].amount, "1500000", "first amount");
  is_str(tx.msgs[0].funds[1].denom, "ibc/27394FB", "second denom");
  is_int(tx.msgs[0].is_authz, 0, "not authz");
  ok(tx.msgs[0].grantee == NULL, "no grantee");
  char h[65];
  is_str(tx.hash, hash_of(&raw, h), "hash is sha256 of the raw bytes");
  ok(strlen(tx.hash) == 64 && strspn(tx.hash, "0123456789ABCDEF") == 64, "hash is uppercase hex");

  /* no funds, no memo, empty json */
  cust_buf_reset(&raw);
  cust_msg_spec bare = { .sender = "s", .contract = "c", .json = "" };
  ok(cust_tx_encode(&raw, &bare, 1, NULL) == CUST_OK, "encode without funds or memo");
  ok(decode_buf(&a, &raw, &tx, NULL, 0) == CUST_OK && tx.nmsgs == 1 && tx.msgs[0].nfunds == 0 &&
         tx.msgs[0].funds == NULL && tx.msgs[0].json_len == 0 && strcmp(tx.msgs[0].json, "") == 0,
     "empty fields decode as empty");

  /* a transaction with no message at all */
  cust_buf_reset(&raw);
  ok(cust_tx_encode(&raw, NULL, 0, "only a memo") == CUST_OK, "encode with no messages");
  ok(decode_buf(&a, &raw, &tx, NULL, 0) == CUST_OK && tx.nmsgs == 0, "no messages decode");
  ok(cust_tx_encode(NULL, &bare, 1, NULL) == CUST_ERR_INVALID, "encode into NULL is refused");
  cust_buf_release(&raw);
  cust_arena_release(&a);
}

static void test_authz_and_multi(void) {
  cust_arena a;
  cust_arena_init(&a, 0);
  cust_buf raw;
  cust_buf_init(&raw);
  const cust_coin fee[] = { { "uknow", "42" } };
  cust_msg_spec ms[3] = {
    { .sender = "okp41a", .contract = "okp41c1", .json = "{\"a\":1}" },
    { .sender = "okp41granter",
      .contract = "okp41c2",
      .json = "{\"b\":2}",
      .funds = fee,
      .nfunds = 1,
      .authz_grantee = "okp41grantee" },
    { .sender = "okp41a", .contract = "okp41c3", .json = "{\"c\":3}" },
  };
  ok(cust_tx_encode(&raw, ms, 3, "multi") == CUST_OK, "encode three messages, one via authz");
  cust_tx tx;
  char err[128];
  ok(decode_buf(&a, &raw, &tx, err, sizeof err) == CUST_OK, "decode them");
  is_int(tx.nmsgs, 3, "three messages listed");
  is_int(tx.msgs[0].msg_index, 0, "first index");
  is_int(tx.msgs[1].msg_index, 1, "authz message keeps its body index");
  is_int(tx.msgs[2].msg_index, 2, "third index");
  is_int(tx.msgs[1].is_authz, 1, "second is wrapped in MsgExec");
  is_str(tx.msgs[1].grantee, "okp41grantee", "grantee");
  is_str(tx.msgs[1].sender, "okp41granter", "sender is the granter");
  is_str(tx.msgs[1].type_url, "/cosmwasm.wasm.v1.MsgExecuteContract", "inner type url");
  is_int(tx.msgs[1].inner_index, 0, "inner index");
  is_str(tx.msgs[1].funds[0].amount, "42", "inner funds");
  is_int(tx.msgs[2].is_authz, 0, "third is not wrapped");
  is_str(tx.msgs[2].contract, "okp41c3", "third contract");

  /* a MsgExec with two inner messages, one of another type, grantee last */
  cust_buf exec, any1, any2, inner, body;
  cust_buf_init(&exec);
  cust_buf_init(&any1);
  cust_buf_init(&any2);
  cust_buf_init(&inner);
  cust_buf_init(&body);
  put_str(&inner, 1, "okp41g");
  put_str(&inner, 2, "okp41c");
  put_str(&inner, 3, "{}");
  put_str(&any1, 1, "/cosmwasm.wasm.v1.MsgExecuteContract");
  put_len(&any1, 2, inner.data, inner.len);
  put_str(&any2, 1, "/cosmos.bank.v1beta1.MsgSend");
  put_str(&any2, 2,
          "\x0a\x03"
          "abc");
  put_len(&exec, 2, any1.data, any1.len);
  put_len(&exec, 2, any2.data, any2.len);
  put_str(&exec, 1, "okp41late");
  cust_buf_reset(&any1);
  put_str(&any1, 1, "/cosmos.authz.v1beta1.MsgExec");
  put_len(&any1, 2, exec.data, exec.len);
  put_len(&body, 1, any1.data, any1.len);
  cust_buf_reset(&raw);
  wrap_raw(&raw, &body);
  ok(decode_buf(&a, &raw, &tx, err, sizeof err) == CUST_OK && tx.nmsgs == 2,
     "MsgExec with two inner messages lists both");
  is_str(tx.msgs[0].grantee, "okp41late", "grantee read even when it comes last");
  is_int(tx.msgs[1].inner_index, 1, "second inner index");
  is_str(tx.msgs[1].type_url, "/cosmos.bank.v1beta1.MsgSend", "other types keep their type url");
  ok(tx.msgs[1].sender == NULL && tx.msgs[1].contract == NULL && tx.msgs[1].json == NULL,
     "other types have no contract fields");
  is_int(tx.msgs[1].is_authz, 1, "other inner type is authz too");

  /* an empty MsgExec still shows as one message */
  cust_buf_reset(&exec);
  put_str(&exec, 1, "okp41g");
  cust_buf_reset(&any1);
  put_str(&any1, 1, "/cosmos.authz.v1beta1.MsgExec");
  put_len(&any1, 2, exec.data, exec.len);
  cust_buf_reset(&body);
  put_len(&body, 1, any1.data, any1.len);
  cust_buf_reset(&raw);
  wrap_raw(&raw, &body);
  ok(decode_buf(&a, &raw, &tx, err, sizeof err) == CUST_OK && tx.nmsgs == 1 &&
         strcmp(tx.msgs[0].type_url, "/cosmos.authz.v1beta1.MsgExec") == 0 &&
         strcmp(tx.msgs[0].grantee, "okp41g") == 0,
     "an empty MsgExec is listed once");

  /* Any messages without a value field */
  cust_buf_reset(&any1);
  put_str(&any1, 1, "/cosmwasm.wasm.v1.MsgExecuteContract");
  cust_buf_reset(&any2);
  put_str(&any2, 1, "/cosmos.authz.v1beta1.MsgExec");
  cust_buf_reset(&body);
  put_len(&body, 1, any1.data, any1.len);
  put_len(&body, 1, any2.data, any2.len);
  cust_buf_reset(&raw);
  wrap_raw(&raw, &body);
  ok(decode_buf(&a, &raw, &tx, err, sizeof err) == CUST_OK && tx.nmsgs == 2 &&
         strcmp(tx.msgs[0].sender, "") == 0 && tx.msgs[0].json_len == 0 &&
         strcmp(tx.msgs[1].grantee, "") == 0,
     "messages without a value decode as empty");

  /* MsgExec nested beyond the limit */
  cust_buf_reset(&inner);
  put_str(&inner, 1, "/cosmwasm.wasm.v1.MsgExecuteContract");
  for (int i = 0; i < 12; i++) {
    cust_buf_reset(&exec);
    put_str(&exec, 1, "g");
    put_len(&exec, 2, inner.data, inner.len);
    cust_buf_reset(&inner);
    put_str(&inner, 1, "/cosmos.authz.v1beta1.MsgExec");
    put_len(&inner, 2, exec.data, exec.len);
  }
  cust_buf_reset(&body);
  put_len(&body, 1, inner.data, inner.len);
  cust_buf_reset(&raw);
  wrap_raw(&raw, &body);
  ok(decode_buf(&a, &raw, &tx, err, sizeof err) == CUST_ERR_INVALID && strstr(err, "deep"),
     "MsgExec nested too deeply is refused: %s", err);
  ok(tx.nmsgs == 0 && tx.hash[0] != '\0', "a refused tx has no messages but has its hash");

  cust_buf_release(&exec);
  cust_buf_release(&any1);
  cust_buf_release(&any2);
  cust_buf_release(&inner);
  cust_buf_release(&body);
  cust_buf_release(&raw);
  cust_arena_release(&a);
}

/* A transaction as a wallet builds it: a bank message first, extension
 * options and a timeout in the body, a real auth info with a fee, and a
 * 64-byte signature. Unknown fields must be skipped. */
static void test_real_looking(void) {
  cust_arena a;
  cust_arena_init(&a, 0);
  cust_buf exec, any, body, auth, raw, tmp;
  cust_buf_init(&exec);
  cust_buf_init(&any);
  cust_buf_init(&body);
  cust_buf_init(&auth);
  cust_buf_init(&raw);
  cust_buf_init(&tmp);

  put_str(&tmp, 1, "okp41from");
  put_str(&tmp, 2, "okp41to");
  put_str(&any, 1, "/cosmos.bank.v1beta1.MsgSend");
  put_len(&any, 2, tmp.data, tmp.len);
  put_len(&body, 1, any.data, any.len);

  put_str(&exec, 1, "okp41h6tjqvzx4vh3s7n6ylyc8m2q8m8m3m0n8gdhm4");
  put_str(&exec, 2, "okp41dvnyd3djaw5j9w58qvq6j5u0ccfcsq7wfgfm9r7xv3c0fmq8wdvsrsdgafq");
  const char *json = "{\"submit_claims\":{\"metadata\":\"PGh0dHA6Ly9leGFtcGxlLm9yZz4=\","
                     "\"format\":\"n_quads\"}}";
  put_str(&exec, 3, json);
  cust_buf_reset(&tmp);
  put_str(&tmp, 1, "uknow");
  put_str(&tmp, 2, "250000");
  put_len(&exec, 5, tmp.data, tmp.len);
  put_varint(&exec, (6u << 3) | 0); /* an unknown varint field */
  put_varint(&exec, 300);
  cust_buf_reset(&any);
  put_str(&any, 1, "/cosmwasm.wasm.v1.MsgExecuteContract");
  put_len(&any, 2, exec.data, exec.len);
  put_len(&body, 1, any.data, any.len);
  put_str(&body, 2, "provenance");
  put_varint(&body, (3u << 3) | 0);
  put_varint(&body, 8512400);
  put_len(&body, 1023, "\x0a\x01x", 3); /* extension options */

  cust_buf_reset(&tmp);
  put_str(&tmp, 1, "uknow");
  put_str(&tmp, 2, "2000");
  put_len(&auth, 2, tmp.data, tmp.len); /* fee, roughly */
  put_varint(&auth, (3u << 3) | 1);     /* a fixed64 field */
  cust_buf_append(&auth, "\1\2\3\4\5\6\7\10", 8);
  put_varint(&auth, (4u << 3) | 5); /* a fixed32 field */
  cust_buf_append(&auth, "\1\2\3\4", 4);

  wrap_raw(&raw, &body);
  put_len(&raw, 2, auth.data, auth.len);
  unsigned char sig[64];
  for (size_t i = 0; i < sizeof sig; i++) {
    sig[i] = (unsigned char)(i * 37 + 11);
  }
  put_len(&raw, 3, sig, sizeof sig);

  cust_tx tx;
  char err[128];
  ok(decode_buf(&a, &raw, &tx, err, sizeof err) == CUST_OK, "a real-looking tx decodes: %s", err);
  is_int(tx.nmsgs, 2, "bank message and contract call");
  is_str(tx.msgs[0].type_url, "/cosmos.bank.v1beta1.MsgSend", "bank message kept by type");
  ok(tx.msgs[0].sender == NULL, "bank message not read as a contract call");
  is_int(tx.msgs[1].msg_index, 1, "contract call is message 1");
  is_str(tx.msgs[1].json, json, "contract json");
  is_str(tx.msgs[1].funds[0].amount, "250000", "funds amount");

  cust_buf_release(&exec);
  cust_buf_release(&any);
  cust_buf_release(&body);
  cust_buf_release(&auth);
  cust_buf_release(&raw);
  cust_buf_release(&tmp);
  cust_arena_release(&a);
}

static void expect_invalid(cust_arena *a, const void *p, size_t n, const char *name,
                           const char *needle) {
  cust_tx tx;
  char err[128] = "";
  cust_status st = decode_bytes(a, p, n, &tx, err, sizeof err);
  if (!ok(st == CUST_ERR_INVALID && err[0] != '\0' && (needle == NULL || strstr(err, needle)),
          "%s is refused", name)) {
    tap_diag("status %s, message \"%s\"", cust_strerror(st), err);
  }
}

static void test_malformed(void) {
  cust_arena a;
  cust_arena_init(&a, 0);
  cust_buf b, body, any;
  cust_buf_init(&b);
  cust_buf_init(&body);
  cust_buf_init(&any);

  expect_invalid(&a, "", 0, "an empty TxRaw", "no body");
  expect_invalid(&a, "\x0a", 1, "a key with no length", "truncated");
  expect_invalid(&a, "\x0a\x80", 2, "a truncated length varint", "truncated");
  expect_invalid(&a, "\x0a\x05\x01", 3, "a length past the end", "past the end");
  expect_invalid(&a, "\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11, "a 2^64-1 length",
                 "past the end");
  expect_invalid(&a, "\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 11, "a 70-bit varint",
                 "overlong");
  expect_invalid(&a, "\x0a\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00", 12, "an 11-byte varint",
                 "overlong");
  expect_invalid(&a, "\x08\x01", 2, "body_bytes as a varint", "wrong wire type");
  expect_invalid(&a, "\x0b\x0c", 2, "a group", "wire type");
  expect_invalid(&a, "\x0e", 1, "wire type 6", "wire type");
  expect_invalid(&a, "\x02\x00", 2, "field number 0", "field number");
  expect_invalid(&a, "\x09\x01\x02", 3, "a truncated fixed64", "truncated");
  expect_invalid(&a, "\x0d\x01", 2, "a truncated fixed32", "truncated");

  /* TxBody with a message that is a varint */
  put_varint(&body, (1u << 3) | 0);
  put_varint(&body, 5);
  wrap_raw(&b, &body);
  expect_invalid(&a, b.data, b.len, "messages as a varint", "TxBody messages");

  /* an Any whose type url holds a NUL */
  cust_buf_reset(&body);
  cust_buf_reset(&b);
  put_len(&any, 1, "/a\0b", 4);
  put_len(&body, 1, any.data, any.len);
  wrap_raw(&b, &body);
  expect_invalid(&a, b.data, b.len, "a type url with a NUL", "NUL");

  /* a MsgExecuteContract whose funds are truncated */
  cust_buf_reset(&any);
  cust_buf_reset(&body);
  cust_buf_reset(&b);
  put_str(&any, 1, "/cosmwasm.wasm.v1.MsgExecuteContract");
  put_len(&any, 2, "\x0a\x01s\x2a\x04\x0a\x05uk", 9);
  put_len(&body, 1, any.data, any.len);
  wrap_raw(&b, &body);
  expect_invalid(&a, b.data, b.len, "truncated coin", "coin");

  /* sender as a varint */
  cust_buf_reset(&any);
  cust_buf_reset(&body);
  cust_buf_reset(&b);
  put_str(&any, 1, "/cosmwasm.wasm.v1.MsgExecuteContract");
  put_len(&any, 2, "\x08\x01", 2);
  put_len(&body, 1, any.data, any.len);
  wrap_raw(&b, &body);
  expect_invalid(&a, b.data, b.len, "sender as a varint", "sender");

  /* every prefix and every single-bit flip of a valid tx: never a crash,
   * and always either a clean decode or an error with a message */
  cust_buf_reset(&b);
  const cust_coin c[] = { { "uknow", "1" } };
  cust_msg_spec ms[2] = {
    { .sender = "okp41s", .contract = "okp41c", .json = "{\"x\":[1,2]}", .funds = c, .nfunds = 1 },
    { .sender = "okp41s", .contract = "okp41c", .json = "{}", .authz_grantee = "okp41g" }
  };
  cust_tx_encode(&b, ms, 2, "m");
  int bad = 0;
  for (size_t n = 0; n < b.len; n++) {
    cust_tx tx;
    char err[128] = "";
    unsigned char *copy = malloc(n ? n : 1); /* exact size so ASan sees overreads */
    memcpy(copy, b.data, n);
    cust_status st = decode_bytes(&a, copy, n, &tx, err, sizeof err);
    if (st != CUST_OK && (st != CUST_ERR_INVALID || err[0] == '\0')) {
      bad++;
    }
    free(copy);
  }
  ok(bad == 0, "every truncation decodes or fails cleanly (%zu prefixes)", b.len);
  bad = 0;
  unsigned char *copy = malloc(b.len);
  for (size_t i = 0; i < b.len * 8; i++) {
    memcpy(copy, b.data, b.len);
    copy[i / 8] ^= (unsigned char)(1u << (i % 8));
    cust_tx tx;
    char err[128] = "";
    cust_status st = decode_bytes(&a, copy, b.len, &tx, err, sizeof err);
    if (st != CUST_OK && (st != CUST_ERR_INVALID || err[0] == '\0')) {
      bad++;
    }
    cust_arena_reset(&a);
  }
  free(copy);
  ok(bad == 0, "every bit flip decodes or fails cleanly");

  cust_buf_release(&b);
  cust_buf_release(&body);
  cust_buf_release(&any);
  cust_arena_release(&a);
}

/* ---- blocks ------------------------------------------------------------------- */

static void test_dialect_version(void) {
  cust_dialect d = 0;
  ok(cust_dialect_from_version("0.34.27", &d) == CUST_OK && d == CUST_DIALECT_034, "0.34.27");
  ok(cust_dialect_from_version("v0.34.24", &d) == CUST_OK && d == CUST_DIALECT_034, "v0.34.24");
  ok(cust_dialect_from_version("0.37.2", &d) == CUST_OK && d == CUST_DIALECT_037, "0.37.2");
  ok(cust_dialect_from_version("0.38.7", &d) == CUST_OK && d == CUST_DIALECT_038, "0.38.7");
  ok(cust_dialect_from_version("v0.38.12-rc1", &d) == CUST_OK && d == CUST_DIALECT_038, "rc");
  ok(cust_dialect_from_version("1.0.0", &d) == CUST_OK && d == CUST_DIALECT_038, "newer is 0.38");
  d = 0;
  ok(cust_dialect_from_version("0.33.9", &d) == CUST_ERR_INVALID && d == 0, "0.33 refused");
  ok(cust_dialect_from_version("0.35.0", &d) == CUST_ERR_INVALID, "0.35 refused");
  ok(cust_dialect_from_version("", &d) == CUST_ERR_INVALID, "empty refused");
  ok(cust_dialect_from_version("abc", &d) == CUST_ERR_INVALID, "words refused");
  ok(cust_dialect_from_version("0.", &d) == CUST_ERR_INVALID, "no minor refused");
  ok(cust_dialect_from_version("0.38x", &d) == CUST_ERR_INVALID, "junk refused");
  ok(cust_dialect_from_version(NULL, &d) == CUST_ERR_INVALID, "NULL refused");
}

/* A /block response with the given base64 txs (NULL: "txs": null). */
static char *block_json(uint64_t height, const char *const *txs, size_t n, int wrap) {
  cust_buf b;
  cust_buf_init(&b);
  if (wrap) {
    cust_buf_puts(&b, "{\"jsonrpc\":\"2.0\",\"id\":-1,\"result\":");
  }
  cust_buf_printf(&b,
                  "{\"block_id\":{\"hash\":\"HASH%llu\",\"parts\":{\"total\":1,\"hash\":\"P\"}},"
                  "\"block\":{\"header\":{\"chain_id\":\"okp4-test-1\",\"height\":\"%llu\","
                  "\"time\":\"2023-05-17T14:12:53.088875124Z\",\"last_block_id\":{\"hash\":"
                  "\"HASH%llu\",\"parts\":{\"total\":1,\"hash\":\"\"}}},\"data\":{\"txs\":",
                  (unsigned long long)height, (unsigned long long)height,
                  (unsigned long long)(height - 1));
  if (txs == NULL) {
    cust_buf_puts(&b, "null");
  } else {
    cust_buf_putc(&b, '[');
    for (size_t i = 0; i < n; i++) {
      cust_buf_printf(&b, "%s\"%s\"", i ? "," : "", txs[i]);
    }
    cust_buf_putc(&b, ']');
  }
  cust_buf_puts(&b, "},\"evidence\":{\"evidence\":[]},\"last_commit\":{}}}");
  if (wrap) {
    cust_buf_putc(&b, '}');
  }
  return cust_buf_steal(&b, NULL);
}

static const char *results_038 =
    "{\"jsonrpc\":\"2.0\",\"id\":-1,\"result\":{\"height\":\"10\",\"txs_results\":["
    "{\"code\":0,\"data\":\"Ei4K\",\"log\":\"\",\"info\":\"\",\"gas_wanted\":\"400000\","
    "\"gas_used\":\"231877\",\"codespace\":\"\",\"events\":["
    "{\"type\":\"message\",\"attributes\":[{\"key\":\"action\",\"value\":"
    "\"/cosmwasm.wasm.v1.MsgExecuteContract\",\"index\":true},{\"key\":\"msg_index\","
    "\"value\":\"0\",\"index\":true}]},"
    "{\"type\":\"wasm\",\"attributes\":[{\"key\":\"_contract_address\",\"value\":\"okp41dv\","
    "\"index\":true},{\"key\":\"action\",\"value\":\"submit_claims\",\"index\":true}]},"
    "{\"type\":\"wasm\",\"attributes\":[{\"key\":\"_contract_address\",\"value\":\"okp41dv\","
    "\"index\":true},{\"key\":\"action\",\"value\":\"submit_claims\",\"index\":true}]}]},"
    "{\"code\":5,\"data\":null,\"log\":\"failed to execute message; message index: 0: "
    "Unauthorized\",\"info\":\"\",\"gas_wanted\":\"400000\",\"gas_used\":\"97012\","
    "\"codespace\":\"wasm\",\"events\":[{\"type\":\"tx\",\"attributes\":[{\"key\":\"fee\","
    "\"value\":\"2000uknow\",\"index\":true}]}]}],"
    "\"finalize_block_events\":[{\"type\":\"mint\",\"attributes\":[{\"key\":\"mode\",\"value\":"
    "\"BeginBlock\",\"index\":true}]}],\"validator_updates\":[],\"consensus_param_updates\":null,"
    "\"app_hash\":\"Pq8d\"}}";

static const char *results_037 =
    "{\"height\":\"10\",\"txs_results\":["
    "{\"code\":0,\"data\":\"Ei4K\",\"log\":\"\",\"info\":\"\",\"gas_wanted\":\"400000\","
    "\"gas_used\":\"231877\",\"codespace\":\"\",\"events\":["
    "{\"type\":\"message\",\"attributes\":[{\"key\":\"action\",\"value\":"
    "\"/cosmwasm.wasm.v1.MsgExecuteContract\",\"index\":true},{\"key\":\"msg_index\","
    "\"value\":\"0\",\"index\":true}]},"
    "{\"type\":\"wasm\",\"attributes\":[{\"key\":\"_contract_address\",\"value\":\"okp41dv\","
    "\"index\":true},{\"key\":\"action\",\"value\":\"submit_claims\",\"index\":true}]},"
    "{\"type\":\"wasm\",\"attributes\":[{\"key\":\"_contract_address\",\"value\":\"okp41dv\","
    "\"index\":true},{\"key\":\"action\",\"value\":\"submit_claims\",\"index\":true}]}]},"
    "{\"code\":5,\"data\":null,\"log\":\"failed to execute message; message index: 0: "
    "Unauthorized\",\"info\":\"\",\"gas_wanted\":\"400000\",\"gas_used\":\"97012\","
    "\"codespace\":\"wasm\",\"events\":[{\"type\":\"tx\",\"attributes\":[{\"key\":\"fee\","
    "\"value\":\"2000uknow\",\"index\":true}]}]}],"
    "\"begin_block_events\":[{\"type\":\"mint\",\"attributes\":[]}],\"end_block_events\":null,"
    "\"validator_updates\":null,\"consensus_param_updates\":null}";

/* 0.34: keys and values base64, an empty value null, log a JSON string. */
static const char *results_034 =
    "{\"jsonrpc\":\"2.0\",\"id\":-1,\"result\":{\"height\":\"10\",\"txs_results\":["
    "{\"code\":0,\"data\":\"Ei4K\",\"log\":\"[{\\\"events\\\":[]}]\",\"info\":\"\","
    "\"gas_wanted\":\"400000\",\"gas_used\":\"231877\",\"codespace\":\"\",\"events\":["
    "{\"type\":\"message\",\"attributes\":[{\"key\":\"YWN0aW9u\",\"value\":"
    "\"L2Nvc213YXNtLndhc20udjEuTXNnRXhlY3V0ZUNvbnRyYWN0\",\"index\":true},{\"key\":"
    "\"bXNnX2luZGV4\",\"value\":\"MA==\",\"index\":true}]},"
    "{\"type\":\"wasm\",\"attributes\":[{\"key\":\"X2NvbnRyYWN0X2FkZHJlc3M=\",\"value\":"
    "\"b2twNDFkdg==\",\"index\":true},{\"key\":\"YWN0aW9u\",\"value\":\"c3VibWl0X2NsYWltcw==\","
    "\"index\":true}]},"
    "{\"type\":\"wasm\",\"attributes\":[{\"key\":\"X2NvbnRyYWN0X2FkZHJlc3M=\",\"value\":"
    "\"b2twNDFkdg==\",\"index\":true},{\"key\":\"YWN0aW9u\",\"value\":\"c3VibWl0X2NsYWltcw==\","
    "\"index\":true}]}]},"
    "{\"code\":5,\"data\":null,\"log\":\"failed to execute message; message index: 0: "
    "Unauthorized\",\"info\":\"\",\"gas_wanted\":\"400000\",\"gas_used\":\"97012\","
    "\"codespace\":\"wasm\",\"events\":[{\"type\":\"tx\",\"attributes\":[{\"key\":\"ZmVl\","
    "\"value\":\"MjAwMHVrbm93\",\"index\":true},{\"key\":\"bWVtbw==\",\"value\":null}]}]}],"
    "\"begin_block_events\":null,\"end_block_events\":null,"
    "\"validator_updates\":null,\"consensus_param_updates\":null}}";

static void check_joined(const char *results, cust_dialect d, const char *name) {
  cust_buf r0, r1;
  cust_buf_init(&r0);
  cust_buf_init(&r1);
  cust_msg_spec m = { .sender = "okp41s", .contract = "okp41dv", .json = "{\"x\":1}" };
  cust_tx_encode(&r0, &m, 1, NULL);
  cust_tx_encode(&r1, &m, 1, "other");
  char *t0 = b64(&r0), *t1 = b64(&r1);
  const char *txs[] = { t0, t1 };
  char *bj = block_json(10, txs, 2, d != CUST_DIALECT_037);
  cust_block b;
  cust_block_init(&b);
  char err[256] = "";
  cust_status st =
      cust_block_parse(&b, bj, strlen(bj), results, strlen(results), d, err, sizeof err);
  ok(st == CUST_OK, "%s: block and results parse (%s)", name, err);
  is_int(b.height, 10, "height");
  is_str(b.chain_id, "okp4-test-1", "chain id");
  is_str(b.hash, "HASH10", "block hash");
  is_str(b.last_hash, "HASH9", "last block hash");
  is_str(b.time, "2023-05-17T14:12:53.088875124Z", "time");
  is_int(b.ntxs, 2, "two transactions");
  if (b.ntxs == 2) {
    char h[65];
    is_str(b.txs[0].hash, hash_of(&r0, h), "tx 0 hash");
    is_str(b.txs[1].hash, hash_of(&r1, h), "tx 1 hash");
    is_int(b.txs[0].code, 0, "tx 0 succeeded");
    is_int(b.txs[1].code, 5, "tx 1 failed");
    is_str(b.txs[1].codespace, "wasm", "codespace");
    ok(strstr(b.txs[1].log, "Unauthorized") != NULL, "log kept");
    is_int(b.txs[0].nevents, 3, "repeated events are all kept");
    is_str(b.txs[0].events[0].attrs[0].value, "/cosmwasm.wasm.v1.MsgExecuteContract",
           "message action");
    is_str(b.txs[0].events[2].type, "wasm", "third event type");
    is_str(b.txs[0].events[2].attrs[0].key, "_contract_address", "attribute key in clear");
    is_str(b.txs[0].events[2].attrs[1].value, "submit_claims", "attribute value in clear");
    is_int(b.txs[0].nmsgs, 1, "tx 0 decoded");
    is_str(b.txs[1].msgs[0].contract, "okp41dv", "failed tx still has its body");
    is_int(b.txs[1].index, 1, "tx index");
    is_str(b.txs[1].events[0].attrs[0].value, "2000uknow", "fee attribute");
  }
  cust_block_release(&b);
  free(bj);
  free(t0);
  free(t1);
  cust_buf_release(&r0);
  cust_buf_release(&r1);
}

static void test_dialects(void) {
  check_joined(results_038, CUST_DIALECT_038, "0.38");
  check_joined(results_037, CUST_DIALECT_037, "0.37");
  check_joined(results_034, CUST_DIALECT_034, "0.34");

  /* the null value of 0.34 is "" */
  cust_buf r;
  cust_buf_init(&r);
  cust_msg_spec m = { .sender = "s", .contract = "c", .json = "{}" };
  cust_tx_encode(&r, &m, 1, NULL);
  char *t = b64(&r);
  const char *txs[] = { t, t };
  char *bj = block_json(10, txs, 2, 1);
  cust_block b;
  cust_block_init(&b);
  char err[256];
  ok(cust_block_parse(&b, bj, strlen(bj), results_034, strlen(results_034), CUST_DIALECT_034, err,
                      sizeof err) == CUST_OK &&
         b.txs[1].events[0].nattrs == 2 && strcmp(b.txs[1].events[0].attrs[1].key, "memo") == 0 &&
         strcmp(b.txs[1].events[0].attrs[1].value, "") == 0,
     "0.34 null value is empty");
  /* the same 0.34 body read as 0.37 keeps base64 text: the dialect matters */
  ok(cust_block_parse(&b, bj, strlen(bj), results_034, strlen(results_034), CUST_DIALECT_037, err,
                      sizeof err) == CUST_OK &&
         strcmp(b.txs[0].events[1].attrs[0].key, "X2NvbnRyYWN0X2FkZHJlc3M=") == 0,
     "parsing again into the same block works");
  /* a 0.37 body read as 0.34 fails clearly */
  ok(cust_block_parse(&b, bj, strlen(bj), results_037, strlen(results_037), CUST_DIALECT_034, err,
                      sizeof err) == CUST_ERR_INVALID &&
         strstr(err, "base64") != NULL,
     "plain attributes under 0.34 are refused: %s", err);
  cust_block_release(&b);
  free(bj);
  free(t);
  cust_buf_release(&r);
}

static void test_nulls_and_mismatch(void) {
  cust_block b;
  cust_block_init(&b);
  char err[256];
  char *bj = block_json(7, NULL, 0, 1);
  const char *r_null = "{\"result\":{\"height\":\"7\",\"txs_results\":null,"
                       "\"finalize_block_events\":null}}";
  ok(cust_block_parse(&b, bj, strlen(bj), r_null, strlen(r_null), CUST_DIALECT_038, err,
                      sizeof err) == CUST_OK &&
         b.ntxs == 0 && b.txs == NULL && b.height == 7,
     "null txs and null results: an empty block");
  const char *r_empty = "{\"height\":\"7\",\"txs_results\":[]}";
  ok(cust_block_parse(&b, bj, strlen(bj), r_empty, strlen(r_empty), CUST_DIALECT_037, err,
                      sizeof err) == CUST_OK &&
         b.ntxs == 0,
     "null txs and empty results agree");
  const char *r_one = "{\"height\":\"7\",\"txs_results\":[{\"code\":0,\"events\":null}]}";
  ok(cust_block_parse(&b, bj, strlen(bj), r_one, strlen(r_one), CUST_DIALECT_038, err,
                      sizeof err) == CUST_ERR_MISMATCH &&
         strstr(err, "0 transactions but 1 results") != NULL,
     "count mismatch is an error: %s", err);
  const char *r_h = "{\"height\":\"8\",\"txs_results\":null}";
  ok(cust_block_parse(&b, bj, strlen(bj), r_h, strlen(r_h), CUST_DIALECT_038, err, sizeof err) ==
             CUST_ERR_MISMATCH &&
         strstr(err, "height 8") != NULL,
     "height mismatch is an error: %s", err);
  free(bj);

  /* a tx with null events, missing code, null log, null attributes */
  cust_buf r;
  cust_buf_init(&r);
  cust_msg_spec m = { .sender = "s", .contract = "c", .json = "{}" };
  cust_tx_encode(&r, &m, 1, NULL);
  char *t = b64(&r);
  const char *txs[] = { t, "CgA=" /* TxRaw with an empty body */, "AAAA" };
  bj = block_json(7, txs, 3, 1);
  const char *r3 = "{\"height\":\"7\",\"txs_results\":[{\"events\":null,\"log\":null},"
                   "{\"code\":0,\"events\":[{\"type\":\"x\",\"attributes\":null}]},"
                   "{\"code\":2,\"codespace\":\"sdk\",\"events\":[]}]}";
  ok(cust_block_parse(&b, bj, strlen(bj), r3, strlen(r3), CUST_DIALECT_038, err, sizeof err) ==
         CUST_OK,
     "nulls inside results are accepted: %s", err);
  ok(b.ntxs == 3 && b.txs[0].code == 0 && b.txs[0].nevents == 0 && strcmp(b.txs[0].log, "") == 0,
     "missing code is 0, null log is empty");
  ok(b.ntxs == 3 && b.txs[1].nevents == 1 && b.txs[1].events[0].nattrs == 0 &&
         b.txs[1].nmsgs == 0 && b.txs[1].decode_error == NULL,
     "null attributes: no attributes");
  ok(b.ntxs == 3 && b.txs[2].decode_error != NULL && b.txs[2].nmsgs == 0 && b.txs[2].code == 2,
     "undecodable tx keeps its result and a decode error: %s",
     b.ntxs == 3 && b.txs[2].decode_error ? b.txs[2].decode_error : "");
  free(bj);

  /* malformed JSON and JSON-RPC errors */
  bj = block_json(7, NULL, 0, 1);
  const char *rpc_err = "{\"jsonrpc\":\"2.0\",\"id\":-1,\"error\":{\"code\":-32603,\"message\":"
                        "\"Internal error\",\"data\":\"could not find results for height #7\"}}";
  ok(cust_block_parse(&b, bj, strlen(bj), rpc_err, strlen(rpc_err), CUST_DIALECT_038, err,
                      sizeof err) == CUST_ERR_REMOTE &&
         strstr(err, "could not find results") != NULL,
     "a JSON-RPC error is CUST_ERR_REMOTE: %s", err);
  ok(cust_block_parse(&b, bj, strlen(bj) - 5, r_null, strlen(r_null), CUST_DIALECT_038, err,
                      sizeof err) == CUST_ERR_INVALID &&
         strstr(err, "malformed JSON") != NULL,
     "a cut-off body is invalid: %s", err);
  ok(cust_block_parse(&b, bj, strlen(bj), "[]", 2, CUST_DIALECT_038, err, sizeof err) ==
         CUST_ERR_INVALID,
     "an array is not a result");
  ok(cust_block_parse(&b, "{\"result\":{}}", 13, r_null, strlen(r_null), CUST_DIALECT_038, err,
                      sizeof err) == CUST_ERR_INVALID,
     "a block without header is invalid");
  const char *r_badh = "{\"height\":\"1x\",\"txs_results\":null}";
  ok(cust_block_parse(&b, bj, strlen(bj), r_badh, strlen(r_badh), CUST_DIALECT_038, err,
                      sizeof err) == CUST_ERR_INVALID,
     "a malformed height is invalid");
  const char *r_bign = "{\"height\":\"99999999999999999999999\",\"txs_results\":null}";
  ok(cust_block_parse(&b, bj, strlen(bj), r_bign, strlen(r_bign), CUST_DIALECT_038, err,
                      sizeof err) == CUST_ERR_INVALID,
     "an overflowing height is invalid");
  const char *r_badlist = "{\"height\":\"7\",\"txs_results\":{}}";
  ok(cust_block_parse(&b, bj, strlen(bj), r_badlist, strlen(r_badlist), CUST_DIALECT_038, err,
                      sizeof err) == CUST_ERR_INVALID,
     "results that are not a list are invalid");
  ok(cust_block_parse(&b, NULL, 0, r_null, strlen(r_null), CUST_DIALECT_038, err, sizeof err) ==
         CUST_ERR_INVALID,
     "no body is invalid");
  free(bj);
  const char *bad64[] = { "!!!" };
  bj = block_json(7, bad64, 1, 1);
  ok(cust_block_parse(&b, bj, strlen(bj), r_one, strlen(r_one), CUST_DIALECT_038, err,
                      sizeof err) == CUST_ERR_INVALID &&
         strstr(err, "base64") != NULL,
     "a tx that is not base64 is invalid: %s", err);
  free(bj);
  free(t);
  cust_buf_release(&r);
  cust_block_release(&b);
  cust_block_release(&b);
  cust_block_release(NULL);
}

/* The messages of each released dataverse as a sender writes them (field
 * names of okp4-dataverse v5 / axone-dataverse v6 and of v8, the addresses of
 * the contracts' own tests), through an authz MsgExec: the JSON and the funds
 * reach the mapper byte for byte. */
static void test_contract_messages(void) {
  static const struct {
    const char *json, *sender, *denom;
  } cases[] = {
    { "{\"submit_claims\":{\"metadata\":\"PGE+IDxiPiA8Yz4gLgo=\",\"format\":\"n_quads\"}}",
      "okp41072nc6egexqr2v6vpp7yxwm68plvqnkf6xsytf", "uknow" },
    { "{\"submit_claims\":{\"claims\":\"PGE+IDxiPiA8Yz4gLgo=\"}}",
      "axone1072nc6egexqr2v6vpp7yxwm68plvqnkf5uemr0", "uaxone" },
    { "{\"revoke_claims\":{\"identifier\":\"https://w3id.org/axone/ontology/v4/x\"}}",
      "axone178mjppxcf3n9q3q7utdwrajdal0tsqvymz0900", "uaxone" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    cust_arena a;
    cust_buf raw;
    cust_tx tx;
    char err[128];
    cust_arena_init(&a, 0);
    cust_buf_init(&raw);
    const cust_coin funds[] = { { cases[i].denom, "1000000" } };
    cust_msg_spec m = { .sender = cases[i].sender,
                        .contract = "axone1dataverse",
                        .json = cases[i].json,
                        .funds = funds,
                        .nfunds = 1,
                        .authz_grantee = "axone1grantee" };
    ok(cust_tx_encode(&raw, &m, 1, NULL) == CUST_OK &&
           decode_buf(&a, &raw, &tx, err, sizeof err) == CUST_OK && tx.nmsgs == 1 &&
           tx.msgs[0].is_authz && strcmp(tx.msgs[0].json, cases[i].json) == 0 &&
           strcmp(tx.msgs[0].sender, cases[i].sender) == 0 && tx.msgs[0].nfunds == 1 &&
           strcmp(tx.msgs[0].funds[0].denom, cases[i].denom) == 0,
       "contract message %zu decodes with its field, sender and %s funds", i, cases[i].denom);
    cust_buf_release(&raw);
    cust_arena_release(&a);
  }
}

int main(void) {
  test_round_trip();
  test_authz_and_multi();
  test_contract_messages();
  test_real_looking();
  test_malformed();
  test_dialect_version();
  test_dialects();
  test_nulls_and_mismatch();
  return done_testing();
}
