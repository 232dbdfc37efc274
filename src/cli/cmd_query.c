/* custodian query: runs one SPARQL query through the same engine, checks and
 * limits as the /sparql endpoint and writes the answer on stdout. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sparql/sparql.h"

static char *read_stream(FILE *f, size_t max) {
  cust_buf b;
  char chunk[8192];
  size_t n;
  cust_buf_init(&b);
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (cust_buf_append(&b, chunk, n) != CUST_OK || b.len > max + 1) {
      break;
    }
  }
  if (ferror(f)) {
    cust_buf_release(&b);
    return NULL;
  }
  return cust_buf_steal(&b, NULL);
}

/* The "error" and "detail" of a JSON error body, as one line; with
 * --verbose the line starts with the HTTP status and the error, as /sparql
 * would answer them ("400 malformed query: …"), for scripts that tell a
 * refusal from a failure. */
static void print_error(const cust_buf *body, int status, int is_verbose) {
  const char *d = body->data ? strstr(body->data, "\"detail\": \"") : NULL;
  const char *e = body->data ? strstr(body->data, "\"error\": \"") : NULL;
  char line[2048];
  size_t k = 0;
  const char *src = d ? d + 11 : e ? e + 10 : NULL;
  if (is_verbose && e != NULL) {
    const char *kind = e + 10;
    size_t klen = strcspn(kind, "\"");
    k = (size_t)snprintf(line, sizeof line, "%d %.*s: ", status, (int)(klen < 100 ? klen : 100),
                         kind);
  }
  if (src == NULL) {
    cust_cli_error("query failed");
    return;
  }
  while (*src != '\0' && *src != '"' && k + 1 < sizeof line) {
    if (*src == '\\' && src[1] != '\0') {
      src++;
      line[k++] = *src == 'n' ? ' ' : *src;
    } else {
      line[k++] = *src;
    }
    src++;
  }
  line[k] = '\0';
  cust_cli_error("%s", line);
}

int cust_cmd_query(cust_ctx *ctx) {
  const cust_opts *o = &ctx->opts;
  char err[256] = "";
  uint64_t timeout = 0, max_results = 0, max_bytes = 0;
  char *text = NULL;
  cust_sparql *engine = NULL;
  cust_sparql_result r;
  int rc = 2;
  cust_sparql_result_init(&r);

  const char *file = cust_opts_get(o, "f", NULL);
  if ((file != NULL) == (o->nargs == 1) || o->nargs > 1) {
    cust_cli_error("give the query as one argument or with -f FILE: custodian query 'SELECT …'");
    goto done;
  }
  if (cust_opts_u64(o, "query-timeout", 0, &timeout, err, sizeof err) != CUST_OK ||
      cust_opts_u64(o, "max-results", 0, &max_results, err, sizeof err) != CUST_OK ||
      cust_opts_u64(o, "max-result-bytes", 0, &max_bytes, err, sizeof err) != CUST_OK) {
    cust_cli_error("%s", err);
    goto done;
  }
  const char *format = cust_opts_get(o, "format", NULL);
  static const char *const known[] = { "json",   "xml",      "csv",    "tsv",
                                       "turtle", "ntriples", "nquads", "rdfxml" };
  if (format != NULL) {
    int is_known = 0;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
      is_known |= strcmp(format, known[i]) == 0;
    }
    if (!is_known) {
      cust_cli_error("unknown format \"%s\": use json, xml, csv, tsv, turtle, ntriples, nquads "
                     "or rdfxml",
                     format);
      goto done;
    }
  }
  cust_sparql_limits limits = { .timeout_ms = timeout,
                                .max_results = max_results,
                                .max_result_bytes = max_bytes };
  if (file != NULL) {
    FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
    if (f == NULL) {
      cust_cli_error("cannot read query file \"%s\": check the path", file);
      rc = 1;
      goto done;
    }
    text = read_stream(f, 1024 * 1024);
    if (f != stdin) {
      fclose(f);
    }
    if (text == NULL) {
      cust_cli_error("cannot read query file \"%s\"", file);
      rc = 1;
      goto done;
    }
  }
  const char *db = cust_opts_get(o, "db", "./custodian.db");
  if (!cust_cli_has_store(db)) {
    rc = 1;
    goto done;
  }
  limits.workers = 1;
  if (cust_sparql_new(db, &limits, &ctx->log, &engine) != CUST_OK) {
    cust_cli_error("cannot start the query engine over \"%s\"", db);
    rc = 1;
    goto done;
  }
  cust_sparql_request req;
  memset(&req, 0, sizeof req);
  req.query = text ? text : o->args[0];
  req.format = format;
  /* the protocol's limit, as /sparql applies it */
  const char *defaults[64], *named[64];
  size_t nd = cust_opts_all(o, "default-graph-uri", defaults, 64);
  size_t nn = cust_opts_all(o, "named-graph-uri", named, 64);
  if (nd > 64 || nn > 64) {
    cust_cli_error("at most 64 --default-graph-uri and 64 --named-graph-uri options");
    rc = 2;
    goto done;
  }
  req.default_graphs = defaults;
  req.ndefault = nd;
  req.named_graphs = named;
  req.nnamed = nn;
  if (cust_sparql_run(engine, &req, &r) != CUST_OK) {
    cust_cli_error("out of memory");
    rc = 1;
    goto done;
  }
  if (r.http_status != 200) {
    print_error(&r.body, r.http_status, cust_opts_has(o, "verbose"));
    rc = 1;
    goto done;
  }
  if (cust_sparql_result_write(&r, stdout) != CUST_OK) {
    cust_cli_error("cannot write the result to stdout");
    rc = 1;
    goto done;
  }
  rc = fflush(stdout) == 0 ? 0 : 1;
done:
  cust_sparql_result_release(&r);
  cust_sparql_free(engine);
  free(text);
  return rc;
}
