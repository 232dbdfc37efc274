/* custodian custody: the chain of custody around a resource, as JSON. */
#include "config.h"

#include <string.h>

#include "cli.h"
#include "custody/custody.h"
#include "store/store.h"

typedef struct custody_args {
  const char *resource;
  int is_upstream;
  unsigned depth;
} custody_args;

static cust_status custody_query(cust_store *s, void *ud, cust_buf *out, char *err, size_t errlen) {
  const custody_args *a = ud;
  return cust_custody_query(s, a->resource, a->is_upstream, a->depth, out, err, errlen);
}

int cust_cmd_custody(cust_ctx *ctx) {
  const char *db = cust_opts_get(&ctx->opts, "db", "./custodian.db");
  const char *resource = cust_opts_get(&ctx->opts, "resource", NULL);
  const char *direction = cust_opts_get(&ctx->opts, "direction", "up");
  char err[512];
  uint64_t depth = 0;
  if (ctx->opts.nargs > 0) {
    cust_cli_error("unexpected argument \"%s\": run \"custodian custody --help\"",
                   ctx->opts.args[0]);
    return 2;
  }
  if (resource == NULL || resource[0] == '\0') {
    cust_cli_error("--resource IRI is required: the resource (or execution) to start from");
    return 2;
  }
  if (strcmp(direction, "up") != 0 && strcmp(direction, "down") != 0) {
    cust_cli_error("--direction \"%s\" is neither \"up\" nor \"down\"", direction);
    return 2;
  }
  if (cust_opts_u64(&ctx->opts, "depth", CUST_CUSTODY_DEFAULT_DEPTH, &depth, err, sizeof err) !=
      CUST_OK) {
    cust_cli_error("%s", err);
    return 2;
  }
  if (depth > CUST_CUSTODY_MAX_DEPTH) {
    cust_cli_error("--depth %llu is too large: give at most %u", (unsigned long long)depth,
                   (unsigned)CUST_CUSTODY_MAX_DEPTH);
    return 2;
  }
  custody_args a = { resource, strcmp(direction, "up") == 0, (unsigned)depth };
  return cust_cli_query_store(ctx, db, custody_query, &a);
}
