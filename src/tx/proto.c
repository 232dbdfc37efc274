/* Cosmos transactions in protobuf: decoding TxRaw -> TxBody -> Any messages
 * (MsgExecuteContract, authz MsgExec) and encoding them for the devnet.
 * Every read is bounds-checked; malformed input is an error, never a crash. */
#include "config.h"

#include <string.h>

#include "tx.h"

#define TYPE_EXECUTE "/cosmwasm.wasm.v1.MsgExecuteContract"
#define TYPE_EXEC "/cosmos.authz.v1beta1.MsgExec"

/* MsgExec may wrap MsgExec; past this depth the transaction is refused. */
#define MAX_AUTHZ_DEPTH 8
/* More messages than this in one transaction is refused (a real block is
 * limited by its size anyway; this bounds the work on hostile input). */
#define MAX_MSGS 65536

/* What a missing bytes field reads as, so that no pointer arithmetic is
 * ever done on NULL. */
static const unsigned char no_bytes[1] = { 0 };

enum { WIRE_VARINT = 0, WIRE_FIXED64 = 1, WIRE_LEN = 2, WIRE_FIXED32 = 5 };

/* A cursor over protobuf bytes. */
typedef struct pb_reader {
  const unsigned char *p;
  const unsigned char *end;
} pb_reader;

/* One field: its number, wire type and either a varint or a byte range. */
typedef struct pb_field {
  uint32_t num;
  int wire;
  uint64_t u;
  const unsigned char *data;
  size_t len;
} pb_field;

static int pb_varint(pb_reader *r, uint64_t *out) {
  uint64_t v = 0;
  for (int i = 0; i < 10; i++) {
    if (r->p >= r->end) {
      return -1;
    }
    unsigned char c = *r->p++;
    if (i == 9 && c > 1) {
      return -1; /* more than 64 bits */
    }
    v |= (uint64_t)(c & 0x7f) << (7 * i);
    if ((c & 0x80) == 0) {
      *out = v;
      return 0;
    }
  }
  return -1;
}

/* Reads the next field. Returns 1 for a field, 0 at the end, -1 when the
 * bytes are malformed (with a reason in *why). */
static int pb_next(pb_reader *r, pb_field *f, const char **why) {
  uint64_t key = 0;
  if (r->p >= r->end) {
    return 0;
  }
  if (pb_varint(r, &key) != 0) {
    *why = "truncated or overlong field key";
    return -1;
  }
  if ((key >> 3) == 0 || (key >> 3) > 0x1fffffffu) {
    *why = "invalid field number";
    return -1;
  }
  f->num = (uint32_t)(key >> 3);
  f->wire = (int)(key & 7);
  f->u = 0;
  f->data = NULL;
  f->len = 0;
  size_t left = 0;
  switch (f->wire) {
    case WIRE_VARINT:
      if (pb_varint(r, &f->u) != 0) {
        *why = "truncated or overlong varint";
        return -1;
      }
      return 1;
    case WIRE_FIXED64:
    case WIRE_FIXED32: {
      size_t n = f->wire == WIRE_FIXED64 ? 8 : 4;
      if ((size_t)(r->end - r->p) < n) {
        *why = "truncated fixed-size field";
        return -1;
      }
      f->data = r->p;
      f->len = n;
      r->p += n;
      return 1;
    }
    case WIRE_LEN:
      if (pb_varint(r, &f->u) != 0) {
        *why = "truncated or overlong length";
        return -1;
      }
      left = (size_t)(r->end - r->p);
      if (f->u > (uint64_t)left) {
        *why = "length runs past the end of the message";
        return -1;
      }
      f->data = r->p;
      f->len = (size_t)f->u;
      r->p += f->len;
      return 1;
    default:
      *why = "unsupported wire type (groups or reserved)";
      return -1;
  }
}

/* A decoding session: where strings go and where errors are written. */
typedef struct dec {
  cust_arena *arena;
  char *err;
  size_t errlen;
  cust_msg *msgs;
  size_t nmsgs;
  size_t cap;
  cust_status st;
} dec;

static cust_status dec_fail(dec *d, const char *what, const char *why) {
  if (d->err != NULL && d->errlen > 0) {
    snprintf(d->err, d->errlen, "%s: %s", what, why);
  }
  d->st = CUST_ERR_INVALID;
  return d->st;
}

static cust_status dec_nomem(dec *d) {
  if (d->err != NULL && d->errlen > 0) {
    snprintf(d->err, d->errlen, "out of memory");
  }
  d->st = CUST_ERR_NOMEM;
  return d->st;
}

/* A text field: no NUL bytes allowed, since it becomes a C string. */
static cust_status dec_string(dec *d, const pb_field *f, const char *what, const char **out) {
  if (f->wire != WIRE_LEN) {
    return dec_fail(d, what, "wrong wire type");
  }
  if (f->len > 0 && memchr(f->data, '\0', f->len) != NULL) {
    return dec_fail(d, what, "contains a NUL byte");
  }
  char *s = cust_arena_strndup(d->arena, (const char *)f->data, f->len);
  if (s == NULL) {
    return dec_nomem(d);
  }
  *out = s;
  return CUST_OK;
}

static cust_msg *dec_push(dec *d) {
  if (d->nmsgs >= MAX_MSGS) {
    dec_fail(d, "tx body", "too many messages");
    return NULL;
  }
  if (d->nmsgs == d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 4;
    cust_msg *m = cust_arena_alloc(d->arena, cap * sizeof *m);
    if (m == NULL) {
      dec_nomem(d);
      return NULL;
    }
    if (d->nmsgs) {
      memcpy(m, d->msgs, d->nmsgs * sizeof *m);
    }
    d->msgs = m;
    d->cap = cap;
  }
  cust_msg *m = &d->msgs[d->nmsgs++];
  memset(m, 0, sizeof *m);
  return m;
}

static cust_status decode_coin(dec *d, const unsigned char *p, size_t n, cust_coin *c) {
  pb_reader r = { p, p + n };
  pb_field f;
  const char *why = NULL;
  int rc;
  c->denom = "";
  c->amount = "";
  while ((rc = pb_next(&r, &f, &why)) == 1) {
    if (f.num == 1 && dec_string(d, &f, "coin denom", &c->denom) != CUST_OK) {
      return d->st;
    }
    if (f.num == 2 && dec_string(d, &f, "coin amount", &c->amount) != CUST_OK) {
      return d->st;
    }
  }
  return rc < 0 ? dec_fail(d, "coin", why) : CUST_OK;
}

static cust_status decode_execute(dec *d, const unsigned char *p, size_t n, cust_msg *m) {
  pb_reader r = { p, p + n };
  pb_field f;
  const char *why = NULL;
  size_t ncoins = 0;
  int rc;
  /* count the coins first so that they fit in one array */
  while ((rc = pb_next(&r, &f, &why)) == 1) {
    if (f.num == 5) {
      ncoins++;
    }
  }
  if (rc < 0) {
    return dec_fail(d, "MsgExecuteContract", why);
  }
  if (ncoins) {
    m->funds = cust_arena_alloc(d->arena, ncoins * sizeof *m->funds);
    if (m->funds == NULL) {
      return dec_nomem(d);
    }
  }
  r.p = p;
  while ((rc = pb_next(&r, &f, &why)) == 1) {
    switch (f.num) {
      case 1:
        if (dec_string(d, &f, "MsgExecuteContract sender", &m->sender) != CUST_OK) {
          return d->st;
        }
        break;
      case 2:
        if (dec_string(d, &f, "MsgExecuteContract contract", &m->contract) != CUST_OK) {
          return d->st;
        }
        break;
      case 3: {
        if (f.wire != WIRE_LEN) {
          return dec_fail(d, "MsgExecuteContract msg", "wrong wire type");
        }
        char *s = cust_arena_strndup(d->arena, (const char *)f.data, f.len);
        if (s == NULL) {
          return dec_nomem(d);
        }
        m->json = s;
        m->json_len = f.len;
        break;
      }
      case 5:
        if (f.wire != WIRE_LEN) {
          return dec_fail(d, "MsgExecuteContract funds", "wrong wire type");
        }
        if (decode_coin(d, f.data, f.len, &m->funds[m->nfunds]) != CUST_OK) {
          return d->st;
        }
        m->nfunds++;
        break;
      default:
        break; /* unknown fields are skipped, as protobuf allows */
    }
  }
  if (rc < 0) {
    return dec_fail(d, "MsgExecuteContract", why);
  }
  if (m->sender == NULL) {
    m->sender = "";
  }
  if (m->contract == NULL) {
    m->contract = "";
  }
  if (m->json == NULL) {
    m->json = "";
  }
  return CUST_OK;
}

/* Where a message sits: its index in the body and, inside MsgExec, its
 * index there and the grantee. */
typedef struct msg_place {
  uint32_t msg_index;
  uint32_t inner_index;
  int is_authz;
  const char *grantee;
} msg_place;

static cust_status decode_any(dec *d, const unsigned char *p, size_t n, const msg_place *at,
                              int depth);

static cust_status decode_exec(dec *d, const unsigned char *p, size_t n, const msg_place *at,
                               const char *type_url, int depth) {
  pb_reader r = { p, p + n };
  pb_field f;
  const char *why = NULL;
  const char *grantee = NULL;
  int rc;
  if (depth >= MAX_AUTHZ_DEPTH) {
    return dec_fail(d, "MsgExec", "nested too deeply");
  }
  /* the grantee may come after the messages on the wire */
  while ((rc = pb_next(&r, &f, &why)) == 1) {
    if (f.num == 1 && dec_string(d, &f, "MsgExec grantee", &grantee) != CUST_OK) {
      return d->st;
    }
  }
  if (rc < 0) {
    return dec_fail(d, "MsgExec", why);
  }
  if (grantee == NULL) {
    grantee = "";
  }
  size_t before = d->nmsgs;
  uint32_t inner = 0;
  r.p = p;
  while ((rc = pb_next(&r, &f, &why)) == 1) {
    if (f.num != 2) {
      continue;
    }
    if (f.wire != WIRE_LEN) {
      return dec_fail(d, "MsgExec msgs", "wrong wire type");
    }
    msg_place in = { at->msg_index, inner++, 1, grantee };
    if (decode_any(d, f.data, f.len, &in, depth + 1) != CUST_OK) {
      return d->st;
    }
  }
  if (rc < 0) {
    return dec_fail(d, "MsgExec", why);
  }
  if (d->nmsgs == before) {
    /* an empty MsgExec still shows, so that msg_index has no hole */
    cust_msg *m = dec_push(d);
    if (m == NULL) {
      return d->st;
    }
    m->type_url = type_url;
    m->msg_index = at->msg_index;
    m->inner_index = at->inner_index;
    m->is_authz = at->is_authz;
    m->grantee = grantee;
  }
  return CUST_OK;
}

static cust_status decode_any(dec *d, const unsigned char *p, size_t n, const msg_place *at,
                              int depth) {
  pb_reader r = { p, p + n };
  pb_field f;
  const char *why = NULL;
  const char *type_url = NULL;
  const unsigned char *value = no_bytes;
  size_t value_len = 0;
  int rc;
  while ((rc = pb_next(&r, &f, &why)) == 1) {
    if (f.num == 1) {
      if (dec_string(d, &f, "Any type_url", &type_url) != CUST_OK) {
        return d->st;
      }
    } else if (f.num == 2) {
      if (f.wire != WIRE_LEN) {
        return dec_fail(d, "Any value", "wrong wire type");
      }
      value = f.data;
      value_len = f.len;
    }
  }
  if (rc < 0) {
    return dec_fail(d, "Any", why);
  }
  if (type_url == NULL) {
    type_url = "";
  }
  if (strcmp(type_url, TYPE_EXEC) == 0) {
    return decode_exec(d, value, value_len, at, type_url, depth);
  }
  cust_msg *m = dec_push(d);
  if (m == NULL) {
    return d->st;
  }
  m->type_url = type_url;
  m->msg_index = at->msg_index;
  m->inner_index = at->inner_index;
  m->is_authz = at->is_authz;
  m->grantee = at->grantee;
  if (strcmp(type_url, TYPE_EXECUTE) == 0) {
    /* decode_execute may push nothing, so m stays valid */
    return decode_execute(d, value, value_len, m);
  }
  return CUST_OK;
}

static cust_status decode_body(dec *d, const unsigned char *p, size_t n) {
  pb_reader r = { p, p + n };
  pb_field f;
  const char *why = NULL;
  uint32_t index = 0;
  int rc;
  while ((rc = pb_next(&r, &f, &why)) == 1) {
    if (f.num != 1) {
      continue; /* memo, timeout_height, extension options */
    }
    if (f.wire != WIRE_LEN) {
      return dec_fail(d, "TxBody messages", "wrong wire type");
    }
    msg_place at = { index++, 0, 0, NULL };
    if (decode_any(d, f.data, f.len, &at, 0) != CUST_OK) {
      return d->st;
    }
  }
  if (rc < 0) {
    return dec_fail(d, "TxBody", why);
  }
  return CUST_OK;
}

cust_status cust_tx_decode(cust_arena *arena, const unsigned char *raw, size_t len, cust_tx *tx,
                           char *err, size_t errlen) {
  unsigned char digest[32];
  if (err != NULL && errlen > 0) {
    err[0] = '\0';
  }
  tx->msgs = NULL;
  tx->nmsgs = 0;
  if (raw == NULL) {
    raw = no_bytes;
    len = 0;
  }
  cust_sha256(raw, len, digest);
  cust_hex_upper(digest, 32, tx->hash);

  dec d = { arena, err, errlen, NULL, 0, 0, CUST_OK };
  pb_reader r = { raw, raw + len };
  pb_field f;
  const char *why = NULL;
  const unsigned char *body = no_bytes;
  size_t body_len = 0;
  int has_body = 0;
  int rc;
  while ((rc = pb_next(&r, &f, &why)) == 1) {
    if (f.num == 1) {
      if (f.wire != WIRE_LEN) {
        return dec_fail(&d, "TxRaw body_bytes", "wrong wire type");
      }
      body = f.data;
      body_len = f.len;
      has_body = 1;
    }
  }
  if (rc < 0) {
    return dec_fail(&d, "TxRaw", why);
  }
  if (!has_body) {
    return dec_fail(&d, "TxRaw", "no body_bytes");
  }
  if (decode_body(&d, body, body_len) != CUST_OK) {
    return d.st;
  }
  tx->msgs = d.msgs;
  tx->nmsgs = d.nmsgs;
  return CUST_OK;
}

/* ---- encoding ------------------------------------------------------------ */

static cust_status pb_put_varint(cust_buf *b, uint64_t v) {
  unsigned char tmp[10];
  size_t n = 0;
  do {
    tmp[n] = (unsigned char)(v & 0x7f);
    v >>= 7;
    if (v) {
      tmp[n] |= 0x80;
    }
    n++;
  } while (v);
  return cust_buf_append(b, tmp, n);
}

static cust_status pb_put_bytes(cust_buf *b, uint32_t num, const void *data, size_t len) {
  cust_status st = pb_put_varint(b, ((uint64_t)num << 3) | WIRE_LEN);
  if (st == CUST_OK) {
    st = pb_put_varint(b, len);
  }
  if (st == CUST_OK && len) {
    st = cust_buf_append(b, data, len);
  }
  return st;
}

static cust_status pb_put_string(cust_buf *b, uint32_t num, const char *s) {
  if (s == NULL || *s == '\0') {
    return CUST_OK; /* proto3 leaves empty strings out */
  }
  return pb_put_bytes(b, num, s, strlen(s));
}

static cust_status encode_execute(cust_buf *out, const cust_msg_spec *m) {
  cust_buf coin;
  cust_status st;
  cust_buf_init(&coin);
  st = pb_put_string(out, 1, m->sender);
  if (st == CUST_OK) {
    st = pb_put_string(out, 2, m->contract);
  }
  if (st == CUST_OK && m->json != NULL) {
    st = pb_put_bytes(out, 3, m->json, strlen(m->json));
  }
  for (size_t i = 0; st == CUST_OK && i < m->nfunds; i++) {
    cust_buf_reset(&coin);
    st = pb_put_string(&coin, 1, m->funds[i].denom);
    if (st == CUST_OK) {
      st = pb_put_string(&coin, 2, m->funds[i].amount);
    }
    if (st == CUST_OK) {
      st = pb_put_bytes(out, 5, coin.data, coin.len);
    }
  }
  cust_buf_release(&coin);
  return st;
}

static cust_status encode_any(cust_buf *out, const char *type_url, const cust_buf *value) {
  cust_status st = pb_put_string(out, 1, type_url);
  if (st == CUST_OK) {
    st = pb_put_bytes(out, 2, value->data, value->len);
  }
  return st;
}

static cust_status encode_msg(cust_buf *out, const cust_msg_spec *m) {
  cust_buf exec, any, wrap;
  cust_status st;
  cust_buf_init(&exec);
  cust_buf_init(&any);
  cust_buf_init(&wrap);
  st = encode_execute(&exec, m);
  if (st == CUST_OK) {
    st = encode_any(&any, TYPE_EXECUTE, &exec);
  }
  if (st == CUST_OK && m->authz_grantee != NULL) {
    st = pb_put_string(&wrap, 1, m->authz_grantee);
    if (st == CUST_OK) {
      st = pb_put_bytes(&wrap, 2, any.data, any.len);
    }
    cust_buf_reset(&any);
    if (st == CUST_OK) {
      st = encode_any(&any, TYPE_EXEC, &wrap);
    }
  }
  if (st == CUST_OK) {
    st = pb_put_bytes(out, 1, any.data, any.len);
  }
  cust_buf_release(&exec);
  cust_buf_release(&any);
  cust_buf_release(&wrap);
  return st;
}

cust_status cust_tx_encode(cust_buf *out, const cust_msg_spec *msgs, size_t n, const char *memo) {
  static const unsigned char signature[64] = { 0 };
  cust_buf body;
  cust_status st = CUST_OK;
  if (out == NULL || (msgs == NULL && n > 0)) {
    return CUST_ERR_INVALID;
  }
  cust_buf_init(&body);
  for (size_t i = 0; st == CUST_OK && i < n; i++) {
    st = encode_msg(&body, &msgs[i]);
  }
  if (st == CUST_OK) {
    st = pb_put_string(&body, 2, memo);
  }
  if (st == CUST_OK) {
    st = pb_put_bytes(out, 1, body.data, body.len);
  }
  if (st == CUST_OK) {
    st = pb_put_bytes(out, 2, NULL, 0);
  }
  if (st == CUST_OK) {
    st = pb_put_bytes(out, 3, signature, sizeof signature);
  }
  cust_buf_release(&body);
  return st;
}
