/* custodian run: indexes the chain (the embedded devnet when no --node is
 * given) and serves the store over HTTP in the same process, until SIGINT
 * or SIGTERM; SIGHUP reloads the canned queries and the reward policies. */
#include "config.h"

#include <string.h>

#include "cmd_index.h"
#include "http/http.h"
#include "mirror/mirror.h"

/* The mirror's thread: it reads committed blocks through its own store
 * handle, so the indexer never waits for it. */
static void *mirror_main(void *ud) {
  cust_mirror_run(ud);
  return NULL;
}

int cust_cmd_run(cust_ctx *ctx) {
  cust_cli_indexer ix;
  cust_index_shared shared;
  cust_http_config hc;
  cust_http *h = NULL;
  const char *proxies[CUST_CLI_MAX_PROXIES];
  cust_cli_reloader rl;
  cust_mirror *mirror = NULL;
  pthread_t mirror_thread;
  int has_mirror_thread = 0;
  char auth[512];
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
  rc = cust_cli_mirror_auth(cust_opts_get(&ctx->opts, "mirror-auth", NULL),
                            cust_opts_get(&ctx->opts, "mirror-auth-file", NULL), auth, sizeof auth);
  if (rc != 0) {
    goto cleanup;
  }
  if (cust_opts_get(&ctx->opts, "mirror-graph-store", NULL) != NULL &&
      cust_opts_get(&ctx->opts, "mirror", NULL) == NULL) {
    cust_cli_error("--mirror-graph-store needs --mirror (the target's SPARQL Update URL)");
    rc = 2;
    goto cleanup;
  }
  rc = cust_cli_indexer_open(&ix, ctx, 0, &shared);
  if (rc != 0) {
    goto cleanup;
  }
  if (cust_opts_get(&ctx->opts, "mirror", NULL) != NULL) {
    cust_mirror_config mc;
    memset(&mc, 0, sizeof mc);
    mc.db_path = ix.db_path;
    mc.update_url = cust_opts_get(&ctx->opts, "mirror", NULL);
    mc.graph_store = cust_opts_get(&ctx->opts, "mirror-graph-store", NULL);
    mc.auth = auth[0] ? auth : NULL;
    cust_status mst = cust_mirror_new(&mc, &shared, ix.store, &ctx->log, &mirror);
    if (mst != CUST_OK) {
      rc = mst == CUST_ERR_INVALID ? 2 : 1;
      goto cleanup;
    }
    if (pthread_create(&mirror_thread, NULL, mirror_main, mirror) != 0) {
      cust_cli_error("cannot start the mirror's thread");
      rc = 1;
      goto cleanup;
    }
    has_mirror_thread = 1;
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
  if (has_mirror_thread) {
    cust_mirror_stop(mirror);
    pthread_join(mirror_thread, NULL);
  }
  cust_mirror_free(mirror);
  memset(auth, 0, sizeof auth);
  cust_cli_reloader_stop(&rl);
  cust_http_stop(h);
  cust_cli_indexer_close(&ix);
  pthread_mutex_destroy(&shared.lock);
  return rc;
}
