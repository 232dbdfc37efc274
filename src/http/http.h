/* The HTTP server (libmicrohttpd): the SPARQL 1.1 Protocol endpoint, the
 * canned queries, custody and rewards, operations (/status, /health,
 * /metrics) and the dashboard's static files. The routes are documented at
 * the top of server.c. */
#ifndef CUST_HTTP_H
#define CUST_HTTP_H

#include "core/core.h"
#include "index/index.h"
#include "sparql/sparql.h"

typedef struct cust_http cust_http;

/* What the server needs. Every pointer is borrowed for the call to
 * cust_http_start only (the server copies what it keeps), except `index`,
 * which is borrowed until cust_http_stop. */
typedef struct cust_http_config {
  const char *listen;      /* "HOST:PORT" or "[V6]:PORT"; port 0 binds a free port */
  const char *db_path;     /* the store, opened read-only */
  const char *web_dir;     /* NULL: cust_http_data_dir("web") */
  const char *queries_dir; /* NULL: cust_http_data_dir("queries") */
  cust_sparql_limits limits;
  unsigned threads;         /* store handles and concurrent store requests; 0: 4 */
  size_t max_body;          /* request body limit in bytes; 0: 1 MiB */
  cust_index_shared *index; /* NULL: serve only */
  /* Connection limits (0: the default in brackets). */
  uint64_t request_timeout_ms; /* a request's head and body must arrive within this (10000) */
  unsigned max_conns;          /* open connections; beyond, 503 (512) */
  unsigned max_conns_per_ip;   /* per client address; beyond, refused at accept (32) */
  const char *const *trusted_proxies; /* IPs or CIDRs exempt from the per-address limit,
                                         whose X-Forwarded-For/Forwarded name the client */
  size_t ntrusted_proxies;
  FILE *access_log;      /* one line per request; NULL: none (borrowed until cust_http_stop) */
  int is_json_log;       /* access-log lines as JSON */
  const char *tls_cert;  /* PEM certificate (chain) file: serve HTTPS; NULL: HTTP */
  const char *tls_key;   /* its PEM private key file; both or neither */
  const char *api_token; /* "Authorization: Bearer" required on the API; NULL: open */
  const char *ops_token; /* the same for /status and /metrics; NULL: api_token */
  const char
      *ops_listen;       /* serve /status, /metrics (and /health) there only; NULL: with the rest */
  const char *base_path; /* "/prefix" under which a proxy publishes the service; NULL: none */
  /* How long a request with min_height=H waits for the store to reach H
   * before 503 (CUST_HTTP_MAX_HEIGHT_WAIT_MS from cust_http_config_init; 0: no wait). */
  uint64_t max_height_wait_ms;
} cust_http_config;

#define CUST_HTTP_REQUEST_TIMEOUT_MS 10000
#define CUST_HTTP_MAX_CONNS 512
#define CUST_HTTP_MAX_CONNS_PER_IP 32
#define CUST_HTTP_MAX_HEIGHT_WAIT_MS 5000

/* Checks --trusted-proxy values: each of list[0..n) holds comma-separated
 * IPv4/IPv6 addresses or CIDR networks. CUST_ERR_INVALID with the first bad
 * one named in `err`. */
cust_status cust_http_check_proxies(const char *const *list, size_t n, char *err, size_t errlen);

/* Checks a --listen value ("HOST:PORT", "[V6]:PORT"; the host resolves).
 * CUST_ERR_INVALID with a one-line reason in `err`. */
cust_status cust_http_check_listen(const char *listen, char *err, size_t errlen);

/* Defaults: 127.0.0.1:8080, ./custodian.db, installed data dirs. */
void cust_http_config_init(cust_http_config *c);

/* Opens the store and the query engine, reads the canned queries and the
 * TLS files, and starts listening (and on ops_listen). `log` is borrowed until cust_http_stop. On
 * success *out is the running server (stop it with cust_http_stop); on failure *out is NULL and the
 * reason was logged. Errors: CUST_ERR_INVALID (bad listen address or canned query, bad trusted
 * proxy), CUST_ERR_NETWORK (cannot bind), the store's errors, CUST_ERR_NOMEM. */
cust_status cust_http_start(const cust_http_config *c, const cust_logger *log, cust_http **out);
/* Reads the canned queries again (SIGHUP). When a file is bad, the queries
 * in service stay and the reason is logged; CUST_ERR_FORMAT then, else
 * CUST_OK. Requests in hand finish with the queries they started with. */
cust_status cust_http_reload(cust_http *h);
/* "http://HOST:PORT" (https with TLS) with the bound port; borrowed until
 * cust_http_stop. */
const char *cust_http_url(const cust_http *h);
/* The same for --ops-listen, or NULL without one. */
const char *cust_http_ops_url(const cust_http *h);
/* Checks a --base-path: "" or "/" (none), or "/seg[/seg...]" of URL-safe
 * characters without a trailing slash. CUST_ERR_INVALID with a reason. */
cust_status cust_http_check_base_path(const char *path, char *err, size_t errlen);
/* Stops listening, waits for the requests in hand and frees everything. */
void cust_http_stop(cust_http *h); /* NULL-safe */

/* Where the shipped data directory `name` ("web", "queries", "ontology")
 * lives: `option` when given (returned as is, even if missing, so that the
 * caller reports it), else CUST_PKGDATADIR/name when it is a directory, else
 * CUST_SRCDIR/name. The result is written to `buf` (of `len` bytes) and
 * returned; NULL when it does not fit. */
const char *cust_http_data_dir(const char *option, const char *name, char *buf, size_t len);

#endif
