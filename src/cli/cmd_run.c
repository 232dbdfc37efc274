/* custodian run: indexes the chain (the embedded devnet when no --node is
 * given) and serves the store over HTTP in the same process, until SIGINT
 * or SIGTERM. */
#include "config.h"

#include <string.h>

#include "cmd_index.h"
#include "http/http.h"

int cust_cmd_run(cust_ctx *ctx) {
  cust_cli_indexer ix;
  cust_index_shared shared;
  cust_http_config hc;
  cust_http *h = NULL;
  char err[256] = "";
  uint64_t timeout = 0, max_results = 0, threads = 0, max_bytes = 0, workers = 0;
  int rc = 0;
  memset(&ix, 0, sizeof ix);
  memset(&shared, 0, sizeof shared);
  pthread_mutex_init(&shared.lock, NULL);
  if (cust_opts_u64(&ctx->opts, "query-timeout", 0, &timeout, err, sizeof err) != CUST_OK ||
      cust_opts_u64(&ctx->opts, "max-results", 0, &max_results, err, sizeof err) != CUST_OK ||
      cust_opts_u64(&ctx->opts, "max-result-bytes", 0, &max_bytes, err, sizeof err) != CUST_OK ||
      cust_opts_u64(&ctx->opts, "query-workers", 2, &workers, err, sizeof err) != CUST_OK ||
      cust_opts_u64(&ctx->opts, "threads", 4, &threads, err, sizeof err) != CUST_OK) {
    cust_cli_error("%s", err);
    rc = 2;
    goto cleanup;
  }
  if (workers == 0 || workers > 64) {
    cust_cli_error("--query-workers must be between 1 and 64 (got %llu)",
                   (unsigned long long)workers);
    rc = 2;
    goto cleanup;
  }
  if (threads == 0 || threads > 256) {
    cust_cli_error("--threads must be between 1 and 256 (got %llu)", (unsigned long long)threads);
    rc = 2;
    goto cleanup;
  }
  rc = cust_cli_indexer_open(&ix, ctx, 0, &shared);
  if (rc != 0) {
    goto cleanup;
  }
  cust_http_config_init(&hc);
  hc.listen = cust_opts_get(&ctx->opts, "listen", "127.0.0.1:8080");
  hc.db_path = ix.db_path;
  hc.web_dir = cust_opts_get(&ctx->opts, "web", NULL);
  hc.queries_dir = cust_opts_get(&ctx->opts, "queries", NULL);
  hc.limits.timeout_ms = timeout;
  hc.limits.max_results = max_results;
  hc.limits.max_result_bytes = max_bytes;
  hc.limits.workers = (unsigned)workers;
  hc.threads = (unsigned)threads;
  hc.index = &shared;
  cust_status st = cust_http_start(&hc, &ctx->log, &h);
  if (st != CUST_OK) {
    cust_cli_error("cannot serve on \"%s\": %s", hc.listen, cust_strerror(st));
    rc = 1;
    goto cleanup;
  }
  printf("listening on %s\n", cust_http_url(h));
  fflush(stdout);
  cust_log(&ctx->log, CUST_LOG_INFO, "dashboard at %s/ (SPARQL at %s/sparql)", cust_http_url(h),
           cust_http_url(h));
  rc = cust_cli_indexer_run(&ix, ctx);
cleanup:
  cust_http_stop(h);
  cust_cli_indexer_close(&ix);
  pthread_mutex_destroy(&shared.lock);
  return rc;
}
