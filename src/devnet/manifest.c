/* The devnet manifest: what heights 1..N of a devnet chain hold, so that
 * tests can check an indexed graph against it. It is written by the same code
 * that builds the blocks, so the two never disagree.
 *
 * Format (one JSON object; key order as below; heights are numbers):
 *
 *   {"format":"custodian-devnet-manifest/1",
 *    "chain_id":"axone-devnet-1","seed":1,"scale":1,"blocks":N,"dialect":"0.38",
 *    "contract":"axone-dataverse-v8","prefix":"axone","denom":"uaxone",
 *    "dataverse":"okp41…",            the contract that --dataverse should name
 *    "other_dataverse":"okp41…",      a second dataverse instance (decoy)
 *    "cognitarium":"okp41…","cw20":"okp41…",
 *    "items":[ ITEM, … ],             in chain order (height, tx, message)
 *    "summary":{…counts…}}
 *
 * ITEM is one of (every item has "kind" and "height"):
 *
 *   {"kind":"credential", "tx":"HASH", "tx_index":i, "msg_index":m, "code":c,
 *    "credential":IRI|null, "type":TYPE-IRI|null, "subject":IRI|null,
 *    "issuer":IRI|null, "quads":n,     quads outside the proof graph (0 unless valid)
 *    "expect":E, "reason":TEXT|null, "reason_code":CODE|null,
 *    "revoked_height":h|null, "field":"metadata"|"claims", "contract":ADDR,
 *    "sender":ADDR, "grantee":ADDR|null (authz MsgExec), "fixture":FILE|null,
 *    "funds":[{"denom":"uknow","amount":"…"}]}     (funds: okp4-dataverse-v5 orders,
 *                                                   and the refused attempts of later ones)
 *     E = "accepted"        code 0, well-formed, sent to the dataverse
 *         "revoked"         accepted, then revoked at revoked_height (<= N)
 *         "rejected"        code 0 but malformed: reason_code is one of
 *                           bad_base64, not_nquads, no_vc, two_subjects,
 *                           no_issuance_date, oversized (> 1048576 bytes
 *                           decoded), two_types, blank_credential
 *         "failed"          code != 0 (reason = the log); never a fact. A
 *                           failed resubmission shares its IRI with the
 *                           accepted original: key items by (tx, msg_index)
 *         "other_contract"  a valid credential sent to "other_dataverse":
 *                           indexed only when no --dataverse filter is set
 *   {"kind":"revocation", "tx", "tx_index", "msg_index", "code",
 *    "credential":IRI, "sender":ADDR, "expect":"accepted"|"failed", "reason"}
 *   {"kind":"execution", "execution":IRI, "name":"X1".."X7"|"X5b",
 *    "order":IRI, "order_credential":IRI, "order_height":h, "zone":IRI,
 *    "payer":IRI (the order's issuer), "orchestrator":IRI,
 *    "funds":[{"denom":"uknow","amount":"…"}],   locked with the order ([] from v6)
 *    "status":"InExecution"|"Delivered"|"Failed"|"Cancelled" (latest <= N),
 *    "final":bool, "reports":[{"credential":IRI,"status":S,"height":h}],
 *    "consumed":[IRI…], "produced":[IRI…], "part_of":IRI|null}
 *     written at the height of its latest report <= N
 *   {"kind":"tx", "tx", "tx_index", "msg_index", "code",
 *    "what":"bank_send"|"cw20_transfer"|"undecodable", "sender", "contract"}
 *
 * summary: {"txs","failed_txs","credentials_accepted","credentials_revoked",
 *   "credentials_rejected","credentials_failed","credentials_other_contract",
 *   "quads_accepted" (quads of accepted + revoked credentials),
 *   "executions","delivered","failed","cancelled","in_execution"} */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "devnet_int.h"

static const char *dialect_name(cust_dialect d) {
  return d == CUST_DIALECT_034 ? "0.34" : d == CUST_DIALECT_037 ? "0.37" : "0.38";
}

/* Moves what `o` holds to `f` (when there is a file to write to). */
static cust_status drain(cust_buf *o, FILE *f) {
  if (f == NULL || o->len == 0) {
    return CUST_OK;
  }
  if (fwrite(o->data, 1, o->len, f) != o->len) {
    return CUST_ERR_IO;
  }
  cust_buf_reset(o);
  return CUST_OK;
}

cust_status cust_devnet_manifest_write(cust_buf *o, FILE *f, const cust_devnet_world *w,
                                       uint64_t limit, cust_dialect d) {
  cust_devnet_notes notes;
  cust_devnet_block b;
  memset(&notes, 0, sizeof notes);
  notes.out = o;
  notes.limit = limit;
  cust_devnet_block_init(&b);
  cust_status st = cust_buf_puts(o, "{\"format\":\"custodian-devnet-manifest/1\",\"chain_id\":");
  if (st == CUST_OK) {
    st = cust_json_cstr(o, w->chain_id);
  }
  if (st == CUST_OK) {
    st = cust_buf_printf(o,
                         ",\"seed\":%" PRIu64 ",\"scale\":%" PRIu64 ",\"blocks\":%" PRIu64
                         ",\"dialect\":\"%s\",\"contract\":\"%s\",\"prefix\":\"%s\","
                         "\"denom\":\"%s\",\"dataverse\":\"%s\",\"other_dataverse\":\"%s\","
                         "\"cognitarium\":\"%s\",\"cw20\":\"%s\",\"items\":[\n",
                         w->seed, w->scale, limit, dialect_name(d),
                         cust_devnet_contract_name(w->contract), w->prefix, w->denom, w->dataverse,
                         w->decoy, w->cognitarium, w->cw20);
  }
  for (uint64_t h = 1; st == CUST_OK && h <= limit; h++) {
    st = cust_devnet_block_build(w, h, &b, &notes);
    if (st == CUST_OK && o->len > (1u << 20)) {
      st = drain(o, f);
    }
  }
  if (st == CUST_OK) {
    st = cust_buf_printf(o,
                         "\n],\"summary\":{\"txs\":%" PRIu64 ",\"failed_txs\":%" PRIu64
                         ",\"credentials_accepted\":%" PRIu64 ",\"credentials_revoked\":%" PRIu64
                         ",\"credentials_rejected\":%" PRIu64 ",\"credentials_failed\":%" PRIu64
                         ",\"credentials_other_contract\":%" PRIu64 ",\"quads_accepted\":%" PRIu64
                         ",\"executions\":%" PRIu64 ",\"delivered\":%" PRIu64 ",\"failed\":%" PRIu64
                         ",\"cancelled\":%" PRIu64 ",\"in_execution\":%" PRIu64 "}}\n",
                         notes.n_txs, notes.n_failed_txs, notes.n_accepted, notes.n_revoked,
                         notes.n_rejected, notes.n_failed, notes.n_other_contract, notes.n_quads,
                         notes.n_executions, notes.n_delivered, notes.n_failed_exec,
                         notes.n_cancelled, notes.n_in_execution);
  }
  if (st == CUST_OK) {
    st = drain(o, f);
  }
  cust_devnet_block_release(&b);
  return st;
}
