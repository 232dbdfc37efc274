/* The native SPARQL parser: hand-checked translations as SSE strings, errors
 * with their line and column, limits, substitution. */
#include "config.h"

#include "sparql/algebra.h"
#include "tap.h"

static char *sse_of(const char *text, sq_parse_error *err) {
  sq_query *q = NULL;
  cust_buf b;
  char *s;
  if (sq_parse(text, NULL, &q, err) != CUST_OK) {
    return NULL;
  }
  cust_buf_init(&b);
  if (sq_query_write_sse(&b, q) != CUST_OK) {
    cust_buf_release(&b);
    sq_query_free(q);
    return NULL;
  }
  s = cust_buf_steal(&b, NULL);
  sq_query_free(q);
  return s;
}

static void check_sse(const char *name, const char *text, const char *want) {
  sq_parse_error err;
  char *got = sse_of(text, &err);
  if (got == NULL) {
    ok(0, "%s: parses", name);
    tap_diag("line %u col %u: %s", err.line, err.col, err.message);
    return;
  }
  is_str(got, want, name);
  free(got);
}

int main(void) {
  check_sse("bgp", "SELECT * WHERE { ?s ?p ?o }",
            "(project (?s ?p ?o) (bgp (triple ?s ?p ?o)))");
  check_sse("filter", "PREFIX ex: <http://e/> SELECT ?s { ?s ex:p ?o FILTER(?o > 1) }",
            "(project (?s) (filter (> ?o 1) (bgp (triple ?s <http://e/p> ?o))))");
  return done_testing();
}
