/* custodian serve: the HTTP server over a store opened read-only, until
 * SIGINT or SIGTERM. */
#include "config.h"

#include <unistd.h>

#include "cli.h"
#include "http/http.h"

int cust_cmd_serve(cust_ctx *ctx) {
  cust_http_config cfg;
  cust_http *h = NULL;
  char err[256] = "";
  uint64_t timeout = 0, max_results = 0, threads = 0, max_bytes = 0, workers = 0;
  cust_http_config_init(&cfg);
  if (ctx->opts.nargs > 0) {
    cust_cli_error("serve takes no arguments (got \"%s\"): run \"custodian serve --help\"",
                   ctx->opts.args[0]);
    return 2;
  }
  if (cust_opts_u64(&ctx->opts, "query-timeout", 0, &timeout, err, sizeof err) != CUST_OK ||
      cust_opts_u64(&ctx->opts, "max-results", 0, &max_results, err, sizeof err) != CUST_OK ||
      cust_opts_u64(&ctx->opts, "max-result-bytes", 0, &max_bytes, err, sizeof err) != CUST_OK ||
      cust_opts_u64(&ctx->opts, "query-workers", 2, &workers, err, sizeof err) != CUST_OK ||
      cust_opts_u64(&ctx->opts, "threads", 4, &threads, err, sizeof err) != CUST_OK) {
    cust_cli_error("%s", err);
    return 2;
  }
  if (workers == 0 || workers > 64) {
    cust_cli_error("--query-workers must be between 1 and 64 (got %llu)",
                   (unsigned long long)workers);
    return 2;
  }
  if (threads == 0 || threads > 256) {
    cust_cli_error("--threads must be between 1 and 256 (got %llu)", (unsigned long long)threads);
    return 2;
  }
  cfg.listen = cust_opts_get(&ctx->opts, "listen", "127.0.0.1:8080");
  cfg.db_path = cust_opts_get(&ctx->opts, "db", "./custodian.db");
  cfg.web_dir = cust_opts_get(&ctx->opts, "web", NULL);
  cfg.queries_dir = cust_opts_get(&ctx->opts, "queries", NULL);
  cfg.limits.timeout_ms = timeout;
  cfg.limits.max_results = max_results;
  cfg.limits.max_result_bytes = max_bytes;
  cfg.limits.workers = (unsigned)workers;
  cfg.threads = (unsigned)threads;
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
  fflush(stdout);
  while (!cust_stop_requested) {
    usleep(100 * 1000);
  }
  cust_log(&ctx->log, CUST_LOG_INFO, "stopping the server");
  cust_http_stop(h);
  return 0;
}
