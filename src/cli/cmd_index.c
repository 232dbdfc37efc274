/* custodian index: follows the chain into the store until --until, a signal
 * or a fatal error. Also the indexer setup that `custodian run` shares. */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "cmd_index.h"
#include "http/http.h"
#include "rewards/rewards.h"

/* Starts the embedded devnet: the chain a newcomer sees with no --node. */
static int start_devnet(cust_cli_indexer *ix, cust_ctx *ctx) {
  cust_devnet_config dc;
  cust_devnet_config_init(&dc);
  dc.listen = "127.0.0.1:0";
  cust_status st = cust_devnet_start(&dc, &ctx->log, &ix->devnet);
  if (st != CUST_OK) {
    cust_cli_error("cannot start the embedded devnet: %s; give --node URL of a node instead",
                   cust_strerror(st));
    return 1;
  }
  cust_log(&ctx->log, CUST_LOG_INFO, "no --node given: following the embedded devnet at %s",
           cust_devnet_url(ix->devnet));
  return 0;
}

static int chain_options(cust_cli_indexer *ix, cust_ctx *ctx, cust_index_config *cfg,
                         const char **nodes, uint64_t until) {
  char err[256] = "";
  uint64_t from = 0, batch = 0, maxsub = 0, maxresp = 0;
  if (ctx->opts.nargs > 0) {
    cust_cli_error("unexpected argument \"%s\": run \"custodian index --help\"", ctx->opts.args[0]);
    return 2;
  }
  if (cust_opts_u64(&ctx->opts, "from-height", 0, &from, err, sizeof err) != CUST_OK ||
      cust_opts_u64(&ctx->opts, "batch", 10, &batch, err, sizeof err) != CUST_OK ||
      cust_opts_u64(&ctx->opts, "max-submission", 0, &maxsub, err, sizeof err) != CUST_OK ||
      cust_opts_u64(&ctx->opts, "max-response", 0, &maxresp, err, sizeof err) != CUST_OK) {
    cust_cli_error("%s", err);
    return 2;
  }
  if (cust_opts_has(&ctx->opts, "max-response") && (maxresp < 65536 || maxresp > SIZE_MAX / 2)) {
    cust_cli_error("--max-response must be between 65536 and %zu bytes, not %llu", SIZE_MAX / 2,
                   (unsigned long long)maxresp);
    return 2;
  }
  if (batch < 1 || batch > 10) {
    cust_cli_error("--batch must be between 1 and 10 (CometBFT refuses larger batches), not %llu",
                   (unsigned long long)batch);
    return 2;
  }
  size_t n = cust_opts_all(&ctx->opts, "node", nodes, CUST_MAX_ENDPOINTS);
  if (n > CUST_MAX_ENDPOINTS) {
    cust_cli_error("at most %d --node endpoints are supported (got %zu)", CUST_MAX_ENDPOINTS, n);
    return 2;
  }
  for (size_t i = 0; i < n; i++) {
    if (cust_chain_check_url(nodes[i]) != CUST_OK) {
      char shown[256];
      cust_cli_error("--node \"%s\" is not an http:// or https:// URL with a host",
                     cust_url_redact(nodes[i], 1, shown, sizeof shown));
      return 2;
    }
  }
  ix->ndataverses = cust_opts_all(&ctx->opts, "dataverse", ix->dataverses,
                                  sizeof ix->dataverses / sizeof ix->dataverses[0]);
  if (ix->ndataverses > sizeof ix->dataverses / sizeof ix->dataverses[0]) {
    cust_cli_error("at most %zu --dataverse addresses are supported",
                   sizeof ix->dataverses / sizeof ix->dataverses[0]);
    return 2;
  }
  /* a typo in an address would index nothing at all: refuse it here, and
     addresses of two chains (prefixes) at once */
  char hrp[84] = "", why[300];
  for (size_t i = 0; i < ix->ndataverses; i++) {
    if (cust_bech32_check_address(ix->dataverses[i], i > 0 ? hrp : NULL, hrp, sizeof hrp, why,
                                  sizeof why) != CUST_OK) {
      cust_cli_error("--dataverse %s; give the contract address as the chain shows it", why);
      return 2;
    }
  }
  ix->max_submission = maxsub;
  cust_index_config_init(cfg);
  cfg->nodes = nodes;
  cfg->nnodes = n;
  cfg->from_height = from;
  cfg->until = until;
  cfg->batch = (unsigned)batch;
  cfg->max_response = (size_t)maxresp;
  cfg->is_tty = ctx->is_tty && ctx->log.level >= CUST_LOG_INFO;
  cfg->no_skip_empty = cust_opts_has(&ctx->opts, "no-skip-empty");
  return 0;
}

int cust_cli_indexer_open(cust_cli_indexer *ix, cust_ctx *ctx, uint64_t until,
                          cust_index_shared *shared) {
  cust_index_config cfg;
  const char *nodes[CUST_MAX_ENDPOINTS + 1];
  char dir[1024], err[512] = "";
  const char *policies[64];
  int rc = chain_options(ix, ctx, &cfg, nodes, until);
  if (rc != 0) {
    return rc;
  }
  size_t npolicies = cust_opts_all(&ctx->opts, "policy", policies, 64);
  if (npolicies > 64) {
    cust_cli_error("at most 64 --policy files are supported");
    return 2;
  }
  if (cfg.nnodes == 0) {
    if (start_devnet(ix, ctx) != 0) {
      return 1;
    }
    nodes[0] = cust_devnet_url(ix->devnet);
    cfg.nnodes = 1;
    if (ix->ndataverses == 0) {
      ix->dataverses[0] = cust_devnet_dataverse(ix->devnet);
      ix->ndataverses = 1;
    }
  }
  ix->db_path = cust_opts_get(&ctx->opts, "db", "./custodian.db");
  cust_status st = cust_store_open(ix->db_path, CUST_STORE_CREATE, &ctx->log, &ix->store);
  if (st != CUST_OK) {
    cust_cli_error("cannot open the store \"%s\": %s", ix->db_path, cust_strerror(st));
    return 1;
  }
  const char *odir =
      cust_http_data_dir(cust_opts_get(&ctx->opts, "ontology", NULL), "ontology", dir, sizeof dir);
  if (odir == NULL) {
    cust_cli_error("the ontology folder's path is too long: give a shorter --ontology");
    return 1;
  }
  st = cust_mapper_load_ontology(ix->store, odir, &ctx->log);
  if (st != CUST_OK) {
    cust_cli_error("cannot load the ontology from \"%s\": %s", odir, cust_strerror(st));
    return 1;
  }
  st = cust_rewards_load_policies(ix->store, policies, npolicies, err, sizeof err);
  if (st != CUST_OK) {
    cust_cli_error("cannot load the reward policies: %s", err[0] ? err : cust_strerror(st));
    return 1;
  }
  st = cust_index_new(&cfg, ix->store, NULL, shared, &ctx->log, &ix->chain);
  if (st != CUST_OK) {
    cust_cli_error("cannot follow the chain: %s", cust_strerror(st));
    return st == CUST_ERR_INVALID ? 2 : 1;
  }
  return 0;
}

int cust_cli_indexer_run(cust_cli_indexer *ix, cust_ctx *ctx) {
  cust_status st = cust_index_connect(ix->chain);
  if (st == CUST_ERR_STOPPED) {
    return 0;
  }
  if (st != CUST_OK) {
    cust_cli_error("%s", cust_index_error(ix->chain));
    return 1;
  }
  cust_mapper_config mc;
  memset(&mc, 0, sizeof mc);
  mc.chain_id = cust_index_chain_id(ix->chain);
  mc.dataverses = ix->dataverses;
  mc.ndataverses = ix->ndataverses;
  mc.max_submission = (size_t)ix->max_submission;
  char pdir[1024];
  mc.profile_dir = cust_http_data_dir(cust_opts_get(&ctx->opts, "ontology", NULL), "ontology", pdir,
                                      sizeof pdir);
  st = cust_mapper_new(&mc, &ctx->log, &ix->mapper);
  if (st != CUST_OK) {
    cust_cli_error("cannot start the mapper (its ontology profiles): %s", cust_strerror(st));
    return 1;
  }
  cust_index_set_mapper(ix->chain, ix->mapper);
  st = cust_index_run(ix->chain);
  if (st != CUST_OK) {
    cust_cli_error("%s", cust_index_error(ix->chain)[0] ? cust_index_error(ix->chain)
                                                        : cust_strerror(st));
    return 1;
  }
  return 0;
}

void cust_cli_indexer_close(cust_cli_indexer *ix) {
  if (ix == NULL) {
    return;
  }
  cust_index_free(ix->chain);
  cust_mapper_free(ix->mapper);
  cust_store_close(ix->store);
  cust_devnet_stop(ix->devnet);
  memset(ix, 0, sizeof *ix);
}

/* Reads the --policy files again into the store, through a handle of its
 * own (the indexer's is busy on the main thread; SQLite serialises the two
 * writers). A bad file changes nothing: the policies graph is replaced in
 * one transaction or not at all. */
static void reload_policies(cust_cli_reloader *r) {
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
  cust_cli_reloader *r = ud;
  while (!r->is_done && !cust_stop_requested) {
    if (cust_reload_requested) {
      cust_reload_requested = 0;
      if (r->h != NULL) {
        cust_http_reload(r->h);
      }
      reload_policies(r);
    }
    usleep(100 * 1000);
  }
  return NULL;
}

void cust_cli_reloader_start(cust_cli_reloader *r, cust_ctx *ctx, cust_http *h,
                             const char *db_path) {
  memset(r, 0, sizeof *r);
  r->ctx = ctx;
  r->h = h;
  r->db_path = db_path;
  r->is_running = pthread_create(&r->thread, NULL, reload_loop, r) == 0;
}

void cust_cli_reloader_stop(cust_cli_reloader *r) {
  if (r->is_running) {
    r->is_done = 1;
    pthread_join(r->thread, NULL);
    r->is_running = 0;
  }
}

int cust_cmd_index(cust_ctx *ctx) {
  cust_cli_indexer ix;
  char err[256] = "";
  uint64_t until = 0;
  memset(&ix, 0, sizeof ix);
  if (cust_opts_u64(&ctx->opts, "until", 0, &until, err, sizeof err) != CUST_OK) {
    cust_cli_error("%s", err);
    return 2;
  }
  cust_cli_reloader rl;
  memset(&rl, 0, sizeof rl);
  int rc = cust_cli_indexer_open(&ix, ctx, until, NULL);
  if (rc == 0) {
    cust_cli_reloader_start(&rl, ctx, NULL, ix.db_path);
    rc = cust_cli_indexer_run(&ix, ctx);
  }
  cust_cli_reloader_stop(&rl);
  cust_cli_indexer_close(&ix);
  return rc;
}
