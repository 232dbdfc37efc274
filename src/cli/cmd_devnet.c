/* custodian devnet: runs the simulated OKP4 node until SIGINT/SIGTERM. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "devnet/devnet.h"

static int parse_faults(const char *v, double *out) {
  char *end = NULL;
  double x = strtod(v, &end);
  if (end == v || *end != '\0' || !(x >= 0.0 && x <= 1.0)) {
    return -1;
  }
  *out = x;
  return 0;
}

int cust_cmd_devnet(cust_ctx *ctx) {
  cust_devnet_config cfg;
  char err[256] = "";
  cust_devnet_config_init(&cfg);
  cfg.listen = cust_opts_get(&ctx->opts, "listen", cfg.listen);
  cfg.chain_id = cust_opts_get(&ctx->opts, "chain-id", cfg.chain_id);
  cfg.manifest_path = cust_opts_get(&ctx->opts, "manifest", NULL);
  if (cust_opts_u64(&ctx->opts, "seed", cfg.seed, &cfg.seed, err, sizeof err) != CUST_OK ||
      cust_opts_u64(&ctx->opts, "blocks", cfg.blocks, &cfg.blocks, err, sizeof err) != CUST_OK ||
      cust_opts_u64(&ctx->opts, "block-time", cfg.block_time_ms, &cfg.block_time_ms, err,
                    sizeof err) != CUST_OK ||
      cust_opts_u64(&ctx->opts, "scale", cfg.scale, &cfg.scale, err, sizeof err) != CUST_OK ||
      cust_opts_u64(&ctx->opts, "earliest", cfg.earliest, &cfg.earliest, err, sizeof err) !=
          CUST_OK ||
      cust_opts_u64(&ctx->opts, "empty-blocks", cfg.empty_blocks, &cfg.empty_blocks, err,
                    sizeof err) != CUST_OK) {
    cust_cli_error("%s", err);
    return 2;
  }
  const char *faults = cust_opts_get(&ctx->opts, "faults", NULL);
  if (faults != NULL && parse_faults(faults, &cfg.faults) != 0) {
    cust_cli_error("--faults \"%s\" is not a rate: give a number from 0 to 1", faults);
    return 2;
  }
  const char *dialect = cust_opts_get(&ctx->opts, "dialect", "0.38");
  if (strcmp(dialect, "0.34") == 0) {
    cfg.dialect = CUST_DIALECT_034;
  } else if (strcmp(dialect, "0.37") == 0) {
    cfg.dialect = CUST_DIALECT_037;
  } else if (strcmp(dialect, "0.38") == 0) {
    cfg.dialect = CUST_DIALECT_038;
  } else {
    cust_cli_error("--dialect \"%s\" is unknown: give 0.34, 0.37 or 0.38", dialect);
    return 2;
  }
  const char *contract = cust_opts_get(&ctx->opts, "contract", NULL);
  if (contract != NULL && cust_devnet_contract_parse(contract, &cfg.contract) != CUST_OK) {
    cust_cli_error("--contract \"%s\" is unknown: give okp4-dataverse-v5, axone-dataverse-v6 or "
                   "axone-dataverse-v8",
                   contract);
    return 2;
  }
  const char *onto = cust_opts_get(&ctx->opts, "ontology", "axone-v4");
  int o = cust_devnet_ontology_parse(onto);
  if (o < 0) {
    cust_cli_error("--ontology \"%s\" is unknown: give okp4-v3, axone-v4 or axone-v5", onto);
    return 2;
  }
  cfg.ontology = (cust_devnet_ontology)o;
  if (cfg.scale == 0 || cfg.scale > 100000) {
    cust_cli_error("--scale must be from 1 to 100000");
    return 2;
  }
  if (cfg.block_time_ms == 0 && cfg.blocks == 0) {
    cust_cli_error("--block-time 0 produces every block at once: give --blocks N too");
    return 2;
  }
  if (cfg.blocks != 0 && cfg.earliest > cfg.blocks) {
    cust_cli_error("--earliest %llu is above --blocks %llu: nothing would be served",
                   (unsigned long long)cfg.earliest, (unsigned long long)cfg.blocks);
    return 2;
  }
  if (cfg.empty_blocks > 1000000) {
    cust_cli_error("--empty-blocks must be from 0 to 1000000");
    return 2;
  }
  if (cfg.manifest_path != NULL && cfg.empty_blocks != 0) {
    cust_cli_error("--manifest describes the dense chain only: drop --empty-blocks or --manifest");
    return 2;
  }
  if (cfg.manifest_path != NULL && cfg.blocks == 0) {
    cust_cli_error("--manifest needs --blocks N: the manifest covers heights 1 to N");
    return 2;
  }

  cust_devnet *d = NULL;
  cust_status st = cust_devnet_start(&cfg, &ctx->log, &d);
  if (st == CUST_ERR_INVALID) {
    return 2; /* a bad --listen: the devnet said why, in one line */
  }
  if (st != CUST_OK) {
    cust_cli_error("cannot start the devnet on \"%s\": %s", cfg.listen, cust_strerror(st));
    return 1;
  }
  printf("listening on %s\n", cust_devnet_url(d));
  printf("dataverse %s\n", cust_devnet_dataverse(d));
  fflush(stdout);
  while (!cust_stop_requested) {
    struct timespec ts = { 0, 100 * 1000 * 1000 };
    nanosleep(&ts, NULL);
  }
  cust_devnet_stop(d);
  return 0;
}
