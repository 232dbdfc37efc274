/* custodian export: the store (or one graph) as sorted N-Quads on stdout. */
#include "config.h"

#include "cli.h"
#include "store/store.h"

int cust_cmd_export(cust_ctx *ctx) {
  const char *db = cust_opts_get(&ctx->opts, "db", "./custodian.db");
  const char *graph = cust_opts_get(&ctx->opts, "graph", NULL);
  if (ctx->opts.nargs > 0) {
    cust_cli_error("unexpected argument \"%s\": run \"custodian export --help\"",
                   ctx->opts.args[0]);
    return 2;
  }
  if (graph != NULL && graph[0] == '\0') {
    cust_cli_error("--graph needs an IRI");
    return 2;
  }
  if (!cust_cli_has_store(db)) {
    return 1;
  }
  cust_store *s = NULL;
  if (cust_store_open(db, CUST_STORE_READONLY, &ctx->log, &s) != CUST_OK) {
    return 1;
  }
  cust_status st = cust_store_export(s, graph, stdout);
  if (st == CUST_OK && fflush(stdout) != 0) {
    cust_cli_error("cannot write the export to stdout");
    st = CUST_ERR_IO;
  }
  cust_store_close(s);
  return st == CUST_OK ? 0 : 1;
}
