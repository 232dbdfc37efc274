/* custodian run: indexes the chain (the embedded devnet when no --node is
 * given) and serves the store over HTTP in the same process, until SIGINT
 * or SIGTERM; SIGHUP reloads the canned queries and the reward policies. */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "cmd_index.h"
#include "http/http.h"
#include "rewards/rewards.h"

/* The thread that answers SIGHUP while the main thread indexes. */
typedef struct reloader {
  cust_ctx *ctx;
  cust_http *h;
  const char *db_path;
  volatile int is_done;
} reloader;

/* Reads the --policy files again into the store, through a handle of its
 * own (the indexer's is busy on the main thread; SQLite serialises the two
 * writers). A bad file changes nothing: the policies graph is replaced in
 * one transaction or not at all. */
static void reload_policies(reloader *r) {
  const char *policies[64];
  char err[512] = "";
  size_t n = cust_opts_all(&r->ctx->opts, "policy", policies, 64);
  cust_store *s = NULL;
  cust_status st = cust_store_open(r->db_path, 0, &r->ctx->log, &s);
  if (st == CUST_OK) {
    st = cust_rewards_load_policies(s, policies, n > 64 ? 64 : n, err, sizeof err);
  }
  cust_store_close(s);
  if (st != CUST_OK) {
    cust_log(&r->ctx->log, CUST_LOG_ERROR,
             "reload: keeping the reward policies in service: %s; fix the file and send SIGHUP "
             "again",
             err[0] ? err : cust_strerror(st));
  } else {
    cust_log(&r->ctx->log, CUST_LOG_INFO, "reload: %zu reward policy file%s loaded", n,
             n == 1 ? "" : "s");
  }
}

static void *reload_loop(void *ud) {
  reloader *r = ud;
  while (!r->is_done && !cust_stop_requested) {
    if (cust_reload_requested) {
      cust_reload_requested = 0;
      cust_http_reload(r->h);
      reload_policies(r);
    }
    usleep(100 * 1000);
  }
  return NULL;
}

int cust_cmd_run(cust_ctx *ctx) {
  cust_cli_indexer ix;
  cust_index_shared shared;
  cust_http_config hc;
  cust_http *h = NULL;
  const char *proxies[CUST_CLI_MAX_PROXIES];
  reloader rl;
  pthread_t rl_thread;
  int has_reloader = 0;
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
  rl.ctx = ctx;
  rl.h = h;
  rl.db_path = ix.db_path;
  has_reloader = pthread_create(&rl_thread, NULL, reload_loop, &rl) == 0;
  rc = cust_cli_indexer_run(&ix, ctx);
cleanup:
  if (has_reloader) {
    rl.is_done = 1;
    pthread_join(rl_thread, NULL);
  }
  cust_http_stop(h);
  cust_cli_indexer_close(&ix);
  pthread_mutex_destroy(&shared.lock);
  return rc;
}
