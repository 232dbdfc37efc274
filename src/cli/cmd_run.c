/* custodian run: indexes the chain (the embedded devnet when no --node is
 * given) and serves the store over HTTP in the same process, until SIGINT
 * or SIGTERM; SIGHUP reloads the canned queries and the reward policies. */
#include "config.h"

#include <string.h>

#include "cmd_index.h"
#include "http/http.h"

int cust_cmd_run(cust_ctx *ctx) {
  cust_cli_indexer ix;
  cust_index_shared shared;
  cust_http_config hc;
  cust_http *h = NULL;
  const char *proxies[CUST_CLI_MAX_PROXIES];
  cust_cli_reloader rl;
  int rc = 0;
  memset(&ix, 0, sizeof ix);
  memset(&shared, 0, sizeof shared);
  memset(&rl, 0, sizeof rl);
  pthread_mutex_init(&shared.lock, NULL);
  cust_http_config_init(&hc);
  rc = cust_cli_http_options(ctx, &hc, proxies, CUST_CLI_MAX_PROXIES);
  if (rc != 0) {
    goto cleanup;
  }
  rc = cust_cli_indexer_open(&ix, ctx, 0, &shared);
  if (rc != 0) {
    goto cleanup;
  }
  hc.db_path = ix.db_path;
  hc.index = &shared;
  cust_status st = cust_http_start(&hc, &ctx->log, &h);
  if (st != CUST_OK) {
    cust_cli_error("cannot serve on \"%s\": %s", hc.listen, cust_strerror(st));
    rc = 1;
    goto cleanup;
  }
  printf("listening on %s\n", cust_http_url(h));
  if (cust_http_ops_url(h) != NULL) {
    printf("operations on %s\n", cust_http_ops_url(h));
  }
  fflush(stdout);
  cust_log(&ctx->log, CUST_LOG_INFO, "dashboard at %s/ (SPARQL at %s/sparql)", cust_http_url(h),
           cust_http_url(h));
  cust_cli_reloader_start(&rl, ctx, h, ix.db_path);
  rc = cust_cli_indexer_run(&ix, ctx);
cleanup:
  cust_cli_reloader_stop(&rl);
  cust_http_stop(h);
  cust_cli_indexer_close(&ix);
  pthread_mutex_destroy(&shared.lock);
  return rc;
}
