/* custodian load: adds RDF files (reference data such as thesauri) to a
 * graph of the store, never to a graph the indexer owns. */
#include "config.h"

#include <string.h>

#include "cli.h"
#include "mapper/mapper.h"
#include "store/store.h"

typedef struct load_sink {
  cust_changes *changes;
  cust_status st;
} load_sink;

static int add_quad(void *ud, const cust_quad *q) {
  load_sink *ls = ud;
  ls->st = cust_changes_add(ls->changes, q);
  return ls->st != CUST_OK;
}

static int found_one(void *ud, const cust_quad *q) {
  (void)q;
  *(int *)ud = 1;
  return 1;
}

static int is_absolute_iri(const char *s) {
  const char *colon = strchr(s, ':');
  if (colon == NULL || colon == s || colon[1] == '\0') {
    return 0;
  }
  for (const char *p = s; *p; p++) {
    if ((unsigned char)*p <= ' ' || strchr("<>\"{}|^`\\", *p) != NULL) {
      return 0;
    }
  }
  return 1;
}

int cust_cmd_load(cust_ctx *ctx) {
  int rc = 1;
  cust_store *s = NULL;
  cust_changes changes;
  cust_changes_init(&changes);
  const char *graph = cust_opts_get(&ctx->opts, "graph", NULL);
  const char *base = cust_opts_get(&ctx->opts, "base", NULL);
  const char *db = cust_opts_get(&ctx->opts, "db", "./custodian.db");
  char err[600];

  if (graph == NULL) {
    cust_cli_error("load needs --graph IRI: the graph to add to");
    rc = 2;
    goto cleanup;
  }
  if (!is_absolute_iri(graph)) {
    cust_cli_error("the graph \"%s\" is not an absolute IRI: give one such as urn:x:y", graph);
    rc = 2;
    goto cleanup;
  }
  if (ctx->opts.nargs == 0) {
    cust_cli_error("load needs at least one FILE (.ttl, .nt, .nq or .rdf)");
    rc = 2;
    goto cleanup;
  }
  if (strcmp(graph, CUST_GRAPH_LEDGER) == 0 || strcmp(graph, CUST_GRAPH_CURRENT) == 0) {
    cust_cli_error("cannot load into graph \"%s\": the indexer owns it; choose another graph",
                   graph);
    goto cleanup;
  }
  uint64_t nquads = 0;
  for (size_t i = 0; i < ctx->opts.nargs; i++) {
    load_sink ls = { &changes, CUST_OK };
    size_t before = changes.len;
    cust_status st =
        cust_mapper_parse_file(ctx->opts.args[i], base, graph, add_quad, &ls, err, sizeof err);
    if (st == CUST_OK && ls.st != CUST_OK) {
      st = ls.st;
      snprintf(err, sizeof err, "cannot load \"%s\": %s", ctx->opts.args[i], cust_strerror(st));
    }
    if (st != CUST_OK) {
      cust_cli_error("%s; nothing was loaded", err);
      goto cleanup;
    }
    nquads += changes.len - before;
  }
  cust_status st = cust_store_open(db, CUST_STORE_CREATE, &ctx->log, &s);
  if (st != CUST_OK) {
    cust_cli_error("cannot open the store \"%s\": %s", db, cust_strerror(st));
    goto cleanup;
  }
  int is_credential = 0;
  cust_quad pat;
  memset(&pat, 0, sizeof pat);
  pat.s = cust_term_iri(graph);
  pat.p = cust_term_iri("https://w3id.org/custodian/ns#submittedIn");
  pat.g = cust_term_iri(CUST_GRAPH_LEDGER);
  st = cust_store_find(s, &pat, found_one, &is_credential);
  if (st != CUST_OK) {
    cust_cli_error("cannot read the store \"%s\": %s", db, cust_strerror(st));
    goto cleanup;
  }
  if (is_credential) {
    cust_cli_error("cannot load into graph \"%s\": it is a credential's graph, which the "
                   "indexer owns; choose another graph",
                   graph);
    goto cleanup;
  }
  st = cust_store_begin(s);
  if (st == CUST_OK) {
    st = cust_store_apply(s, &changes);
    if (st == CUST_OK) {
      st = cust_store_commit(s);
    } else {
      cust_store_rollback(s);
    }
  }
  if (st != CUST_OK) {
    cust_cli_error("cannot write to the store \"%s\": %s", db, cust_strerror(st));
    goto cleanup;
  }
  printf("loaded %llu quads from %zu files into <%s>\n", (unsigned long long)nquads,
         ctx->opts.nargs, graph);
  rc = 0;

cleanup:
  cust_store_close(s);
  cust_changes_release(&changes);
  return rc;
}
