/* custodian custody: the chain of custody around a resource, as JSON. */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "custody/custody.h"
#include "store/store.h"

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
  struct stat sb;
  if (stat(db, &sb) != 0) {
    cust_cli_error("cannot open store \"%s\": no such file; index a chain first or pass --db", db);
    return 1;
  }
  cust_store *s = NULL;
  if (cust_store_open(db, CUST_STORE_READONLY, &ctx->log, &s) != CUST_OK) {
    return 1;
  }
  cust_buf out;
  cust_buf_init(&out);
  cust_status st = cust_custody_query(s, resource, strcmp(direction, "up") == 0, (unsigned)depth,
                                      &out, err, sizeof err);
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
