/* custodian mirror: pushes the store's commits to a SPARQL 1.1 Update
 * endpoint (and rebuilds through a Graph Store Protocol endpoint; mirror/),
 * until SIGINT or SIGTERM, or with --once until the target holds the
 * store's last commit. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "cli.h"
#include "mirror/mirror.h"

int cust_cli_mirror_auth(const char *auth, const char *file, char *out, size_t n) {
  out[0] = '\0';
  if (auth != NULL && file != NULL) {
    cust_cli_error("give --auth or --auth-file, not both");
    return 2;
  }
  if (auth != NULL) {
    if (strchr(auth, ':') == NULL || strlen(auth) >= n) {
      cust_cli_error("--auth needs user:password");
      return 2;
    }
    snprintf(out, n, "%s", auth);
    return 0;
  }
  if (file == NULL) {
    return 0;
  }
  FILE *f = fopen(file, "r");
  if (f == NULL) {
    cust_cli_error("cannot read the credentials file \"%s\": %s", file, strerror(errno));
    return 1;
  }
  if (fgets(out, (int)n, f) == NULL) {
    out[0] = '\0';
  }
  fclose(f);
  out[strcspn(out, "\r\n")] = '\0';
  if (strchr(out, ':') == NULL) {
    out[0] = '\0';
    cust_cli_error("credentials file \"%s\": its first line must be user:password", file);
    return 2;
  }
  return 0;
}

int cust_cmd_mirror(cust_ctx *ctx) {
  char err[256], auth[512];
  const cust_opts *o = &ctx->opts;
  if (o->nargs > 0) {
    cust_cli_error("unexpected argument \"%s\": run \"custodian mirror --help\"", o->args[0]);
    return 2;
  }
  cust_mirror_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.db_path = cust_opts_get(o, "db", "./custodian.db");
  cfg.update_url = cust_opts_get(o, "to", NULL);
  cfg.query_url = cust_opts_get(o, "query-url", NULL);
  cfg.graph_store = cust_opts_get(o, "graph-store", NULL);
  cfg.is_once = cust_opts_has(o, "once");
  if (cfg.update_url == NULL || cfg.update_url[0] == '\0') {
    cust_cli_error("--to is required: the target's SPARQL Update URL (e.g. "
                   "http://127.0.0.1:8890/sparql)");
    return 2;
  }
  uint64_t bytes = 0, commits = 0;
  if (cust_opts_u64(o, "batch-bytes", 1024u * 1024, &bytes, err, sizeof err) != CUST_OK ||
      cust_opts_u64(o, "batch-commits", 256, &commits, err, sizeof err) != CUST_OK) {
    cust_cli_error("%s", err);
    return 2;
  }
  if (bytes < 1024 || commits < 1) {
    cust_cli_error("--batch-bytes must be at least 1024 and --batch-commits at least 1");
    return 2;
  }
  cfg.max_bytes = (size_t)bytes;
  cfg.max_commits = (size_t)commits;
  int rc = cust_cli_mirror_auth(cust_opts_get(o, "auth", NULL), cust_opts_get(o, "auth-file", NULL),
                                auth, sizeof auth);
  if (rc != 0) {
    return rc;
  }
  cfg.auth = auth[0] ? auth : NULL;
  if (!cust_cli_has_store(cfg.db_path)) {
    return 1;
  }
  cust_mirror *m = NULL;
  cust_status st = cust_mirror_new(&cfg, NULL, NULL, &ctx->log, &m);
  if (st == CUST_ERR_INVALID) {
    return 2;
  }
  if (st == CUST_OK) {
    st = cust_mirror_run(m);
  }
  cust_mirror_free(m);
  memset(auth, 0, sizeof auth);
  return st == CUST_OK ? 0 : 1;
}
