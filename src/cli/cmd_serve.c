/* custodian serve: the HTTP server over a store opened read-only, until
 * SIGINT or SIGTERM; SIGHUP reloads the canned queries. Also reads the server options that run
 * shares. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "http/http.h"

/* A whole number option within [lo, hi]; prints the error and returns 0 when not. */
static int opt_range(cust_ctx *ctx, const char *name, uint64_t dflt, uint64_t lo, uint64_t hi,
                     uint64_t *out) {
  char err[256] = "";
  if (cust_opts_u64(&ctx->opts, name, dflt, out, err, sizeof err) != CUST_OK) {
    cust_cli_error("%s", err);
    return 0;
  }
  if (*out < lo || *out > hi) {
    cust_cli_error("--%s must be between %llu and %llu (got %llu)", name, (unsigned long long)lo,
                   (unsigned long long)hi, (unsigned long long)*out);
    return 0;
  }
  return 1;
}

int cust_cli_http_options(cust_ctx *ctx, cust_http_config *cfg, const char **proxies, size_t max) {
  uint64_t timeout = 0, max_results = 0, threads = 0, request_timeout = 0, max_conns = 0,
           per_ip = 0, max_bytes = 0, workers = 0, height_wait = 0;
  if (!opt_range(ctx, "query-timeout", 0, 0, UINT64_MAX, &timeout) ||
      !opt_range(ctx, "max-results", 0, 0, UINT64_MAX, &max_results) ||
      !opt_range(ctx, "max-result-bytes", 0, 0, UINT64_MAX, &max_bytes) ||
      !opt_range(ctx, "query-workers", 2, 1, 64, &workers) ||
      !opt_range(ctx, "threads", 4, 1, 256, &threads) ||
      !opt_range(ctx, "request-timeout", CUST_HTTP_REQUEST_TIMEOUT_MS, 100, 3600000,
                 &request_timeout) ||
      !opt_range(ctx, "max-conns", CUST_HTTP_MAX_CONNS, 1, 10000, &max_conns) ||
      !opt_range(ctx, "max-conns-per-ip", CUST_HTTP_MAX_CONNS_PER_IP, 1, 10000, &per_ip) ||
      !opt_range(ctx, "max-height-wait", CUST_HTTP_MAX_HEIGHT_WAIT_MS, 0, 600000, &height_wait)) {
    return 2;
  }
  size_t n = cust_opts_all(&ctx->opts, "trusted-proxy", proxies, max);
  if (n > max) {
    cust_cli_error("--trusted-proxy names %zu addresses, at most %zu: use CIDR networks", n, max);
    return 2;
  }
  char err[512];
  if (cust_http_check_proxies(proxies, n, err, sizeof err) != CUST_OK) {
    cust_cli_error("%s", err);
    return 2;
  }
  cfg->listen = cust_opts_get(&ctx->opts, "listen", "127.0.0.1:8080");
  if (cust_http_check_listen(cfg->listen, err, sizeof err) != CUST_OK) {
    cust_cli_error("%s", err);
    return 2;
  }
  cfg->web_dir = cust_opts_get(&ctx->opts, "web", NULL);
  cfg->queries_dir = cust_opts_get(&ctx->opts, "queries", NULL);
  cfg->limits.timeout_ms = timeout;
  cfg->limits.max_results = max_results;
  cfg->limits.max_result_bytes = max_bytes;
  cfg->limits.workers = (unsigned)workers;
  cfg->threads = (unsigned)threads;
  cfg->request_timeout_ms = request_timeout;
  cfg->max_conns = (unsigned)max_conns;
  cfg->max_conns_per_ip = (unsigned)per_ip;
  cfg->max_height_wait_ms = height_wait;
  cfg->trusted_proxies = proxies;
  cfg->ntrusted_proxies = n;
  const char *access = cust_opts_get(&ctx->opts, "access-log", NULL);
  if (access != NULL && ctx->access_log == NULL) {
    ctx->access_log = strcmp(access, "-") == 0 ? stdout : fopen(access, "a");
    if (ctx->access_log == NULL) {
      cust_cli_error("cannot open the access log \"%s\": %s", access, strerror(errno));
      return 1;
    }
  }
  cfg->tls_cert = cust_opts_get(&ctx->opts, "tls-cert", NULL);
  cfg->tls_key = cust_opts_get(&ctx->opts, "tls-key", NULL);
  if ((cfg->tls_cert == NULL) != (cfg->tls_key == NULL)) {
    cust_cli_error("--tls-cert and --tls-key go together: give both PEM files, or neither");
    return 2;
  }
  cfg->api_token = cust_opts_get(&ctx->opts, "api-token", NULL);
  cfg->ops_token = cust_opts_get(&ctx->opts, "ops-token", NULL);
  if ((cfg->api_token && strlen(cfg->api_token) < 16) ||
      (cfg->ops_token && strlen(cfg->ops_token) < 16)) {
    cust_cli_error("a token (--api-token, --ops-token) needs at least 16 characters: make one "
                   "with \"openssl rand -hex 32\"");
    return 2;
  }
  cfg->ops_listen = cust_opts_get(&ctx->opts, "ops-listen", NULL);
  if (cfg->ops_listen && cust_http_check_listen(cfg->ops_listen, err, sizeof err) != CUST_OK) {
    cust_cli_error("--ops-listen: %s", err);
    return 2;
  }
  cfg->base_path = cust_opts_get(&ctx->opts, "base-path", NULL);
  if (cfg->base_path && cust_http_check_base_path(cfg->base_path, err, sizeof err) != CUST_OK) {
    cust_cli_error("%s", err);
    return 2;
  }
  cfg->access_log = ctx->access_log;
  cfg->is_json_log = ctx->log.format == CUST_LOG_JSON;
  return 0;
}

int cust_cmd_serve(cust_ctx *ctx) {
  cust_http_config cfg;
  cust_http *h = NULL;
  const char *proxies[CUST_CLI_MAX_PROXIES];
  cust_http_config_init(&cfg);
  if (ctx->opts.nargs > 0) {
    cust_cli_error("serve takes no arguments (got \"%s\"): run \"custodian serve --help\"",
                   ctx->opts.args[0]);
    return 2;
  }
  int rc = cust_cli_http_options(ctx, &cfg, proxies, CUST_CLI_MAX_PROXIES);
  if (rc != 0) {
    return rc;
  }
  cfg.db_path = cust_opts_get(&ctx->opts, "db", "./custodian.db");
  if (access(cfg.db_path, F_OK) != 0) {
    cust_cli_error("no store at \"%s\": index a chain first (custodian index) or give --db",
                   cfg.db_path);
    return 1;
  }
  cust_status st = cust_http_start(&cfg, &ctx->log, &h);
  if (st != CUST_OK) {
    cust_cli_error("cannot serve \"%s\": %s", cfg.db_path, cust_strerror(st));
    return 1;
  }
  printf("listening on %s\n", cust_http_url(h));
  if (cust_http_ops_url(h) != NULL) {
    printf("operations on %s\n", cust_http_ops_url(h));
  }
  fflush(stdout);
  while (!cust_stop_requested) {
    if (cust_reload_requested) {
      cust_reload_requested = 0;
      cust_http_reload(h);
    }
    usleep(100 * 1000);
  }
  cust_log(&ctx->log, CUST_LOG_INFO, "stopping the server");
  cust_http_stop(h);
  return 0;
}
