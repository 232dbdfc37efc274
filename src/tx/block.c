/* Blocks and their results as CometBFT serves them (/block, /block_results)
 * in the three RPC dialects of ../shared/spec/chain.md, joined into one
 * cust_block: every transaction decoded and paired with its result. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "tx.h"

cust_status cust_dialect_from_version(const char *version, cust_dialect *out) {
  unsigned long major = 0, minor = 0;
  char *end = NULL;
  if (version == NULL || out == NULL) {
    return CUST_ERR_INVALID;
  }
  if (*version == 'v' || *version == 'V') {
    version++;
  }
  if (!isdigit((unsigned char)*version)) {
    return CUST_ERR_INVALID;
  }
  errno = 0;
  major = strtoul(version, &end, 10);
  if (errno != 0 || *end != '.' || !isdigit((unsigned char)end[1])) {
    return CUST_ERR_INVALID;
  }
  minor = strtoul(end + 1, &end, 10);
  if (errno != 0 || (*end != '\0' && *end != '.' && *end != '-' && *end != '+')) {
    return CUST_ERR_INVALID;
  }
  if (major == 0 && minor < 34) {
    return CUST_ERR_INVALID; /* older than anything OKP4 ran */
  }
  if (major == 0 && minor == 34) {
    *out = CUST_DIALECT_034;
  } else if (major == 0 && minor < 37) {
    return CUST_ERR_INVALID; /* 0.35 and 0.36 never served a Cosmos chain */
  } else if (major == 0 && minor == 37) {
    *out = CUST_DIALECT_037;
  } else {
    *out = CUST_DIALECT_038;
  }
  return CUST_OK;
}

void cust_block_init(cust_block *b) {
  memset(b, 0, sizeof *b);
  cust_arena_init(&b->arena, 64 * 1024);
}

void cust_block_release(cust_block *b) {
  if (b == NULL) {
    return;
  }
  cust_arena_release(&b->arena);
  size_t chunk = b->arena.chunk_size;
  memset(b, 0, sizeof *b);
  cust_arena_init(&b->arena, chunk);
}

/* A parsing session. */
typedef struct parse {
  cust_block *b;
  cust_dialect d;
  char *err;
  size_t errlen;
} parse;

__attribute__((format(printf, 3, 4))) static cust_status fail(parse *p, cust_status st,
                                                              const char *fmt, ...) {
  if (p->err != NULL && p->errlen > 0) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err, p->errlen, fmt, ap);
    va_end(ap);
  }
  return st;
}

static cust_status nomem(parse *p) {
  return fail(p, CUST_ERR_NOMEM, "out of memory");
}

/* The `result` of a JSON-RPC response, or the object itself when it is
 * already a result. A JSON-RPC error becomes CUST_ERR_REMOTE. */
static cust_status unwrap(parse *p, json_t *root, const char *what, json_t **out) {
  *out = NULL;
  if (!json_is_object(root)) {
    return fail(p, CUST_ERR_INVALID, "%s: not a JSON object", what);
  }
  json_t *error = json_object_get(root, "error");
  json_t *result = json_object_get(root, "result");
  if (error != NULL && !json_is_null(error) && result == NULL) {
    const char *data = json_string_value(json_object_get(error, "data"));
    const char *msg = json_string_value(json_object_get(error, "message"));
    return fail(p, CUST_ERR_REMOTE, "%s: the node answered an error: %s", what,
                data  ? data
                : msg ? msg
                      : "(no message)");
  }
  if (result != NULL) {
    if (!json_is_object(result)) {
      return fail(p, CUST_ERR_INVALID, "%s: \"result\" is not an object", what);
    }
    *out = result;
  } else {
    *out = root;
  }
  return CUST_OK;
}

/* A string member (or "" when absent or null), copied into the arena. */
static cust_status get_str(parse *p, json_t *obj, const char *key, const char *what,
                           const char **out) {
  json_t *v = json_object_get(obj, key);
  *out = "";
  if (v == NULL || json_is_null(v)) {
    return CUST_OK;
  }
  if (!json_is_string(v)) {
    return fail(p, CUST_ERR_INVALID, "%s: \"%s\" is not a string", what, key);
  }
  char *s = cust_arena_strndup(&p->b->arena, json_string_value(v), json_string_length(v));
  if (s == NULL) {
    return nomem(p);
  }
  *out = s;
  return CUST_OK;
}

/* A 64-bit height: a decimal string as CometBFT writes it (or a number,
 * which some proxies produce). */
static cust_status get_height(parse *p, json_t *v, const char *what, uint64_t *out) {
  *out = 0;
  if (json_is_integer(v) && json_integer_value(v) >= 0) {
    *out = (uint64_t)json_integer_value(v);
    return CUST_OK;
  }
  const char *s = json_string_value(v);
  if (s == NULL || *s == '\0' || strlen(s) > 20) {
    return fail(p, CUST_ERR_INVALID, "%s: missing or malformed height", what);
  }
  uint64_t h = 0;
  for (const char *c = s; *c; c++) {
    if (!isdigit((unsigned char)*c) || h > (UINT64_MAX - 9) / 10) {
      return fail(p, CUST_ERR_INVALID, "%s: malformed height \"%s\"", what, s);
    }
    h = h * 10 + (uint64_t)(*c - '0');
  }
  *out = h;
  return CUST_OK;
}

/* An event attribute's key or value: plain in 0.37+, base64 in 0.34; a
 * null (the 0.34 form of an empty value) is "". */
static cust_status get_attr_text(parse *p, json_t *v, const char *what, const char **out) {
  *out = "";
  if (v == NULL || json_is_null(v)) {
    return CUST_OK;
  }
  if (!json_is_string(v)) {
    return fail(p, CUST_ERR_INVALID, "event attribute %s is not a string", what);
  }
  const char *s = json_string_value(v);
  size_t n = json_string_length(v);
  if (p->d != CUST_DIALECT_034) {
    char *c = cust_arena_strndup(&p->b->arena, s, n);
    if (c == NULL) {
      return nomem(p);
    }
    *out = c;
    return CUST_OK;
  }
  unsigned char *raw = NULL;
  size_t raw_len = 0;
  cust_status st = cust_base64_decode(s, n, &raw, &raw_len);
  if (st == CUST_ERR_NOMEM) {
    return nomem(p);
  }
  if (st != CUST_OK) {
    return fail(p, CUST_ERR_INVALID,
                "event attribute %s \"%.40s\" is not base64: is the node really 0.34?", what, s);
  }
  char *c = cust_arena_strndup(&p->b->arena, (const char *)raw, raw_len);
  free(raw);
  if (c == NULL) {
    return nomem(p);
  }
  *out = c;
  return CUST_OK;
}

static cust_status parse_events(parse *p, json_t *list, cust_tx *tx) {
  tx->events = NULL;
  tx->nevents = 0;
  if (list == NULL || json_is_null(list)) {
    return CUST_OK;
  }
  if (!json_is_array(list)) {
    return fail(p, CUST_ERR_INVALID, "tx %" PRIu32 ": \"events\" is not a list", tx->index);
  }
  size_t n = json_array_size(list);
  if (n == 0) {
    return CUST_OK;
  }
  tx->events = cust_arena_alloc(&p->b->arena, n * sizeof *tx->events);
  if (tx->events == NULL) {
    return nomem(p);
  }
  for (size_t i = 0; i < n; i++) {
    json_t *ev = json_array_get(list, i);
    cust_event *e = &tx->events[i];
    memset(e, 0, sizeof *e);
    if (!json_is_object(ev)) {
      return fail(p, CUST_ERR_INVALID, "tx %" PRIu32 ": event %zu is not an object", tx->index, i);
    }
    cust_status st = get_str(p, ev, "type", "event", &e->type);
    if (st != CUST_OK) {
      return st;
    }
    json_t *attrs = json_object_get(ev, "attributes");
    if (attrs == NULL || json_is_null(attrs)) {
      continue;
    }
    if (!json_is_array(attrs)) {
      return fail(p, CUST_ERR_INVALID, "tx %" PRIu32 ": event \"%s\" attributes are not a list",
                  tx->index, e->type);
    }
    size_t na = json_array_size(attrs);
    if (na == 0) {
      continue;
    }
    e->attrs = cust_arena_alloc(&p->b->arena, na * sizeof *e->attrs);
    if (e->attrs == NULL) {
      return nomem(p);
    }
    for (size_t j = 0; j < na; j++) {
      json_t *a = json_array_get(attrs, j);
      if (!json_is_object(a)) {
        return fail(p, CUST_ERR_INVALID, "tx %" PRIu32 ": an attribute of \"%s\" is not an object",
                    tx->index, e->type);
      }
      st = get_attr_text(p, json_object_get(a, "key"), "key", &e->attrs[j].key);
      if (st == CUST_OK) {
        st = get_attr_text(p, json_object_get(a, "value"), "value", &e->attrs[j].value);
      }
      if (st != CUST_OK) {
        return st;
      }
      e->nattrs++;
    }
  }
  tx->nevents = n;
  return CUST_OK;
}

static cust_status parse_result(parse *p, json_t *r, cust_tx *tx) {
  if (!json_is_object(r)) {
    return fail(p, CUST_ERR_INVALID, "result of tx %" PRIu32 " is not an object", tx->index);
  }
  json_t *code = json_object_get(r, "code");
  tx->code = 0;
  if (code != NULL && !json_is_null(code)) {
    if (!json_is_integer(code) || json_integer_value(code) < 0 ||
        json_integer_value(code) > (json_int_t)UINT32_MAX) {
      return fail(p, CUST_ERR_INVALID, "result of tx %" PRIu32 ": malformed \"code\"", tx->index);
    }
    tx->code = (uint32_t)json_integer_value(code);
  }
  cust_status st = get_str(p, r, "codespace", "tx result", &tx->codespace);
  if (st == CUST_OK) {
    st = get_str(p, r, "log", "tx result", &tx->log);
  }
  if (st == CUST_OK) {
    st = parse_events(p, json_object_get(r, "events"), tx);
  }
  return st;
}

/* A list member that may be null (CometBFT writes null for empty lists). */
static cust_status get_list(parse *p, json_t *obj, const char *key, const char *what,
                            json_t **out) {
  json_t *v = json_object_get(obj, key);
  *out = NULL;
  if (v == NULL || json_is_null(v)) {
    return CUST_OK;
  }
  if (!json_is_array(v)) {
    return fail(p, CUST_ERR_INVALID, "%s: \"%s\" is not a list", what, key);
  }
  *out = v;
  return CUST_OK;
}

static cust_status parse_joined(parse *p, json_t *block_root, json_t *results_root) {
  cust_block *b = p->b;
  json_t *br = NULL, *rr = NULL;
  cust_status st = unwrap(p, block_root, "block", &br);
  if (st == CUST_OK) {
    st = unwrap(p, results_root, "block results", &rr);
  }
  if (st != CUST_OK) {
    return st;
  }
  json_t *block = json_object_get(br, "block");
  json_t *header = json_object_get(block, "header");
  if (!json_is_object(block) || !json_is_object(header)) {
    return fail(p, CUST_ERR_INVALID, "block: no \"block\".\"header\" object");
  }
  st = get_height(p, json_object_get(header, "height"), "block header", &b->height);
  if (st == CUST_OK) {
    st = get_str(p, header, "chain_id", "block header", &b->chain_id);
  }
  if (st == CUST_OK) {
    st = get_str(p, header, "time", "block header", &b->time);
  }
  if (st == CUST_OK) {
    st = get_str(p, json_object_get(br, "block_id"), "hash", "block_id", &b->hash);
  }
  if (st == CUST_OK) {
    st = get_str(p, json_object_get(header, "last_block_id"), "hash", "last_block_id",
                 &b->last_hash);
  }
  if (st != CUST_OK) {
    return st;
  }
  if (*b->chain_id == '\0') {
    return fail(p, CUST_ERR_INVALID, "block %" PRIu64 ": no chain_id", b->height);
  }

  uint64_t rheight = 0;
  st = get_height(p, json_object_get(rr, "height"), "block results", &rheight);
  if (st != CUST_OK) {
    return st;
  }
  if (rheight != b->height) {
    return fail(p, CUST_ERR_MISMATCH,
                "block results are for height %" PRIu64 " but the block is %" PRIu64, rheight,
                b->height);
  }

  json_t *txs = NULL, *results = NULL;
  st = get_list(p, json_object_get(block, "data"), "txs", "block data", &txs);
  if (st == CUST_OK) {
    st = get_list(p, rr, "txs_results", "block results", &results);
  }
  if (st != CUST_OK) {
    return st;
  }
  size_t ntxs = json_array_size(txs), nres = json_array_size(results);
  if (ntxs != nres) {
    return fail(p, CUST_ERR_MISMATCH,
                "block %" PRIu64 " has %zu transactions but %zu results: the node returned "
                "damaged results (CometBFT before 0.38.10 does for old heights); use another node",
                b->height, ntxs, nres);
  }
  if (ntxs == 0) {
    return CUST_OK;
  }
  if (ntxs > UINT32_MAX) {
    return fail(p, CUST_ERR_INVALID, "block %" PRIu64 ": too many transactions", b->height);
  }
  b->txs = cust_arena_alloc(&b->arena, ntxs * sizeof *b->txs);
  if (b->txs == NULL) {
    return nomem(p);
  }
  for (size_t i = 0; i < ntxs; i++) {
    cust_tx *tx = &b->txs[i];
    memset(tx, 0, sizeof *tx);
    tx->index = (uint32_t)i;
    json_t *t = json_array_get(txs, i);
    if (!json_is_string(t)) {
      return fail(p, CUST_ERR_INVALID, "block %" PRIu64 ": tx %zu is not a string", b->height, i);
    }
    unsigned char *raw = NULL;
    size_t raw_len = 0;
    st = cust_base64_decode(json_string_value(t), json_string_length(t), &raw, &raw_len);
    if (st == CUST_ERR_NOMEM) {
      return nomem(p);
    }
    if (st != CUST_OK) {
      return fail(p, CUST_ERR_INVALID, "block %" PRIu64 ": tx %zu is not base64", b->height, i);
    }
    char why[160];
    st = cust_tx_decode(&b->arena, raw, raw_len, tx, why, sizeof why);
    free(raw);
    if (st == CUST_ERR_NOMEM) {
      return nomem(p);
    }
    if (st != CUST_OK) {
      tx->decode_error = cust_arena_strdup(&b->arena, why);
      if (tx->decode_error == NULL) {
        return nomem(p);
      }
    }
    b->ntxs = i + 1;
    st = parse_result(p, json_array_get(results, i), tx);
    if (st != CUST_OK) {
      return st;
    }
  }
  return CUST_OK;
}

static cust_status load(parse *p, const char *text, size_t len, const char *what, json_t **out) {
  json_error_t jerr;
  *out = NULL;
  if (text == NULL) {
    return fail(p, CUST_ERR_INVALID, "%s: no body", what);
  }
  *out = json_loadb(text, len, 0, &jerr);
  if (*out == NULL) {
    return fail(p, CUST_ERR_INVALID, "%s: malformed JSON at line %d column %d: %s", what, jerr.line,
                jerr.column, jerr.text);
  }
  return CUST_OK;
}

cust_status cust_block_parse(cust_block *b, const char *block_json, size_t block_len,
                             const char *results_json, size_t results_len, cust_dialect d,
                             char *err, size_t errlen) {
  parse p = { b, d, err, errlen };
  json_t *block_root = NULL, *results_root = NULL;
  size_t chunk = b->arena.chunk_size;
  if (err != NULL && errlen > 0) {
    err[0] = '\0';
  }
  /* a block may be parsed into again: forget what it held */
  cust_arena_reset(&b->arena);
  memset(b, 0, offsetof(cust_block, arena));
  b->arena.chunk_size = chunk ? chunk : 64 * 1024;
  b->chain_id = b->time = b->hash = b->last_hash = "";

  cust_status st = load(&p, block_json, block_len, "block", &block_root);
  if (st == CUST_OK) {
    st = load(&p, results_json, results_len, "block results", &results_root);
  }
  if (st == CUST_OK) {
    st = parse_joined(&p, block_root, results_root);
  }
  json_decref(block_root);
  json_decref(results_root);
  return st;
}
