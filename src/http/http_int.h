/* What the files of the http module share: the pure pieces (query strings,
 * paths, Accept headers, canned-query headers, gzip) and the operations
 * counters. Nothing here does I/O except the canned-query directory scan. */
#ifndef CUST_HTTP_INT_H
#define CUST_HTTP_INT_H

#include "core/core.h"

/* ---- query strings and form bodies ---------------------------------------- */

typedef struct http_param {
  const char *name;  /* decoded, NUL-terminated; in the arena */
  const char *value; /* decoded, NUL-terminated; in the arena */
} http_param;

/* Name/value pairs in their order; the array and strings live in `arena`
 * (borrowed for the list's life). Embedded struct: zero it, then parse. */
typedef struct http_params {
  http_param *items;
  size_t len, cap;
  cust_arena *arena;
} http_params;

/* Appends the pairs of an application/x-www-form-urlencoded string (a URL's
 * query or a form body): '&' or ';' separated, '+' is a space, %XX escapes.
 * CUST_ERR_INVALID when a name or value decodes to a NUL byte or a bad escape;
 * CUST_ERR_NOMEM. */
cust_status http_params_parse(http_params *p, cust_arena *arena, const char *s, size_t len);
/* The first value of `name`, or NULL. Borrowed from the list. */
const char *http_params_get(const http_params *p, const char *name);
/* How many values `name` has; the first `max` go to out[]. */
size_t http_params_all(const http_params *p, const char *name, const char **out, size_t max);

/* Decodes %XX escapes of (s, n) into `out` (at least n+1 bytes); `is_form`
 * turns '+' into a space. Returns the decoded length, or (size_t)-1 on a bad
 * escape or a decoded NUL byte. */
size_t http_unescape(const char *s, size_t n, int is_form, char *out);

/* ---- paths ----------------------------------------------------------------- */

/* Normalises the raw path of a request URL (before '?'): decodes escapes,
 * collapses repeated slashes, and refuses "." and ".." segments, escaped
 * slashes (%2F), backslashes, NUL bytes and control characters. Writes "/a/b" to `out`.
 * CUST_ERR_INVALID when refused, CUST_ERR_LIMIT when it does not fit. */
cust_status http_path_normalise(const char *raw, size_t n, char *out, size_t outlen);

/* The Content-Type of a static file, by extension. Static string. */
const char *http_content_type(const char *path);

/* ---- Accept headers --------------------------------------------------------- */

/* The quality (0..1000) that an Accept header gives a media type
 * ("type/subtype"): the most specific matching range wins; NULL or empty
 * header accepts everything (1000). */
int http_accept_quality(const char *accept, const char *type);
/* Whether Accept-Encoding asks for gzip (q > 0, or '*'). */
int http_accepts_gzip(const char *accept_encoding);
/* gzip-compresses (in, n) into `out` (appends). CUST_ERR_NOMEM/INTERNAL. */
cust_status http_gzip(const char *in, size_t n, cust_buf *out);

/* ---- canned queries ---------------------------------------------------------- */

typedef enum http_param_type {
  HTTP_PARAM_IRI = 0,
  HTTP_PARAM_LITERAL,
  HTTP_PARAM_INTEGER
} http_param_type;

typedef struct http_qparam {
  char *name; /* owned; the SPARQL variable without '?' */
  http_param_type type;
  char *description; /* owned, may be "" */
} http_qparam;

/* A canned query read from NAME.rq: its comment header and its text.
 * Everything is owned: release with http_canned_release. */
typedef struct http_canned {
  char *name;
  char *title;
  char *description;
  http_qparam *params;
  size_t nparams;
  char *text;
} http_canned;

/* Parses the header of a .rq file: leading comment lines
 *   # title: …          # description: … (may repeat; lines are joined)
 *   # param: NAME (iri|literal|integer) — description
 * Other comment lines are ignored. CUST_ERR_FORMAT with a message in `err`
 * when the title is missing or a param line is malformed. */
cust_status http_canned_parse(const char *name, const char *text, size_t len, http_canned *out,
                              char *err, size_t errlen);
void http_canned_release(http_canned *c);

/* Checks a parameter value against its type: an absolute IRI without
 * spaces or <>"{}|^`\ characters, a decimal integer, or any literal text up
 * to 4096 bytes. Returns NULL when valid, else a static reason. */
const char *http_param_check(http_param_type type, const char *value);
const char *http_param_type_name(http_param_type type);

/* The canned queries of a directory, sorted by name. */
typedef struct http_catalog {
  http_canned *items;
  size_t len;
} http_catalog;

/* Reads every NAME.rq of `dir` (NAME of [A-Za-z0-9_-]). A missing directory
 * gives an empty catalogue; a malformed file is CUST_ERR_FORMAT, logged. */
cust_status http_catalog_load(http_catalog *c, const char *dir, const cust_logger *log);
const http_canned *http_catalog_find(const http_catalog *c, const char *name);
void http_catalog_release(http_catalog *c);

/* ---- JSON text ------------------------------------------------------------- */

/* ---- operations counters ----------------------------------------------------- */

#define HTTP_HIST_BUCKETS 12
extern const double http_hist_bounds[HTTP_HIST_BUCKETS]; /* seconds; the last is +Inf */

#define HTTP_STATUS_SLOTS 9
extern const int http_status_slots[HTTP_STATUS_SLOTS]; /* 200 … ; 0 = any other */

/* The routes of /metrics' custodian_http_requests_total{route}: a fixed
 * set, so that a scan of random paths cannot grow the series. */
typedef enum http_route {
  HTTP_ROUTE_OTHER = 0, /* refused before routing (bad path, limits, 413) */
  HTTP_ROUTE_SPARQL,
  HTTP_ROUTE_QUERIES, /* the catalogue */
  HTTP_ROUTE_QUERY,   /* one canned query */
  HTTP_ROUTE_CUSTODY,
  HTTP_ROUTE_REWARDS,
  HTTP_ROUTE_STATUS,
  HTTP_ROUTE_HEALTH,
  HTTP_ROUTE_METRICS,
  HTTP_ROUTE_STATIC,
  HTTP_ROUTES
} http_route;
extern const char *const http_route_names[HTTP_ROUTES];
#define HTTP_CODES 500 /* statuses 100..599 */

/* Counters updated with atomic operations by every request thread. */
typedef struct http_metrics {
  uint64_t queries[HTTP_STATUS_SLOTS];
  uint64_t buckets[HTTP_HIST_BUCKETS];
  uint64_t duration_us; /* sum of query durations */
  uint64_t duration_count;
  uint64_t requests;
  uint64_t cache_hits;                       /* queries answered from the answer cache */
  uint64_t answers[HTTP_ROUTES][HTTP_CODES]; /* by route and status (read with atomics) */
} http_metrics;
/* Records one answer of `route` with HTTP status `status`. */
void http_metrics_answer(http_metrics *m, http_route route, int status);

void http_metrics_init(http_metrics *m);
/* Records one query (SPARQL or canned) with its status and duration. */
void http_metrics_query(http_metrics *m, int status, double seconds);
/* A consistent-enough copy for /metrics. */
void http_metrics_read(http_metrics *m, http_metrics *out);

#include "http.h"

/* ---- the answer cache --------------------------------------------------------------- */

#include "sparql/sparql.h"

#define HTTP_CACHE_BUCKETS 1024
typedef struct http_cache_entry http_cache_entry;
typedef struct http_flight http_flight;

/* Successful answers of one store generation; hits take a read lock only.
 * Embedded struct: http_cache_init/http_cache_release. */
typedef struct http_cache {
  pthread_rwlock_t lock;
  http_cache_entry *buckets[HTTP_CACHE_BUCKETS];
  uint64_t generation;
  uint64_t max_height; /* the highest height an answer was read at (lock) */
  size_t bytes, max_bytes;
  pthread_mutex_t flight_lock; /* the requests being answered */
  pthread_cond_t flight_cond;
  http_flight *flights;
} http_cache;

void http_cache_init(http_cache *c, size_t max_bytes);
void http_cache_release(http_cache *c);
/* Appends to `k` a key naming everything that shapes the answer of `q`. */
cust_status http_cache_key(const cust_sparql_request *q, cust_buf *k);
/* On a hit, fills r (status 200, type, body) and returns 1. An answer read
 * at a lower height than one answered since is not a hit. */
int http_cache_get(http_cache *c, uint64_t generation, const cust_buf *key, cust_sparql_result *r);
/* After a miss: when the same request is already being answered, waits for
 * that answer, fills `r` and returns 1. Otherwise returns 0: the caller runs
 * the request and, when *lead is not NULL, must pass the answer (whatever
 * its status) to http_cache_land, which wakes the requests waiting for it. */
int http_cache_join(http_cache *c, uint64_t generation, const cust_buf *key, cust_sparql_result *r,
                    http_flight **lead);
void http_cache_land(http_cache *c, http_flight *f, const cust_sparql_result *r);
/* Keeps a copy of a 200 answer of `generation`; older generations are
 * dropped. Call it with every answer: it notes the height read at. */
void http_cache_put(http_cache *c, uint64_t generation, const cust_buf *key,
                    const cust_sparql_result *r);

/* ---- client addresses -------------------------------------------------------------- */

#include <sys/socket.h>

/* An IPv4 or IPv6 network: an address and a prefix length. */
typedef struct http_net {
  int family; /* AF_INET or AF_INET6 */
  unsigned char addr[16];
  unsigned bits;
} http_net;

/* Parses "ADDR" or "ADDR/BITS" (IPv4 or IPv6; host bits are cleared).
 * CUST_ERR_INVALID on anything else. */
cust_status http_net_parse(const char *s, http_net *out);
/* Whether `sa` (AF_INET or AF_INET6, IPv4-mapped IPv6 as IPv4) is in one of
 * the `n` networks. */
int http_net_contains(const http_net *nets, size_t n, const struct sockaddr *sa);

/* Whether two addresses of `family` count as one client for the per-address
 * limit: the same IPv4 address, or the same IPv6 /64. */
int http_same_client(int family, const unsigned char *a, const unsigned char *b);

/* The client that a trusted proxy forwards a request for: the `Forwarded`
 * header's for= addresses when present, else X-Forwarded-For's, read from
 * the right, skipping addresses in `trusted`. Either header may be NULL.
 * Writes the numeric address to `out` and returns 1; returns 0 (and leaves
 * `out` alone) when no header names a valid IP address. */
int http_forwarded_client(const char *forwarded, const char *xff, const http_net *trusted,
                          size_t ntrusted, char *out, size_t outlen);

/* ---- connections: limits and deadlines ----------------------------------------------------- */

struct MHD_Connection;
typedef struct http_conn http_conn;

/* What the limits did, for /metrics. */
typedef struct http_conn_stats {
  uint64_t open;           /* connections open now */
  uint64_t refused_ip;     /* closed at accept: --max-conns-per-ip */
  uint64_t refused_total;  /* answered 503: --max-conns */
  uint64_t refused_client; /* answered 429: a forwarded client's requests in hand */
  uint64_t timed_out;      /* closed: a request late for --request-timeout */
  uint64_t slow_readers;   /* closed: an answer taken too slowly */
} http_conn_stats;

/* Every open connection, for the per-address and total limits and the
 * request deadline. Embedded in cust_http; the MHD callbacks of conn.c take
 * it as their closure. */
typedef struct http_conns {
  pthread_mutex_t lock;
  pthread_cond_t wake;
  pthread_t watchdog;
  int has_watchdog, is_stopping;
  http_conn *head;
  size_t count;         /* open connections */
  unsigned max, per_ip; /* --max-conns, --max-conns-per-ip */
  uint64_t timeout_ms;  /* --request-timeout */
  http_net *trusted;    /* owned; --trusted-proxy */
  size_t ntrusted;
  const cust_logger *log;
  http_conn_stats stats; /* counters (open is `count`) */
  uint64_t warned_ms[5]; /* last warning of each kind, to keep logs short */
} http_conns;

/* Parses the trusted proxies and starts the watchdog thread. Errors:
 * CUST_ERR_INVALID (a bad proxy address, logged), CUST_ERR_NOMEM. */
cust_status http_conns_init(http_conns *t, const cust_http_config *cfg, const cust_logger *log);
/* Stops the watchdog; call after MHD_stop_daemon. NULL-safe, idempotent. */
void http_conns_release(http_conns *t);

#ifdef MHD_VERSION /* for the files that include microhttpd.h first */
/* libmicrohttpd callbacks (closure: the http_conns): the accept policy and
 * the connection notifications. */
enum MHD_Result http_conns_accept(void *cls, const struct sockaddr *addr, socklen_t len);
void http_conns_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                       enum MHD_ConnectionNotificationCode code);
/* Answers `status` (503 or 429) with Retry-After and closes the connection. */
enum MHD_Result http_conns_refuse(struct MHD_Connection *c, int status, const char *detail);
#endif

/* What http_conns_begin decides for a request. */
typedef enum http_verdict {
  HTTP_VERDICT_OK = 0,
  HTTP_VERDICT_BUSY,    /* over --max-conns: answer 503 */
  HTTP_VERDICT_TOO_MANY /* a forwarded client over --max-conns-per-ip: answer 429 */
} http_verdict;

/* The request line of a new request has arrived. */
/* (http_conns_begin below also writes the client's address to `client`.) */
void http_conns_uri(http_conns *t, struct MHD_Connection *c);
/* The head of a request is complete: reads the client address (forwarded
 * by a trusted proxy, else the peer's), logs the request at debug level
 * and decides. */
http_verdict http_conns_begin(http_conns *t, struct MHD_Connection *c, const char *method,
                              const char *uri, char *client, size_t clientlen);
/* The request is fully received (or answered early): its deadline stops. */
void http_conns_received(http_conns *t, struct MHD_Connection *c);
/* The answer was sent: the deadline of the next request starts now. */
void http_conns_done(http_conns *t, struct MHD_Connection *c);
/* A copy of the counters, for /metrics. */
void http_conns_stats(http_conns *t, http_conn_stats *out);
/* Whether the peer of `c` is a --trusted-proxy. */
int http_conns_is_trusted(http_conns *t, struct MHD_Connection *c);

/* The value of parameter `name` (proto, host) in the first element of a
 * Forwarded header (the client's side), unquoted, into `out`. Returns 1 when
 * found and it fits, else 0. */
int http_forwarded_param(const char *forwarded, const char *name, char *out, size_t outlen);

/* Whether (a, an) equals (b, bn), in time that depends on the lengths only. */
int http_token_equal(const char *a, size_t an, const char *b, size_t bn);

/* ---- the server object, shared by server.c and ops.c ----------------------------- */

#include "store/store.h"

/* Read-only store handles, one per thread that uses one at a time. */
typedef struct http_pool {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  cust_store **idle;
  size_t nidle, nopen, max;
  char *path;
  const cust_logger *log;
} http_pool;

/* Takes a handle (opening one when none is idle and fewer than max are
 * open), waiting up to `wait_ms`. CUST_ERR_BUSY when none came in time. */
cust_status http_pool_get(http_pool *p, uint64_t wait_ms, cust_store **out);
void http_pool_put(http_pool *p, cust_store *s);

/* What the store says about itself, refreshed at most every few hundred
 * milliseconds. */
typedef struct http_store_info {
  int is_ok;
  char error[160];
  cust_checkpoint cp;
  uint64_t quads, credentials, rejections, failed; /* with_count only */
  uint64_t stamp;                                  /* changes whenever the store file changes */
  /* with_count only: credentials per profile (cust:profile in the ledger),
     and the types of those no profile read, so a new version is noticed */
#define HTTP_MAX_PROFILES 16
  struct http_count {
    char name[256];
    uint64_t n;
  } profiles[HTTP_MAX_PROFILES], unknown[HTTP_MAX_PROFILES];
  size_t nprofiles, nunknown;
  uint64_t unknown_total;
} http_store_info;

struct MHD_Daemon;
struct cust_http {
  struct MHD_Daemon *mhd;
  const cust_logger *log;
  char url[320];
  char *db_path;
  char *web_root; /* realpath of the web directory, or NULL */
  cust_sparql *sparql;
  pthread_rwlock_t catalog_lock; /* readers: the routes; writer: cust_http_reload */
  http_catalog catalog;
  char *queries_dir; /* where the catalogue was read, for reloads */
  cust_index_shared *index;
  size_t max_body;
  uint64_t max_height_wait_ms; /* the bound of a min_height wait */
  http_pool pool;
  http_metrics metrics;
  http_cache cache;
  pthread_mutex_t info_lock;
  http_store_info info;
  uint64_t info_ms, count_ms;
  pthread_mutex_t key_lock;
  uint64_t last_stamp, generation; /* the result cache's key (atomics; key_lock to change) */
  uint64_t stamp_ms;               /* when the store file was last looked at */
  uint64_t started_ms;
  double started_unix_s; /* process_start_time_seconds */
  http_conns conns;
  FILE *access_log; /* borrowed; NULL: none */
  int is_json_log;
  struct MHD_Daemon *ops_mhd; /* --ops-listen; NULL: none */
  char ops_url[320];
  int is_tls;
  char *tls_cert_pem, *tls_key_pem; /* owned; libmicrohttpd reads them while it runs */
  char *api_token, *ops_token;      /* owned; NULL: open */
  char *base_path;                  /* owned; "" when none */
};

/* The store's checkpoint (and, when `with_count`, its size), cached. */
void http_store_info_get(cust_http *h, int with_count, http_store_info *out);

/* The operations routes: fill `out` and return the HTTP status. */
int http_ops_status(cust_http *h, cust_buf *out);
/* max_lag: the largest lag still healthy, or -1 for the default (5). */
int http_ops_health(cust_http *h, long long max_lag, cust_buf *out);
int http_ops_metrics(cust_http *h, cust_buf *out);

#endif
