/* The JSON the devnet serves: the `result` objects of /block, /block_results
 * (in the three dialects of ../shared/spec/chain.md), /blockchain and
 * /status. Blocks are identical across dialects; only results differ. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "devnet_int.h"

const char *cust_devnet_version(cust_dialect d) {
  switch (d) {
    case CUST_DIALECT_034:
      return "0.34.27";
    case CUST_DIALECT_037:
      return "0.37.2";
    default:
      return "0.38.7";
  }
}

/* Uppercase hex of sha256(text): the made-up hashes of the header. */
static void hash_of(const char *what, uint64_t a, uint64_t b, char out[65]) {
  char in[128];
  unsigned char d[32];
  int n = snprintf(in, sizeof in, "%s|%" PRIu64 "|%" PRIu64, what, a, b);
  cust_sha256((const unsigned char *)in, (size_t)n, d);
  cust_hex_upper(d, 32, out);
}

static cust_status put_block_id(cust_buf *o, const char *hash) {
  char parts[65] = "";
  if (hash[0] != '\0') {
    unsigned char d[32];
    char in[80];
    int n = snprintf(in, sizeof in, "parts|%s", hash);
    cust_sha256((const unsigned char *)in, (size_t)n, d);
    cust_hex_upper(d, 32, parts);
  }
  return cust_buf_printf(o, "{\"hash\":\"%s\",\"parts\":{\"total\":%d,\"hash\":\"%s\"}}", hash,
                         hash[0] ? 1 : 0, parts);
}

static cust_status put_header(cust_buf *o, const cust_devnet_world *w, const cust_devnet_block *b,
                              const cust_devnet_block *prev) {
  char app[65], results[65], commit[65], vals[65], cons[65], proposer[65];
  hash_of("app", w->seed, b->height - 1, app);
  hash_of("results", w->seed, b->height - 1, results);
  hash_of("commit", w->seed, b->height - 1, commit);
  hash_of("validators", w->seed, 0, vals);
  hash_of("consensus", w->seed, 0, cons);
  hash_of("proposer", w->seed, 0, proposer);
  proposer[40] = '\0';
  cust_status st = cust_buf_puts(o, "{\"version\":{\"block\":\"11\",\"app\":\"0\"},\"chain_id\":");
  if (st == CUST_OK) {
    st = cust_json_cstr(o, w->chain_id);
  }
  if (st == CUST_OK) {
    st = cust_buf_printf(
        o, ",\"height\":\"%" PRIu64 "\",\"time\":\"%s\",\"last_block_id\":", b->height, b->time);
  }
  if (st == CUST_OK) {
    st = put_block_id(o, prev != NULL ? prev->hash : "");
  }
  if (st == CUST_OK) {
    st = cust_buf_printf(
        o,
        ",\"last_commit_hash\":\"%s\",\"data_hash\":\"%s\",\"validators_hash\":\"%s\","
        "\"next_validators_hash\":\"%s\",\"consensus_hash\":\"%s\",\"app_hash\":\"%s\","
        "\"last_results_hash\":\"%s\",\"evidence_hash\":"
        "\"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855\","
        "\"proposer_address\":\"%s\"}",
        b->height > 1 ? commit : "", b->data_hash, vals, vals, cons, app,
        b->height > 1 ? results : "", proposer);
  }
  return st;
}

cust_status cust_devnet_render_block(cust_buf *o, const cust_devnet_world *w,
                                     const cust_devnet_block *b, const cust_devnet_block *prev) {
  cust_status st = cust_buf_puts(o, "{\"block_id\":");
  if (st == CUST_OK) {
    st = put_block_id(o, b->hash);
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(o, ",\"block\":{\"header\":");
  }
  if (st == CUST_OK) {
    st = put_header(o, w, b, prev);
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(o, ",\"data\":{\"txs\":[");
  }
  for (size_t i = 0; st == CUST_OK && i < b->ntxs; i++) {
    st = cust_buf_puts(o, i ? ",\"" : "\"");
    if (st == CUST_OK) {
      st = cust_base64_encode(o, b->txs[i].raw, b->txs[i].len);
    }
    if (st == CUST_OK) {
      st = cust_buf_putc(o, '"');
    }
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(o, "]},\"evidence\":{\"evidence\":[]},\"last_commit\":{");
  }
  if (st == CUST_OK) {
    st = cust_buf_printf(o, "\"height\":\"%" PRIu64 "\",\"round\":0,\"block_id\":", b->height - 1);
  }
  if (st == CUST_OK) {
    st = put_block_id(o, prev != NULL ? prev->hash : "");
  }
  if (st == CUST_OK && prev == NULL) {
    st = cust_buf_puts(o, ",\"signatures\":[]}}}");
  } else if (st == CUST_OK) {
    char proposer[65], sig[65];
    unsigned char raw[64];
    hash_of("proposer", w->seed, 0, proposer);
    proposer[40] = '\0';
    hash_of("signature", w->seed, b->height, sig);
    memcpy(raw, sig, 64);
    st = cust_buf_printf(o,
                         ",\"signatures\":[{\"block_id_flag\":2,\"validator_address\":\"%s\","
                         "\"timestamp\":\"%s\",\"signature\":\"",
                         proposer, b->time);
    if (st == CUST_OK) {
      st = cust_base64_encode(o, raw, sizeof raw);
    }
    if (st == CUST_OK) {
      st = cust_buf_puts(o, "\"}]}}}");
    }
  }
  return st;
}

/* One attribute in the dialect: 0.34 base64-encodes keys and values (an
 * empty value is null); later ones write plain strings. */
static cust_status put_attr(cust_buf *o, const char *k, const char *v, cust_dialect d) {
  cust_status st = CUST_OK;
  if (d == CUST_DIALECT_034) {
    st = cust_buf_puts(o, "{\"key\":\"");
    if (st == CUST_OK) {
      st = cust_base64_encode(o, (const unsigned char *)k, strlen(k));
    }
    if (st == CUST_OK && v[0] == '\0') {
      st = cust_buf_puts(o, "\",\"value\":null");
    } else if (st == CUST_OK) {
      st = cust_buf_puts(o, "\",\"value\":\"");
      if (st == CUST_OK) {
        st = cust_base64_encode(o, (const unsigned char *)v, strlen(v));
      }
      if (st == CUST_OK) {
        st = cust_buf_putc(o, '"');
      }
    }
  } else {
    st = cust_buf_puts(o, "{\"key\":");
    if (st == CUST_OK) {
      st = cust_json_cstr(o, k);
    }
    if (st == CUST_OK) {
      st = cust_buf_puts(o, ",\"value\":");
    }
    if (st == CUST_OK) {
      st = cust_json_cstr(o, v);
    }
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(o, ",\"index\":true}");
  }
  return st;
}

static cust_status put_event(cust_buf *o, const cust_devnet_event *e, cust_dialect d) {
  cust_status st = cust_buf_puts(o, "{\"type\":");
  if (st == CUST_OK) {
    st = cust_json_cstr(o, e->type);
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(o, ",\"attributes\":[");
  }
  for (size_t j = 0; st == CUST_OK && j < e->nattrs; j++) {
    if (j > 0) {
      st = cust_buf_putc(o, ',');
    }
    if (st == CUST_OK) {
      st = put_attr(o, e->attrs[j].key, e->attrs[j].value, d);
    }
  }
  if (st == CUST_OK && d == CUST_DIALECT_038 && e->msg_index >= 0) {
    char mi[16];
    snprintf(mi, sizeof mi, "%d", e->msg_index);
    st = cust_buf_puts(o, e->nattrs ? "," : "");
    if (st == CUST_OK) {
      st = put_attr(o, "msg_index", mi, d);
    }
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(o, "]}");
  }
  return st;
}

/* A list of events. `dup_tx`: transaction-level events twice, as SDK 0.46
 * nodes reported the ante handler's events (readers must not assume that
 * events are unique). */
static cust_status put_events(cust_buf *o, const cust_devnet_event *ev, size_t n, cust_dialect d,
                              int dup_tx) {
  cust_status st = cust_buf_putc(o, '[');
  int first = 1;
  for (size_t i = 0; st == CUST_OK && i < n; i++) {
    int times = dup_tx && ev[i].msg_index < 0 ? 2 : 1;
    for (int k = 0; st == CUST_OK && k < times; k++) {
      if (!first) {
        st = cust_buf_putc(o, ',');
      }
      first = 0;
      if (st == CUST_OK) {
        st = put_event(o, &ev[i], d);
      }
    }
  }
  if (st == CUST_OK) {
    st = cust_buf_putc(o, ']');
  }
  return st;
}

/* The SDK 0.46/0.47 log of a successful tx: per message, its events merged
 * by type and sorted by type, as plain strings. */
static cust_status put_log(cust_buf *o, const cust_devnet_tx *t) {
  cust_status st = cust_buf_putc(o, '[');
  for (size_t m = 0; st == CUST_OK && m < t->nmsgs; m++) {
    if (m > 0) {
      st = cust_buf_putc(o, ',');
    }
    if (st == CUST_OK) {
      st = m > 0 ? cust_buf_printf(o, "{\"msg_index\":%zu,\"events\":[", m)
                 : cust_buf_puts(o, "{\"events\":[");
    }
    const char *last = "";
    int first_type = 1;
    for (;;) {
      /* the smallest type after `last` among this message's events */
      const char *next = NULL;
      for (size_t i = 0; i < t->nevents; i++) {
        const cust_devnet_event *e = &t->events[i];
        if (e->msg_index == (int)m && strcmp(e->type, last) > 0 &&
            (next == NULL || strcmp(e->type, next) < 0)) {
          next = e->type;
        }
      }
      if (next == NULL || st != CUST_OK) {
        break;
      }
      st = cust_buf_printf(o, "%s{\"type\":\"%s\",\"attributes\":[", first_type ? "" : ",", next);
      first_type = 0;
      int first_attr = 1;
      for (size_t i = 0; st == CUST_OK && i < t->nevents; i++) {
        const cust_devnet_event *e = &t->events[i];
        if (e->msg_index != (int)m || strcmp(e->type, next) != 0) {
          continue;
        }
        for (size_t j = 0; st == CUST_OK && j < e->nattrs; j++) {
          st = cust_buf_puts(o, first_attr ? "{\"key\":" : ",{\"key\":");
          first_attr = 0;
          if (st == CUST_OK) {
            st = cust_json_cstr(o, e->attrs[j].key);
          }
          if (st == CUST_OK) {
            st = cust_buf_puts(o, ",\"value\":");
          }
          if (st == CUST_OK) {
            st = cust_json_cstr(o, e->attrs[j].value);
          }
          if (st == CUST_OK) {
            st = cust_buf_putc(o, '}');
          }
        }
      }
      if (st == CUST_OK) {
        st = cust_buf_puts(o, "]}");
      }
      last = next;
    }
    if (st == CUST_OK) {
      st = cust_buf_puts(o, "]}");
    }
  }
  if (st == CUST_OK) {
    st = cust_buf_putc(o, ']');
  }
  return st;
}

/* The TxMsgData of a successful tx, one entry per message: SDK 0.46 (0.34)
 * lists MsgData{msg_type} in field 1, later SDKs the responses in field 2. */
static cust_status put_data(cust_buf *o, const cust_devnet_tx *t, cust_dialect d) {
  static const char req[] = "/cosmwasm.wasm.v1.MsgExecuteContract";
  static const char resp[] = "/cosmwasm.wasm.v1.MsgExecuteContractResponse";
  const char *type = d == CUST_DIALECT_034 ? req : resp;
  size_t tl = d == CUST_DIALECT_034 ? sizeof req - 1 : sizeof resp - 1;
  unsigned char buf[8 * (4 + sizeof resp)];
  size_t n = 0;
  for (size_t m = 0; m < t->nmsgs && m < 8; m++) {
    buf[n++] = d == CUST_DIALECT_034 ? 0x0a : 0x12;
    buf[n++] = (unsigned char)(tl + 2);
    buf[n++] = 0x0a;
    buf[n++] = (unsigned char)tl;
    memcpy(buf + n, type, tl);
    n += tl;
  }
  cust_status st = cust_buf_putc(o, '"');
  if (st == CUST_OK) {
    st = cust_base64_encode(o, buf, n);
  }
  if (st == CUST_OK) {
    st = cust_buf_putc(o, '"');
  }
  return st;
}

static cust_status put_tx_result(cust_buf *o, const cust_devnet_tx *t, cust_dialect d) {
  cust_buf log;
  cust_buf_init(&log);
  cust_status st = cust_buf_printf(o, "{\"code\":%u,\"data\":", t->code);
  if (st == CUST_OK) {
    st = t->code == 0 ? put_data(o, t, d) : cust_buf_puts(o, "null");
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(o, ",\"log\":");
  }
  if (st == CUST_OK) {
    if (t->code != 0) {
      st = cust_json_cstr(o, t->log);
    } else if (d == CUST_DIALECT_038) {
      st = cust_buf_puts(o, "\"\"");
    } else {
      st = put_log(&log, t);
      if (st == CUST_OK) {
        st = cust_json_cstr(o, log.data);
      }
    }
  }
  if (st == CUST_OK) {
    st = cust_buf_printf(
        o, ",\"info\":\"\",\"gas_wanted\":\"%" PRIu64 "\",\"gas_used\":\"%" PRIu64 "\",\"events\":",
        t->gas_wanted, t->gas_used);
  }
  if (st == CUST_OK) {
    st = put_events(o, t->events, t->nevents, d, d == CUST_DIALECT_034);
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(o, ",\"codespace\":");
  }
  if (st == CUST_OK) {
    st = cust_json_cstr(o, t->codespace != NULL ? t->codespace : "");
  }
  if (st == CUST_OK) {
    st = cust_buf_putc(o, '}');
  }
  cust_buf_release(&log);
  return st;
}

/* Minting at the start of every block, as the mint module reports it. */
static cust_status put_block_events(cust_buf *o, const cust_devnet_world *w, uint64_t height,
                                    cust_dialect d) {
  char minted[32], provisions[48], mint_addr[80], collector[80];
  unsigned char raw[20];
  uint64_t amount = 3000000u + cust_devnet_hash(w->seed, 0x6d696e74, height, 0, 0) % 20000u;
  snprintf(minted, sizeof minted, "%" PRIu64 "%s", amount, w->denom);
  snprintf(provisions, sizeof provisions, "%" PRIu64 ".%018u", amount * 6311520u, 0u);
  memset(raw, 0x4d, sizeof raw);
  cust_devnet_bech32(w->prefix, raw, sizeof raw, mint_addr, sizeof mint_addr);
  memset(raw, 0x17, sizeof raw);
  cust_devnet_bech32(w->prefix, raw, sizeof raw, collector, sizeof collector);
  cust_devnet_event ev[3];
  memset(ev, 0, sizeof ev);
  ev[0].type = "coin_spent";
  ev[0].msg_index = -1;
  ev[0].attrs[0] = (cust_devnet_attr){ "spender", mint_addr };
  ev[0].attrs[1] = (cust_devnet_attr){ "amount", minted };
  ev[0].nattrs = 2;
  ev[1].type = "coin_received";
  ev[1].msg_index = -1;
  ev[1].attrs[0] = (cust_devnet_attr){ "receiver", collector };
  ev[1].attrs[1] = (cust_devnet_attr){ "amount", minted };
  ev[1].nattrs = 2;
  ev[2].type = "mint";
  ev[2].msg_index = -1;
  ev[2].attrs[0] = (cust_devnet_attr){ "bonded_ratio", "0.451230000000000000" };
  ev[2].attrs[1] = (cust_devnet_attr){ "inflation", "0.075000000000000000" };
  ev[2].attrs[2] = (cust_devnet_attr){ "annual_provisions", provisions };
  ev[2].attrs[3] = (cust_devnet_attr){ "amount", minted + 0 };
  ev[2].nattrs = 4;
  char amount_only[24];
  snprintf(amount_only, sizeof amount_only, "%" PRIu64, amount);
  ev[2].attrs[3].value = amount_only;
  if (d == CUST_DIALECT_038) {
    for (int i = 0; i < 3; i++) {
      ev[i].attrs[ev[i].nattrs++] = (cust_devnet_attr){ "mode", "BeginBlock" };
    }
  }
  return put_events(o, ev, 3, d, 0);
}

cust_status cust_devnet_render_results(cust_buf *o, const cust_devnet_world *w,
                                       const cust_devnet_block *b, cust_dialect d) {
  cust_status st = cust_buf_printf(o, "{\"height\":\"%" PRIu64 "\",\"txs_results\":", b->height);
  if (st == CUST_OK && b->ntxs == 0) {
    st = cust_buf_puts(o, "null");
  } else if (st == CUST_OK) {
    st = cust_buf_putc(o, '[');
    for (size_t i = 0; st == CUST_OK && i < b->ntxs; i++) {
      if (i > 0) {
        st = cust_buf_putc(o, ',');
      }
      if (st == CUST_OK) {
        st = put_tx_result(o, &b->txs[i], d);
      }
    }
    if (st == CUST_OK) {
      st = cust_buf_putc(o, ']');
    }
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(o, d == CUST_DIALECT_038 ? ",\"finalize_block_events\":"
                                                : ",\"begin_block_events\":");
  }
  if (st == CUST_OK) {
    st = put_block_events(o, w, b->height, d);
  }
  if (st == CUST_OK && d != CUST_DIALECT_038) {
    st = cust_buf_puts(o, ",\"end_block_events\":null");
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(o, ",\"validator_updates\":null,\"consensus_param_updates\":null");
  }
  if (st == CUST_OK && d == CUST_DIALECT_038) {
    char app[65];
    unsigned char raw[32];
    hash_of("app", w->seed, b->height, app);
    memcpy(raw, app, 32);
    st = cust_buf_puts(o, ",\"app_hash\":\"");
    if (st == CUST_OK) {
      st = cust_base64_encode(o, raw, sizeof raw);
    }
    if (st == CUST_OK) {
      st = cust_buf_putc(o, '"');
    }
  }
  if (st == CUST_OK) {
    st = cust_buf_putc(o, '}');
  }
  return st;
}

cust_status cust_devnet_render_meta(cust_buf *o, const cust_devnet_world *w,
                                    const cust_devnet_block *b, const cust_devnet_block *prev) {
  cust_status st = cust_buf_puts(o, "{\"block_id\":");
  if (st == CUST_OK) {
    st = put_block_id(o, b->hash);
  }
  if (st == CUST_OK) {
    st = cust_buf_printf(o, ",\"block_size\":\"%zu\",\"header\":", b->size);
  }
  if (st == CUST_OK) {
    st = put_header(o, w, b, prev);
  }
  if (st == CUST_OK) {
    st = cust_buf_printf(o, ",\"num_txs\":\"%zu\"}", b->ntxs);
  }
  return st;
}

cust_status cust_devnet_render_status(cust_buf *o, const cust_devnet_world *w,
                                      const cust_devnet_block *latest,
                                      const cust_devnet_block *earliest, cust_dialect d) {
  char id[65], latest_app[65], earliest_app[65], pub[65];
  hash_of("node", w->seed, 0, id);
  for (char *p = id; *p; p++) {
    if (*p >= 'A' && *p <= 'F') {
      *p = (char)(*p - 'A' + 'a');
    }
  }
  id[40] = '\0';
  hash_of("app", w->seed, latest->height - 1, latest_app);
  hash_of("app", w->seed, earliest->height - 1, earliest_app);
  hash_of("proposer", w->seed, 0, pub);
  unsigned char key[32];
  memcpy(key, pub + 8, 32);
  cust_status st = cust_buf_printf(o,
                                   "{\"node_info\":{\"protocol_version\":{\"p2p\":\"8\",\"block\":"
                                   "\"11\",\"app\":\"0\"},\"id\":\"%s\",\"listen_addr\":\"tcp://"
                                   "0.0.0.0:26656\",\"network\":",
                                   id);
  if (st == CUST_OK) {
    st = cust_json_cstr(o, w->chain_id);
  }
  if (st == CUST_OK) {
    st = cust_buf_printf(
        o,
        ",\"version\":\"%s\",\"channels\":\"40202122233038606100\",\"moniker\":\"custodian-"
        "devnet\",\"other\":{\"tx_index\":\"on\",\"rpc_address\":\"tcp://0.0.0.0:26657\"}},"
        "\"sync_info\":{\"latest_block_hash\":\"%s\",\"latest_app_hash\":\"%s\","
        "\"latest_block_height\":\"%" PRIu64 "\",\"latest_block_time\":\"%s\","
        "\"earliest_block_hash\":\"%s\",\"earliest_app_hash\":\"%s\","
        "\"earliest_block_height\":\"%" PRIu64 "\",\"earliest_block_time\":\"%s\","
        "\"catching_up\":false},\"validator_info\":{\"address\":\"%.40s\",\"pub_key\":{\"type\":"
        "\"tendermint/PubKeyEd25519\",\"value\":\"",
        cust_devnet_version(d), latest->hash, latest_app, latest->height, latest->time,
        earliest->hash, earliest_app, earliest->height, earliest->time, pub);
  }
  if (st == CUST_OK) {
    st = cust_base64_encode(o, key, sizeof key);
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(o, "\"},\"voting_power\":\"0\"}}");
  }
  return st;
}
