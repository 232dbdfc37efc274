/* Unit tests of the mirror's pure pieces: the Graph Store Protocol URL of
 * a graph (indirect identification, percent-encoding of the IRI). */
#include "mirror/mirror.c"

#include "tap.h"

static void check_url(const char *base, const char *iri, const char *want, const char *name) {
  cust_buf b;
  cust_buf_init(&b);
  cust_status st = graph_url(&b, base, iri, strlen(iri));
  is_int(st, CUST_OK, name);
  is_str(b.data, want, name);
  cust_buf_release(&b);
}

static void test_graph_url(void) {
  check_url(
      "http://h:8890/sparql-graph-crud", "https://w3id.org/custodian/graph/ledger",
      "http://h:8890/sparql-graph-crud?graph=https%3A%2F%2Fw3id.org%2Fcustodian%2Fgraph%2Fledger",
      "an IRI's reserved characters are percent-encoded");
  check_url("http://h/crud", "urn:custodian:mirror", "http://h/crud?graph=urn%3Acustodian%3Amirror",
            "a URN");
  check_url("http://h/crud", "http://e/a-b.c_d~e?x=1&y=2#f",
            "http://h/crud?graph=http%3A%2F%2Fe%2Fa-b.c_d~e%3Fx%3D1%26y%3D2%23f",
            "unreserved kept, query and fragment characters encoded");
  check_url("http://h/crud", "http://e/caf\xc3\xa9 %",
            "http://h/crud?graph=http%3A%2F%2Fe%2Fcaf%C3%A9%20%25",
            "UTF-8 bytes, a space and a percent sign encoded byte by byte, upper-case hex");
  check_url("http://h/crud?db=x", "urn:g", "http://h/crud?db=x&graph=urn%3Ag",
            "a base with a query gets &graph=");
  check_url("http://h/crud?graph-uri=", "urn:g", "http://h/crud?graph-uri=urn%3Ag",
            "a base ending in '=' takes the IRI as its value (another parameter name)");
  cust_buf b;
  cust_buf_init(&b);
  is_int(graph_url(&b, "http://h/crud", "urn:gX", 5), CUST_OK, "a length-bounded IRI");
  is_str(b.data, "http://h/crud?graph=urn%3Ag", "only `len` bytes of the IRI are used");
  cust_buf_release(&b);
}

static void test_hints(void) {
  ok(strstr(graph_store_hint(401, 1), "--auth") != NULL, "401: check --auth");
  ok(strstr(graph_store_hint(403, 0), "--auth") != NULL, "403: check --auth");
  ok(strstr(graph_store_hint(404, 1), "not a Graph Store") != NULL, "404: not a graph store");
  ok(strstr(graph_store_hint(405, 1), "not a Graph Store") != NULL, "405: not a graph store");
  ok(strstr(graph_store_hint(501, 1), "not a Graph Store") != NULL, "501: not a graph store");
  ok(strstr(graph_store_hint(400, 1), "N-Triples") != NULL, "400 on an upload: its N-Triples");
  ok(strstr(graph_store_hint(400, 0), "not a Graph Store") != NULL,
     "400 on the check: not a graph store");
}

int main(void) {
  test_graph_url();
  test_hints();
  return done_testing();
}
