/* Unit tests of the devnet: addresses, the embedded examples, blocks that the
 * tx module decodes in all three dialects, determinism, the manifest, and
 * the start-up failures. */
#include "config.h"

#include <jansson.h>

#include "devnet/devnet.h"
#include "devnet/devnet_int.h"
#include "tap.h"

static const cust_dialect dialects[3] = { CUST_DIALECT_034, CUST_DIALECT_037, CUST_DIALECT_038 };

static void test_bech32(void) {
  char out[128];
  cust_devnet_bech32("a", (const unsigned char *)"", 0, out, sizeof out);
  is_str(out, "a12uel5l", "bech32 of nothing is the BIP-173 vector");
  /* a known Cosmos address: 20 zero bytes under "cosmos" */
  static const unsigned char zero[20] = { 0 };
  cust_devnet_bech32("cosmos", zero, sizeof zero, out, sizeof out);
  is_str(out, "cosmos1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqnrql8a", "bech32 of 20 zero bytes");
  char small[8];
  cust_devnet_bech32("okp4", zero, sizeof zero, small, sizeof small);
  is_str(small, "", "a too small buffer gets an empty string");
}

static void test_world(void) {
  cust_devnet_world w, w2, w3;
  ok(cust_devnet_world_init(&w, 1, 1, "okp4-devnet-1") == CUST_OK, "the world initialises");
  ok(strncmp(w.dataverse, "axone1", 6) == 0 && strlen(w.dataverse) == 64,
     "the dataverse is a 32-byte axone bech32 address (axone-dataverse-v8 by default)");
  cust_devnet_world_init(&w2, 99, 3, "okp4-devnet-1");
  cust_devnet_world_init(&w3, 1, 1, "okp4-other-2");
  is_str(w.dataverse, w2.dataverse, "the dataverse depends on the chain id only, not the seed");
  ok(strcmp(w.dataverse, w3.dataverse) != 0, "another chain id gives another dataverse");
  ok(strcmp(w.dataverse, w.decoy) != 0 && strcmp(w.dataverse, w.cw20) != 0, "the contracts differ");
  const cust_devnet_fixinfo *ds = &w.fix[w.fix_dataset];
  is_str(ds->iri,
         "https://w3id.org/okp4/ontology/v3/schema/credential/dataset/description/"
         "5d29ea71-003f-46e7-a74d-d8d598629ed8",
         "the crime dataset credential is found");
  is_str(ds->type,
         "https://w3id.org/okp4/ontology/v3/schema/credential/dataset/description/"
         "DatasetDescriptionCredential",
         "its type");
  is_str(ds->subject, "did:key:zQ3shRfADCmegmmKotqCjzDc9BHWDpbEzp9yMiN5RkJx88oP5", "its subject");
  is_int(ds->quads, 14, "14 quads outside its proof graph");
  is_str(w.fix[w.fix_storage].subject, "did:key:zQ3shhb4SvzBRLbBonsvKb3WX6WoDeKWHpsXXXMhAJETqXAfB",
         "the IPFS storage service");
  char t1[40], t2[40];
  cust_devnet_block_time(&w, 1, t1);
  cust_devnet_block_time(&w, 2, t2);
  ok(strncmp(t1, "2024-05-22T10:00:00.", 20) == 0 && strlen(t1) == 30 && t1[29] == 'Z',
     "block 1 is at the genesis time, RFC 3339 with nanoseconds: %s", t1);
  ok(strcmp(t1, t2) < 0, "block times increase");
}

/* Renders block h and its results and parses them back with the tx module. */
static int roundtrip(const cust_devnet_world *w, uint64_t h, cust_dialect d, char *why,
                     size_t whylen) {
  cust_devnet_block b, prev;
  cust_buf bj, rj;
  cust_block parsed;
  int rc = -1;
  cust_devnet_block_init(&b);
  cust_devnet_block_init(&prev);
  cust_buf_init(&bj);
  cust_buf_init(&rj);
  cust_block_init(&parsed);
  if (cust_devnet_block_build(w, h, &b, NULL) != CUST_OK ||
      (h > 1 && cust_devnet_block_build(w, h - 1, &prev, NULL) != CUST_OK)) {
    snprintf(why, whylen, "build failed");
    goto done;
  }
  if (cust_devnet_render_block(&bj, w, &b, h > 1 ? &prev : NULL) != CUST_OK ||
      cust_devnet_render_results(&rj, w, &b, d) != CUST_OK) {
    snprintf(why, whylen, "render failed");
    goto done;
  }
  char err[256] = "";
  if (cust_block_parse(&parsed, bj.data, bj.len, rj.data, rj.len, d, err, sizeof err) != CUST_OK) {
    snprintf(why, whylen, "parse: %.200s", err);
    goto done;
  }
  if (parsed.height != h || parsed.ntxs != b.ntxs || strcmp(parsed.hash, b.hash) != 0 ||
      strcmp(parsed.last_hash, h > 1 ? prev.hash : "") != 0) {
    snprintf(why, whylen, "header or counts differ");
    goto done;
  }
  for (size_t i = 0; i < b.ntxs; i++) {
    const cust_tx *t = &parsed.txs[i];
    unsigned char dg[32];
    char hex[65];
    cust_sha256(b.txs[i].raw, b.txs[i].len, dg);
    cust_hex_upper(dg, 32, hex);
    if (strcmp(t->hash, hex) != 0 || strcmp(t->hash, b.txs[i].hash) != 0 ||
        t->code != b.txs[i].code) {
      snprintf(why, whylen, "tx %zu: hash or code differs", i);
      goto done;
    }
    int has_wasm = 0;
    for (size_t e = 0; e < t->nevents; e++) {
      has_wasm |= strcmp(t->events[e].type, "wasm") == 0;
    }
    if (t->code != 0 && has_wasm) {
      snprintf(why, whylen, "tx %zu: a failed tx has wasm events", i);
      goto done;
    }
    if (t->code == 0 && t->decode_error == NULL && t->nmsgs == 0) {
      snprintf(why, whylen, "tx %zu: no message decoded", i);
      goto done;
    }
    if (d == CUST_DIALECT_034 && t->code == 0 && (t->log == NULL || t->log[0] != '[')) {
      snprintf(why, whylen, "tx %zu: 0.34 log is not JSON", i);
      goto done;
    }
  }
  rc = (int)b.ntxs;
done:
  cust_devnet_block_release(&b);
  cust_devnet_block_release(&prev);
  cust_buf_release(&bj);
  cust_buf_release(&rj);
  cust_block_release(&parsed);
  return rc;
}

static void test_blocks(void) {
  cust_devnet_world w;
  cust_devnet_world_init(&w, 7, 2, "okp4-devnet-1");
  char why[256] = "";
  for (int di = 0; di < 3; di++) {
    int bad = 0;
    size_t txs = 0;
    for (uint64_t h = 1; h <= 60; h++) {
      int n = roundtrip(&w, h, dialects[di], why, sizeof why);
      if (n < 0) {
        bad = 1;
        tap_diag("height %llu: %s", (unsigned long long)h, why);
        break;
      }
      txs += (size_t)n;
    }
    ok(!bad && txs > 100, "dialect %d: 60 blocks parse back, hashes and links match (%zu txs)",
       (int)dialects[di], txs);
  }
  cust_devnet_block a, b;
  cust_devnet_block_init(&a);
  cust_devnet_block_init(&b);
  cust_devnet_block_build(&w, 15, &a, NULL);
  cust_devnet_block_build(&w, 15, &b, NULL);
  ok(a.ntxs > 0 && a.ntxs == b.ntxs && strcmp(a.hash, b.hash) == 0 &&
         memcmp(a.txs[0].raw, b.txs[0].raw, a.txs[0].len) == 0,
     "building a block twice gives the same bytes");
  cust_devnet_world w2;
  cust_devnet_world_init(&w2, 8, 2, "okp4-devnet-1");
  cust_devnet_block_build(&w2, 15, &b, NULL);
  ok(strcmp(a.hash, b.hash) != 0, "another seed gives another block");
  cust_devnet_block_build(&w, 40, &a, NULL);
  ok(a.ntxs == 0, "the end of a cycle is empty");
  cust_devnet_block_build(&w, 10 + 4 * 40 + 5, &a, NULL);
  ok(a.ntxs == 0, "every fifth cycle is empty");
  cust_devnet_block_build(&w, 2, &a, NULL);
  ok(a.ntxs == 1 && a.txs[0].nmsgs == 2, "height 2 holds the zone examples in one tx");
  cust_devnet_block_build(&w, 3, &a, NULL);
  ok(a.ntxs == 3, "height 3 holds the other three examples");

  /* a sparse chain: the workload of height h at height 1 + (h - 1) * 50 */
  {
    cust_devnet_world ws = w;
    ws.empty_blocks = 49;
    cust_devnet_block_build(&w, 15, &b, NULL);
    cust_devnet_block_build(&ws, 1 + 14 * 50, &a, NULL);
    size_t same = a.ntxs == b.ntxs && a.ntxs > 0;
    for (size_t i = 0; same && i < a.ntxs; i++) {
      same = strcmp(a.txs[i].hash, b.txs[i].hash) == 0;
    }
    ok(same, "sparse: height 701 holds the transactions of height 15 (%zu)", a.ntxs);
    ok(strcmp(a.hash, b.hash) != 0 && a.height == 701, "sparse: with a header of its own");
    size_t busy = 0;
    for (uint64_t h = 2; h <= 200; h++) {
      cust_devnet_block_build(&ws, h, &a, NULL);
      busy += a.ntxs > 0 && (h - 1) % 50 != 0;
    }
    ok(busy == 0, "sparse: the heights between are empty");
    cust_devnet_block_build(&ws, 51, &a, NULL);
    cust_devnet_block_build(&w, 2, &b, NULL);
    ok(a.ntxs == b.ntxs && a.ntxs == 1, "sparse: height 51 holds height 2's examples");
  }

  /* the decoded messages of a busy block */
  cust_devnet_world w1;
  cust_devnet_world_init(&w1, 1, 1, "okp4-devnet-1");
  cust_devnet_world_contract(&w1, CUST_CONTRACT_OKP4_V5);
  cust_devnet_block_build(&w1, 14, &a, NULL); /* offset 4: order 1 through authz */
  cust_arena ar;
  cust_arena_init(&ar, 4096);
  cust_tx tx;
  memset(&tx, 0, sizeof tx);
  char err[128];
  ok(a.ntxs == 1 &&
         cust_tx_decode(&ar, a.txs[0].raw, a.txs[0].len, &tx, err, sizeof err) == CUST_OK,
     "the order tx decodes");
  ok(tx.nmsgs == 1 && tx.msgs[0].is_authz && tx.msgs[0].nfunds == 1 &&
         strcmp(tx.msgs[0].funds[0].denom, "uknow") == 0 &&
         strcmp(tx.msgs[0].contract, w1.dataverse) == 0 &&
         strstr(tx.msgs[0].json, "\"submit_claims\"") != NULL,
     "an authz-wrapped submit_claims with uknow funds to the dataverse");
  cust_devnet_block_build(&w1, 13, &a, NULL); /* offset 3: noise */
  int send = 0, cw20 = 0;
  for (size_t i = 0; i < a.ntxs; i++) {
    memset(&tx, 0, sizeof tx);
    if (cust_tx_decode(&ar, a.txs[i].raw, a.txs[i].len, &tx, err, sizeof err) != CUST_OK) {
      continue;
    }
    for (size_t m = 0; m < tx.nmsgs; m++) {
      send += strcmp(tx.msgs[m].type_url, "/cosmos.bank.v1beta1.MsgSend") == 0;
      cw20 += tx.msgs[m].contract != NULL && strcmp(tx.msgs[m].contract, w1.cw20) == 0;
    }
  }
  ok(send == 1 && cw20 == 1, "noise: one bank send and one cw20 transfer");
  cust_devnet_block_build(&w1, 10 + 40 + 3, &a, NULL); /* cycle 1: an undecodable tx */
  int junk = 0;
  for (size_t i = 0; i < a.ntxs; i++) {
    memset(&tx, 0, sizeof tx);
    if (cust_tx_decode(&ar, a.txs[i].raw, a.txs[i].len, &tx, err, sizeof err) != CUST_OK) {
      junk += a.txs[i].code == 2;
    }
  }
  ok(junk == 1, "an undecodable tx with code 2");
  cust_arena_release(&ar);
  cust_devnet_block_release(&a);
  cust_devnet_block_release(&b);
}

static json_t *manifest(const cust_devnet_world *w, uint64_t limit) {
  cust_buf o;
  cust_buf_init(&o);
  json_t *root = NULL;
  if (cust_devnet_manifest_write(&o, NULL, w, limit, CUST_DIALECT_038) == CUST_OK) {
    root = json_loadb(o.data, o.len, 0, NULL);
  }
  cust_buf_release(&o);
  return root;
}

static void test_manifest(void) {
  cust_devnet_world w;
  cust_devnet_world_init(&w, 1, 1, "okp4-devnet-1");
  json_t *m = manifest(&w, 250);
  ok(m != NULL, "the manifest is JSON");
  json_t *s = json_object_get(m, "summary");
  ok(json_integer_value(json_object_get(s, "credentials_accepted")) > 100 &&
         json_integer_value(json_object_get(s, "credentials_revoked")) == 0 &&
         json_integer_value(json_object_get(s, "credentials_rejected")) >= 8 &&
         json_integer_value(json_object_get(s, "credentials_failed")) > 0 &&
         json_integer_value(json_object_get(s, "credentials_other_contract")) > 0,
     "250 blocks hold accepted, rejected, failed and other-contract credentials, none revoked");
  ok(json_integer_value(json_object_get(s, "delivered")) > 0 &&
         json_integer_value(json_object_get(s, "failed")) +
                 json_integer_value(json_object_get(s, "cancelled")) >
             0,
     "executions deliver, fail and are cancelled");
  is_str(json_string_value(json_object_get(m, "dataverse")), w.dataverse,
         "the manifest names the dataverse");
  /* every rejection kind shows up, and every item's tx is in its block */
  int kinds = 0, mismatched = 0, fixtures = 0, sub = 0, deep = 0;
  const char *codes[8] = { "bad_base64",       "not_nquads", "no_vc",     "two_subjects",
                           "no_issuance_date", "oversized",  "two_types", "blank_credential" };
  size_t i;
  json_t *it;
  cust_devnet_block b;
  cust_devnet_block_init(&b);
  for (int k = 0; k < 8; k++) {
    json_array_foreach(json_object_get(m, "items"), i, it) {
      const char *rc = json_string_value(json_object_get(it, "reason_code"));
      if (rc != NULL && strcmp(rc, codes[k]) == 0) {
        kinds++;
        break;
      }
    }
  }
  json_array_foreach(json_object_get(m, "items"), i, it) {
    const char *txh = json_string_value(json_object_get(it, "tx"));
    fixtures += json_is_string(json_object_get(it, "fixture"));
    sub += json_is_string(json_object_get(it, "part_of"));
    if (json_is_array(json_object_get(it, "consumed"))) {
      const char *first = json_string_value(json_array_get(json_object_get(it, "consumed"), 4));
      deep += first != NULL; /* X1 after cycle 0 consumes the previous D5 */
    }
    if (txh == NULL) {
      continue;
    }
    uint64_t h = (uint64_t)json_integer_value(json_object_get(it, "height"));
    size_t ti = (size_t)json_integer_value(json_object_get(it, "tx_index"));
    cust_devnet_block_build(&w, h, &b, NULL);
    if (ti >= b.ntxs || strcmp(b.txs[ti].hash, txh) != 0) {
      mismatched++;
    }
  }
  cust_devnet_block_release(&b);
  is_int(kinds, 8, "all eight kinds of malformed submissions occur");
  is_int(mismatched, 0, "every item's tx hash is the tx at its height and index");
  is_int(fixtures, 5, "the five OKP4 examples are submitted");
  ok(sub > 0, "sub-executions are listed with part_of");
  ok(deep > 0, "later cycles consume what earlier cycles produced");
  json_decref(m);

  m = manifest(&w, 18);
  int in_exec = 0;
  json_array_foreach(json_object_get(m, "items"), i, it) {
    const char *st = json_string_value(json_object_get(it, "status"));
    in_exec += st != NULL && strcmp(st, "InExecution") == 0;
  }
  ok(in_exec > 0, "a manifest cut mid-cycle has executions still InExecution");
  json_decref(m);
}

static void test_start(void) {
  cust_devnet_config c;
  cust_devnet *d = NULL;
  cust_devnet_config_init(&c);
  ok(c.chain_id == NULL && c.contract == CUST_CONTRACT_AXONE_V8,
     "default: axone-dataverse-v8 and its chain id");
  ok(c.dialect == CUST_DIALECT_038 && c.block_time_ms == 1000 && c.seed == 1,
     "default dialect, block time and seed");
  c.listen = "127.0.0.1:0";
  c.faults = 1.5;
  ok(cust_devnet_start(&c, NULL, &d) == CUST_ERR_INVALID && d == NULL, "a fault rate above 1");
  c.faults = 0;
  c.block_time_ms = 0;
  ok(cust_devnet_start(&c, NULL, &d) == CUST_ERR_INVALID, "block time 0 without --blocks");
  c.block_time_ms = 1000;
  c.listen = "nowhere";
  ok(cust_devnet_start(&c, NULL, &d) == CUST_ERR_INVALID, "a listen address without a port");
  c.listen = "127.0.0.1:0";
  c.blocks = 20;
  c.manifest_path = "/nonexistent-dir/manifest.json";
  ok(cust_devnet_start(&c, NULL, &d) == CUST_ERR_IO && d == NULL, "an unwritable manifest");
  c.manifest_path = "/tmp/unused-manifest.json";
  c.empty_blocks = 9;
  ok(cust_devnet_start(&c, NULL, &d) == CUST_ERR_INVALID && d == NULL,
     "no manifest for a sparse chain");
  c.empty_blocks = 0;
  c.manifest_path = NULL;
  ok(cust_devnet_start(&c, NULL, &d) == CUST_OK && d != NULL, "starts on port 0");
  ok(strncmp(cust_devnet_url(d), "http://127.0.0.1:", 17) == 0 &&
         strcmp(cust_devnet_url(d), "http://127.0.0.1:0") != 0,
     "the url names the bound port: %s", cust_devnet_url(d));
  ok(strncmp(cust_devnet_dataverse(d), "axone1", 6) == 0, "the dataverse is exposed");
  cust_devnet_stop(d);
  cust_devnet_stop(NULL);
  ok(1, "stop is NULL-safe");
}

/* What each contract version does, read back through the transaction decoder:
 * the message field, the funds of orders, failed submissions with funds, and
 * revocations that always fail. */
static void test_contracts(void) {
  static const struct {
    cust_devnet_contract c;
    const char *name, *field, *denom, *prefix;
    int keeps_funds;
  } cases[] = {
    { CUST_CONTRACT_OKP4_V5, "okp4-dataverse-v5", "metadata", "uknow", "okp41", 1 },
    { CUST_CONTRACT_AXONE_V6, "axone-dataverse-v6", "metadata", "uaxone", "axone1", 0 },
    { CUST_CONTRACT_AXONE_V8, "axone-dataverse-v8", "claims", "uaxone", "axone1", 0 },
  };
  cust_devnet_contract parsed;
  ok(cust_devnet_contract_parse("axone-dataverse-v7", &parsed) == CUST_ERR_INVALID,
     "an unknown contract version is refused");
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    cust_devnet_world w;
    cust_devnet_block b;
    cust_arena ar;
    char err[128];
    int field_ok = 1, nsubmit = 0, funded_ok = 0, funded_failed = 0, funded_orders = 0;
    int revokes = 0, revokes_failed = 0, sender_ok = 1;
    cust_devnet_world_init(&w, 5, 1, "devnet-1");
    ok(cust_devnet_contract_parse(cases[k].name, &parsed) == CUST_OK && parsed == cases[k].c &&
           strcmp(cust_devnet_contract_name(parsed), cases[k].name) == 0,
       "%s: the name parses and prints", cases[k].name);
    cust_devnet_world_contract(&w, cases[k].c);
    cust_devnet_block_init(&b);
    cust_arena_init(&ar, 4096);
    for (uint64_t h = 1; h <= 50; h++) {
      cust_devnet_block_build(&w, h, &b, NULL);
      for (size_t i = 0; i < b.ntxs; i++) {
        cust_tx tx;
        memset(&tx, 0, sizeof tx);
        if (cust_tx_decode(&ar, b.txs[i].raw, b.txs[i].len, &tx, err, sizeof err) != CUST_OK) {
          continue;
        }
        for (size_t m = 0; m < tx.nmsgs; m++) {
          const cust_msg *msg = &tx.msgs[m];
          if (msg->contract == NULL || strcmp(msg->contract, w.dataverse) != 0) {
            continue;
          }
          sender_ok &= strncmp(msg->sender, cases[k].prefix, strlen(cases[k].prefix)) == 0;
          if (strstr(msg->json, "\"submit_claims\"") != NULL) {
            char want[32];
            snprintf(want, sizeof want, "{\"submit_claims\":{\"%s\":", cases[k].field);
            field_ok &= strncmp(msg->json, want, strlen(want)) == 0;
            nsubmit++;
          }
          if (msg->nfunds > 0) {
            funded_orders++;
            funded_ok += b.txs[i].code == 0 && strcmp(msg->funds[0].denom, cases[k].denom) == 0;
            funded_failed += b.txs[i].code == 5 && strstr(b.txs[i].log, "does no accept funds");
          }
          if (strstr(msg->json, "\"revoke_claims\"") != NULL) {
            revokes++;
            revokes_failed += b.txs[i].code != 0 && strstr(b.txs[i].log, "Not implemented");
          }
        }
      }
    }
    ok(nsubmit > 30 && field_ok, "%s: %d submissions, all with the field \"%s\"", cases[k].name,
       nsubmit, cases[k].field);
    ok(sender_ok && strncmp(w.dataverse, cases[k].prefix, strlen(cases[k].prefix)) == 0,
       "%s: addresses have the prefix %s", cases[k].name, cases[k].prefix);
    if (cases[k].keeps_funds) {
      ok(funded_orders == 7 && funded_ok == 7 && funded_failed == 0,
         "%s: the 7 orders of a cycle pay %s, and the contract keeps it", cases[k].name,
         cases[k].denom);
    } else {
      ok(funded_orders == 1 && funded_failed == 1 && funded_ok == 0,
         "%s: the one order sent with funds fails, the others carry none", cases[k].name);
    }
    ok(revokes == 3 && revokes_failed == 3, "%s: every revocation fails (%d of %d)", cases[k].name,
       revokes_failed, revokes);
    cust_arena_release(&ar);
    cust_devnet_block_release(&b);
  }
}

int main(void) {
  test_bech32();
  test_world();
  test_blocks();
  test_manifest();
  test_contracts();
  test_start();
  return done_testing();
}
