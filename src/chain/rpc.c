/* The JSON-RPC side of following a chain, without the network: what each
 * error body of a CometBFT node means, retry delays, batches of requests and
 * their answers, and the /status and /blockchain answers. */
#include "config.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain.h"

void cust_chain_copy_text(char *dst, size_t n, const char *src) {
  size_t len = strlen(src);
  if (n == 0) {
    return;
  }
  if (len >= n) {
    len = n - 1;
  }
  memcpy(dst, src, len);
  dst[len] = '\0';
}

const char *cust_chain_kind_name(chain_kind k) {
  switch (k) {
    case CHAIN_OK:
      return "ok";
    case CHAIN_NOT_YET:
      return "not yet";
    case CHAIN_PRUNED:
      return "pruned";
    case CHAIN_TRANSIENT:
      return "transient";
    case CHAIN_OTHER:
      return "other";
  }
  return "other";
}

static uint64_t parse_u64_at(const char *s) {
  uint64_t v = 0;
  while (*s == ' ' || *s == '#') {
    s++;
  }
  for (; isdigit((unsigned char)*s); s++) {
    if (v > (UINT64_MAX - 9) / 10) {
      return 0;
    }
    v = v * 10 + (uint64_t)(*s - '0');
  }
  return v;
}

chain_kind cust_chain_classify_text(const char *text, uint64_t *lowest) {
  static const char pruned[] = "is not available, lowest height is";
  const char *p;
  if (lowest != NULL) {
    *lowest = 0;
  }
  if (text == NULL) {
    return CHAIN_OTHER;
  }
  if (strstr(text, "must be less than or equal to the current blockchain height") != NULL ||
      strstr(text, "could not find results for height") != NULL ||
      strstr(text, "can't be greater than max height") != NULL) {
    return CHAIN_NOT_YET;
  }
  if ((p = strstr(text, pruned)) != NULL) {
    if (lowest != NULL) {
      *lowest = parse_u64_at(p + sizeof pruned - 1);
    }
    return CHAIN_PRUNED;
  }
  return CHAIN_OTHER;
}

static void put_msg(char *msg, size_t msglen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void put_msg(char *msg, size_t msglen, const char *fmt, ...) {
  if (msg == NULL || msglen == 0) {
    return;
  }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, msglen, fmt, ap);
  va_end(ap);
}

/* The text of a JSON-RPC error object: its data, else its message. */
static const char *error_text(json_t *error) {
  const char *data = json_string_value(json_object_get(error, "data"));
  const char *message = json_string_value(json_object_get(error, "message"));
  if (data != NULL && *data != '\0') {
    return data;
  }
  if (message != NULL) {
    return message;
  }
  return json_is_string(error) ? json_string_value(error) : "(no message)";
}

/* The kind of a JSON-RPC error object. An "Internal error" (-32603) that is
 * none of the known ones is taken as transient: CometBFT answers that way
 * when its stores time out under load. Other codes (unknown method, bad
 * parameters) will not go away by waiting. */
static chain_kind classify_error(json_t *error, uint64_t *lowest) {
  chain_kind k = cust_chain_classify_text(error_text(error), lowest);
  json_t *code = json_object_get(error, "code");
  if (k == CHAIN_OTHER && json_is_integer(code) && json_integer_value(code) == -32603 &&
      strstr(error_text(error), "transaction indexing is disabled") == NULL) {
    k = CHAIN_TRANSIENT;
  }
  return k;
}

chain_kind cust_chain_classify(int curl_failed, long http_status, const char *body, size_t len,
                               uint64_t *lowest, char *msg, size_t msglen) {
  json_error_t jerr;
  chain_kind k;
  if (lowest != NULL) {
    *lowest = 0;
  }
  put_msg(msg, msglen, "%s", "");
  if (curl_failed) {
    put_msg(msg, msglen, "%s", "no answer (timeout, refused or cut off)");
    return CHAIN_TRANSIENT;
  }
  if (http_status == 429 || http_status == 408 || http_status >= 502) {
    put_msg(msg, msglen, "HTTP %ld", http_status);
    return CHAIN_TRANSIENT;
  }
  json_t *root = body != NULL ? json_loadb(body, len, 0, &jerr) : NULL;
  if (root == NULL) {
    put_msg(msg, msglen, "HTTP %ld with a body that is not JSON (cut off?)", http_status);
    return CHAIN_TRANSIENT;
  }
  json_t *error = json_object_get(root, "error");
  json_t *result = json_object_get(root, "result");
  if (error != NULL && !json_is_null(error)) {
    k = classify_error(error, lowest);
    put_msg(msg, msglen, "%s", error_text(error));
  } else if (json_is_object(result) && http_status == 200) {
    k = CHAIN_OK;
  } else if (http_status >= 500) {
    put_msg(msg, msglen, "HTTP %ld", http_status);
    k = CHAIN_TRANSIENT;
  } else {
    put_msg(msg, msglen, "HTTP %ld without a JSON-RPC result", http_status);
    k = CHAIN_OTHER;
  }
  json_decref(root);
  return k;
}

uint64_t cust_chain_backoff_ms(unsigned failures, uint64_t base_ms, uint64_t cap_ms, uint64_t rnd) {
  uint64_t d = base_ms;
  if (failures == 0 || base_ms == 0) {
    return 0;
  }
  for (unsigned i = 1; i < failures && d < cap_ms; i++) {
    d = d > UINT64_MAX / 2 ? UINT64_MAX : d * 2;
  }
  if (d > cap_ms) {
    d = cap_ms;
  }
  if (d < 2) {
    return d ? d : 1;
  }
  return d / 2 + rnd % (d - d / 2 + 1);
}

uint64_t cust_chain_rand(uint64_t *state) {
  uint64_t x = *state ? *state : 0x9e3779b97f4a7c15u;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  *state = x;
  return x;
}

/* ---- batches ----------------------------------------------------------------- */

cust_status cust_chain_batch_build(cust_buf *out, const chain_req *reqs, size_t n) {
  cust_status st = cust_buf_putc(out, '[');
  for (size_t i = 0; st == CUST_OK && i < n; i++) {
    st = cust_buf_printf(out,
                         "%s{\"jsonrpc\":\"2.0\",\"id\":%zu,\"method\":\"%s\","
                         "\"params\":{\"height\":\"%llu\"}}",
                         i ? "," : "", i, reqs[i].is_results ? "block_results" : "block",
                         (unsigned long long)reqs[i].height);
  }
  if (st == CUST_OK) {
    st = cust_buf_putc(out, ']');
  }
  return st;
}

void cust_chain_reply_clear(chain_reply *r) {
  if (r == NULL) {
    return;
  }
  free(r->json);
  memset(r, 0, sizeof *r);
}

static void set_all(chain_reply *replies, size_t n, chain_kind k, uint64_t lowest,
                    const char *text) {
  for (size_t i = 0; i < n; i++) {
    cust_chain_reply_clear(&replies[i]);
    replies[i].kind = k;
    replies[i].lowest = lowest;
    cust_chain_copy_text(replies[i].msg, sizeof replies[i].msg, text);
  }
}

/* A batch answer holds whole blocks. Parsing it into a tree only to print
 * each result back for cust_block_parse doubled the JSON work, so the
 * answer is scanned instead: brackets matched, strings skipped, members
 * found, nothing built. Each result's text is then parsed once, by
 * cust_block_parse, which validates it. */

#define SCAN_MAX_DEPTH 256

typedef struct span {
  const char *p;
  size_t n;
} span;

static const char *scan_ws(const char *p, const char *end) {
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
    p++;
  }
  return p;
}

/* p at '"': just past the closing quote, or NULL when cut off. */
static const char *scan_string(const char *p, const char *end) {
  for (p++; p < end; p++) {
    if (*p == '\\') {
      if (++p >= end) {
        return NULL;
      }
    } else if (*p == '"') {
      return p + 1;
    }
  }
  return NULL;
}

/* p at a value: just past it, or NULL when it is cut off, its brackets do
 * not match or it nests too deeply. Scalars are taken as they come. */
static const char *scan_value(const char *p, const char *end) {
  char stack[SCAN_MAX_DEPTH];
  size_t depth = 0;
  if (p >= end) {
    return NULL;
  }
  if (*p == '"') {
    return scan_string(p, end);
  }
  if (*p != '{' && *p != '[') {
    const char *q = p;
    while (q < end && *q != ',' && *q != '}' && *q != ']' && *q != ' ' && *q != '\t' &&
           *q != '\n' && *q != '\r' && *q != '\0') {
      q++;
    }
    return q > p ? q : NULL;
  }
  while (p < end) {
    char ch = *p;
    if (ch == '"') {
      p = scan_string(p, end);
      if (p == NULL) {
        return NULL;
      }
      continue;
    }
    if (ch == '{' || ch == '[') {
      if (depth == SCAN_MAX_DEPTH) {
        return NULL;
      }
      stack[depth++] = ch == '{' ? '}' : ']';
    } else if (ch == '}' || ch == ']') {
      if (depth == 0 || stack[--depth] != ch) {
        return NULL;
      }
      if (depth == 0) {
        return p + 1;
      }
    }
    p++;
  }
  return NULL;
}

/* p at '{' of one reply: its "id", "result" and "error" members (n = 0
 * when absent); *after is just past the object. -1 when malformed. */
static int scan_reply(const char *p, const char *end, span *id, span *result, span *error,
                      const char **after) {
  const char *close = scan_value(p, end);
  if (close == NULL) {
    return -1;
  }
  *after = close;
  const char *e = close - 1; /* the closing brace */
  p = scan_ws(p + 1, e);
  while (p < e) {
    if (*p != '"') {
      return -1;
    }
    const char *k = p + 1;
    const char *ke = scan_string(p, e);
    if (ke == NULL) {
      return -1;
    }
    size_t klen = (size_t)(ke - 1 - k);
    p = scan_ws(ke, e);
    if (p >= e || *p != ':') {
      return -1;
    }
    const char *v = scan_ws(p + 1, e);
    const char *ve = scan_value(v, e);
    if (ve == NULL) {
      return -1;
    }
    span sp = { v, (size_t)(ve - v) };
    if (klen == 2 && memcmp(k, "id", 2) == 0) {
      *id = sp;
    } else if (klen == 6 && memcmp(k, "result", 6) == 0) {
      *result = sp;
    } else if (klen == 5 && memcmp(k, "error", 5) == 0) {
      *error = sp;
    }
    p = scan_ws(ve, e);
    if (p < e) {
      if (*p != ',') {
        return -1;
      }
      p = scan_ws(p + 1, e);
      if (p >= e) {
        return -1; /* a trailing comma */
      }
    }
  }
  return 0;
}

/* The index named by an id: digits, quoted or not. -1 when none fits. */
static int span_index(span id, size_t n, size_t *out) {
  const char *p = id.p;
  size_t len = id.n;
  if (len >= 2 && p[0] == '"' && p[len - 1] == '"') {
    p++;
    len -= 2;
  }
  if (len == 0 || len > 9) {
    return -1;
  }
  size_t v = 0;
  for (size_t i = 0; i < len; i++) {
    if (p[i] < '0' || p[i] > '9') {
      return -1;
    }
    v = v * 10 + (size_t)(p[i] - '0');
  }
  if (v >= n) {
    return -1;
  }
  *out = v;
  return 0;
}

static cust_status take_reply(chain_reply *replies, size_t n, span id, span result, span error) {
  size_t at = 0;
  if (id.n == 0 || span_index(id, n, &at) != 0) {
    return CUST_OK; /* not one of ours */
  }
  chain_reply *r = &replies[at];
  cust_chain_reply_clear(r);
  if (error.n > 0 && !(error.n == 4 && memcmp(error.p, "null", 4) == 0)) {
    json_error_t jerr;
    json_t *e = json_loadb(error.p, error.n, JSON_DECODE_ANY, &jerr);
    if (e == NULL) {
      r->kind = CHAIN_TRANSIENT;
      cust_chain_copy_text(r->msg, sizeof r->msg, "a malformed error in the answer");
      return CUST_OK;
    }
    r->kind = classify_error(e, &r->lowest);
    cust_chain_copy_text(r->msg, sizeof r->msg, error_text(e));
    json_decref(e);
  } else if (result.n > 0 && result.p[0] == '{') {
    r->json = malloc(result.n + 1);
    if (r->json == NULL) {
      return CUST_ERR_NOMEM;
    }
    memcpy(r->json, result.p, result.n);
    r->json[result.n] = '\0';
    r->len = result.n;
    r->kind = CHAIN_OK;
  } else {
    r->kind = CHAIN_OTHER;
    cust_chain_copy_text(r->msg, sizeof r->msg, "a reply without result or error");
  }
  return CUST_OK;
}

cust_status cust_chain_batch_parse(const char *body, size_t len, chain_reply *replies, size_t n) {
  json_error_t jerr;
  set_all(replies, n, CHAIN_TRANSIENT, 0, "no answer to this request in the batch");
  const char *end = body != NULL ? body + len : NULL;
  const char *p = body != NULL ? scan_ws(body, end) : NULL;
  if (p != NULL && p < end && *p == '[') {
    p = scan_ws(p + 1, end);
    if (p < end && *p == ']') {
      return CUST_OK;
    }
    while (p < end) {
      const char *after = NULL;
      if (*p == '{') {
        span id = { NULL, 0 }, result = { NULL, 0 }, error = { NULL, 0 };
        if (scan_reply(p, end, &id, &result, &error, &after) != 0) {
          break;
        }
        if (take_reply(replies, n, id, result, error) != CUST_OK) {
          set_all(replies, n, CHAIN_TRANSIENT, 0, "out of memory");
          return CUST_ERR_NOMEM;
        }
      } else if ((after = scan_value(p, end)) == NULL) {
        break;
      }
      p = scan_ws(after, end);
      if (p < end && *p == ']') {
        return CUST_OK;
      }
      if (p >= end || *p != ',') {
        break;
      }
      p = scan_ws(p + 1, end);
    }
    set_all(replies, n, CHAIN_TRANSIENT, 0, "the answer is not JSON (cut off?)");
    return CUST_OK;
  }
  json_t *root = body != NULL ? json_loadb(body, len, 0, &jerr) : NULL;
  if (root == NULL) {
    set_all(replies, n, CHAIN_TRANSIENT, 0, "the answer is not JSON (cut off?)");
    return CUST_OK;
  }
  json_t *error = json_object_get(root, "error");
  uint64_t lowest = 0;
  if (json_is_object(root) && error != NULL && !json_is_null(error)) {
    chain_kind k = classify_error(error, &lowest);
    set_all(replies, n, k, lowest, error_text(error));
  } else {
    set_all(replies, n, CHAIN_OTHER, 0, "a batch was answered with one object");
  }
  json_decref(root);
  return CUST_OK;
}

/* ---- /status and /blockchain --------------------------------------------------- */

/* A height written as a decimal string (or a number). */
static int get_u64(json_t *v, uint64_t *out) {
  *out = 0;
  if (json_is_integer(v) && json_integer_value(v) >= 0) {
    *out = (uint64_t)json_integer_value(v);
    return 0;
  }
  const char *s = json_string_value(v);
  if (s == NULL || *s == '\0' || strlen(s) > 19 || strspn(s, "0123456789") != strlen(s)) {
    return -1;
  }
  *out = parse_u64_at(s);
  return 0;
}

static void copy_str(char *dst, size_t n, json_t *v) {
  const char *s = json_string_value(v);
  snprintf(dst, n, "%s", s ? s : "");
}

static json_t *load_result(const char *body, size_t len, char *msg, size_t msglen, json_t **root) {
  json_error_t jerr;
  *root = body != NULL ? json_loadb(body, len, 0, &jerr) : NULL;
  if (*root == NULL) {
    put_msg(msg, msglen, "%s", "the answer is not JSON");
    return NULL;
  }
  json_t *result = json_object_get(*root, "result");
  if (result == NULL && json_is_object(*root) && json_object_get(*root, "error") == NULL) {
    result = *root;
  }
  if (!json_is_object(result)) {
    put_msg(msg, msglen, "%s", "the answer has no result");
    return NULL;
  }
  return result;
}

cust_status cust_chain_parse_status(const char *body, size_t len, chain_status *out, char *msg,
                                    size_t msglen) {
  json_t *root = NULL;
  memset(out, 0, sizeof *out);
  json_t *result = load_result(body, len, msg, msglen, &root);
  cust_status st = CUST_ERR_INVALID;
  if (result != NULL) {
    json_t *ni = json_object_get(result, "node_info");
    json_t *si = json_object_get(result, "sync_info");
    copy_str(out->network, sizeof out->network, json_object_get(ni, "network"));
    copy_str(out->version, sizeof out->version, json_object_get(ni, "version"));
    out->is_catching_up = json_is_true(json_object_get(si, "catching_up"));
    json_t *earliest = json_object_get(si, "earliest_block_height");
    if (out->network[0] == '\0' || out->version[0] == '\0') {
      put_msg(msg, msglen, "%s", "/status has no node_info.network or node_info.version");
    } else if (get_u64(json_object_get(si, "latest_block_height"), &out->latest) != 0) {
      put_msg(msg, msglen, "%s", "/status has no sync_info.latest_block_height");
    } else if (earliest != NULL && get_u64(earliest, &out->earliest) != 0) {
      put_msg(msg, msglen, "%s", "/status has a malformed sync_info.earliest_block_height");
    } else {
      st = CUST_OK;
    }
  }
  json_decref(root);
  return st;
}

cust_status cust_chain_parse_metas(const char *body, size_t len, uint64_t min, uint64_t max,
                                   chain_meta *out, uint64_t *last_height, char *msg,
                                   size_t msglen) {
  json_t *root = NULL;
  cust_status st = CUST_ERR_INVALID;
  *last_height = 0;
  if (max < min) {
    return CUST_ERR_INVALID;
  }
  memset(out, 0, (size_t)(max - min + 1) * sizeof *out);
  json_t *result = load_result(body, len, msg, msglen, &root);
  if (result == NULL) {
    goto cleanup;
  }
  if (get_u64(json_object_get(result, "last_height"), last_height) != 0) {
    put_msg(msg, msglen, "%s", "/blockchain has no last_height");
    goto cleanup;
  }
  json_t *metas = json_object_get(result, "block_metas");
  if (metas != NULL && !json_is_null(metas) && !json_is_array(metas)) {
    put_msg(msg, msglen, "%s", "/blockchain block_metas is not a list");
    goto cleanup;
  }
  for (size_t i = 0; i < json_array_size(metas); i++) {
    json_t *m = json_array_get(metas, i);
    json_t *header = json_object_get(m, "header");
    uint64_t h = 0, ntx = 0;
    if (get_u64(json_object_get(header, "height"), &h) != 0 ||
        get_u64(json_object_get(m, "num_txs"), &ntx) != 0) {
      put_msg(msg, msglen, "%s", "/blockchain has a meta without height or num_txs");
      goto cleanup;
    }
    if (h < min || h > max) {
      continue;
    }
    chain_meta *o = &out[h - min];
    o->height = h;
    o->num_txs = ntx;
    copy_str(o->hash, sizeof o->hash, json_object_get(json_object_get(m, "block_id"), "hash"));
    copy_str(o->last_hash, sizeof o->last_hash,
             json_object_get(json_object_get(header, "last_block_id"), "hash"));
    copy_str(o->chain_id, sizeof o->chain_id, json_object_get(header, "chain_id"));
    copy_str(o->time, sizeof o->time, json_object_get(header, "time"));
    o->is_present = 1;
  }
  st = CUST_OK;
cleanup:
  json_decref(root);
  return st;
}

cust_status cust_chain_normalize_url(const char *in, char *out, size_t outlen) {
  const char *rest = in;
  const char *scheme = "http://";
  if (in == NULL || *in == '\0') {
    return CUST_ERR_INVALID;
  }
  if (strncmp(in, "http://", 7) == 0) {
    rest = in + 7;
  } else if (strncmp(in, "https://", 8) == 0) {
    scheme = "https://";
    rest = in + 8;
  } else if (strncmp(in, "tcp://", 6) == 0) {
    rest = in + 6;
  } else if (strstr(in, "://") != NULL) {
    return CUST_ERR_INVALID;
  }
  /* The query (an API key for a hosted node) is kept apart from the path,
   * so that request paths go before it. */
  size_t n = strcspn(rest, "?#");
  const char *query = rest[n] == '?' ? rest + n + 1 : "";
  size_t qn = strcspn(query, "#");
  while (n > 0 && rest[n - 1] == '/') {
    n--;
  }
  if (n == 0 || rest[0] == '/' || rest[0] == '@') {
    return CUST_ERR_INVALID;
  }
  int w =
      snprintf(out, outlen, "%s%.*s%s%.*s", scheme, (int)n, rest, qn ? "?" : "", (int)qn, query);
  if (w < 0 || (size_t)w >= outlen) {
    return CUST_ERR_INVALID;
  }
  return CUST_OK;
}

cust_status cust_chain_check_url(const char *url) {
  char tmp[CHAIN_URL_MAX];
  return cust_chain_normalize_url(url, tmp, sizeof tmp);
}
