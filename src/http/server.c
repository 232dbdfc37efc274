/* The HTTP server: routing, the SPARQL 1.1 Protocol, canned queries,
 * custody and rewards, static files, CORS, gzip and limits.
 *
 * Routes (every answer carries Access-Control-Allow-Origin: *; OPTIONS on
 * any route is a CORS preflight; errors are JSON {"error","detail"}):
 *   GET|POST /sparql          SPARQL 1.1 Protocol: ?query=, form POST,
 *                             application/sparql-query POST, default-graph-uri,
 *                             named-graph-uri, format=; without a query the
 *                             service description (Turtle)
 *   GET /queries              the canned queries as JSON
 *   GET /queries/NAME?p=v     runs a canned query, parameters bound as terms
 *   GET /custody?resource=IRI&direction=up|down&depth=N
 *   GET /rewards?execution=IRI[&amount=N][&policy=IRI][&format=json|csv|msg]
 *                [&account_prefix=HRP][&from=ADDR]   (msg: the paying account)
 *   GET /status, /health[?max_lag=N], /metrics
 *
 * Read-your-height: /sparql, /queries/NAME, /custody and /rewards take
 * min_height=H (or the header X-Custodian-Min-Height: H; both: the larger).
 * The request waits up to max_height_wait_ms for the store's checkpoint to
 * reach H, else 503 with Retry-After: 1. Their answers carry
 * X-Custodian-Height, the height they were read at.
 *   GET /…                    files of web/ (/ is index.html), GET and HEAD only
 *
 * Threads: one per connection, so a long query or a slow client never holds
 * another request (the handlers block: on query workers, on store handles);
 * idle ones cost a thread parked in poll(). conn.c bounds them: per address,
 * in total, and a deadline for each request to arrive. Queries run under the
 * query module's time limits, and custody/rewards take a store handle from a
 * small pool. Request bodies above max_body get 413.
 *
 * Answers of 200 are kept in cache.c for the store's current generation: a
 * counter that grows whenever the store file (or its WAL) changes, looked at
 * every 20 ms, so no answer outlives a commit by more than that. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "http_int.h"
#include "custody/custody.h"
#include "rewards/rewards.h"

#define CONNECTION_TIMEOUT_S 30
#define CONNECTION_MEMORY (256 * 1024)
#define GZIP_MIN 1024
#define STATIC_MAX (8u * 1024 * 1024)
#define POOL_WAIT_MS 5000
#define MAX_GRAPHS 64
#define STR_(x) #x
#define STR(x) STR_(x)

/* ---- per-request state ---------------------------------------------------------- */

typedef struct http_req {
  cust_http *h;
  cust_arena arena;
  char *uri; /* the raw request target */
  cust_buf body;
  int is_started;
  int is_too_large;
  size_t discarded; /* body bytes dropped once over the limit */
  http_params params;
  /* for /metrics and the access log */
  uint64_t start_ms;
  http_route route;
  int status;     /* of the answer queued; 0: none */
  uint64_t bytes; /* its body */
  char method[16];
  char client[64];
} http_req;

/* The request being answered by this thread. libmicrohttpd calls the
 * request handler on the connection's own thread, and the senders below
 * take only the connection: this is how they note the status and size of
 * the answer for the access log and /metrics without each call site
 * passing the request along. */
static __thread http_req *tl_req;

static void note_answer(int status, uint64_t bytes) {
  if (tl_req != NULL) {
    tl_req->status = status;
    tl_req->bytes = bytes;
  }
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c) {
  http_conns_uri(&((cust_http *)cls)->conns, c);
  http_req *r = calloc(1, sizeof *r);
  if (r == NULL) {
    return NULL;
  }
  r->h = cls;
  r->start_ms = cust_now_ms();
  r->uri = strdup(uri ? uri : "/");
  if (r->uri == NULL) {
    free(r);
    return NULL;
  }
  cust_arena_init(&r->arena, 4096);
  cust_buf_init(&r->body);
  return r;
}

/* One access-log line: time, client, method, path (secrets redacted),
 * status, body bytes, milliseconds, the store's height. */
static void access_line(cust_http *h, const http_req *r, enum MHD_RequestTerminationCode toe) {
  char now[40], path[1024];
  http_store_info info;
  http_store_info_get(h, 0, &info);
  cust_url_redact(r->uri, 0, path, sizeof path);
  for (char *p = path; *p; p++) {
    if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\') {
      *p = '?'; /* one line per request, whatever the client sent */
    }
  }
  char method[sizeof r->method];
  snprintf(method, sizeof method, "%s", r->method[0] ? r->method : "-");
  for (char *p = method; *p; p++) {
    if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '"' || *p == '\\') {
      *p = '?';
    }
  }
  unsigned long long ms = (unsigned long long)(cust_now_ms() - r->start_ms);
  int status = r->status ? r->status : 0;
  if (h->is_json_log) {
    fprintf(h->access_log,
            "{\"time\": \"%s\", \"client\": \"%s\", \"method\": \"%s\", \"path\": \"%s\", "
            "\"status\": %d, \"bytes\": %llu, \"ms\": %llu, \"height\": %llu%s}\n",
            cust_time_rfc3339(now, sizeof now), r->client[0] ? r->client : "-", method, path,
            status, (unsigned long long)r->bytes, ms, (unsigned long long)info.cp.height,
            toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : ", \"aborted\": true");
  } else {
    fprintf(h->access_log, "%s %s \"%s %s\" %d %llu %llums height=%llu%s\n",
            cust_time_rfc3339(now, sizeof now), r->client[0] ? r->client : "-", method, path,
            status, (unsigned long long)r->bytes, ms, (unsigned long long)info.cp.height,
            toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted");
  }
  fflush(h->access_log);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
  cust_http *h = cls;
  http_conns_done(&h->conns, c);
  http_req *r = *con_cls;
  if (r != NULL && r->is_started) {
    http_metrics_answer(&h->metrics, r->route, r->status);
    if (h->access_log != NULL) {
      access_line(h, r, toe);
    }
  }
  if (r != NULL) {
    cust_arena_release(&r->arena);
    cust_buf_release(&r->body);
    free(r->uri);
    free(r);
    *con_cls = NULL;
  }
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
  char line[512];
  vsnprintf(line, sizeof line, fmt, ap);
  size_t n = strlen(line);
  while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) {
    line[--n] = '\0';
  }
  cust_log(cls, CUST_LOG_DEBUG, "http: %s", line);
}

/* ---- responses ----------------------------------------------------------------------- */

static int is_compressible(const char *type) {
  if (strncmp(type, "image/", 6) == 0) {
    return strncmp(type, "image/svg", 9) == 0;
  }
  return strncmp(type, "font/", 5) != 0 && strcmp(type, "application/octet-stream") != 0;
}

/* The dashboard's policy, on every answer (harmless on JSON): scripts and
 * styles from the server's own files only, no inline code, no framing; data
 * may be fetched from any server (the dashboard's ?api=). */
#define CSP                                                                                        \
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "                \
  "connect-src 'self' http: https:; object-src 'none'; base-uri 'none'; form-action 'self'; "      \
  "frame-ancestors 'none'"

static void add_page_headers(struct MHD_Response *resp) {
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(resp, "Content-Security-Policy", CSP);
  MHD_add_response_header(resp, "X-Frame-Options", "DENY");
  MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
}

/* Sends `body` (consumed) with the headers every answer carries, and one
 * more header when `extra` is not NULL ("Name", value in extra_value). */
static enum MHD_Result send_body_hdr(struct MHD_Connection *c, int status, const char *type,
                                     cust_buf *body, const char *allow, const char *retry_after,
                                     const char *extra, const char *extra_value) {
  cust_buf gz;
  cust_buf_init(&gz);
  int is_gzip = 0;
  if (body->len > GZIP_MIN && is_compressible(type) &&
      http_accepts_gzip(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Encoding"))) {
    if (http_gzip(body->data, body->len, &gz) == CUST_OK) {
      cust_buf_release(body);
      *body = gz;
      cust_buf_init(&gz);
      is_gzip = 1;
    }
    cust_buf_release(&gz);
  }
  size_t len = 0;
  char *data = cust_buf_steal(body, &len);
  struct MHD_Response *resp = NULL;
  if (data != NULL) {
    resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
      free(data);
    }
  }
  if (resp == NULL) {
    return MHD_NO; /* out of memory: MHD closes the connection */
  }
  MHD_add_response_header(resp, "Content-Type", type);
  MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
  MHD_add_response_header(resp, "Vary", "Accept, Accept-Encoding");
  MHD_add_response_header(resp, "Server", PACKAGE_NAME "/" PACKAGE_VERSION);
  add_page_headers(resp);
  if (is_gzip) {
    MHD_add_response_header(resp, "Content-Encoding", "gzip");
  }
  if (allow != NULL) {
    MHD_add_response_header(resp, "Allow", allow);
  }
  if (retry_after != NULL) {
    MHD_add_response_header(resp, "Retry-After", retry_after);
  }
  if (extra != NULL) {
    MHD_add_response_header(resp, extra, extra_value);
  }
  note_answer(status, len);
  enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, resp);
  MHD_destroy_response(resp);
  return ret;
}

static enum MHD_Result send_body(struct MHD_Connection *c, int status, const char *type,
                                 cust_buf *body, const char *allow, const char *retry_after) {
  return send_body_hdr(c, status, type, body, allow, retry_after, NULL, NULL);
}

/* send_body with the height the answer was read at (NULL: none). */
static enum MHD_Result send_body_ex(struct MHD_Connection *c, int status, const char *type,
                                    cust_buf *body, const char *allow, const char *retry_after,
                                    const char *height) {
  return send_body_hdr(c, status, type, body, allow, retry_after,
                       height ? "X-Custodian-Height" : NULL, height);
}

static enum MHD_Result send_error_ex(struct MHD_Connection *c, int status, const char *error,
                                     const char *detail, const char *allow,
                                     const char *retry_after) {
  cust_buf b;
  cust_buf_init(&b);
  cust_status st = cust_buf_puts(&b, "{\"error\": ");
  if (st == CUST_OK) {
    st = cust_json_cstr(&b, error);
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(&b, ", \"detail\": ");
  }
  if (st == CUST_OK) {
    st = cust_json_cstr(&b, detail ? detail : "");
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(&b, "}\n");
  }
  if (st != CUST_OK) {
    cust_buf_release(&b);
    return MHD_NO;
  }
  return send_body(c, status, "application/json", &b, allow, retry_after);
}

static enum MHD_Result send_error(struct MHD_Connection *c, int status, const char *error,
                                  const char *detail) {
  return send_error_ex(c, status, error, detail, NULL, status == 503 ? "5" : NULL);
}

static enum MHD_Result send_preflight(struct MHD_Connection *c, const char *allow) {
  struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
  if (resp == NULL) {
    return MHD_NO;
  }
  const char *asked =
      MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Access-Control-Request-Headers");
  MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
  MHD_add_response_header(resp, "Access-Control-Allow-Methods", allow);
  MHD_add_response_header(resp, "Access-Control-Allow-Headers",
                          asked != NULL && strlen(asked) < 1024 && strpbrk(asked, "\r\n") == NULL
                              ? asked
                              : "Accept, Accept-Encoding, Content-Type, Cache-Control");
  MHD_add_response_header(resp, "Access-Control-Max-Age", "86400");
  MHD_add_response_header(resp, "Allow", allow);
  MHD_add_response_header(resp, "Server", PACKAGE_NAME "/" PACKAGE_VERSION);
  note_answer(MHD_HTTP_NO_CONTENT, 0);
  enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_NO_CONTENT, resp);
  MHD_destroy_response(resp);
  return ret;
}

/* ---- the store's state, cached ------------------------------------------------------- */

/* A number that changes when the store file or its WAL changes. */
static uint64_t file_stamp(const char *db_path) {
  uint64_t x = 1469598103934665603ull;
  const char *suffix[] = { "", "-wal" };
  char path[PATH_MAX];
  for (size_t i = 0; i < 2; i++) {
    struct stat sb;
    snprintf(path, sizeof path, "%s%s", db_path, suffix[i]);
    if (stat(path, &sb) == 0) {
      uint64_t v[3] = { (uint64_t)sb.st_size, (uint64_t)sb.st_mtim.tv_sec,
                        (uint64_t)sb.st_mtim.tv_nsec };
      for (size_t k = 0; k < 3; k++) {
        x = (x ^ v[k]) * 1099511628211ull;
      }
    }
  }
  return x | 1u;
}

static int count_one(void *ud, const cust_quad *q) {
  (void)q;
  (*(uint64_t *)ud)++;
  return 0;
}

static cust_status count_pattern(cust_store *s, const char *p, const char *o, uint64_t *out) {
  cust_quad pat;
  memset(&pat, 0, sizeof pat);
  pat.p = cust_term_iri(p);
  if (o != NULL) {
    pat.o = cust_term_iri(o);
  }
  pat.g = cust_term_iri(CUST_GRAPH_LEDGER);
  *out = 0;
  return cust_store_find(s, &pat, count_one, out);
}

/* Adds one to the entry `name` of a small table; past its size, the last
 * entry counts the rest as "other". */
static void tally(struct http_count *tab, size_t *n, const char *name, size_t len) {
  for (size_t i = 0; i < *n; i++) {
    if (strlen(tab[i].name) == len && memcmp(tab[i].name, name, len) == 0) {
      tab[i].n++;
      return;
    }
  }
  if (*n == HTTP_MAX_PROFILES) {
    snprintf(tab[*n - 1].name, sizeof tab[0].name, "other");
    tab[*n - 1].n++;
    return;
  }
  snprintf(tab[*n].name, sizeof tab[0].name, "%.*s",
           (int)(len < sizeof tab[0].name - 1 ? len : sizeof tab[0].name - 1), name);
  tab[(*n)++].n = 1;
}

static int count_profile(void *ud, const cust_quad *q) {
  http_store_info *info = ud;
  if (q->o.kind == CUST_TERM_LITERAL) {
    tally(info->profiles, &info->nprofiles, q->o.value, q->o.len);
  }
  return 0;
}

typedef struct unknown_ctx {
  cust_store *s;
  http_store_info *info;
  cust_status st;
} unknown_ctx;

/* Copies the first type but VerifiableCredential into ud (256 bytes): the
 * terms are borrowed for the callback only. */
static int first_type(void *ud, const cust_quad *q) {
  char *out = ud;
  if (q->o.kind == CUST_TERM_IRI && strcmp(q->o.value, CUST_V_VC) != 0) {
    snprintf(out, 256, "%s", q->o.value);
    return 1;
  }
  return 0;
}

static int has_any(void *ud, const cust_quad *q) {
  (void)q;
  *(int *)ud = 1;
  return 1;
}

/* A credential without cust:profile: its type is one no profile knows. */
static int check_unknown(void *ud, const cust_quad *q) {
  unknown_ctx *u = ud;
  if (q->s.kind != CUST_TERM_IRI) {
    return 0;
  }
  cust_quad pat;
  memset(&pat, 0, sizeof pat);
  pat.s = q->s;
  pat.p = cust_term_iri(CUST_V_PROFILE);
  pat.g = cust_term_iri(CUST_GRAPH_LEDGER);
  int has = 0;
  u->st = cust_store_find(u->s, &pat, has_any, &has);
  if (u->st != CUST_OK || has) {
    return u->st != CUST_OK;
  }
  char type[256] = "";
  pat.p = cust_term_iri(CUST_V_TYPE);
  pat.g = q->s;
  u->st = cust_store_find(u->s, &pat, first_type, type);
  if (u->st != CUST_OK) {
    return 1;
  }
  u->info->unknown_total++;
  const char *t = type[0] != '\0' ? type : "(none)";
  tally(u->info->unknown, &u->info->nunknown, t, strlen(t));
  return 0;
}

static cust_status count_profiles(cust_store *s, http_store_info *info) {
  cust_quad pat;
  memset(&pat, 0, sizeof pat);
  pat.p = cust_term_iri(CUST_V_PROFILE);
  pat.g = cust_term_iri(CUST_GRAPH_LEDGER);
  info->nprofiles = info->nunknown = 0;
  info->unknown_total = 0;
  memset(info->profiles, 0, sizeof info->profiles);
  memset(info->unknown, 0, sizeof info->unknown);
  cust_status st = cust_store_find(s, &pat, count_profile, info);
  uint64_t known = 0;
  for (size_t i = 0; i < info->nprofiles; i++) {
    known += info->profiles[i].n;
  }
  if (st != CUST_OK || known >= info->credentials) {
    return st; /* every credential was read by a profile */
  }
  unknown_ctx u = { s, info, CUST_OK };
  pat.p = cust_term_iri(CUST_V_SUBMITTED_IN);
  st = cust_store_find(s, &pat, check_unknown, &u);
  return st != CUST_OK ? st : u.st;
}

static cust_status count_store(cust_store *s, http_store_info *info) {
  cust_status st = cust_store_count(s, &info->quads);
  if (st == CUST_OK) {
    st = count_pattern(s, CUST_V_CUST "submittedIn", NULL, &info->credentials);
  }
  if (st == CUST_OK) {
    st = count_pattern(s, CUST_V_TYPE, CUST_V_CUST "Rejection", &info->rejections);
  }
  if (st == CUST_OK) {
    st = count_pattern(s, CUST_V_TYPE, CUST_V_CUST "FailedSubmission", &info->failed);
  }
  if (st == CUST_OK) {
    st = count_profiles(s, info);
  }
  return st;
}

void http_store_info_get(cust_http *h, int with_count, http_store_info *out) {
  uint64_t now = cust_now_ms();
  pthread_mutex_lock(&h->info_lock);
  uint64_t stamp = file_stamp(h->db_path);
  int is_fresh = h->info_ms != 0 && now - h->info_ms < 500 && h->info.stamp == stamp;
  int is_count_fresh = h->count_ms != 0 && now - h->count_ms < 5000 && h->info.stamp == stamp;
  if (!is_fresh || (with_count && !is_count_fresh)) {
    cust_store *s = NULL;
    cust_status st = http_pool_get(&h->pool, POOL_WAIT_MS, &s);
    if (st == CUST_OK) {
      st = cust_store_checkpoint(s, &h->info.cp);
    }
    if (st == CUST_OK && with_count) {
      st = count_store(s, &h->info);
      h->count_ms = now;
    }
    http_pool_put(&h->pool, s);
    h->info.is_ok = st == CUST_OK;
    if (st != CUST_OK) {
      snprintf(h->info.error, sizeof h->info.error, "the store does not answer: %s",
               cust_strerror(st));
      h->count_ms = 0;
    } else {
      h->info.error[0] = '\0';
    }
    h->info.stamp = stamp;
    h->info_ms = now;
  }
  *out = h->info;
  pthread_mutex_unlock(&h->info_lock);
}

/* The query module's cache key: a generation that grows whenever the store
 * file changes (a commit of the indexer, in this process or another), so
 * that cached answers are never older than the store. */
static uint64_t cache_key(cust_http *h, int is_forced) {
  uint64_t now = cust_now_ms();
  uint64_t checked = __atomic_load_n(&h->stamp_ms, __ATOMIC_ACQUIRE);
  /* The store is looked at every few milliseconds, not on every request;
   * a request that waited for a height looks now, so that no answer cached
   * before that height's commit is taken for it. */
  if (is_forced ||
      (now - checked >= 20 && __atomic_compare_exchange_n(&h->stamp_ms, &checked, now, 0,
                                                          __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))) {
    __atomic_store_n(&h->stamp_ms, now, __ATOMIC_RELEASE);
    uint64_t stamp = file_stamp(h->db_path);
    pthread_mutex_lock(&h->key_lock);
    if (stamp != h->last_stamp) {
      h->last_stamp = stamp;
      __atomic_add_fetch(&h->generation, 1, __ATOMIC_ACQ_REL);
    }
    pthread_mutex_unlock(&h->key_lock);
  }
  return __atomic_load_n(&h->generation, __ATOMIC_ACQUIRE);
}

/* ---- store handles ---------------------------------------------------------------------- */

cust_status http_pool_get(http_pool *p, uint64_t wait_ms, cust_store **out) {
  cust_status st = CUST_OK;
  *out = NULL;
  uint64_t deadline = cust_now_ms() + wait_ms;
  pthread_mutex_lock(&p->lock);
  for (;;) {
    if (p->nidle > 0) {
      *out = p->idle[--p->nidle];
      break;
    }
    if (p->nopen < p->max) {
      st = cust_store_open(p->path, CUST_STORE_READONLY, p->log, out);
      if (st == CUST_OK) {
        p->nopen++;
      }
      break;
    }
    uint64_t now = cust_now_ms();
    if (now >= deadline) {
      st = CUST_ERR_BUSY;
      break;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t wait = deadline - now;
    ts.tv_sec += (time_t)(wait / 1000);
    ts.tv_nsec += (long)(wait % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&p->cond, &p->lock, &ts);
  }
  pthread_mutex_unlock(&p->lock);
  return st;
}

void http_pool_put(http_pool *p, cust_store *s) {
  if (s == NULL) {
    return;
  }
  pthread_mutex_lock(&p->lock);
  p->idle[p->nidle++] = s;
  pthread_cond_signal(&p->cond);
  pthread_mutex_unlock(&p->lock);
}

static cust_status pool_init(http_pool *p, const char *path, size_t max, const cust_logger *log) {
  memset(p, 0, sizeof *p);
  p->idle = calloc(max, sizeof *p->idle);
  p->path = strdup(path);
  if (p->idle == NULL || p->path == NULL) {
    free(p->idle);
    free(p->path);
    return CUST_ERR_NOMEM;
  }
  p->max = max;
  p->log = log;
  pthread_mutex_init(&p->lock, NULL);
  pthread_cond_init(&p->cond, NULL);
  return CUST_OK;
}

static void pool_release(http_pool *p) {
  if (p->idle == NULL) {
    return;
  }
  for (size_t i = 0; i < p->nidle; i++) {
    cust_store_close(p->idle[i]);
  }
  free(p->idle);
  free(p->path);
  pthread_mutex_destroy(&p->lock);
  pthread_cond_destroy(&p->cond);
  memset(p, 0, sizeof *p);
}

/* Monotonic seconds with sub-millisecond resolution, for the duration histogram. */
static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- /sparql ------------------------------------------------------------------------------- */

/* Sends a large answer from its file, read as the client takes it: the
 * server never holds it whole. Takes the file of `res`. */
static enum MHD_Result send_file_result(struct MHD_Connection *c, cust_sparql_result *res,
                                        const char *type, const char *height) {
  struct MHD_Response *resp = MHD_create_response_from_fd64(res->body_fd_len, res->body_fd);
  if (resp == NULL) {
    return MHD_NO; /* the result keeps and closes the file */
  }
  res->body_fd = -1; /* the response's now */
  MHD_add_response_header(resp, "Content-Type", type);
  MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
  MHD_add_response_header(resp, "Vary", "Accept, Accept-Encoding");
  MHD_add_response_header(resp, "Server", PACKAGE_NAME "/" PACKAGE_VERSION);
  add_page_headers(resp);
  if (height != NULL) {
    MHD_add_response_header(resp, "X-Custodian-Height", height);
  }
  note_answer(res->http_status, res->body_fd_len);
  enum MHD_Result ret = MHD_queue_response(c, (unsigned)res->http_status, resp);
  MHD_destroy_response(resp);
  return ret;
}

/* Text formats name their charset, so that clients which read text types as
 * Latin-1 read the UTF-8 right. */
static const char *with_charset(const char *type) {
  static const char *const text[][2] = {
    { "text/csv", "text/csv; charset=utf-8" },
    { "text/tab-separated-values", "text/tab-separated-values; charset=utf-8" },
    { "text/turtle", "text/turtle; charset=utf-8" },
  };
  for (size_t i = 0; i < sizeof text / sizeof text[0]; i++) {
    if (strcmp(type, text[i][0]) == 0) {
      return text[i][1];
    }
  }
  return type;
}

static enum MHD_Result send_result(cust_http *h, struct MHD_Connection *c, cust_sparql_result *res,
                                   double t0) {
  double seconds = now_s() - t0;
  http_metrics_query(&h->metrics, res->http_status, seconds);
  const char *type = with_charset(res->content_type ? res->content_type : "application/json");
  char height[24];
  snprintf(height, sizeof height, "%llu", (unsigned long long)res->height);
  if (res->body_fd >= 0) {
    return send_file_result(c, res, type, res->height ? height : NULL);
  }
  return send_body_ex(c, res->http_status, type, &res->body, NULL,
                      res->http_status == 503 ? "5" : NULL, res->height ? height : NULL);
}

/* ---- read-your-height ------------------------------------------------------------------- */

/* A height from a parameter or header: digits only, at most 19 of them. */
static int parse_height(const char *v, uint64_t *out) {
  size_t n = strlen(v);
  if (n == 0 || n > 19 || strspn(v, "0123456789") != n) {
    return 0;
  }
  *out = strtoull(v, NULL, 10);
  return 1;
}

/* The store's committed height, looked at afresh when the file changed. */
static uint64_t store_height(cust_http *h) {
  http_store_info info;
  http_store_info_get(h, 0, &info);
  return info.is_ok ? info.cp.height : 0;
}

/* Waits until the store holds min_height (query parameter or
 * X-Custodian-Min-Height), for at most h->max_height_wait_ms. Returns 1 to go
 * on, with the height asked for (0: none) in *min_height; 0 when it has answered (400 for a bad
 * height, 503 when not reached), with the answer's result in *ret. */
static int wait_height(cust_http *h, struct MHD_Connection *c, http_req *r, uint64_t *min_height,
                       enum MHD_Result *ret) {
  const char *vals[2];
  size_t n = http_params_all(&r->params, "min_height", vals, 2);
  const char *hdr = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Custodian-Min-Height");
  uint64_t want = 0, v = 0;
  *min_height = 0;
  if (n > 1) {
    *ret = send_error(c, 400, "invalid parameter", "\"min_height\" is given more than once");
    return 0;
  }
  if (n == 1) {
    if (!parse_height(vals[0], &want)) {
      *ret = send_error(c, 400, "invalid parameter",
                        "\"min_height\" is a block height (a non-negative integer)");
      return 0;
    }
  }
  if (hdr != NULL) {
    if (!parse_height(hdr, &v)) {
      *ret = send_error(c, 400, "invalid header",
                        "X-Custodian-Min-Height is a block height (a non-negative integer)");
      return 0;
    }
    want = v > want ? v : want;
  }
  *min_height = want;
  if (want == 0) {
    return 1;
  }
  uint64_t deadline = cust_now_ms() + h->max_height_wait_ms;
  uint64_t at = store_height(h);
  while (at < want && cust_now_ms() < deadline && !cust_stop_requested) {
    struct timespec ts = { 0, 20 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    at = store_height(h);
  }
  if (at >= want) {
    return 1;
  }
  char detail[256], height[24];
  snprintf(detail, sizeof detail,
           "the store is at height %llu, below min_height %llu after %llu ms: retry later or on "
           "another replica",
           (unsigned long long)at, (unsigned long long)want,
           (unsigned long long)h->max_height_wait_ms);
  snprintf(height, sizeof height, "%llu", (unsigned long long)at);
  cust_buf b;
  cust_buf_init(&b);
  cust_status st = cust_buf_puts(&b, "{\"error\": \"height not reached\", \"detail\": ");
  st = st ? st : cust_json_cstr(&b, detail);
  st = st ? st
          : cust_buf_printf(&b, ", \"height\": %llu, \"min_height\": %llu}\n",
                            (unsigned long long)at, (unsigned long long)want);
  if (st != CUST_OK) {
    cust_buf_release(&b);
    *ret = MHD_NO;
    return 0;
  }
  *ret = send_body_ex(c, 503, "application/json", &b, NULL, "1", height);
  return 0;
}

/* Whether a request's Cache-Control (or HTTP/1.0 Pragma) names `directive`. */
static int asks_cache(struct MHD_Connection *c, const char *directive) {
  const char *cc = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Cache-Control");
  const char *pragma = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Pragma");
  return (cc != NULL && strcasestr(cc, directive) != NULL) ||
         (pragma != NULL && strcmp(directive, "no-cache") == 0 &&
          strcasestr(pragma, directive) != NULL);
}

static enum MHD_Result run_query(cust_http *h, struct MHD_Connection *c, http_req *r,
                                 cust_sparql_request *q) {
  enum MHD_Result waited;
  uint64_t want = 0;
  if (!wait_height(h, c, r, &want, &waited)) {
    return waited;
  }
  const char *defaults[MAX_GRAPHS], *named[MAX_GRAPHS];
  size_t nd = http_params_all(&r->params, "default-graph-uri", defaults, MAX_GRAPHS);
  size_t nn = http_params_all(&r->params, "named-graph-uri", named, MAX_GRAPHS);
  if (nd > MAX_GRAPHS || nn > MAX_GRAPHS) {
    return send_error(c, 400, "too many graphs",
                      "at most 64 default-graph-uri and 64 named-graph-uri parameters");
  }
  q->accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
  q->format = http_params_get(&r->params, "format");
  q->default_graphs = defaults;
  q->ndefault = nd;
  q->named_graphs = named;
  q->nnamed = nn;
  uint64_t generation = cache_key(h, want > 0);
  double t0 = now_s();
  cust_sparql_result res;
  cust_sparql_result_init(&res);
  cust_buf key;
  cust_buf_init(&key);
  int use_cache = http_cache_key(q, &key) == CUST_OK;
  /* no-cache: answer from the store (and keep that answer); no-store:
   * neither read nor keep */
  int is_stored = use_cache && !asks_cache(c, "no-store");
  int is_read = is_stored && !asks_cache(c, "no-cache");
  cust_status st = CUST_OK;
  http_flight *lead = NULL;
  if (!is_read || (!http_cache_get(&h->cache, generation, &key, &res) &&
                   !http_cache_join(&h->cache, generation, &key, &res, &lead))) {
    st = cust_sparql_run(h->sparql, q, &res);
    if (st == CUST_OK && is_stored) {
      http_cache_put(&h->cache, generation, &key, &res);
    }
    if (st != CUST_OK) {
      res.http_status = 503;
      res.content_type = "application/json";
      cust_buf_reset(&res.body);
      cust_buf_puts(&res.body, "{\"error\": \"overloaded\", \"detail\": \"out of memory\"}\n");
    }
    http_cache_land(&h->cache, lead, &res);
  }
  cust_buf_release(&key);
  if (res.is_cached) {
    __atomic_add_fetch(&h->metrics.cache_hits, 1, __ATOMIC_RELAXED);
  }
  enum MHD_Result ret;
  if (st == CUST_OK && res.http_status == 200 && res.height < want) {
    /* Never hand an older graph to a client that has seen a newer one. */
    cust_sparql_result_release(&res);
    http_metrics_query(&h->metrics, 503, now_s() - t0);
    return send_error_ex(c, 503, "height not reached",
                         "the answer was read below min_height: retry", NULL, "1");
  }
  if (st != CUST_OK) {
    http_metrics_query(&h->metrics, 503, now_s() - t0);
    ret = send_error(c, 503, "overloaded", "the server is out of memory: try again later");
  } else {
    ret = send_result(h, c, &res, t0);
  }
  cust_sparql_result_release(&res);
  return ret;
}

/* Writes an IRI for the service description, or nothing if the Host header
 * could break out of <…>. */
static int is_host_safe(const char *host) {
  return host != NULL && host[0] != '\0' && strlen(host) < 256 &&
         strpbrk(host, " <>\"{}|^`\\/\t\r\n") == NULL;
}

/* The scheme and host clients use: a trusted proxy's Forwarded proto=/host=
 * (else X-Forwarded-Proto/-Host), otherwise our own scheme and Host. */
static cust_status sd_endpoint(cust_http *h, struct MHD_Connection *c, cust_buf *b) {
  const char *scheme = h->is_tls ? "https" : "http";
  const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
  char fproto[16], fhost[256];
  if (http_conns_is_trusted(&h->conns, c)) {
    const char *fwd = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Forwarded");
    const char *xproto = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-Proto");
    const char *xhost = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-Host");
    fproto[0] = '\0';
    if (!http_forwarded_param(fwd, "proto", fproto, sizeof fproto) && xproto != NULL) {
      snprintf(fproto, sizeof fproto, "%.*s", (int)strcspn(xproto, ", "), xproto);
    }
    if (strcasecmp(fproto, "https") == 0 || strcasecmp(fproto, "http") == 0) {
      scheme = strcasecmp(fproto, "https") == 0 ? "https" : "http";
    }
    fhost[0] = '\0';
    if (!http_forwarded_param(fwd, "host", fhost, sizeof fhost) && xhost != NULL) {
      snprintf(fhost, sizeof fhost, "%.*s", (int)strcspn(xhost, ", "), xhost);
    }
    if (is_host_safe(fhost)) {
      host = fhost;
    }
  }
  if (is_host_safe(host)) {
    return cust_buf_printf(b, "<%s://%s%s/sparql>", scheme, host, h->base_path);
  }
  return cust_buf_printf(b, "<%s%s/sparql>", h->url, h->base_path);
}

static enum MHD_Result service_description(cust_http *h, struct MHD_Connection *c) {
  const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
  if (http_accept_quality(accept, "text/turtle") == 0 &&
      http_accept_quality(accept, "text/plain") == 0) {
    return send_error(c, 406, "not acceptable",
                      "the service description is served as text/turtle only");
  }
  cust_buf b;
  cust_buf_init(&b);
  cust_status st =
      cust_buf_puts(&b, "@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .\n"
                        "@prefix fmt: <http://www.w3.org/ns/formats/> .\n"
                        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n\n"
                        "[] a sd:Service ;\n"
                        "  rdfs:label \"Custodian SPARQL endpoint (read-only)\" ;\n"
                        "  sd:endpoint ");
  if (st == CUST_OK) {
    st = sd_endpoint(h, c, &b);
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(
        &b, " ;\n"
            "  sd:supportedLanguage sd:SPARQL11Query ;\n"
            "  sd:feature sd:UnionDefaultGraph ;\n"
            "  sd:resultFormat fmt:SPARQL_Results_JSON, fmt:SPARQL_Results_XML,\n"
            "    fmt:SPARQL_Results_CSV, fmt:SPARQL_Results_TSV, fmt:Turtle, fmt:N-Triples,\n"
            "    fmt:N-Quads, fmt:RDF_XML ;\n"
            "  sd:defaultDataset [\n"
            "    a sd:Dataset ;\n"
            "    sd:defaultGraph [ a sd:Graph ] ;\n"
            "    sd:namedGraph [ a sd:NamedGraph ; sd:name <" CUST_GRAPH_LEDGER "> ],\n"
            "      [ a sd:NamedGraph ; sd:name <" CUST_GRAPH_CURRENT "> ],\n"
            "      [ a sd:NamedGraph ; sd:name <" CUST_GRAPH_POLICIES "> ],\n"
            "      [ a sd:NamedGraph ; sd:name <" CUST_GRAPH_ONTOLOGY "> ]\n"
            "  ] .\n");
  }
  if (st != CUST_OK) {
    cust_buf_release(&b);
    return MHD_NO;
  }
  return send_body(c, 200, "text/turtle; charset=utf-8", &b, NULL, NULL);
}

/* The media type of a Content-Type header, without parameters. */
static int media_is(const char *ctype, const char *type) {
  if (ctype == NULL) {
    return 0;
  }
  while (*ctype == ' ') {
    ctype++;
  }
  size_t n = strlen(type);
  return strncasecmp(ctype, type, n) == 0 &&
         (ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ');
}

static enum MHD_Result route_sparql(cust_http *h, struct MHD_Connection *c, http_req *r,
                                    const char *method) {
  cust_sparql_request q;
  memset(&q, 0, sizeof q);
  if (strcmp(method, "POST") == 0) {
    const char *ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    if (media_is(ctype, "application/x-www-form-urlencoded")) {
      cust_status st =
          http_params_parse(&r->params, &r->arena, r->body.data ? r->body.data : "", r->body.len);
      if (st == CUST_ERR_NOMEM) {
        return send_error(c, 503, "overloaded", "out of memory");
      }
      if (st != CUST_OK) {
        return send_error(c, 400, "bad form body", "a bad %-escape or a NUL byte in the form");
      }
    } else if (media_is(ctype, "application/sparql-query")) {
      if (r->body.len == 0 || memchr(r->body.data, '\0', r->body.len) != NULL) {
        return send_error(c, 400, "bad query", "the request body is empty or holds a NUL byte");
      }
      if (http_params_get(&r->params, "query") != NULL) {
        return send_error(c, 400, "bad request",
                          "a query in the body and in the URL: send only one");
      }
      q.query = r->body.data;
    } else if (media_is(ctype, "application/sparql-update")) {
      return send_error(c, 400, "update refused",
                        "this endpoint is read-only: SPARQL Update is not accepted");
    } else {
      return send_error_ex(c, 415, "unsupported media type",
                           "POST a query as application/sparql-query or as a form "
                           "(application/x-www-form-urlencoded)",
                           NULL, NULL);
    }
  }
  if (http_params_get(&r->params, "update") != NULL) {
    return send_error(c, 400, "update refused",
                      "this endpoint is read-only: SPARQL Update is not accepted");
  }
  if (q.query == NULL) {
    const char *qs[2];
    size_t n = http_params_all(&r->params, "query", qs, 2);
    if (n > 1) {
      return send_error(c, 400, "bad request", "exactly one \"query\" parameter is allowed");
    }
    if (n == 0) {
      if (strcmp(method, "POST") == 0) {
        return send_error(c, 400, "missing query", "the form has no \"query\" field");
      }
      return service_description(h, c);
    }
    q.query = qs[0];
  }
  return run_query(h, c, r, &q);
}

/* ---- /queries ---------------------------------------------------------------------------- */

static enum MHD_Result route_catalog(cust_http *h, struct MHD_Connection *c) {
  cust_buf b;
  cust_buf_init(&b);
  cust_status st = cust_buf_puts(&b, "{\"queries\": [");
  for (size_t i = 0; st == CUST_OK && i < h->catalog.len; i++) {
    const http_canned *q = &h->catalog.items[i];
    st = cust_buf_puts(&b, i ? ",\n  {\"name\": " : "\n  {\"name\": ");
    st = st ? st : cust_json_cstr(&b, q->name);
    st = st ? st : cust_buf_puts(&b, ", \"title\": ");
    st = st ? st : cust_json_cstr(&b, q->title);
    st = st ? st : cust_buf_puts(&b, ", \"description\": ");
    st = st ? st : cust_json_cstr(&b, q->description);
    st = st ? st : cust_buf_printf(&b, ", \"url\": \"/queries/%s\", \"parameters\": [", q->name);
    for (size_t k = 0; st == CUST_OK && k < q->nparams; k++) {
      st = cust_buf_puts(&b, k ? ", {\"name\": " : "{\"name\": ");
      st = st ? st : cust_json_cstr(&b, q->params[k].name);
      st = st ? st : cust_buf_puts(&b, ", \"type\": ");
      st = st ? st : cust_json_cstr(&b, http_param_type_name(q->params[k].type));
      st = st ? st : cust_buf_puts(&b, ", \"description\": ");
      st = st ? st : cust_json_cstr(&b, q->params[k].description);
      st = st ? st : cust_buf_putc(&b, '}');
    }
    st = st ? st : cust_buf_puts(&b, "], \"query\": ");
    st = st ? st : cust_json_cstr(&b, q->text);
    st = st ? st : cust_buf_putc(&b, '}');
  }
  st = st ? st : cust_buf_puts(&b, "\n]}\n");
  if (st != CUST_OK) {
    cust_buf_release(&b);
    return send_error(c, 503, "overloaded", "out of memory");
  }
  return send_body(c, 200, "application/json", &b, NULL, NULL);
}

static int is_reserved_param(const char *name) {
  return strcmp(name, "format") == 0 || strcmp(name, "min_height") == 0 || name[0] == '_';
}

static enum MHD_Result route_canned(cust_http *h, struct MHD_Connection *c, http_req *r,
                                    const char *name) {
  const http_canned *q = http_catalog_find(&h->catalog, name);
  char detail[512];
  if (q == NULL) {
    snprintf(detail, sizeof detail, "no canned query \"%.64s\": GET /queries lists them", name);
    return send_error(c, 404, "unknown query", detail);
  }
  for (size_t i = 0; i < r->params.len; i++) {
    const char *pn = r->params.items[i].name;
    int is_known = is_reserved_param(pn);
    for (size_t k = 0; k < q->nparams && !is_known; k++) {
      is_known = strcmp(q->params[k].name, pn) == 0;
    }
    if (!is_known) {
      snprintf(detail, sizeof detail, "query \"%s\" has no parameter \"%.64s\"", q->name, pn);
      return send_error(c, 400, "unknown parameter", detail);
    }
  }
  const char **names = cust_arena_alloc(&r->arena, (q->nparams + 1) * sizeof *names);
  cust_term *values = cust_arena_alloc(&r->arena, (q->nparams + 1) * sizeof *values);
  if (names == NULL || values == NULL) {
    return send_error(c, 503, "overloaded", "out of memory");
  }
  for (size_t k = 0; k < q->nparams; k++) {
    const char *vals[2];
    size_t n = http_params_all(&r->params, q->params[k].name, vals, 2);
    if (n == 0) {
      snprintf(detail, sizeof detail, "query \"%s\" needs parameter \"%s\" (%s): %s", q->name,
               q->params[k].name, http_param_type_name(q->params[k].type),
               q->params[k].description);
      return send_error(c, 400, "missing parameter", detail);
    }
    if (n > 1) {
      snprintf(detail, sizeof detail, "parameter \"%s\" is given %zu times", q->params[k].name, n);
      return send_error(c, 400, "invalid parameter", detail);
    }
    const char *why = http_param_check(q->params[k].type, vals[0]);
    if (why != NULL) {
      snprintf(detail, sizeof detail, "parameter \"%s\": %s", q->params[k].name, why);
      return send_error(c, 400, "invalid parameter", detail);
    }
    names[k] = q->params[k].name;
    switch (q->params[k].type) {
      case HTTP_PARAM_IRI:
        values[k] = cust_term_iri(vals[0]);
        break;
      case HTTP_PARAM_INTEGER:
        values[k] = cust_term_literal(vals[0], NULL, "http://www.w3.org/2001/XMLSchema#integer");
        break;
      case HTTP_PARAM_LITERAL:
        values[k] = cust_term_literal(vals[0], NULL, NULL);
        break;
    }
  }
  cust_sparql_request req;
  memset(&req, 0, sizeof req);
  req.query = q->text;
  req.bind_names = names;
  req.bind_values = values;
  req.nbind = q->nparams;
  return run_query(h, c, r, &req);
}

/* ---- /custody and /rewards -------------------------------------------------------------- */

static int status_of(cust_status st) {
  switch (st) {
    case CUST_OK:
      return 200;
    case CUST_ERR_NOTFOUND:
      return 404;
    case CUST_ERR_INVALID:
      return 400;
    case CUST_ERR_BUSY:
    case CUST_ERR_TIMEOUT:
    case CUST_ERR_NOMEM:
    case CUST_ERR_LIMIT:
      return 503;
    default:
      return 500;
  }
}

/* The height a store handle reads at, for X-Custodian-Height; "" when unknown.
 * Taken after the call that read the store, so that it is never below the
 * height of the answer. */
static void handle_height(cust_store *s, char *out, size_t n) {
  cust_checkpoint cp;
  out[0] = '\0';
  if (cust_store_checkpoint(s, &cp) == CUST_OK && cp.height > 0) {
    snprintf(out, n, "%llu", (unsigned long long)cp.height);
  }
}

static enum MHD_Result send_call(cust_http *h, struct MHD_Connection *c, cust_status st,
                                 cust_buf *json, const char *err, const char *height) {
  (void)h;
  if (st == CUST_OK) {
    return send_body_ex(c, 200, "application/json", json, NULL, NULL, height[0] ? height : NULL);
  }
  cust_buf_release(json);
  int status = status_of(st);
  const char *what = status == 404   ? "not found"
                     : status == 400 ? "invalid parameter"
                     : status == 503 ? "unavailable"
                                     : "internal error";
  return send_error(c, status, what, err[0] ? err : cust_strerror(st));
}

static enum MHD_Result route_custody(cust_http *h, struct MHD_Connection *c, http_req *r) {
  const char *resource = http_params_get(&r->params, "resource");
  const char *direction = http_params_get(&r->params, "direction");
  const char *depth_s = http_params_get(&r->params, "depth");
  char err[512] = "";
  if (resource == NULL) {
    return send_error(c, 400, "missing parameter", "\"resource\" (an IRI) is required");
  }
  const char *why = http_param_check(HTTP_PARAM_IRI, resource);
  if (why != NULL) {
    snprintf(err, sizeof err, "parameter \"resource\": %s", why);
    return send_error(c, 400, "invalid parameter", err);
  }
  int is_up = 1;
  if (direction != NULL && strcmp(direction, "down") == 0) {
    is_up = 0;
  } else if (direction != NULL && strcmp(direction, "up") != 0) {
    return send_error(c, 400, "invalid parameter", "\"direction\" is \"up\" or \"down\"");
  }
  unsigned depth = CUST_CUSTODY_DEFAULT_DEPTH;
  if (depth_s != NULL) {
    char *end = NULL;
    unsigned long d = strtoul(depth_s, &end, 10);
    if (depth_s[0] < '0' || depth_s[0] > '9' || *end != '\0' || d < 1 ||
        d > CUST_CUSTODY_MAX_DEPTH) {
      return send_error(c, 400, "invalid parameter",
                        "\"depth\" is an integer from 1 to " STR(CUST_CUSTODY_MAX_DEPTH));
    }
    depth = (unsigned)d;
  }
  enum MHD_Result waited;
  uint64_t want = 0;
  if (!wait_height(h, c, r, &want, &waited)) {
    return waited;
  }
  cust_store *s = NULL;
  cust_status st = http_pool_get(&h->pool, POOL_WAIT_MS, &s);
  if (st != CUST_OK) {
    return send_error(c, 503, "overloaded", "no store handle is free: try again later");
  }
  cust_buf json;
  cust_buf_init(&json);
  char height[24];
  st = cust_custody_query(s, resource, is_up, depth, &json, err, sizeof err);
  handle_height(s, height, sizeof height);
  http_pool_put(&h->pool, s);
  return send_call(h, c, st, &json, err, height);
}

static enum MHD_Result route_rewards(cust_http *h, struct MHD_Connection *c, http_req *r) {
  const char *execution = http_params_get(&r->params, "execution");
  const char *amount = http_params_get(&r->params, "amount");
  const char *policy = http_params_get(&r->params, "policy");
  const char *format = http_params_get(&r->params, "format");
  const char *prefix = http_params_get(&r->params, "account_prefix");
  const char *from = http_params_get(&r->params, "from");
  cust_rewards_request req = { .policy_iri = policy, .amount = amount, .prefix = prefix };
  char err[512] = "";
  if (execution == NULL) {
    return send_error(c, 400, "missing parameter", "\"execution\" (an IRI) is required");
  }
  const char *why = http_param_check(HTTP_PARAM_IRI, execution);
  if (why == NULL && policy != NULL && (why = http_param_check(HTTP_PARAM_IRI, policy)) != NULL) {
    snprintf(err, sizeof err, "parameter \"policy\": %s", why);
    return send_error(c, 400, "invalid parameter", err);
  }
  if (why != NULL) {
    snprintf(err, sizeof err, "parameter \"execution\": %s", why);
    return send_error(c, 400, "invalid parameter", err);
  }
  if (amount != NULL) {
    size_t n = strlen(amount);
    if (n == 0 || n > 60 || strspn(amount, "0123456789") != n) {
      return send_error(c, 400, "invalid parameter", "\"amount\" is a non-negative integer");
    }
  }
  if (format != NULL && cust_rewards_format_parse(format, &req.format) != CUST_OK) {
    return send_error(c, 400, "invalid parameter", "\"format\" is \"json\", \"csv\" or \"msg\"");
  }
  if (prefix != NULL) {
    size_t n = strlen(prefix);
    if (n == 0 || n > 20 || strspn(prefix, "abcdefghijklmnopqrstuvwxyz0123456789") != n) {
      return send_error(c, 400, "invalid parameter",
                        "\"account_prefix\" is a bech32 prefix such as \"axone\"");
    }
  }
  if (from != NULL &&
      cust_bech32_check_address(from, prefix, NULL, 0, err, sizeof err) != CUST_OK) {
    return send_error(c, 400, "invalid parameter", err);
  }
  req.execution = execution;
  req.from = from;
  enum MHD_Result waited;
  uint64_t want = 0;
  if (!wait_height(h, c, r, &want, &waited)) {
    return waited;
  }
  cust_store *s = NULL;
  cust_status st = http_pool_get(&h->pool, POOL_WAIT_MS, &s);
  if (st != CUST_OK) {
    return send_error(c, 503, "overloaded", "no store handle is free: try again later");
  }
  cust_buf json;
  cust_buf_init(&json);
  char height[24];
  st = cust_rewards_query(s, &req, &json, err, sizeof err);
  handle_height(s, height, sizeof height);
  http_pool_put(&h->pool, s);
  if (st == CUST_OK && req.format == CUST_REWARDS_CSV) {
    st = cust_buf_putc(&json, '\n');
    if (st == CUST_OK) {
      return send_body_ex(c, 200, "text/csv; charset=utf-8", &json, NULL, NULL,
                          height[0] ? height : NULL);
    }
  }
  return send_call(h, c, st, &json, err, height);
}

/* ---- static files ------------------------------------------------------------------------ */

static enum MHD_Result route_static(cust_http *h, struct MHD_Connection *c, const char *path) {
  char full[PATH_MAX], real[PATH_MAX];
  if (h->web_root == NULL) {
    return send_error(c, 404, "not found", "no dashboard is installed (web/ is missing)");
  }
  size_t n = strlen(path);
  int is_dir_path = n > 0 && path[n - 1] == '/';
  int len =
      snprintf(full, sizeof full, "%s%s%s", h->web_root, path, is_dir_path ? "index.html" : "");
  if (len < 0 || (size_t)len >= sizeof full || realpath(full, real) == NULL) {
    return send_error(c, 404, "not found", "no such file or route");
  }
  size_t rn = strlen(h->web_root);
  if (strncmp(real, h->web_root, rn) != 0 || real[rn] != '/') {
    return send_error(c, 404, "not found", "no such file or route");
  }
  int fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  struct stat sb;
  if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
    if (fd >= 0) {
      close(fd);
    }
    return send_error(c, 404, "not found", "no such file or route");
  }
  if ((size_t)sb.st_size <= STATIC_MAX) {
    cust_buf b;
    cust_buf_init(&b);
    cust_status st = cust_buf_reserve(&b, (size_t)sb.st_size);
    size_t got = 0;
    while (st == CUST_OK && got < (size_t)sb.st_size) {
      ssize_t k = read(fd, b.data + got, (size_t)sb.st_size - got);
      if (k <= 0) {
        st = CUST_ERR_IO;
        break;
      }
      got += (size_t)k;
    }
    close(fd);
    if (st != CUST_OK) {
      cust_buf_release(&b);
      return send_error(c, 500, "internal error", "cannot read the file");
    }
    b.len = got;
    b.data[got] = '\0';
    return send_body(c, 200, http_content_type(real), &b, NULL, NULL);
  }
  struct MHD_Response *resp = MHD_create_response_from_fd((size_t)sb.st_size, fd);
  if (resp == NULL) {
    close(fd);
    return MHD_NO;
  }
  MHD_add_response_header(resp, "Content-Type", http_content_type(real));
  MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
  MHD_add_response_header(resp, "Server", PACKAGE_NAME "/" PACKAGE_VERSION);
  add_page_headers(resp);
  note_answer(MHD_HTTP_OK, (uint64_t)sb.st_size);
  enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
  MHD_destroy_response(resp);
  return ret;
}

/* ---- routing ------------------------------------------------------------------------------ */

/* The route a normalised path goes to, for /metrics. */
static http_route route_of(const char *path) {
  static const struct {
    const char *path;
    http_route route;
  } exact[] = { { "/sparql", HTTP_ROUTE_SPARQL },    { "/queries", HTTP_ROUTE_QUERIES },
                { "/queries/", HTTP_ROUTE_QUERIES }, { "/custody", HTTP_ROUTE_CUSTODY },
                { "/rewards", HTTP_ROUTE_REWARDS },  { "/status", HTTP_ROUTE_STATUS },
                { "/health", HTTP_ROUTE_HEALTH },    { "/metrics", HTTP_ROUTE_METRICS } };
  for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++) {
    if (strcmp(path, exact[i].path) == 0) {
      return exact[i].route;
    }
  }
  return strncmp(path, "/queries/", 9) == 0 ? HTTP_ROUTE_QUERY : HTTP_ROUTE_STATIC;
}

/* Where each route is served (--ops-listen) and which token it needs
 * (--api-token, --ops-token). /health stays open everywhere, for load
 * balancers; the dashboard's files are public too (they hold no data). On
 * refusal, *out is the answer sent. */
static int is_allowed(cust_http *h, struct MHD_Connection *c, http_route route, int is_options,
                      enum MHD_Result *out) {
  int is_ops_route = route == HTTP_ROUTE_STATUS || route == HTTP_ROUTE_METRICS;
  if (h->ops_mhd != NULL) {
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_DAEMON);
    int is_ops_listener = ci != NULL && ci->daemon == h->ops_mhd;
    if (is_ops_listener && !is_ops_route && route != HTTP_ROUTE_HEALTH) {
      *out = send_error(c, 404, "not found",
                        "the operations address serves /status, /metrics "
                        "and /health only");
      return 0;
    }
    if (!is_ops_listener && is_ops_route) {
      *out = send_error(c, 404, "not found", "served on the operations address only");
      return 0;
    }
  }
  const char *token = is_ops_route && h->ops_token != NULL ? h->ops_token : h->api_token;
  if (is_options || token == NULL || route == HTTP_ROUTE_HEALTH || route == HTTP_ROUTE_STATIC) {
    return 1;
  }
  const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
  if (auth != NULL && strncasecmp(auth, "Bearer ", 7) == 0) {
    const char *given = auth + 7;
    while (*given == ' ') {
      given++;
    }
    size_t gn = strlen(given);
    while (gn > 0 && given[gn - 1] == ' ') {
      gn--;
    }
    if (http_token_equal(given, gn, token, strlen(token))) {
      return 1;
    }
  }
  cust_buf b;
  cust_buf_init(&b);
  if (cust_buf_puts(&b, "{\"error\": \"unauthorized\", \"detail\": \"send the token of the "
                        "server in \\\"Authorization: Bearer TOKEN\\\"\"}\n") != CUST_OK) {
    cust_buf_release(&b);
    *out = MHD_NO;
    return 0;
  }
  *out = send_body_hdr(c, 401, "application/json", &b, NULL, NULL, "WWW-Authenticate",
                       "Bearer realm=\"custodian\"");
  return 0;
}

#define ALLOW_READ "GET, HEAD, OPTIONS"
#define ALLOW_SPARQL "GET, HEAD, POST, OPTIONS"

static enum MHD_Result dispatch(cust_http *h, struct MHD_Connection *c, http_req *r,
                                const char *method) {
  char path[2048];
  char *uri = r->uri;
  char *frag = strchr(uri, '#');
  if (frag != NULL) {
    *frag = '\0';
  }
  char *qmark = strchr(uri, '?');
  size_t plen = qmark ? (size_t)(qmark - uri) : strlen(uri);
  cust_status st = http_path_normalise(uri, plen, path, sizeof path);
  if (st != CUST_OK) {
    return send_error(c, st == CUST_ERR_LIMIT ? 414 : 400, "bad path",
                      "the path has \"..\", a bad %-escape or control characters");
  }
  if (qmark != NULL) {
    st = http_params_parse(&r->params, &r->arena, qmark + 1, strlen(qmark + 1));
    if (st == CUST_ERR_NOMEM) {
      return send_error(c, 503, "overloaded", "out of memory");
    }
    if (st != CUST_OK) {
      return send_error(c, 400, "bad query string", "a bad %-escape or a NUL byte");
    }
  } else {
    r->params.arena = &r->arena;
  }
  size_t bn = strlen(h->base_path);
  if (bn > 0 && strncmp(path, h->base_path, bn) == 0 && (path[bn] == '/' || path[bn] == '\0')) {
    /* a proxy that passes the prefix on: the routes are below it */
    memmove(path, path + bn, strlen(path + bn) + 1);
    if (path[0] == '\0') {
      snprintf(path, sizeof path, "/");
    }
  }
  int is_get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
  int is_options = strcmp(method, "OPTIONS") == 0;
  r->route = route_of(path);
  enum MHD_Result refused;
  if (!is_allowed(h, c, r->route, is_options, &refused)) {
    return refused;
  }
  if (strcmp(path, "/sparql") == 0) {
    if (is_options) {
      return send_preflight(c, ALLOW_SPARQL);
    }
    if (!is_get && strcmp(method, "POST") != 0) {
      return send_error_ex(c, 405, "method not allowed", "/sparql accepts GET and POST",
                           ALLOW_SPARQL, NULL);
    }
    return route_sparql(h, c, r, method);
  }
  if (is_options) {
    return send_preflight(c, ALLOW_READ);
  }
  if (!is_get) {
    char detail[128];
    snprintf(detail, sizeof detail, "%.64s accepts GET and HEAD only", path);
    return send_error_ex(c, 405, "method not allowed", detail, ALLOW_READ, NULL);
  }
  if (strncmp(path, "/queries", 8) == 0 && (path[8] == '\0' || path[8] == '/')) {
    pthread_rwlock_rdlock(&h->catalog_lock);
    enum MHD_Result ret =
        path[8] == '\0' || path[9] == '\0' ? route_catalog(h, c) : route_canned(h, c, r, path + 9);
    pthread_rwlock_unlock(&h->catalog_lock);
    return ret;
  }
  if (strcmp(path, "/custody") == 0) {
    return route_custody(h, c, r);
  }
  if (strcmp(path, "/rewards") == 0) {
    return route_rewards(h, c, r);
  }
  if (strcmp(path, "/status") == 0 || strcmp(path, "/health") == 0 ||
      strcmp(path, "/metrics") == 0) {
    long long max_lag = -1;
    const char *lag_s = path[1] == 'h' ? http_params_get(&r->params, "max_lag") : NULL;
    if (lag_s != NULL) {
      uint64_t v = 0;
      if (!parse_height(lag_s, &v) || v > 1000000000) {
        return send_error(c, 400, "invalid parameter",
                          "\"max_lag\" is a number of blocks (0 to 1000000000)");
      }
      max_lag = (long long)v;
    }
    cust_buf b;
    cust_buf_init(&b);
    int status = path[1] == 's'   ? http_ops_status(h, &b)
                 : path[1] == 'h' ? http_ops_health(h, max_lag, &b)
                                  : http_ops_metrics(h, &b);
    if (status == 0) {
      cust_buf_release(&b);
      return send_error(c, 503, "overloaded", "out of memory");
    }
    return send_body(
        c, status, path[1] == 'm' ? "text/plain; version=0.0.4; charset=utf-8" : "application/json",
        &b, NULL, status == 503 ? "5" : NULL);
  }
  return route_static(h, c, path);
}

static enum MHD_Result handle(cust_http *h, struct MHD_Connection *c, http_req *r,
                              const char *method, const char *upload_data,
                              size_t *upload_data_size);

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls) {
  (void)url;
  (void)version;
  cust_http *h = cls;
  http_req *r = *con_cls;
  if (r == NULL) {
    http_conns_received(&h->conns, c);
    return send_error(c, 503, "overloaded", "out of memory");
  }
  tl_req = r;
  enum MHD_Result ret = handle(h, c, r, method, upload_data, upload_data_size);
  tl_req = NULL;
  return ret;
}

static enum MHD_Result handle(cust_http *h, struct MHD_Connection *c, http_req *r,
                              const char *method, const char *upload_data,
                              size_t *upload_data_size) {
  if (!r->is_started) {
    r->is_started = 1;
    __atomic_add_fetch(&h->metrics.requests, 1, __ATOMIC_RELAXED);
    snprintf(r->method, sizeof r->method, "%s", method);
    http_verdict v = http_conns_begin(&h->conns, c, method, r->uri, r->client, sizeof r->client);
    if (v != HTTP_VERDICT_OK) {
      http_conns_received(&h->conns, c);
      note_answer(v == HTTP_VERDICT_BUSY ? 503 : 429, 0);
      return http_conns_refuse(c, v == HTTP_VERDICT_BUSY ? 503 : 429,
                               v == HTTP_VERDICT_BUSY
                                   ? "the server has too many connections open: try again later"
                                   : "too many requests in hand for this client: try again later");
    }
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    if (cl != NULL && MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding")) {
      /* Two framings: a proxy in front may have read the other one. */
      http_conns_received(&h->conns, c);
      return send_error(c, 400, "bad request",
                        "both Content-Length and Transfer-Encoding: send only one");
    }
    if (cl != NULL && strtoull(cl, NULL, 10) > h->max_body) {
      http_conns_received(&h->conns, c);
      char detail[128];
      snprintf(detail, sizeof detail, "the request body is larger than %zu bytes", h->max_body);
      return send_error(c, 413, "request too large", detail);
    }
    return MHD_YES;
  }
  if (*upload_data_size > 0) {
    if (r->is_too_large || r->body.len + *upload_data_size > h->max_body) {
      /* Read on so that the 413 can be sent, but not forever. */
      r->is_too_large = 1;
      r->discarded += *upload_data_size;
      cust_buf_release(&r->body);
      if (r->discarded > 2 * h->max_body) {
        return MHD_NO;
      }
    } else if (cust_buf_append(&r->body, upload_data, *upload_data_size) != CUST_OK) {
      return MHD_NO;
    }
    *upload_data_size = 0;
    return MHD_YES;
  }
  http_conns_received(&h->conns, c);
  if (r->is_too_large) {
    char detail[128];
    snprintf(detail, sizeof detail, "the request body is larger than %zu bytes", h->max_body);
    return send_error(c, 413, "request too large", detail);
  }
  return dispatch(h, c, r, method);
}

/* ---- start and stop ------------------------------------------------------------------------ */

void cust_http_config_init(cust_http_config *c) {
  memset(c, 0, sizeof *c);
  c->listen = "127.0.0.1:8080";
  c->db_path = "custodian.db";
  c->threads = 4;
  c->max_body = 1024 * 1024;
  c->max_height_wait_ms = CUST_HTTP_MAX_HEIGHT_WAIT_MS;
}

/* Splits "HOST:PORT" / "[V6]:PORT" and resolves it. */
static cust_status resolve(const char *listen, struct sockaddr_storage *sa, socklen_t *salen,
                           char *err, size_t errlen) {
  char host[256];
  const char *port;
  if (listen[0] == '[') {
    const char *close = strchr(listen, ']');
    if (close == NULL || close[1] != ':' || (size_t)(close - listen - 1) >= sizeof host) {
      goto bad;
    }
    snprintf(host, sizeof host, "%.*s", (int)(close - listen - 1), listen + 1);
    port = close + 2;
  } else {
    const char *colon = strrchr(listen, ':');
    if (colon == NULL || (size_t)(colon - listen) >= sizeof host) {
      goto bad;
    }
    snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
    port = colon + 1;
  }
  if (port[0] == '\0' || strspn(port, "0123456789") != strlen(port) || atol(port) > 65535) {
    goto bad;
  }
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  int rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
  if (rc != 0 || res == NULL) {
    snprintf(err, errlen, "cannot resolve the --listen address \"%s\": %s", listen,
             gai_strerror(rc));
    return CUST_ERR_INVALID;
  }
  memcpy(sa, res->ai_addr, res->ai_addrlen);
  *salen = res->ai_addrlen;
  freeaddrinfo(res);
  return CUST_OK;
bad:
  snprintf(err, errlen,
           "bad --listen address \"%s\": use HOST:PORT or [IPV6]:PORT (port 0: any free port)",
           listen);
  return CUST_ERR_INVALID;
}

cust_status cust_http_check_listen(const char *listen, char *err, size_t errlen) {
  struct sockaddr_storage sa;
  socklen_t salen = 0;
  return resolve(listen, &sa, &salen, err, errlen);
}

/* Reads a PEM file for TLS into a NUL-terminated string (owned). */
static cust_status read_pem(const char *path, const char *what, char **out,
                            const cust_logger *log) {
  *out = NULL;
  FILE *f = path ? fopen(path, "rb") : NULL;
  if (f == NULL) {
    cust_log(log, CUST_LOG_ERROR, "cannot read the TLS %s \"%s\": %s", what, path ? path : "",
             path ? strerror(errno) : "not given");
    return CUST_ERR_IO;
  }
  cust_buf b;
  cust_buf_init(&b);
  char chunk[4096];
  size_t n;
  cust_status st = CUST_OK;
  while (st == CUST_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    st = b.len + n > 1024 * 1024 ? CUST_ERR_LIMIT : cust_buf_append(&b, chunk, n);
  }
  fclose(f);
  if (st == CUST_OK && (b.len == 0 || strstr(b.data, "-----BEGIN ") == NULL)) {
    st = CUST_ERR_FORMAT;
  }
  if (st != CUST_OK) {
    cust_log(log, CUST_LOG_ERROR, "the TLS %s \"%s\" is not a PEM file (-----BEGIN ...)", what,
             path);
    cust_buf_release(&b);
    return st;
  }
  size_t len = 0;
  *out = cust_buf_steal(&b, &len);
  return *out != NULL ? CUST_OK : CUST_ERR_NOMEM;
}

/* "http[s]://HOST:PORT" for a bound address; a wildcard reads as loopback. */
static void url_of(const struct sockaddr_storage *sa, socklen_t salen, unsigned port, int is_tls,
                   char *out, size_t outlen) {
  char host[NI_MAXHOST];
  if (getnameinfo((const struct sockaddr *)sa, salen, host, sizeof host, NULL, 0, NI_NUMERICHOST) !=
      0) {
    snprintf(host, sizeof host, "127.0.0.1");
  }
  if (strcmp(host, "0.0.0.0") == 0) {
    snprintf(host, sizeof host, "127.0.0.1");
  } else if (strcmp(host, "::") == 0) {
    snprintf(host, sizeof host, "::1");
  }
  snprintf(out, outlen, sa->ss_family == AF_INET6 ? "%s://[%s]:%u" : "%s://%s:%u",
           is_tls ? "https" : "http", host, port);
}

/* The TLS options of a daemon, into tls[3]: none without TLS. */
static struct MHD_OptionItem *tls_options(const cust_http *h, struct MHD_OptionItem *tls) {
  struct MHD_OptionItem end = { MHD_OPTION_END, 0, NULL };
  tls[0] = tls[1] = tls[2] = end;
  if (h->is_tls) {
    tls[0].option = MHD_OPTION_HTTPS_MEM_CERT;
    tls[0].ptr_value = h->tls_cert_pem;
    tls[1].option = MHD_OPTION_HTTPS_MEM_KEY;
    tls[1].ptr_value = h->tls_key_pem;
  }
  return tls;
}

/* The second listener of --ops-listen: the same handlers (is_allowed keeps
 * it to the operations routes), a few connections. */
static cust_status start_ops(cust_http *h, const cust_http_config *cfg, unsigned flags,
                             const cust_logger *log) {
  struct sockaddr_storage sa;
  socklen_t salen = 0;
  char err[512];
  if (resolve(cfg->ops_listen, &sa, &salen, err, sizeof err) != CUST_OK) {
    cust_log(log, CUST_LOG_ERROR, "%s", err);
    return CUST_ERR_INVALID;
  }
  if (sa.ss_family == AF_INET6) {
    flags |= MHD_USE_IPv6;
  }
  struct MHD_OptionItem tls[3];
  h->ops_mhd = MHD_start_daemon(
      flags, 0, http_conns_accept, &h->conns, on_request, h, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log,
      (void *)(uintptr_t)log, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
      MHD_OPTION_URI_LOG_CALLBACK, on_uri, h, MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
      MHD_OPTION_NOTIFY_CONNECTION, http_conns_notify, &h->conns, MHD_OPTION_CONNECTION_LIMIT,
      (unsigned)64, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY, MHD_OPTION_ARRAY,
      tls_options(h, tls), MHD_OPTION_END);
  if (h->ops_mhd == NULL) {
    cust_log(log, CUST_LOG_ERROR,
             "cannot listen on --ops-listen \"%s\": the address is in use or not local",
             cfg->ops_listen);
    return CUST_ERR_NETWORK;
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->ops_mhd, MHD_DAEMON_INFO_BIND_PORT);
  url_of(&sa, salen, info ? info->port : 0, h->is_tls, h->ops_url, sizeof h->ops_url);
  return CUST_OK;
}

cust_status cust_http_start(const cust_http_config *cfg, const cust_logger *log, cust_http **out) {
  cust_status st = CUST_OK;
  char dir[PATH_MAX];
  struct sockaddr_storage sa;
  socklen_t salen = 0;
  *out = NULL;
  cust_http *h = calloc(1, sizeof *h);
  if (h == NULL) {
    return CUST_ERR_NOMEM;
  }
  h->log = log;
  h->index = cfg->index;
  h->max_body = cfg->max_body ? cfg->max_body : 1024 * 1024;
  h->max_height_wait_ms = cfg->max_height_wait_ms;
  h->started_ms = cust_now_ms();
  struct timespec wall;
  clock_gettime(CLOCK_REALTIME, &wall);
  h->started_unix_s = (double)wall.tv_sec + (double)(wall.tv_nsec / 1000000) / 1000.0;
  h->access_log = cfg->access_log;
  h->is_json_log = cfg->is_json_log;
  h->base_path = strdup(cfg->base_path && strcmp(cfg->base_path, "/") != 0 ? cfg->base_path : "");
  h->api_token = cfg->api_token ? strdup(cfg->api_token) : NULL;
  h->ops_token = cfg->ops_token ? strdup(cfg->ops_token) : NULL;
  if (h->base_path == NULL || (cfg->api_token && !h->api_token) ||
      (cfg->ops_token && !h->ops_token)) {
    st = CUST_ERR_NOMEM;
    goto fail;
  }
  if (cfg->tls_cert != NULL) {
    st = read_pem(cfg->tls_cert, "certificate", &h->tls_cert_pem, log);
    st = st ? st : read_pem(cfg->tls_key, "private key", &h->tls_key_pem, log);
    if (st != CUST_OK) {
      goto fail;
    }
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
      cust_log(log, CUST_LOG_ERROR, "this libmicrohttpd has no TLS: serve HTTP behind a TLS proxy");
      st = CUST_ERR_UNSUPPORTED;
      goto fail;
    }
    h->is_tls = 1;
  }
  http_metrics_init(&h->metrics);
  http_cache_init(&h->cache,
                  cfg->limits.max_cache_bytes ? cfg->limits.max_cache_bytes : 64u * 1024 * 1024);
  pthread_mutex_init(&h->info_lock, NULL);
  pthread_mutex_init(&h->key_lock, NULL);
  pthread_rwlock_init(&h->catalog_lock, NULL);
  const char *db = cfg->db_path ? cfg->db_path : "custodian.db";
  h->db_path = strdup(db);
  if (h->db_path == NULL) {
    st = CUST_ERR_NOMEM;
    goto fail;
  }
  st = pool_init(&h->pool, db, cfg->threads ? cfg->threads : 4, log);
  if (st != CUST_OK) {
    goto fail;
  }
  /* Open one handle now, so that a missing or foreign store fails the start. */
  cust_store *probe = NULL;
  st = http_pool_get(&h->pool, 0, &probe);
  http_pool_put(&h->pool, probe);
  if (st != CUST_OK) {
    goto fail;
  }
  st = cust_sparql_new(db, &cfg->limits, log, &h->sparql);
  if (st != CUST_OK) {
    goto fail;
  }
  const char *qdir = cust_http_data_dir(cfg->queries_dir, "queries", dir, sizeof dir);
  if (qdir == NULL) {
    st = CUST_ERR_INVALID;
    goto fail;
  }
  st = http_catalog_load(&h->catalog, qdir, log);
  if (st != CUST_OK) {
    goto fail;
  }
  h->queries_dir = strdup(qdir);
  if (h->queries_dir == NULL) {
    st = CUST_ERR_NOMEM;
    goto fail;
  }
  const char *wdir = cust_http_data_dir(cfg->web_dir, "web", dir, sizeof dir);
  char real[PATH_MAX];
  if (wdir != NULL && realpath(wdir, real) != NULL) {
    h->web_root = strdup(real);
    if (h->web_root == NULL) {
      st = CUST_ERR_NOMEM;
      goto fail;
    }
  } else {
    cust_log(log, CUST_LOG_WARN, "no dashboard: cannot find the web directory \"%s\"",
             wdir ? wdir : "web");
  }
  char lerr[512];
  st = resolve(cfg->listen ? cfg->listen : "127.0.0.1:8080", &sa, &salen, lerr, sizeof lerr);
  if (st != CUST_OK) {
    cust_log(log, CUST_LOG_ERROR, "%s", lerr);
    goto fail;
  }
  st = http_conns_init(&h->conns, cfg, log);
  if (st != CUST_OK) {
    goto fail;
  }
  /* Past max, connections are still taken to be answered 503; past the
   * slack, libmicrohttpd closes them at accept. */
  unsigned hard_limit = h->conns.max + h->conns.max / 8 + 16;
  unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
                   MHD_USE_ITC | MHD_USE_ERROR_LOG;
  if (sa.ss_family == AF_INET6) {
    flags |= MHD_USE_IPv6;
  }
  if (h->is_tls) {
    flags |= MHD_USE_TLS;
  }
  /* The logger comes first, so that no option's message goes to stderr. */
  struct MHD_OptionItem tls[3];
  h->mhd = MHD_start_daemon(
      flags, 0, http_conns_accept, &h->conns, on_request, h, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log,
      (void *)(uintptr_t)log, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
      MHD_OPTION_URI_LOG_CALLBACK, on_uri, h, MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
      MHD_OPTION_NOTIFY_CONNECTION, http_conns_notify, &h->conns, MHD_OPTION_CONNECTION_LIMIT,
      hard_limit, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY, MHD_OPTION_ARRAY,
      tls_options(h, tls), MHD_OPTION_END);
  if (h->mhd == NULL && h->is_tls) {
    cust_log(log, CUST_LOG_ERROR,
             "cannot serve HTTPS on \"%s\": the address is in use, or --tls-cert \"%s\" and "
             "--tls-key \"%s\" are not a matching PEM certificate and key",
             cfg->listen ? cfg->listen : "127.0.0.1:8080", cfg->tls_cert, cfg->tls_key);
    st = CUST_ERR_INVALID;
    goto fail;
  }
  if (h->mhd == NULL) {
    cust_log(log, CUST_LOG_ERROR,
             "cannot listen on \"%s\": the address is in use or not local: choose another "
             "--listen",
             cfg->listen ? cfg->listen : "127.0.0.1:8080");
    st = CUST_ERR_NETWORK;
    goto fail;
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_BIND_PORT);
  unsigned port = info ? info->port : 0;
  url_of(&sa, salen, port, h->is_tls, h->url, sizeof h->url);
  if (cfg->ops_listen != NULL) {
    st = start_ops(h, cfg, flags & ~(unsigned)MHD_USE_IPv6, log);
    if (st != CUST_OK) {
      goto fail;
    }
  }
  cust_log(log, CUST_LOG_INFO, "serving \"%s\" with %zu canned queries", h->db_path,
           h->catalog.len);
  *out = h;
  return CUST_OK;
fail:
  cust_http_stop(h);
  return st;
}

cust_status cust_http_reload(cust_http *h) {
  http_catalog fresh;
  cust_status st = http_catalog_load(&fresh, h->queries_dir, h->log);
  if (st != CUST_OK) {
    http_catalog_release(&fresh);
    pthread_rwlock_rdlock(&h->catalog_lock);
    cust_log(h->log, CUST_LOG_ERROR,
             "reload: keeping the %zu canned queries in service: the queries of \"%s\" do not "
             "load (%s, see above); fix the file and send SIGHUP again",
             h->catalog.len, h->queries_dir, cust_strerror(st));
    pthread_rwlock_unlock(&h->catalog_lock);
    return CUST_ERR_FORMAT;
  }
  pthread_rwlock_wrlock(&h->catalog_lock);
  http_catalog old = h->catalog;
  h->catalog = fresh;
  pthread_rwlock_unlock(&h->catalog_lock);
  http_catalog_release(&old);
  cust_log(h->log, CUST_LOG_INFO, "reload: %zu canned queries from \"%s\"", fresh.len,
           h->queries_dir);
  return CUST_OK;
}

const char *cust_http_url(const cust_http *h) {
  return h->url;
}

const char *cust_http_ops_url(const cust_http *h) {
  return h->ops_mhd != NULL ? h->ops_url : NULL;
}

cust_status cust_http_check_base_path(const char *path, char *err, size_t errlen) {
  size_t n = strlen(path);
  if (n == 0 || strcmp(path, "/") == 0) {
    return CUST_OK;
  }
  if (path[0] != '/' || path[n - 1] == '/' || strstr(path, "//") != NULL || n > 256 ||
      strspn(path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/") != n ||
      strstr(path, "/./") != NULL || strstr(path, "/../") != NULL ||
      (n >= 2 && strcmp(path + n - 2, "/.") == 0) || (n >= 3 && strcmp(path + n - 3, "/..") == 0)) {
    snprintf(err, errlen,
             "bad --base-path \"%.64s\": use /PREFIX (letters, digits, -._~ and inner slashes, no "
             "trailing slash)",
             path);
    return CUST_ERR_INVALID;
  }
  return CUST_OK;
}

void cust_http_stop(cust_http *h) {
  if (h == NULL) {
    return;
  }
  if (h->mhd != NULL) {
    MHD_stop_daemon(h->mhd);
  }
  if (h->ops_mhd != NULL) {
    MHD_stop_daemon(h->ops_mhd);
  }
  http_conns_release(&h->conns);
  cust_sparql_free(h->sparql);
  http_catalog_release(&h->catalog);
  pthread_rwlock_destroy(&h->catalog_lock);
  free(h->queries_dir);
  pool_release(&h->pool);
  http_cache_release(&h->cache);
  pthread_mutex_destroy(&h->info_lock);
  pthread_mutex_destroy(&h->key_lock);
  free(h->web_root);
  free(h->db_path);
  free(h->tls_cert_pem);
  free(h->tls_key_pem);
  free(h->api_token);
  free(h->ops_token);
  free(h->base_path);
  free(h);
}
