/* The devnet's HTTP server (libmicrohttpd, one thread per connection, keep-
 * alive): the CometBFT JSON-RPC routes, a head that grows with time, pruned
 * heights, and injected faults.
 *
 * Routes:
 *   GET  /status, /health, /block?height=N, /block_results?height=N,
 *        /blockchain?minHeight=A&maxHeight=B   CometBFT JSON-RPC (id -1);
 *        errors are HTTP 500 with a JSON-RPC error body; /tx_search always
 *        answers "transaction indexing is disabled"
 *   POST /   one JSON-RPC request, or a batch (array) of at most 10; errors
 *        in the body with HTTP 200; a bad body is 500 (parse error), a batch
 *        over 10 is 400
 *   GET  /devnet/manifest[?height=N]  the manifest of heights 1..N (default:
 *        the head), see manifest.c; 404 on a chain with --empty-blocks
 *   GET  /devnet/info  chain id, seed, scale, contracts, head, earliest
 * Faults (--faults RATE): request r fails when hash(seed, r) < RATE; the
 * failures take turns: 500 JSON-RPC error, 502 HTML, 429, a cut-off body,
 * a 3 s stall (then the right answer). The devnet routes never fail. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "devnet.h"
#include "devnet_int.h"

#define MAX_BATCH 10
#define MAX_BODY (1u << 20)
#define STALL_MS 3000
#define HASH_CACHE 4096

typedef struct hash_slot {
  uint64_t height; /* 0: empty */
  char hash[65];
} hash_slot;

struct cust_devnet {
  cust_devnet_world w;
  cust_devnet_config cfg;
  char listen[256];
  char chain_id[128];
  char url[300];
  const cust_logger *log;
  struct MHD_Daemon *mhd;
  uint64_t t0;
  uint64_t base; /* the head at start, and the earliest height served */
  atomic_uint_fast64_t requests;
  atomic_uint_fast64_t nfaults;
  atomic_int is_stopping;
  pthread_mutex_t lock; /* guards the hash cache */
  hash_slot cache[HASH_CACHE];
};

void cust_devnet_config_init(cust_devnet_config *c) {
  memset(c, 0, sizeof *c);
  c->listen = "127.0.0.1:26657";
  c->seed = 1;
  c->blocks = 0;
  c->block_time_ms = 1000;
  c->faults = 0.0;
  c->dialect = CUST_DIALECT_038;
  c->scale = 1;
  c->earliest = 0;
  c->chain_id = NULL;
  c->contract = CUST_CONTRACT_AXONE_V8;
  c->manifest_path = NULL;
}

const char *cust_devnet_url(const cust_devnet *d) {
  return d != NULL ? d->url : "";
}

const char *cust_devnet_dataverse(const cust_devnet *d) {
  return d != NULL ? d->w.dataverse : "";
}

/* ---- the chain as time goes by ------------------------------------------ */

static uint64_t head_of(const cust_devnet *d) {
  if (d->cfg.block_time_ms == 0) {
    return d->cfg.blocks;
  }
  uint64_t h = d->base + (cust_now_ms() - d->t0) / d->cfg.block_time_ms;
  if (d->cfg.blocks != 0 && h > d->cfg.blocks) {
    h = d->cfg.blocks;
  }
  return h;
}

/* Whether the results of the tip are "not saved yet": in the first half of
 * a block interval, for about half of the heights, while the chain grows. */
static int results_pending(const cust_devnet *d, uint64_t h, uint64_t head) {
  if (d->cfg.block_time_ms == 0 || h != head || (d->cfg.blocks != 0 && head >= d->cfg.blocks)) {
    return 0;
  }
  uint64_t since = (cust_now_ms() - d->t0) - (head - d->base) * d->cfg.block_time_ms;
  return since < d->cfg.block_time_ms / 2 &&
         cust_devnet_hash(d->w.seed, 0x70656e64, h, 0, 0) % 2 == 0;
}

/* Builds block h and remembers its hash, which the next height's link needs. */
static cust_status build(cust_devnet *d, uint64_t h, cust_devnet_block *b) {
  cust_status st = cust_devnet_block_build(&d->w, h, b, NULL);
  if (st != CUST_OK) {
    cust_log(d->log, CUST_LOG_ERROR, "devnet: cannot build block %" PRIu64 ": %s", h,
             cust_strerror(st));
    return st;
  }
  hash_slot *s = &d->cache[h % HASH_CACHE];
  pthread_mutex_lock(&d->lock);
  s->height = h;
  memcpy(s->hash, b->hash, 65);
  pthread_mutex_unlock(&d->lock);
  return st;
}

/* The hash of block h, from the cache or by building it. */
static cust_status hash_at(cust_devnet *d, uint64_t h, char out[65]) {
  hash_slot *s = &d->cache[h % HASH_CACHE];
  pthread_mutex_lock(&d->lock);
  int hit = s->height == h;
  if (hit) {
    memcpy(out, s->hash, 65);
  }
  pthread_mutex_unlock(&d->lock);
  if (hit) {
    return CUST_OK;
  }
  cust_devnet_block b;
  cust_devnet_block_init(&b);
  cust_status st = build(d, h, &b);
  if (st == CUST_OK) {
    memcpy(out, b.hash, 65);
  }
  cust_devnet_block_release(&b);
  return st;
}

/* The previous block of `b`, with only what the link needs (its hash). */
static cust_status prev_of(cust_devnet *d, uint64_t h, cust_devnet_block *prev, int *has) {
  *has = 0;
  if (h <= 1) {
    return CUST_OK;
  }
  memset(prev, 0, sizeof *prev);
  prev->height = h - 1;
  cust_status st = hash_at(d, h - 1, prev->hash);
  *has = st == CUST_OK;
  return st;
}

/* ---- JSON-RPC methods --------------------------------------------------------- */

typedef struct rpc_err {
  int code;
  const char *message;
  char data[256];
} rpc_err;

/* Parameters as text, from the query string or the JSON params. */
typedef struct rpc_params {
  const char *height, *min, *max;
} rpc_params;

static int set_err(rpc_err *e, int code, const char *message, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int set_err(rpc_err *e, int code, const char *message, const char *fmt, ...) {
  va_list ap;
  e->code = code;
  e->message = message;
  va_start(ap, fmt);
  vsnprintf(e->data, sizeof e->data, fmt, ap);
  va_end(ap);
  return -1;
}

/* Reads an optional integer parameter: absent -> *present 0. CometBFT
 * accepts 10 and "10" in the query string. */
static int param_i64(const char *name, const char *v, int64_t *out, int *present, rpc_err *e) {
  *out = 0;
  *present = 0;
  if (v == NULL || v[0] == '\0') {
    return 0;
  }
  char tmp[64];
  size_t n = strlen(v);
  if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
    if (n - 2 >= sizeof tmp) {
      n = sizeof tmp + 1;
    }
    snprintf(tmp, sizeof tmp, "%.*s", (int)(n - 2), v + 1);
    v = tmp;
  }
  char *end = NULL;
  errno = 0;
  long long x = strtoll(v, &end, 10);
  if (errno != 0 || end == v || *end != '\0') {
    return set_err(e, -32602, "Invalid params",
                   "error converting http params to arguments: failed to parse param %s: "
                   "strconv.ParseInt: parsing \"%.64s\": invalid syntax",
                   name, v);
  }
  *out = x;
  *present = 1;
  return 0;
}

/* Checks a requested height against the chain: CometBFT's messages. */
static int check_height(cust_devnet *d, const char *v, uint64_t *h, rpc_err *e) {
  int64_t x = 0;
  int present = 0;
  uint64_t head = head_of(d);
  if (param_i64("height", v, &x, &present, e) != 0) {
    return -1;
  }
  if (!present) {
    *h = head;
    return 0;
  }
  if (x <= 0) {
    return set_err(e, -32603, "Internal error", "height must be greater than 0, but got %lld",
                   (long long)x);
  }
  if ((uint64_t)x > head) {
    return set_err(
        e, -32603, "Internal error",
        "height %lld must be less than or equal to the current blockchain height %" PRIu64,
        (long long)x, head);
  }
  if ((uint64_t)x < d->base) {
    return set_err(e, -32603, "Internal error",
                   "height %lld is not available, lowest height is %" PRIu64, (long long)x,
                   d->base);
  }
  *h = (uint64_t)x;
  return 0;
}

static int internal(rpc_err *e, cust_status st) {
  return set_err(e, -32603, "Internal error", "devnet: %s", cust_strerror(st));
}

static int m_block(cust_devnet *d, const rpc_params *p, cust_buf *out, rpc_err *e) {
  uint64_t h = 0;
  if (check_height(d, p->height, &h, e) != 0) {
    return -1;
  }
  cust_devnet_block b, prev;
  int has_prev = 0;
  cust_devnet_block_init(&b);
  cust_status st = build(d, h, &b);
  if (st == CUST_OK) {
    st = prev_of(d, h, &prev, &has_prev);
  }
  if (st == CUST_OK) {
    st = cust_devnet_render_block(out, &d->w, &b, has_prev ? &prev : NULL);
  }
  cust_devnet_block_release(&b);
  return st == CUST_OK ? 0 : internal(e, st);
}

static int m_block_results(cust_devnet *d, const rpc_params *p, cust_buf *out, rpc_err *e) {
  uint64_t h = 0;
  if (check_height(d, p->height, &h, e) != 0) {
    return -1;
  }
  if (results_pending(d, h, head_of(d))) {
    return set_err(e, -32603, "Internal error", "could not find results for height #%" PRIu64, h);
  }
  cust_devnet_block b;
  cust_devnet_block_init(&b);
  cust_status st = build(d, h, &b);
  if (st == CUST_OK) {
    st = cust_devnet_render_results(out, &d->w, &b, d->cfg.dialect);
  }
  cust_devnet_block_release(&b);
  return st == CUST_OK ? 0 : internal(e, st);
}

static int m_blockchain(cust_devnet *d, const rpc_params *p, cust_buf *out, rpc_err *e) {
  int64_t lo = 0, hi = 0;
  int has_lo = 0, has_hi = 0;
  uint64_t head = head_of(d);
  if (param_i64("minHeight", p->min, &lo, &has_lo, e) != 0 ||
      param_i64("maxHeight", p->max, &hi, &has_hi, e) != 0) {
    return -1;
  }
  if (lo < 0 || hi < 0) {
    return set_err(e, -32603, "Internal error", "heights must be non-negative");
  }
  if (lo == 0) {
    lo = 1;
  }
  if (hi == 0 || (uint64_t)hi > head) {
    hi = (int64_t)head;
  }
  if ((uint64_t)lo < d->base) {
    lo = (int64_t)d->base;
  }
  if (lo < hi - 19) {
    lo = hi - 19;
  }
  if (lo > hi) {
    return set_err(e, -32603, "Internal error",
                   "min height %lld can't be greater than max height %lld", (long long)lo,
                   (long long)hi);
  }
  cust_status st = cust_buf_printf(out, "{\"last_height\":\"%" PRIu64 "\",\"block_metas\":[", head);
  cust_devnet_block b, prev;
  cust_devnet_block_init(&b);
  for (int64_t h = hi; st == CUST_OK && h >= lo; h--) {
    int has_prev = 0;
    st = build(d, (uint64_t)h, &b);
    if (st == CUST_OK) {
      st = prev_of(d, (uint64_t)h, &prev, &has_prev);
    }
    if (st == CUST_OK && h != hi) {
      st = cust_buf_putc(out, ',');
    }
    if (st == CUST_OK) {
      st = cust_devnet_render_meta(out, &d->w, &b, has_prev ? &prev : NULL);
    }
  }
  cust_devnet_block_release(&b);
  if (st == CUST_OK) {
    st = cust_buf_puts(out, "]}");
  }
  return st == CUST_OK ? 0 : internal(e, st);
}

static int m_status(cust_devnet *d, const rpc_params *p, cust_buf *out, rpc_err *e) {
  (void)p;
  uint64_t head = head_of(d);
  cust_devnet_block latest, earliest;
  memset(&latest, 0, sizeof latest);
  memset(&earliest, 0, sizeof earliest);
  latest.height = head;
  earliest.height = d->base;
  cust_devnet_block_time(&d->w, head, latest.time);
  cust_devnet_block_time(&d->w, d->base, earliest.time);
  cust_status st = hash_at(d, head, latest.hash);
  if (st == CUST_OK) {
    st = hash_at(d, d->base, earliest.hash);
  }
  if (st == CUST_OK) {
    st = cust_devnet_render_status(out, &d->w, &latest, &earliest, d->cfg.dialect);
  }
  return st == CUST_OK ? 0 : internal(e, st);
}

static int m_health(cust_devnet *d, const rpc_params *p, cust_buf *out, rpc_err *e) {
  (void)d;
  (void)p;
  return cust_buf_puts(out, "{}") == CUST_OK ? 0 : internal(e, CUST_ERR_NOMEM);
}

/* This node keeps no transaction index, like most public OKP4 nodes. */
static int m_tx_search(cust_devnet *d, const rpc_params *p, cust_buf *out, rpc_err *e) {
  (void)d;
  (void)p;
  (void)out;
  return set_err(e, -32603, "Internal error", "transaction indexing is disabled");
}

typedef int (*rpc_fn)(cust_devnet *d, const rpc_params *p, cust_buf *out, rpc_err *e);

typedef struct rpc_method {
  const char *name;
  rpc_fn fn;
  const char *args[2]; /* positional parameter names */
} rpc_method;

static const rpc_method methods[] = {
  { .name = "status", .fn = m_status },
  { .name = "health", .fn = m_health },
  { .name = "block", .fn = m_block, .args = { "height", NULL } },
  { .name = "block_results", .fn = m_block_results, .args = { "height", NULL } },
  { .name = "blockchain", .fn = m_blockchain, .args = { "minHeight", "maxHeight" } },
  { .name = "tx_search", .fn = m_tx_search },
  { .name = NULL },
};

static const rpc_method *find_method(const char *name) {
  for (const rpc_method *m = methods; m->name != NULL; m++) {
    if (strcmp(m->name, name) == 0) {
      return m;
    }
  }
  return NULL;
}

/* Appends one JSON-RPC response with the given id (raw JSON). */
static cust_status put_response(cust_buf *o, const char *id, int rc, const cust_buf *result,
                                const rpc_err *e) {
  cust_status st = cust_buf_printf(o, "{\"jsonrpc\":\"2.0\",\"id\":%s,", id);
  if (st == CUST_OK && rc == 0) {
    st = cust_buf_puts(o, "\"result\":");
    if (st == CUST_OK) {
      st = cust_buf_append(o, result->data != NULL ? result->data : "{}",
                           result->data != NULL ? result->len : 2);
    }
  } else if (st == CUST_OK) {
    st = cust_buf_printf(o, "\"error\":{\"code\":%d,\"message\":\"%s\",\"data\":", e->code,
                         e->message);
    if (st == CUST_OK) {
      st = cust_json_cstr(o, e->data);
    }
    if (st == CUST_OK) {
      st = cust_buf_putc(o, '}');
    }
  }
  if (st == CUST_OK) {
    st = cust_buf_putc(o, '}');
  }
  return st;
}

/* ---- HTTP ------------------------------------------------------------------------ */

typedef struct conn {
  cust_buf body;
  int is_too_large;
} conn;

typedef struct cutoff {
  char *data;
  size_t len, sent;
} cutoff;

static ssize_t cutoff_read(void *cls, uint64_t pos, char *buf, size_t max) {
  cutoff *c = cls;
  if (pos >= c->len / 2) {
    return MHD_CONTENT_READER_END_WITH_ERROR;
  }
  size_t n = c->len / 2 - (size_t)pos;
  if (n > max) {
    n = max;
  }
  memcpy(buf, c->data + pos, n);
  return (ssize_t)n;
}

static void cutoff_free(void *cls) {
  cutoff *c = cls;
  if (c != NULL) {
    free(c->data);
    free(c);
  }
}

static enum MHD_Result send_text(struct MHD_Connection *mc, unsigned int status, const char *type,
                                 const char *body, size_t len) {
  struct MHD_Response *r =
      MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY);
  if (r == NULL) {
    return MHD_NO;
  }
  MHD_add_response_header(r, "Content-Type", type);
  enum MHD_Result ret = MHD_queue_response(mc, status, r);
  MHD_destroy_response(r);
  return ret;
}

/* Sends `body` whole, or, for the cut-off fault, only its first half before
 * the connection is dropped. */
static enum MHD_Result send_json(struct MHD_Connection *mc, unsigned int status, cust_buf *body,
                                 int cut) {
  if (!cut) {
    return send_text(mc, status, "application/json", body->data != NULL ? body->data : "",
                     body->len);
  }
  cutoff *c = calloc(1, sizeof *c);
  if (c == NULL) {
    return MHD_NO;
  }
  c->data = cust_buf_steal(body, &c->len);
  struct MHD_Response *r =
      MHD_create_response_from_callback(c->len, 16 * 1024, cutoff_read, c, cutoff_free);
  if (r == NULL) {
    cutoff_free(c);
    return MHD_NO;
  }
  MHD_add_response_header(r, "Content-Type", "application/json");
  enum MHD_Result ret = MHD_queue_response(mc, status, r);
  MHD_destroy_response(r);
  return ret;
}

enum fault { F_NONE = -1, F_500 = 0, F_502, F_429, F_CUT, F_STALL, F_KINDS };

static int pick_fault(cust_devnet *d) {
  uint64_t r = atomic_fetch_add(&d->requests, 1);
  if (d->cfg.faults <= 0.0) {
    return F_NONE;
  }
  double x =
      (double)(cust_devnet_hash(d->w.seed, 0x6661756c74, r, 0, 0) >> 11) / 9007199254740992.0;
  if (x >= d->cfg.faults) {
    return F_NONE;
  }
  return (int)(atomic_fetch_add(&d->nfaults, 1) % F_KINDS);
}

static void stall(cust_devnet *d) {
  for (int i = 0; i < STALL_MS / 50 && !atomic_load(&d->is_stopping); i++) {
    struct timespec ts = { 0, 50 * 1000 * 1000 };
    nanosleep(&ts, NULL);
  }
}

/* Answers with the fault if it is one that replaces the answer. */
static enum MHD_Result send_fault(struct MHD_Connection *mc, int fault) {
  static const char html502[] =
      "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad "
      "Gateway</h1></center>\r\n<hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n";
  static const char json500[] =
      "{\"jsonrpc\":\"2.0\",\"id\":-1,\"error\":{\"code\":-32603,\"message\":\"Internal "
      "error\",\"data\":\"timed out waiting for the block store: context deadline exceeded\"}}";
  if (fault == F_502) {
    return send_text(mc, 502, "text/html", html502, sizeof html502 - 1);
  }
  if (fault == F_429) {
    struct MHD_Response *r = MHD_create_response_from_buffer(
        18, (void *)(uintptr_t) "Too Many Requests\n", MHD_RESPMEM_PERSISTENT);
    if (r == NULL) {
      return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "text/plain");
    MHD_add_response_header(r, "Retry-After", "1");
    enum MHD_Result ret = MHD_queue_response(mc, 429, r);
    MHD_destroy_response(r);
    return ret;
  }
  return send_text(mc, 500, "application/json", json500, sizeof json500 - 1);
}

static enum MHD_Result serve_get_rpc(cust_devnet *d, struct MHD_Connection *mc, const rpc_method *m,
                                     int cut) {
  rpc_params p = {
    .height = MHD_lookup_connection_value(mc, MHD_GET_ARGUMENT_KIND, "height"),
    .min = MHD_lookup_connection_value(mc, MHD_GET_ARGUMENT_KIND, "minHeight"),
    .max = MHD_lookup_connection_value(mc, MHD_GET_ARGUMENT_KIND, "maxHeight"),
  };
  cust_buf result, body;
  rpc_err e;
  memset(&e, 0, sizeof e);
  cust_buf_init(&result);
  cust_buf_init(&body);
  int rc = m->fn(d, &p, &result, &e);
  enum MHD_Result ret = MHD_NO;
  if (put_response(&body, "-1", rc, &result, &e) == CUST_OK) {
    ret = send_json(mc, rc == 0 ? 200 : 500, &body, cut);
  }
  cust_buf_release(&result);
  cust_buf_release(&body);
  return ret;
}

/* Reads a JSON value as a parameter string: numbers and strings. */
static const char *param_text(json_t *v, char *tmp, size_t n) {
  if (json_is_string(v)) {
    return json_string_value(v);
  }
  if (json_is_integer(v)) {
    snprintf(tmp, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    return tmp;
  }
  if (v == NULL || json_is_null(v)) {
    return NULL;
  }
  return "invalid";
}

/* One request object of a POST: appends its response, or nothing for a
 * notification (no id). */
static cust_status call_one(cust_devnet *d, json_t *req, cust_buf *out, int *wrote) {
  char idbuf[256] = "-1";
  char t0[32], t1[32];
  json_t *id = json_is_object(req) ? json_object_get(req, "id") : NULL;
  rpc_err e;
  memset(&e, 0, sizeof e);
  *wrote = 0;
  if (json_is_object(req) && id == NULL) {
    return CUST_OK;
  }
  if (id != NULL) {
    char *s = json_dumps(id, JSON_ENCODE_ANY | JSON_COMPACT);
    if (s != NULL) {
      snprintf(idbuf, sizeof idbuf, "%s", s);
      free(s);
    }
  }
  cust_buf result;
  cust_buf_init(&result);
  int rc = -1;
  const char *name = json_is_object(req) ? json_string_value(json_object_get(req, "method")) : NULL;
  const rpc_method *m = name != NULL ? find_method(name) : NULL;
  if (!json_is_object(req)) {
    set_err(&e, -32600, "Invalid Request", "a request must be a JSON object");
  } else if (m == NULL) {
    set_err(&e, -32601, "Method not found", "%s", "");
  } else {
    json_t *params = json_object_get(req, "params");
    rpc_params p = { NULL, NULL, NULL };
    const char **slots[2] = { NULL, NULL };
    for (int i = 0; i < 2 && m->args[i] != NULL; i++) {
      const char *a = m->args[i];
      slots[i] = strcmp(a, "height") == 0      ? &p.height
                 : strcmp(a, "minHeight") == 0 ? &p.min
                                               : &p.max;
    }
    int bad = 0;
    if (json_is_array(params)) {
      for (size_t i = 0; i < json_array_size(params); i++) {
        if (i >= 2 || slots[i] == NULL) {
          bad = 1;
          break;
        }
        *slots[i] = param_text(json_array_get(params, i), i ? t1 : t0, sizeof t0);
      }
    } else if (json_is_object(params)) {
      for (int i = 0; i < 2 && slots[i] != NULL; i++) {
        *slots[i] = param_text(json_object_get(params, m->args[i]), i ? t1 : t0, sizeof t0);
      }
    } else if (params != NULL && !json_is_null(params)) {
      bad = 1;
    }
    if (bad) {
      set_err(&e, -32602, "Invalid params",
              "error converting json params to arguments: unknown type for JSON params");
    } else {
      rc = m->fn(d, &p, &result, &e);
    }
  }
  cust_status st = put_response(out, idbuf, rc, &result, &e);
  cust_buf_release(&result);
  *wrote = 1;
  return st;
}

static enum MHD_Result serve_post(cust_devnet *d, struct MHD_Connection *mc, conn *c, int cut) {
  cust_buf out;
  cust_buf_init(&out);
  json_error_t jerr;
  json_t *root = c->body.len > 0 ? json_loadb(c->body.data, c->body.len, 0, &jerr) : NULL;
  enum MHD_Result ret = MHD_NO;
  unsigned int status = 200;
  cust_status st = CUST_OK;
  if (root == NULL) {
    rpc_err e;
    memset(&e, 0, sizeof e);
    if (c->body.len == 0) {
      set_err(&e, -32600, "Invalid Request", "error reading request body: empty body");
    } else {
      set_err(&e, -32700, "Parse error. Invalid JSON", "error unmarshaling request: %s", jerr.text);
    }
    st = put_response(&out, "-1", -1, NULL, &e);
    status = 500;
  } else if (json_is_array(root)) {
    size_t n = json_array_size(root);
    if (n > MAX_BATCH) {
      rpc_err e;
      memset(&e, 0, sizeof e);
      set_err(&e, -32600, "Invalid Request",
              "batch request exceeds maximum (%d) allowed number of requests", MAX_BATCH);
      st = put_response(&out, "-1", -1, NULL, &e);
      status = 400;
    } else if (n > 0) {
      int any = 0;
      st = cust_buf_putc(&out, '[');
      for (size_t i = 0; st == CUST_OK && i < n; i++) {
        int wrote = 0;
        size_t mark = out.len;
        if (any) {
          st = cust_buf_putc(&out, ',');
        }
        if (st == CUST_OK) {
          st = call_one(d, json_array_get(root, i), &out, &wrote);
        }
        if (!wrote) {
          out.len = mark;
        }
        any |= wrote;
      }
      if (st == CUST_OK) {
        st = cust_buf_putc(&out, ']');
      }
    }
  } else {
    int wrote = 0;
    st = call_one(d, root, &out, &wrote);
  }
  json_decref(root);
  if (st == CUST_OK) {
    ret = send_json(mc, status, &out, cut);
  }
  cust_buf_release(&out);
  return ret;
}

static enum MHD_Result serve_manifest(cust_devnet *d, struct MHD_Connection *mc) {
  const char *v = MHD_lookup_connection_value(mc, MHD_GET_ARGUMENT_KIND, "height");
  uint64_t limit = head_of(d);
  if (d->w.empty_blocks != 0) {
    static const char msg[] = "{\"error\":\"no manifest\",\"detail\":\"a chain with "
                              "--empty-blocks has no manifest: run the devnet without it\"}";
    return send_text(mc, 404, "application/json", msg, sizeof msg - 1);
  }
  if (v != NULL) {
    char *end = NULL;
    unsigned long long x = strtoull(v, &end, 10);
    if (end == v || *end != '\0' || x > limit) {
      static const char msg[] = "{\"error\":\"bad height\",\"detail\":\"height must be a "
                                "number no larger than the head\"}";
      return send_text(mc, 400, "application/json", msg, sizeof msg - 1);
    }
    limit = x;
  }
  cust_buf out;
  cust_buf_init(&out);
  enum MHD_Result ret = MHD_NO;
  if (cust_devnet_manifest_write(&out, NULL, &d->w, limit, d->cfg.dialect) == CUST_OK) {
    ret = send_json(mc, 200, &out, 0);
  }
  cust_buf_release(&out);
  return ret;
}

static enum MHD_Result serve_info(cust_devnet *d, struct MHD_Connection *mc) {
  cust_buf out;
  cust_buf_init(&out);
  enum MHD_Result ret = MHD_NO;
  cust_status st = cust_buf_puts(&out, "{\"chain_id\":");
  if (st == CUST_OK) {
    st = cust_json_cstr(&out, d->w.chain_id);
  }
  if (st == CUST_OK) {
    st = cust_buf_printf(
        &out,
        ",\"seed\":%" PRIu64 ",\"scale\":%" PRIu64 ",\"dialect\":\"%s\","
        "\"dataverse\":\"%s\",\"other_dataverse\":\"%s\",\"head\":%" PRIu64 ",\"earliest\":%" PRIu64
        ",\"blocks\":%" PRIu64 ",\"block_time_ms\":%" PRIu64 ",\"faults\":%g"
        ",\"empty_blocks\":%" PRIu64 "}",
        d->w.seed, d->w.scale, cust_devnet_version(d->cfg.dialect), d->w.dataverse, d->w.decoy,
        head_of(d), d->base, d->cfg.blocks, d->cfg.block_time_ms, d->cfg.faults, d->w.empty_blocks);
  }
  if (st == CUST_OK) {
    ret = send_json(mc, 200, &out, 0);
  }
  cust_buf_release(&out);
  return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls) {
  cust_devnet *d = cls;
  (void)version;
  int is_post = strcmp(method, "POST") == 0;
  if (*con_cls == NULL) {
    conn *c = calloc(1, sizeof *c);
    if (c == NULL) {
      return MHD_NO;
    }
    cust_buf_init(&c->body);
    *con_cls = c;
    return MHD_YES;
  }
  conn *c = *con_cls;
  if (*upload_size > 0) {
    if (c->body.len + *upload_size > MAX_BODY) {
      c->is_too_large = 1;
    } else if (cust_buf_append(&c->body, upload, *upload_size) != CUST_OK) {
      c->is_too_large = 1;
    }
    *upload_size = 0;
    return MHD_YES;
  }
  cust_log(d->log, CUST_LOG_DEBUG, "devnet: %s %s", method, url);
  if (strcmp(url, "/devnet/manifest") == 0 && !is_post) {
    return serve_manifest(d, mc);
  }
  if (strcmp(url, "/devnet/info") == 0 && !is_post) {
    return serve_info(d, mc);
  }
  const rpc_method *m = url[0] == '/' && url[1] != '\0' ? find_method(url + 1) : NULL;
  int is_rpc_post = is_post && (strcmp(url, "/") == 0 || strcmp(url, "/v1") == 0);
  if (!is_rpc_post && (m == NULL || strcmp(method, "GET") != 0)) {
    if (strcmp(url, "/") == 0 && strcmp(method, "GET") == 0) {
      static const char page[] =
          "<html><body><br>Available endpoints:<br><a href=\"/health\">/health</a><br>"
          "<a href=\"/status\">/status</a><br><br>Endpoints that require arguments:<br>"
          "<a href=\"/block?height=_\">/block?height=_</a><br>"
          "<a href=\"/block_results?height=_\">/block_results?height=_</a><br>"
          "<a href=\"/blockchain?minHeight=_&maxHeight=_\">/blockchain?minHeight=_&maxHeight=_"
          "</a><br></body></html>";
      return send_text(mc, 200, "text/html", page, sizeof page - 1);
    }
    static const char nf[] = "404 page not found\n";
    return send_text(mc, 404, "text/plain; charset=utf-8", nf, sizeof nf - 1);
  }
  if (c->is_too_large) {
    static const char big[] = "{\"jsonrpc\":\"2.0\",\"id\":-1,\"error\":{\"code\":-32600,"
                              "\"message\":\"Invalid Request\",\"data\":\"error reading request "
                              "body: http: request body too large\"}}";
    return send_text(mc, 413, "application/json", big, sizeof big - 1);
  }
  int fault = pick_fault(d);
  if (fault == F_500 || fault == F_502 || fault == F_429) {
    cust_log(d->log, CUST_LOG_DEBUG, "devnet: injected fault %d on %s", fault, url);
    return send_fault(mc, fault);
  }
  if (fault == F_STALL) {
    stall(d);
  }
  return is_rpc_post ? serve_post(d, mc, c, fault == F_CUT)
                     : serve_get_rpc(d, mc, m, fault == F_CUT);
}

static void on_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
  (void)cls;
  (void)mc;
  (void)toe;
  conn *c = *con_cls;
  if (c != NULL) {
    cust_buf_release(&c->body);
    free(c);
    *con_cls = NULL;
  }
}

/* ---- lifecycle ------------------------------------------------------------------- */

static cust_status parse_listen(const char *listen, struct sockaddr_in *sa, char *host,
                                size_t hostlen) {
  const char *colon = strrchr(listen, ':');
  memset(sa, 0, sizeof *sa);
  sa->sin_family = AF_INET;
  if (colon == NULL || colon == listen || (size_t)(colon - listen) >= hostlen) {
    return CUST_ERR_INVALID;
  }
  memcpy(host, listen, (size_t)(colon - listen));
  host[colon - listen] = '\0';
  char *end = NULL;
  unsigned long port = strtoul(colon + 1, &end, 10);
  if (colon[1] == '\0' || *end != '\0' || port > 65535) {
    return CUST_ERR_INVALID;
  }
  sa->sin_port = htons((uint16_t)port);
  if (strcmp(host, "localhost") == 0) {
    snprintf(host, hostlen, "127.0.0.1");
  }
  if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
    return CUST_ERR_INVALID;
  }
  return CUST_OK;
}

static cust_status write_manifest(cust_devnet *d) {
  FILE *f = fopen(d->cfg.manifest_path, "w");
  if (f == NULL) {
    cust_log(d->log, CUST_LOG_ERROR, "cannot write the manifest \"%s\": %s", d->cfg.manifest_path,
             strerror(errno));
    return CUST_ERR_IO;
  }
  cust_buf out;
  cust_buf_init(&out);
  cust_status st = cust_devnet_manifest_write(&out, f, &d->w, d->cfg.blocks, d->cfg.dialect);
  cust_buf_release(&out);
  if (fclose(f) != 0 && st == CUST_OK) {
    st = CUST_ERR_IO;
  }
  if (st != CUST_OK) {
    cust_log(d->log, CUST_LOG_ERROR, "cannot write the manifest \"%s\": %s", d->cfg.manifest_path,
             cust_strerror(st));
  }
  return st;
}

cust_status cust_devnet_start(const cust_devnet_config *c, const cust_logger *log,
                              cust_devnet **out) {
  *out = NULL;
  if (c == NULL || c->listen == NULL || (c->chain_id != NULL && c->chain_id[0] == '\0') ||
      c->faults < 0.0 || c->faults > 1.0 || (c->block_time_ms == 0 && c->blocks == 0) ||
      (c->blocks != 0 && c->earliest > c->blocks) || (c->manifest_path != NULL && c->blocks == 0) ||
      (c->manifest_path != NULL && c->empty_blocks != 0)) {
    cust_log(log, CUST_LOG_ERROR, "devnet: invalid configuration");
    return CUST_ERR_INVALID;
  }
  if ((unsigned)c->contract > CUST_CONTRACT_AXONE_V8) {
    cust_log(log, CUST_LOG_ERROR, "devnet: unknown contract version %d", (int)c->contract);
    return CUST_ERR_INVALID;
  }
  cust_devnet *d = calloc(1, sizeof *d);
  if (d == NULL) {
    return CUST_ERR_NOMEM;
  }
  cust_status st = CUST_OK;
  d->cfg = *c;
  d->log = log;
  snprintf(d->listen, sizeof d->listen, "%s", c->listen);
  snprintf(d->chain_id, sizeof d->chain_id, "%s",
           c->chain_id != NULL                    ? c->chain_id
           : c->contract == CUST_CONTRACT_OKP4_V5 ? "okp4-devnet-1"
                                                  : "axone-devnet-1");
  d->cfg.listen = d->listen;
  d->cfg.chain_id = d->chain_id;
  d->cfg.manifest_path = NULL;
  d->base = c->earliest > 1 ? c->earliest : 1;
  pthread_mutex_init(&d->lock, NULL);
  atomic_init(&d->requests, 0);
  atomic_init(&d->nfaults, 0);
  atomic_init(&d->is_stopping, 0);
  st = cust_devnet_world_init(&d->w, c->seed, c->scale, d->chain_id);
  if (st != CUST_OK) {
    cust_log(log, CUST_LOG_ERROR, "devnet: the embedded OKP4 examples are not the expected five");
    goto done;
  }
  cust_devnet_world_contract(&d->w, c->contract);
  d->w.empty_blocks = c->empty_blocks;
  if (c->manifest_path != NULL) {
    d->cfg.manifest_path = c->manifest_path;
    st = write_manifest(d);
    d->cfg.manifest_path = NULL;
    if (st != CUST_OK) {
      goto done;
    }
  }
  struct sockaddr_in sa;
  char host[256];
  st = parse_listen(d->listen, &sa, host, sizeof host);
  if (st != CUST_OK) {
    cust_log(log, CUST_LOG_ERROR,
             "devnet: cannot listen on \"%s\": give HOST:PORT with a numeric IPv4 host", d->listen);
    goto done;
  }
  d->t0 = cust_now_ms();
  d->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
                            NULL, NULL, on_request, d, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, d,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)120, MHD_OPTION_END);
  if (d->mhd == NULL) {
    cust_log(log, CUST_LOG_ERROR, "devnet: cannot listen on \"%s\": address in use or not local",
             d->listen);
    st = CUST_ERR_IO;
    goto done;
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(d->mhd, MHD_DAEMON_INFO_BIND_PORT);
  unsigned port = info != NULL ? info->port : ntohs(sa.sin_port);
  snprintf(d->url, sizeof d->url, "http://%s:%u", strcmp(host, "0.0.0.0") == 0 ? "127.0.0.1" : host,
           port);
  cust_log(log, CUST_LOG_INFO,
           "devnet: chain \"%s\" seed %" PRIu64 " scale %" PRIu64
           " dialect %s on %s, dataverse %s (%s)",
           d->chain_id, c->seed, d->w.scale, cust_devnet_version(c->dialect), d->url,
           d->w.dataverse, cust_devnet_contract_name(c->contract));
done:
  if (st != CUST_OK) {
    cust_devnet_stop(d);
    return st;
  }
  *out = d;
  return CUST_OK;
}

void cust_devnet_stop(cust_devnet *d) {
  if (d == NULL) {
    return;
  }
  atomic_store(&d->is_stopping, 1);
  if (d->mhd != NULL) {
    MHD_stop_daemon(d->mhd);
  }
  pthread_mutex_destroy(&d->lock);
  free(d);
}
