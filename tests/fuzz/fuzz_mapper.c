/* libFuzzer target: from a message's bytes to the quads. The first byte
 * picks how the rest reaches the mapper: 0 the contract message's JSON as
 * is; 1 N-Quads in submit_claims.metadata, submitted twice, then a
 * revocation of the IRI that follows a NUL byte; 2 the same through authz
 * with "claims"; 3 the JSON of a failed transaction. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mapper/mapper.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *json_for(int mode, const uint8_t *body, size_t len) {
  cust_buf b64, js;
  cust_buf_init(&b64);
  cust_buf_init(&js);
  cust_buf_puts(&b64, "");
  cust_base64_encode(&b64, body, len);
  cust_buf_printf(&js, "{\"submit_claims\":{\"%s\":\"%s\",\"format\":\"n_quads\"}}",
                  mode == 1 ? "metadata" : "claims", b64.data ? b64.data : "");
  cust_buf_release(&b64);
  return cust_buf_steal(&js, NULL);
}

/* {"revoke_claims":{"identifier":IRI}} with the IRI JSON-escaped. */
static char *revoke_for(const uint8_t *iri, size_t len) {
  cust_buf js;
  cust_buf_init(&js);
  cust_buf_puts(&js, "{\"revoke_claims\":{\"identifier\":\"");
  for (size_t i = 0; i < len; i++) {
    unsigned char c = iri[i];
    if (c == '"' || c == '\\') {
      cust_buf_printf(&js, "\\%c", c);
    } else if (c < 0x20) {
      cust_buf_printf(&js, "\\u%04x", c);
    } else {
      cust_buf_putc(&js, (char)c);
    }
  }
  cust_buf_puts(&js, "\"}}");
  return cust_buf_steal(&js, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) {
    return 0;
  }
  int mode = data[0] & 3;
  const uint8_t *body = data + 1;
  size_t len = size - 1;
  static const char *const dvs[] = { "okp41dataverse" };
  cust_mapper_config cfg = { "okp4-fuzz", dvs, 1, 64 * 1024 };
  cust_mapper *m = NULL;
  if (cust_mapper_new(&cfg, NULL, &m) != CUST_OK) {
    return 0;
  }
  cust_block b;
  memset(&b, 0, sizeof b);
  cust_arena_init(&b.arena, 4096);
  cust_tx tx;
  memset(&tx, 0, sizeof tx);
  cust_msg msgs[3];
  memset(msgs, 0, sizeof msgs);
  char *json[3] = { NULL, NULL, NULL };
  size_t nmsgs = 1;
  if (mode == 0 || mode == 3) {
    json[0] = malloc(len + 1);
    if (json[0] != NULL) {
      memcpy(json[0], body, len);
      json[0][len] = '\0';
    }
  } else {
    const uint8_t *nul = memchr(body, 0, len);
    size_t nq_len = nul ? (size_t)(nul - body) : len;
    json[0] = json_for(mode, body, nq_len);
    json[1] = json_for(mode, body, nq_len);
    json[2] = nul ? revoke_for(nul + 1, len - nq_len - 1) : revoke_for((const uint8_t *)"urn:x", 5);
    nmsgs = 3;
  }
  for (size_t i = 0; i < nmsgs; i++) {
    msgs[i].type_url = "/cosmwasm.wasm.v1.MsgExecuteContract";
    msgs[i].msg_index = mode == 2 ? 0 : (uint32_t)i;
    msgs[i].inner_index = mode == 2 ? (uint32_t)i : 0;
    msgs[i].is_authz = mode == 2;
    msgs[i].grantee = mode == 2 ? "okp41grantee" : NULL;
    msgs[i].sender = "okp41sender";
    msgs[i].contract = "okp41dataverse";
    msgs[i].json = json[i] ? json[i] : "";
    msgs[i].json_len = json[i] ? (mode == 0 || mode == 3 ? len : strlen(json[i])) : 0;
  }
  static cust_coin funds[1] = { { "uknow", "1000" } };
  msgs[0].funds = funds;
  msgs[0].nfunds = 1;
  tx.index = 0;
  memcpy(tx.hash, "F0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF00112233445566778899AABBCCDDEEFF", 65);
  tx.code = mode == 3 ? 5 : 0;
  tx.codespace = "wasm";
  tx.log = "out of gas";
  tx.msgs = msgs;
  tx.nmsgs = nmsgs;
  b.chain_id = "okp4-fuzz";
  b.height = 7;
  b.time = "2024-05-06T10:00:00Z";
  b.hash = "H";
  b.last_hash = "";
  b.txs = &tx;
  b.ntxs = 1;

  cust_changes out;
  cust_changes_init(&out);
  cust_mapper_stats st = { 0 };
  cust_status rc = cust_mapper_map_block(m, &b, NULL, &out, &st);
  if (rc == CUST_OK) {
    /* every produced change must be writable as N-Quads */
    cust_buf nq;
    cust_buf_init(&nq);
    for (size_t i = 0; i < out.len; i++) {
      if (out.items[i].kind == CUST_CHANGE_ADD && cust_quad_write_nq(&nq, &out.items[i].q)) {
        abort();
      }
      cust_buf_reset(&nq);
    }
    cust_buf_release(&nq);
  } else if (rc != CUST_ERR_NOMEM) {
    abort(); /* without a view, only memory can fail */
  }
  cust_changes_release(&out);
  for (size_t i = 0; i < 3; i++) {
    free(json[i]);
  }
  cust_arena_release(&b.arena);
  cust_mapper_free(m);
  return 0;
}
