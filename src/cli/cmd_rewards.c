/* custodian rewards: the reward split of an execution (rewards.md) as JSON,
 * account CSV rows or a MsgMultiSend. */
#include "config.h"

#include <string.h>

#include "cli.h"
#include "rewards/rewards.h"
#include "store/store.h"

int cust_cli_query_store(cust_ctx *ctx, const char *db, cust_cli_query_fn fn, void *ud) {
  if (!cust_cli_has_store(db)) {
    return 1;
  }
  cust_store *s = NULL;
  if (cust_store_open(db, CUST_STORE_READONLY, &ctx->log, &s) != CUST_OK) {
    return 1;
  }
  cust_buf out;
  char err[512];
  cust_buf_init(&out);
  err[0] = '\0';
  cust_status st = fn(s, ud, &out, err, sizeof err);
  if (st == CUST_OK) {
    if (fwrite(out.data, 1, out.len, stdout) != out.len || fputc('\n', stdout) == EOF ||
        fflush(stdout) != 0) {
      cust_cli_error("cannot write the answer to stdout");
      st = CUST_ERR_IO;
    }
  } else {
    cust_cli_error("%s", err);
  }
  cust_buf_release(&out);
  cust_store_close(s);
  return st == CUST_OK ? 0 : 1;
}

static cust_status rewards_query(cust_store *s, void *ud, cust_buf *out, char *err, size_t errlen) {
  return cust_rewards_query(s, ud, out, err, errlen);
}

int cust_cmd_rewards(cust_ctx *ctx) {
  cust_rewards_request req = { 0 };
  char err[300];
  const char *db = cust_opts_get(&ctx->opts, "db", "./custodian.db");
  const char *format = cust_opts_get(&ctx->opts, "format", "json");
  req.execution = cust_opts_get(&ctx->opts, "execution", NULL);
  req.amount = cust_opts_get(&ctx->opts, "amount", NULL);
  req.policy_iri = cust_opts_get(&ctx->opts, "policy", NULL);
  req.prefix = cust_opts_get(&ctx->opts, "account-prefix", NULL);
  req.from = cust_opts_get(&ctx->opts, "from", NULL);
  if (ctx->opts.nargs > 0) {
    cust_cli_error("unexpected argument \"%s\": run \"custodian rewards --help\"",
                   ctx->opts.args[0]);
    return 2;
  }
  if (req.execution == NULL || req.execution[0] == '\0') {
    cust_cli_error("--execution IRI is required: the execution to reward");
    return 2;
  }
  if (req.policy_iri != NULL && req.policy_iri[0] == '\0') {
    cust_cli_error("--policy needs an IRI");
    return 2;
  }
  if (cust_rewards_format_parse(format, &req.format) != CUST_OK) {
    cust_cli_error("--format \"%s\" is unknown: give json, csv or msg", format);
    return 2;
  }
  if (req.prefix != NULL) {
    size_t n = strlen(req.prefix);
    if (n == 0 || n > 20 || strspn(req.prefix, "abcdefghijklmnopqrstuvwxyz0123456789") != n) {
      cust_cli_error("--account-prefix \"%s\" is not a bech32 prefix: give one such as axone",
                     req.prefix);
      return 2;
    }
  }
  if (req.from != NULL &&
      cust_bech32_check_address(req.from, req.prefix, NULL, 0, err, sizeof err) != CUST_OK) {
    cust_cli_error("--from %s", err);
    return 2;
  }
  if (req.from != NULL && req.format != CUST_REWARDS_MSG) {
    cust_cli_error("--from names who pays a MsgMultiSend: use it with --format msg");
    return 2;
  }
  return cust_cli_query_store(ctx, db, rewards_query, &req);
}
