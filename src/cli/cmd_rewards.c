/* custodian rewards: the reward split of an execution (rewards.md) as JSON. */
#include "config.h"

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

typedef struct rewards_args {
  const char *execution, *amount, *policy;
} rewards_args;

static cust_status rewards_query(cust_store *s, void *ud, cust_buf *out, char *err, size_t errlen) {
  const rewards_args *a = ud;
  return cust_rewards_query(s, a->execution, a->amount, a->policy, out, err, errlen);
}

int cust_cmd_rewards(cust_ctx *ctx) {
  const char *db = cust_opts_get(&ctx->opts, "db", "./custodian.db");
  const char *execution = cust_opts_get(&ctx->opts, "execution", NULL);
  const char *amount = cust_opts_get(&ctx->opts, "amount", NULL);
  const char *policy = cust_opts_get(&ctx->opts, "policy", NULL);
  if (ctx->opts.nargs > 0) {
    cust_cli_error("unexpected argument \"%s\": run \"custodian rewards --help\"",
                   ctx->opts.args[0]);
    return 2;
  }
  if (execution == NULL || execution[0] == '\0') {
    cust_cli_error("--execution IRI is required: the execution to reward");
    return 2;
  }
  if (policy != NULL && policy[0] == '\0') {
    cust_cli_error("--policy needs an IRI");
    return 2;
  }
  rewards_args a = { execution, amount, policy };
  return cust_cli_query_store(ctx, db, rewards_query, &a);
}
