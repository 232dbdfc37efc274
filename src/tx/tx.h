/* Decoding what a CometBFT node returns: blocks and their results (JSON, the
 * three RPC dialects) and Cosmos transactions (protobuf TxRaw -> TxBody ->
 * messages, through authz MsgExec). Pure: bytes in, values out, no I/O. */
#ifndef CUST_TX_H
#define CUST_TX_H

#include "core/core.h"

typedef enum cust_dialect {
  CUST_DIALECT_034 = 34, /* Tendermint 0.34: base64 event attributes, null values */
  CUST_DIALECT_037 = 37, /* CometBFT 0.37: begin/end block events */
  CUST_DIALECT_038 = 38  /* CometBFT 0.38: finalize_block_events */
} cust_dialect;

/* From /status result.node_info.version ("0.34.27", "v0.38.7"): 0.34.* is
 * 0.34, 0.37.* is 0.37, anything newer is 0.38. CUST_ERR_INVALID otherwise. */
cust_status cust_dialect_from_version(const char *version, cust_dialect *out);

typedef struct cust_coin {
  const char *denom;
  const char *amount; /* decimal string, as on chain */
} cust_coin;

/* One message of a transaction. Messages inside an authz MsgExec are listed
 * in their own right (is_authz set, grantee filled, sender = the granter as
 * the inner message says). Strings live in the block's arena. */
typedef struct cust_msg {
  const char *type_url; /* e.g. "/cosmwasm.wasm.v1.MsgExecuteContract" */
  uint32_t msg_index;   /* index in TxBody.messages */
  uint32_t inner_index; /* index inside MsgExec.msgs; 0 when not wrapped */
  int is_authz;         /* wrapped in a /cosmos.authz.v1beta1.MsgExec */
  const char *grantee;  /* MsgExec grantee, or NULL */
  /* MsgExecuteContract fields (NULL/0 for other types) */
  const char *sender;
  const char *contract;
  const char *json; /* the contract's JSON message, raw bytes, NUL-terminated */
  size_t json_len;
  cust_coin *funds;
  size_t nfunds;
} cust_msg;

typedef struct cust_attr {
  const char *key;
  const char *value; /* "" for a null value */
} cust_attr;

typedef struct cust_event {
  const char *type;
  cust_attr *attrs;
  size_t nattrs;
} cust_event;

typedef struct cust_tx {
  uint32_t index; /* position in the block */
  char hash[65];  /* upper(hex(sha256(raw))) */
  uint32_t code;  /* 0 = success; only then did it change state */
  const char *codespace;
  const char *log;
  cust_msg *msgs;
  size_t nmsgs;
  cust_event *events;
  size_t nevents;
  const char *decode_error; /* non-NULL: TxRaw could not be decoded (msgs empty) */
} cust_tx;

/* A block joined with its results. Embedded struct: cust_block_init /
 * cust_block_release; everything lives in its arena. */
typedef struct cust_block {
  const char *chain_id;
  uint64_t height;
  const char *time;      /* RFC 3339 with nanoseconds, as given */
  const char *hash;      /* block_id.hash */
  const char *last_hash; /* header.last_block_id.hash ("" at height 1) */
  cust_tx *txs;
  size_t ntxs;
  cust_arena arena;
} cust_block;

void cust_block_init(cust_block *b);
void cust_block_release(cust_block *b);

/* Decodes one TxRaw into `tx` (msgs and hash), allocating from `arena`.
 * CUST_ERR_INVALID with a message in `err` for malformed protobuf. */
cust_status cust_tx_decode(cust_arena *arena, const unsigned char *raw, size_t len, cust_tx *tx,
                           char *err, size_t errlen);

/* Parses the `result` objects (or whole JSON-RPC responses) of /block and
 * /block_results for the same height into `b`, decoding every transaction
 * (a tx that fails to decode keeps its decode_error) and joining it with its
 * result. CUST_ERR_MISMATCH when the counts of txs and results differ or the
 * heights disagree; CUST_ERR_INVALID for malformed JSON. */
cust_status cust_block_parse(cust_block *b, const char *block_json, size_t block_len,
                             const char *results_json, size_t results_len, cust_dialect d,
                             char *err, size_t errlen);

/* Encoding, for the devnet and tests: appends protobuf bytes. */
typedef struct cust_msg_spec {
  const char *sender;
  const char *contract;
  const char *json;
  const cust_coin *funds;
  size_t nfunds;
  const char *authz_grantee; /* non-NULL: wrap in MsgExec with this grantee */
} cust_msg_spec;
/* A TxRaw with one TxBody holding `n` MsgExecuteContract (each maybe wrapped
 * in MsgExec), a memo, empty auth info and one dummy signature. */
cust_status cust_tx_encode(cust_buf *out, const cust_msg_spec *msgs, size_t n, const char *memo);

#endif
