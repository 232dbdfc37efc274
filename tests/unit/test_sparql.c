/* Unit tests of the query module: result formats, negotiation, datasets,
 * refusals, aggregates, bindings, DESCRIBE, and the engine's worker
 * processes: time limit, result limit, sealing and threads. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <raptor2.h>

#include "sparql/engine.c"
#include "sparql/exec.c"
#include "tap.h"
#include "teststore.h"

static char db_path[512];

static int make_store(void) {
  cust_store *s = teststore_new("test_sparql", db_path, sizeof db_path);
  if (s == NULL) {
    return 0;
  }
  cust_store_begin(s);
  cust_term a = cust_term_iri(EX "a"), b = cust_term_iri(EX "b"), c = cust_term_iri(EX "c");
  teststore_add(s, a, EX "p", cust_term_literal("1", NULL, XSDI), G1);
  teststore_add(s, a, EX "name", cust_term_literal("alice", "en", NULL), G1);
  teststore_add(s, a, EX "knows", b, G1);
  teststore_add(s, a, EX "addr", cust_term_blank("x1"), G1);
  teststore_add(s, cust_term_blank("x1"), EX "city", cust_term_literal("Paris", NULL, NULL), G1);
  teststore_add(s, cust_term_blank("x1"), EX "geo", cust_term_blank("x2"), G1);
  teststore_add(s, cust_term_blank("x2"), EX "lat", cust_term_literal("48.8", NULL, NULL), G1);
  teststore_add(s, a, EX "tag", cust_term_literal("x", NULL, NULL), G1);
  teststore_add(s, a, EX "tag", cust_term_literal("y", NULL, NULL), G1);
  teststore_add(s, b, EX "p", cust_term_literal("2", NULL, XSDI), G2);
  teststore_add(s, b, EX "name", cust_term_literal("bob", NULL, NULL), G2);
  teststore_add(s, b, EX "tag", cust_term_literal("x", NULL, NULL), G2);
  teststore_add(s, a, EX "p", cust_term_literal("1", NULL, XSDI), G2); /* in both graphs */
  teststore_add(s, c, EX "p", cust_term_literal("3", NULL, XSDI), G2);
  teststore_add(s, c, EX "note", cust_term_literal("say \"hi\", ok", NULL, NULL), G2);
  /* names of graphs as values, for GRAPH ?var with a value */
  cust_term r1 = cust_term_iri(EX "r1");
  teststore_add(s, r1, EX "in", cust_term_iri(G1), G1);
  teststore_add(s, r1, EX "lbl", cust_term_literal("u", NULL, NULL), G1);
  teststore_add(s, r1, EX "lbl", cust_term_literal("v", NULL, NULL), G1);
  teststore_add(s, cust_term_iri(EX "r2"), EX "in", cust_term_iri(G2), G1);
  teststore_add(s, cust_term_iri(EX "r3"), EX "in", cust_term_iri(EX "nope"), G1);
  teststore_add(s, cust_term_iri(G1), EX "kind", cust_term_literal("one", NULL, NULL), G1);
  teststore_add(s, cust_term_iri(G2), EX "kind", cust_term_literal("two", NULL, NULL), G2);
  cust_status st = cust_store_commit(s);
  cust_store_close(s);
  return st == CUST_OK;
}

/* ---- in-process executor -------------------------------------------------------- */

static cust_store *store;
static sq_exec *ex;

typedef struct q_opts {
  const char *format, *accept;
  const char *const *defaults;
  size_t ndefault;
  const char *const *names;
  const cust_term *values;
  size_t nbind;
  uint64_t max_results;
} q_opts;

static cust_sparql_result res;

static int runq(const char *query, const q_opts *o) {
  sq_request req;
  memset(&req, 0, sizeof req);
  req.query = query;
  req.max_results = o && o->max_results ? o->max_results : 1000;
  if (o != NULL) {
    req.format = o->format;
    req.accept = o->accept;
    req.default_graphs = o->defaults;
    req.ndefault = o->ndefault;
    req.bind_names = o->names;
    req.bind_values = o->values;
    req.nbind = o->nbind;
  }
  cust_sparql_result_release(&res);
  cust_sparql_result_init(&res);
  sq_exec_run(ex, &req, &res);
  if (res.body.data == NULL) {
    cust_buf_append(&res.body, "", 0);
  }
  return res.http_status;
}

/* ok() that shows the answer's body when it fails. */
static void okb(int cond, const char *name) {
  if (!ok(cond, "%s", name) && res.body.data != NULL) {
    for (const char *p = res.body.data; *p != '\0';) {
      const char *nl = strchr(p, '\n');
      int n = nl ? (int)(nl - p) : (int)strlen(p);
      printf("#   %.*s\n", n, p);
      p += n + (nl != NULL);
    }
  }
}

static int body_has(const char *s) {
  return strstr(res.body.data, s) != NULL;
}

static int count_of(const char *s) {
  int n = 0;
  for (const char *p = res.body.data; (p = strstr(p, s)) != NULL; p++) {
    n++;
  }
  return n;
}

#define CSV(q)                                                                                     \
  (q_opts) {                                                                                       \
    .format = "csv"                                                                                \
  }

/* A term raptor read, viewed as a cust_term (strings borrowed from it). */
static void term_of(const raptor_term *r, cust_term *t) {
  memset(t, 0, sizeof *t);
  if (r->type == RAPTOR_TERM_TYPE_URI) {
    *t = cust_term_iri((const char *)raptor_uri_as_string(r->value.uri));
  } else if (r->type == RAPTOR_TERM_TYPE_BLANK) {
    *t = cust_term_blank((const char *)r->value.blank.string);
  } else if (r->type == RAPTOR_TERM_TYPE_LITERAL) {
    const raptor_term_literal_value *l = &r->value.literal;
    *t = cust_term_literal((const char *)l->string, (const char *)l->language,
                           l->datatype ? (const char *)raptor_uri_as_string(l->datatype) : NULL);
    t->len = l->string_len;
  }
}

/* Statements raptor reads from an RDF/XML document, as N-Triples lines. */
static void collect_nt(void *ud, raptor_statement *st) {
  cust_buf *b = ud;
  cust_term t[3];
  raptor_term *rt[3] = { st->subject, st->predicate, st->object };
  for (int i = 0; i < 3; i++) {
    term_of(rt[i], &t[i]);
    cust_term_write_nt(b, &t[i]);
    cust_buf_puts(b, i < 2 ? " " : " .\n");
  }
}

/* Every triple written as RDF/XML reads back the same, with blank nodes,
 * languages, datatypes, markup and line breaks in text. */
static void test_rdfxml_round_trip(void) {
  cust_term b1 = cust_term_blank("n_1.x"), b2 = cust_term_blank("9");
  cust_quad q[] = {
    { cust_term_iri("http://ex.org/a"),
      cust_term_iri("http://ex.org/ns#name"),
      cust_term_literal("<b>&\"x\"\r\n\tz</b>", NULL, NULL),
      { 0 } },
    { b1, cust_term_iri("http://ex.org/v/p-1.x"), cust_term_literal("été", "fr-ca", NULL), { 0 } },
    { b1, cust_term_iri("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), b2, { 0 } },
    { b2, cust_term_iri("urn:x:é"), cust_term_literal("1", NULL, XSDI), { 0 } },
    { cust_term_iri("http://ex.org/q?x=1&y=\"2\""),
      cust_term_iri("http://ex.org/_"),
      cust_term_iri("http://ex.org/<o>"),
      { 0 } },
  };
  size_t n = sizeof q / sizeof q[0];
  cust_buf doc, got, want;
  cust_buf_init(&doc);
  cust_buf_init(&got);
  cust_buf_init(&want);
  char why[320];
  ok(sq_rdfxml_check(q, n, why, sizeof why), "RDF/XML can write these triples");
  raptor_world *rw = raptor_new_world();
  ok(sq_write_graph(&doc, SQ_FMT_RDFXML, q, n) == CUST_OK, "written as RDF/XML");
  raptor_parser *p = raptor_new_parser(rw, "rdfxml");
  raptor_uri *base = raptor_new_uri(rw, (const unsigned char *)"http://base.example/");
  raptor_parser_set_statement_handler(p, &got, collect_nt);
  int rc = raptor_parser_parse_start(p, base);
  rc = rc ? rc : raptor_parser_parse_chunk(p, (const unsigned char *)doc.data, doc.len, 1);
  ok(rc == 0, "raptor reads the RDF/XML back");
  for (size_t i = 0; i < n; i++) {
    cust_quad t = q[i];
    if (t.s.kind == CUST_TERM_BLANK) {
      t.s = cust_term_blank(t.s.value[0] == 'n' ? "bn_5F1.x" : "b9");
    }
    if (t.o.kind == CUST_TERM_BLANK) {
      t.o = cust_term_blank("b9");
    }
    cust_term_write_nt(&want, &t.s);
    cust_buf_puts(&want, " ");
    cust_term_write_nt(&want, &t.p);
    cust_buf_puts(&want, " ");
    cust_term_write_nt(&want, &t.o);
    cust_buf_puts(&want, " .\n");
  }
  is_str(got.data ? got.data : "", want.data, "the same triples in the same order");
  raptor_free_uri(base);
  raptor_free_parser(p);
  raptor_free_world(rw);
  cust_quad bad = { cust_term_iri("http://ex.org/a"),
                    cust_term_iri("http://ex.org/p/"),
                    cust_term_iri("http://ex.org/b"),
                    { 0 } };
  ok(!sq_rdfxml_check(&bad, 1, why, sizeof why) && strstr(why, "http://ex.org/p/") != NULL,
     "a predicate ending in '/' is named as unwritable");
  cust_quad li = { cust_term_iri("http://ex.org/a"),
                   cust_term_iri("http://www.w3.org/1999/02/22-rdf-syntax-ns#li"),
                   cust_term_iri("http://ex.org/b"),
                   { 0 } };
  ok(!sq_rdfxml_check(&li, 1, why, sizeof why), "rdf:li (renumbered by readers) is unwritable");
  cust_quad ctl = { cust_term_iri("http://ex.org/a"),
                    cust_term_iri("http://ex.org/p"),
                    cust_term_literal("bell\a", NULL, NULL),
                    { 0 } };
  ok(!sq_rdfxml_check(&ctl, 1, why, sizeof why) && strstr(why, "control") != NULL,
     "a control character XML 1.0 lacks is unwritable, not replaced");
  cust_buf_release(&doc);
  cust_buf_release(&got);
  cust_buf_release(&want);
}

static void test_formats(void) {
  q_opts csv = { .format = "csv" };
  is_int(runq(PFX "SELECT ?n ?u WHERE { ex:a ex:name ?n OPTIONAL { ex:a ex:none ?u } }", NULL), 200,
         "a SELECT runs");
  is_str(res.content_type, "application/sparql-results+json", "JSON is the default for SELECT");
  ok(body_has("\"vars\": [\"n\", \"u\"]"), "JSON head lists the variables");
  okb(body_has("{\"n\": {\"type\": \"literal\", \"value\": \"alice\", \"xml:lang\": \"en\"}}"),
      "JSON: language in xml:lang, an unbound variable has no key");
  ok(!body_has("unbound") && !body_has("null"), "JSON never writes unbound entries");

  q_opts xml = { .format = "xml" };
  runq(PFX "SELECT ?o ?u WHERE { ex:b ex:p ?o OPTIONAL { ex:b ex:none ?u } }", &xml);
  is_str(res.content_type, "application/sparql-results+xml", "format=xml");
  okb(body_has("<binding name=\"o\"><literal datatype=\"" XSDI "\">2</literal></binding>"),
      "XML: typed literal with datatype");
  ok(!body_has("name=\"u\"><") && !body_has("unbound"), "XML: an unbound binding is omitted");

  runq(PFX "SELECT ?s ?n ?u WHERE { ?s ex:note ?n OPTIONAL { ?s ex:none ?u } }", &csv);
  is_str(res.body.data, "s,n,u\r\nhttp://ex.org/c,\"say \"\"hi\"\", ok\",\r\n",
         "CSV: CRLF, quoting, empty field for unbound");
  q_opts tsv = { .format = "tsv" };
  runq(PFX "SELECT ?n ?o ?u WHERE { ex:a ex:name ?n ; ex:p ?o OPTIONAL { ?s ex:none ?u } }", &tsv);
  is_str(res.body.data, "?n\t?o\t?u\n\"alice\"@en\t\"1\"^^<" XSDI ">\t\n",
         "TSV: terms in N-Triples syntax, empty when unbound");
  runq(PFX "SELECT ?x WHERE { ex:a ex:addr ?x }", &csv);
  ok(body_has("\r\n_:"), "CSV: blank nodes as _:label");

  runq(PFX "ASK { ex:a ex:knows ex:b }", NULL);
  is_str(res.body.data, "{\"head\": {}, \"boolean\": true}\n", "ASK true in JSON");
  runq(PFX "ASK { ex:b ex:knows ex:a }", &xml);
  ok(body_has("<boolean>false</boolean>"), "ASK false in XML");

  is_int(runq(PFX "CONSTRUCT { ?s ex:q ?o } WHERE { ?s ex:name ?o }", NULL), 200, "CONSTRUCT");
  is_str(res.content_type, "text/turtle", "Turtle is the default for CONSTRUCT");
  ok(body_has("<http://ex.org/a> <http://ex.org/q> \"alice\"@en .\n"), "CONSTRUCT triples");
  q_opts rx = { .format = "rdfxml" };
  runq(PFX "CONSTRUCT { ?s ex:q ?o } WHERE { ?s ex:name ?o }", &rx);
  ok(body_has("rdf:RDF") && body_has("bob"), "CONSTRUCT as RDF/XML");
  test_rdfxml_round_trip();
  is_int(runq(PFX "CONSTRUCT { ?s <http://ex.org/p/123> ?o } WHERE { ?s ex:name ?o }", &rx), 406,
         "RDF/XML that cannot name a predicate is 406, not an empty document");
  okb(body_has("http://ex.org/p/123") && body_has("text/turtle"),
      "the 406 names the predicate and what to ask for instead");
  q_opts wrap = { .format = "xml", .accept = "application/rdf+xml" };
  is_int(runq(PFX "CONSTRUCT WHERE { ?s ex:name ?o }", &wrap), 200,
         "CONSTRUCT with format=xml and Accept RDF/XML (SPARQLWrapper's default)");
  ok(body_has("rdf:RDF"), "... answers RDF/XML");
}

static void test_negotiation(void) {
  ok(sq_format_pick(NULL, NULL, 0) == SQ_FMT_JSON, "no Accept: JSON");
  ok(sq_format_pick(NULL, "text/csv;q=0.5, application/sparql-results+xml", 0) == SQ_FMT_XML,
     "the highest q wins");
  ok(sq_format_pick(NULL, "text/csv;q=0.9, text/tab-separated-values;q=0.2", 0) == SQ_FMT_CSV,
     "q-values are compared");
  ok(sq_format_pick(NULL, "text/html, */*;q=0.1", 0) == SQ_FMT_JSON, "*/* gives the default");
  ok(sq_format_pick(NULL, "text/html", 0) == SQ_FMT_NONE, "nothing acceptable");
  ok(sq_format_pick(NULL, "application/json;q=0", 0) == SQ_FMT_NONE, "q=0 is a refusal");
  ok(sq_format_pick(NULL, "application/n-triples", 1) == SQ_FMT_NTRIPLES, "graph: N-Triples");
  ok(sq_format_pick("tsv", "text/csv", 0) == SQ_FMT_TSV, "format= wins over Accept");
  ok(sq_format_pick("turtle", NULL, 0) == SQ_FMT_NONE, "turtle is not a result format");
  ok(sq_format_pick("xml", "application/rdf+xml", 1) == SQ_FMT_RDFXML,
     "graph: format=xml (a client's one format for all forms) is RDF/XML");
  ok(sq_format_pick("json", "application/n-triples", 1) == SQ_FMT_NTRIPLES,
     "graph: a result-set format= does not override Accept");
  ok(sq_format_pick("csv", NULL, 1) == SQ_FMT_TURTLE,
     "graph: result-set format=, no Accept: Turtle");
  ok(sq_format_pick("bogus", NULL, 1) == SQ_FMT_NONE, "an unknown format= is refused");
  q_opts h = { .accept = "text/html" };
  is_int(runq(PFX "SELECT * WHERE { ?s ?p ?o }", &h), 406, "406 when nothing is acceptable");
  ok(body_has("\"error\": \"not acceptable\""), "406 has a JSON error body");
  q_opts t = { .format = "turtle" };
  is_int(runq(PFX "SELECT * WHERE { ?s ?p ?o }", &t), 406, "turtle for a SELECT is 406");
}

static void test_dataset(void) {
  q_opts csv = { .format = "csv" };
  runq(PFX "SELECT ?o WHERE { ex:a ex:p ?o }", &csv);
  is_str(res.body.data, "o\r\n1\r\n",
         "the default graph is the merge: a triple in two graphs "
         "matches once");
  runq(PFX "SELECT ?g WHERE { GRAPH ?g { ex:a ex:p ?o } } ORDER BY ?g", &csv);
  is_str(res.body.data, "g\r\n" G1 "\r\n" G2 "\r\n", "GRAPH ?g visits every graph");
  runq(PFX "SELECT ?s FROM <" G2 "> WHERE { ?s ex:name ?n }", &csv);
  is_str(res.body.data, "s\r\nhttp://ex.org/b\r\n", "FROM restricts the default graph");
  runq(PFX "SELECT ?g ?s FROM NAMED <" G1 "> WHERE { GRAPH ?g { ?s ex:name ?n } }", &csv);
  is_str(res.body.data, "g,s\r\n" G1 ",http://ex.org/a\r\n", "FROM NAMED restricts GRAPH");
  runq(PFX "SELECT ?s WHERE { GRAPH <http://ex.org/absent> { ?s ex:name ?n } }", &csv);
  is_str(res.body.data, "s\r\n", "GRAPH of a graph the store does not hold: no row");
  runq(PFX "SELECT ?n (COUNT(?s) AS ?c) WHERE { GRAPH <http://ex.org/absent> { ?s ex:name ?n } } "
           "GROUP BY ?n",
       &csv);
  is_str(res.body.data, "n,c\r\n", "nor a group of it");
  runq(PFX "SELECT ?s WHERE { GRAPH <" G2 "> { ?s ex:name ?n } }", &csv);
  is_str(res.body.data, "s\r\nhttp://ex.org/b\r\n", "GRAPH <iri> alone reads that graph");
  runq(PFX "SELECT ?g ?s WHERE { ?s ex:knows ?x . GRAPH ?g { ?x ex:p ?o } } ORDER BY ?g", &csv);
  is_str(res.body.data, "g,s\r\n" G2 ",http://ex.org/a\r\n",
         "GRAPH ?g after a pattern: only the graph where the inner pattern matches");
  runq(PFX "SELECT ?g ?s WHERE { ?s ex:knows ?x . GRAPH ?g { ?s ex:knows ?x } }", &csv);
  is_str(res.body.data, "g,s\r\n" G1 ",http://ex.org/a\r\n",
         "a pattern whose every variable has a value already matches");
  runq(PFX "SELECT ?g ?n ?s WHERE { { GRAPH ?g { ex:b ex:name ?n } } UNION "
           "{ GRAPH ?g { ?s ex:tag \"x\" } } } ORDER BY ?g ?n",
       &csv);
  is_str(res.body.data,
         "g,n,s\r\n" G1 ",,http://ex.org/a\r\n" G2 ",,http://ex.org/b\r\n" G2 ",bob,\r\n",
         "two GRAPH ?g in a UNION each visit their graphs");
  runq(PFX "SELECT ?s ?n WHERE { ?s ex:p ?o OPTIONAL { ?s ex:name ?n } } ORDER BY ?s", &csv);
  is_str(res.body.data,
         "s,n\r\nhttp://ex.org/a,alice\r\nhttp://ex.org/b,bob\r\nhttp://ex.org/c,\r\n",
         "OPTIONAL asked again for each row gives each row its own value");
  runq(PFX "SELECT ?s FROM NAMED <" G1 "> WHERE { ?s ex:name ?n }", &csv);
  is_str(res.body.data, "s\r\n", "FROM NAMED alone: the default graph is empty");
  const char *dg[] = { G1 };
  q_opts p = { .format = "csv", .defaults = dg, .ndefault = 1 };
  runq(PFX "SELECT ?s FROM <" G2 "> WHERE { ?s ex:name ?n }", &p);
  is_str(res.body.data, "s\r\nhttp://ex.org/a\r\n", "default-graph-uri replaces FROM");
  is_int(runq(PFX "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", NULL), 400,
         "FROM a local file is refused");
  okb(body_has("not a graph of this store") && !body_has("root:"), "and says why");
  is_int(runq(PFX "SELECT * FROM NAMED <http://127.0.0.1:1/x> WHERE { ?s ?p ?o }", NULL), 400,
         "FROM NAMED a remote graph is refused");
  const char *bad[] = { "http://elsewhere.org/g" };
  q_opts pb = { .defaults = bad, .ndefault = 1 };
  is_int(runq(PFX "SELECT * WHERE { ?s ?p ?o }", &pb), 400,
         "a default-graph-uri outside the store is refused");
}

/* GRAPH ?g where ?g has a value already: each solution reads only its graph. */
static void test_graph_bound(void) {
  q_opts csv = { .format = "csv" };
  const char *two = "r,g,n\r\nhttp://ex.org/r1," G1 ",alice\r\nhttp://ex.org/r2," G2 ",bob\r\n";
  runq(PFX "SELECT ?r ?g ?n WHERE { ?r ex:in ?g . GRAPH ?g { ?s ex:name ?n } } ORDER BY ?r", &csv);
  is_str(res.body.data, two, "GRAPH ?g after a pattern that binds ?g: the graph of each row");
  runq(PFX "SELECT ?r ?g ?n WHERE { GRAPH ?g { ?s ex:name ?n } ?r ex:in ?g } ORDER BY ?r", &csv);
  is_str(res.body.data, two, "the same with the GRAPH first");
  runq(PFX "SELECT ?r ?h ?n WHERE { ?r ex:in ?h . GRAPH ?g { ?s ex:name ?n } FILTER(?g = ?h) } "
           "ORDER BY ?r",
       &csv);
  is_str(res.body.data, "r,h,n\r\nhttp://ex.org/r1," G1 ",alice\r\nhttp://ex.org/r2," G2 ",bob\r\n",
         "the same with a FILTER");
  runq(PFX "SELECT ?r ?k WHERE { ?r ex:in ?g . GRAPH ?g { ?g ex:kind ?k } } ORDER BY ?r", &csv);
  is_str(res.body.data, "r,k\r\nhttp://ex.org/r1,one\r\nhttp://ex.org/r2,two\r\n",
         "the bound variable as the graph and inside it");
  runq(PFX "SELECT ?r ?n WHERE { ?r ex:in ?g OPTIONAL { GRAPH ?g { ?s ex:name ?n } } } "
           "ORDER BY ?r",
       &csv);
  is_str(res.body.data,
         "r,n\r\nhttp://ex.org/r1,alice\r\nhttp://ex.org/r2,bob\r\nhttp://ex.org/r3,\r\n",
         "inside OPTIONAL");
  runq(PFX "SELECT ?n WHERE { ex:r3 ex:in ?g . GRAPH ?g { ?s ?p ?n } }", &csv);
  is_str(res.body.data, "n\r\n", "bound to a graph that does not exist: no row");
  runq(PFX "ASK { ex:r3 ex:in ?g . GRAPH ?g { ?s ?p ?n } }", &csv);
  ok(body_has("false"), "and ASK is false");
  runq(PFX "SELECT ?r ?n ?k WHERE { ?r ex:in ?g . GRAPH ?g { ?s ex:name ?n } "
           "GRAPH ?g { ?g ex:kind ?k } } ORDER BY ?r",
       &csv);
  is_str(res.body.data, "r,n,k\r\nhttp://ex.org/r1,alice,one\r\nhttp://ex.org/r2,bob,two\r\n",
         "two GRAPH blocks share the bound variable");
  runq(PFX "SELECT ?g ?t ?n WHERE { GRAPH ?g { ?s ex:tag ?t } GRAPH ?g { ?x ex:name ?n } } "
           "ORDER BY ?g ?t",
       &csv);
  is_str(res.body.data, "g,t,n\r\n" G1 ",x,alice\r\n" G1 ",y,alice\r\n" G2 ",x,bob\r\n",
         "two GRAPH blocks share their variable: each row keeps its graph");
  runq(PFX "SELECT ?l ?g ?n WHERE { ex:r1 ex:in ?g . ex:r1 ex:lbl ?l . "
           "GRAPH ?g { ?s ex:name ?n } } ORDER BY ?l",
       &csv);
  is_str(res.body.data, "l,g,n\r\nu," G1 ",alice\r\nv," G1 ",alice\r\n",
         "the next row of the patterns before the GRAPH keeps their value");
  runq(PFX "SELECT ?l ?g ?n WHERE { ex:r1 ex:in ?g . ex:r1 ex:lbl ?l "
           "OPTIONAL { GRAPH ?g { ?s ex:name ?n } } } ORDER BY ?l",
       &csv);
  is_str(res.body.data, "l,g,n\r\nu," G1 ",alice\r\nv," G1 ",alice\r\n",
         "the same with an OPTIONAL GRAPH");
  runq(PFX "SELECT ?g ?r WHERE { { GRAPH ?g { ex:b ex:name ?n } } UNION { ?r ex:in ?g } } "
           "ORDER BY ?r",
       &csv);
  is_str(res.body.data,
         "g,r\r\n" G2 ",\r\n" G1 ",http://ex.org/r1\r\n" G2
         ",http://ex.org/r2\r\nhttp://ex.org/nope,http://ex.org/r3\r\n",
         "after a GRAPH is done its variable has no value");
}

static void test_refusals(void) {
  is_int(runq("INSERT DATA { <http://a> <http://b> <http://c> }", NULL), 400, "INSERT refused");
  ok(body_has("update not allowed"), "named as an update");
  is_int(runq("LOAD <file:///etc/passwd>", NULL), 400, "LOAD refused");
  is_int(runq(PFX "DELETE WHERE { ?s ?p ?o }", NULL), 400, "DELETE refused");
  is_int(runq("SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }", NULL), 400,
         "SERVICE refused");
  okb(body_has("SERVICE is not allowed"), "SERVICE is named");
  q_opts csv = { .format = "csv" };
  is_int(runq(PFX "SELECT ?s WHERE { ?s ex:p ?o MINUS { ?s ex:knows ?x } }", &csv), 200,
         "MINUS runs");
  okb(body_has("/b") && body_has("/c") && !body_has("/a"), "MINUS removes a");
  runq(PFX "SELECT ?g WHERE { GRAPH ?g { } } ORDER BY ?g", &csv);
  is_str(res.body.data, "g\r\n" G1 "\r\n" G2 "\r\n", "an empty GRAPH ?g visits each graph");
  is_int(runq(PFX "SELECT ?g ?s WHERE { GRAPH ?g { OPTIONAL { ?s ex:p ?o } } }", &csv), 200,
         "GRAPH ?g over only an OPTIONAL runs");
  is_int(count_of("\n"), 5, "one row per graph and match (1 in g1, 3 in g2)");
  runq(PFX "SELECT ?s WHERE { ?s ex:knows/ex:p ?o }", &csv);
  is_str(res.body.data, "s\r\nhttp://ex.org/a\r\n", "a property path");
  runq(PFX "SELECT ?s WHERE { ?s ex:knows+ ?o }", &csv);
  is_str(res.body.data, "s\r\nhttp://ex.org/a\r\n", "path +");
  runq(PFX "SELECT ?s WHERE { ?s ex:p ?o FILTER NOT EXISTS { ?s ex:knows ?x } } ORDER BY ?s", &csv);
  is_str(res.body.data, "s\r\nhttp://ex.org/b\r\nhttp://ex.org/c\r\n", "FILTER NOT EXISTS");
  runq(PFX "SELECT ?s WHERE { ?s ex:p ?o FILTER EXISTS { ?s ex:knows ?x } }", &csv);
  is_str(res.body.data, "s\r\nhttp://ex.org/a\r\n", "FILTER EXISTS");

  is_int(runq("SELECT ?x WHERE { ?x", NULL), 400, "a syntax error is 400");
  okb(body_has("malformed query") && body_has("line 1"), "with the parser's position");
}

static void test_aggregates(void) {
  q_opts csv = { .format = "csv" };
  runq(PFX "SELECT (GROUP_CONCAT(?t; SEPARATOR=\",\") AS ?g) WHERE { ?s ex:tag ?t }", &csv);
  is_int(count_of(","), 2, "GROUP_CONCAT with a SEPARATOR");

  runq(PFX "SELECT (GROUP_CONCAT(?t) AS ?g) WHERE { ex:a ex:tag ?t }", &csv);
  okb(strcmp(res.body.data, "g\r\nx y\r\n") == 0 || strcmp(res.body.data, "g\r\ny x\r\n") == 0,
      "GROUP_CONCAT with the default separator works");
  runq(PFX "SELECT ?k (COUNT(*) AS ?n) WHERE { ?s ex:p ?o } GROUP BY (?o > 1 AS ?k) ORDER BY ?k",
       &csv);
  is_str(res.body.data, "k,n\r\nfalse,1\r\ntrue,2\r\n", "GROUP BY (expr AS ?v)");
  runq(PFX "SELECT (COUNT(*) AS ?n) WHERE { ?s ex:p ?o } GROUP BY (?o > 1) ORDER BY ?n", &csv);
  is_str(res.body.data, "n\r\n1\r\n2\r\n", "GROUP BY expr");

  runq(PFX "SELECT ?k (COUNT(*) AS ?n) WHERE { ?s ex:p ?o BIND(?o > 1 AS ?k) } GROUP BY ?k "
           "ORDER BY ?k",
       &csv);
  is_str(res.body.data, "k,n\r\nfalse,1\r\ntrue,2\r\n", "the BIND form groups right");
  /* several aggregates next to a DISTINCT one all get its value */
  runq(PFX "SELECT (COUNT(DISTINCT ?s) AS ?a) (COUNT(?t) AS ?b) WHERE { ?s ex:tag ?t }", &csv);
  is_str(res.body.data, "a,b\r\n2,3\r\n", "a DISTINCT aggregate next to another");
  runq(PFX "SELECT (COUNT(DISTINCT ?s) AS ?a) (COUNT(DISTINCT ?t) AS ?b) "
           "WHERE { ?s ex:tag ?t }",
       &csv);
  is_str(res.body.data, "a,b\r\n2,2\r\n", "two COUNT(DISTINCT)");

  runq(PFX "SELECT (COUNT(DISTINCT ?s) AS ?a) WHERE { ?s ex:tag ?t }", &csv);
  is_str(res.body.data, "a\r\n2\r\n", "one COUNT(DISTINCT) is right");
  runq(PFX "SELECT (COUNT(?t) AS ?b) (SUM(?o) AS ?c) WHERE { ?s ex:tag ?t ; ex:p ?o }", &csv);
  is_str(res.body.data, "b,c\r\n3,4\r\n", "several plain aggregates are right");
  /* aggregates over no solutions: one row */
  runq(PFX "SELECT (COUNT(*) AS ?n) WHERE { ?s ex:nothing ?o }", &csv);
  is_str(res.body.data, "n\r\n0\r\n", "COUNT(*) of nothing is 0, not no row");
  runq(PFX "SELECT (COUNT(?o) AS ?n) (SUM(?o) AS ?t) (MAX(?o) AS ?m) (GROUP_CONCAT(?o) AS ?g) "
           "WHERE { ?s ex:nothing ?o }",
       &csv);
  is_str(res.body.data, "n,t,m,g\r\n0,0,,\r\n", "COUNT, SUM 0; MAX unbound; GROUP_CONCAT \"\"");
  runq(PFX "SELECT (COUNT(*) AS ?n) WHERE { ?s ex:nothing ?o }", NULL);
  ok(body_has("\"datatype\": \"" XSDI "\""), "the 0 is an xsd:integer");
  runq(PFX "SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ex:nothing ?o } GROUP BY ?s", &csv);
  is_str(res.body.data, "s,n\r\n", "GROUP BY over nothing has no group");
  runq(PFX "SELECT ((COUNT(*) + 1) AS ?n) WHERE { ?s ex:nothing ?o }", &csv);
  is_str(res.body.data, "n\r\n1\r\n", "an expression over an empty aggregate");
  /* after grouping, ?n of the pattern is out of scope: the count is the answer */
  runq(PFX "SELECT (COUNT(*) AS ?n) WHERE { ?s ex:knows ?n }", &csv);
  is_str(res.body.data, "n\r\n1\r\n", "(expr AS ?v) with ?v in the pattern: the aggregate");

  /* COUNT of an unbound variable */
  runq(PFX "SELECT (COUNT(?z) AS ?n) WHERE { ?s ex:p ?o }", &csv);
  is_str(res.body.data, "n\r\n0\r\n", "COUNT of a variable never bound is 0");
  runq(PFX "SELECT (COUNT(?k) AS ?n) WHERE { ?s ex:p ?o OPTIONAL { ?s ex:knows ?k } }", &csv);
  is_str(res.body.data, "n\r\n1\r\n", "COUNT skips unbound values");
  runq(PFX "SELECT ?s (COUNT(?t) AS ?n) WHERE { ?s ex:p ?o OPTIONAL { ?s ex:tag ?t } } "
           "GROUP BY ?s ORDER BY ?s",
       &csv);
  is_str(res.body.data, "s,n\r\nhttp://ex.org/a,2\r\nhttp://ex.org/b,1\r\nhttp://ex.org/c,0\r\n",
         "COUNT per group skips unbound values");
  runq(PFX "SELECT (COUNT(DISTINCT ?k) AS ?n) WHERE { ?s ex:p ?o OPTIONAL { ?s ex:knows ?k } }",
       &csv);
  is_str(res.body.data, "n\r\n1\r\n", "COUNT(DISTINCT) of a maybe-unbound variable");
}

static void test_rewrites(void) {
  q_opts csv = { .format = "csv" };
  runq(PFX "SELECT ?x WHERE { VALUES ?x { 1 2 } }", &csv);
  is_str(res.body.data, "x\r\n1\r\n2\r\n", "short VALUES alone gives every row");
  runq(PFX "SELECT ?s WHERE { ?s ex:p ?x VALUES ?x { 1 \"no\" 3 } } ORDER BY ?s", &csv);
  is_str(res.body.data, "s\r\nhttp://ex.org/a\r\nhttp://ex.org/c\r\n", "short VALUES joins");
  runq(PFX "SELECT ?s WHERE { ?s ex:name ?n } VALUES ?n { \"alice\"@en ex:z }", &csv);
  is_str(res.body.data, "s\r\nhttp://ex.org/a\r\n", "trailing short VALUES with a tag");
  runq(PFX "SELECT ?s WHERE { ?s ex:p ?x VALUES (?x) { (2) } }", &csv);
  is_str(res.body.data, "s\r\nhttp://ex.org/b\r\n", "long VALUES still works");
  runq(PFX "SELECT ?s WHERE { ?s ex:note \"VALUES ?x { 1 }\" }", &csv);
  is_str(res.body.data, "s\r\n", "VALUES inside a string is left alone");
  runq(PFX "SELECT (REPLACE(?n, \"a\", \"A\") AS ?r) WHERE { ex:a ex:name ?n }", NULL);
  okb(body_has("\"value\": \"Alice\", \"xml:lang\": \"en\""), "REPLACE keeps the language");
  runq(PFX "SELECT ?n (REPLACE(?n, \"a\", \"A\") AS ?r) WHERE { ex:a ex:name ?n }", NULL);
  okb(count_of("\"xml:lang\": \"en\"") == 2, "REPLACE leaves the language of its argument");
  runq(PFX "SELECT (REPLACE(?n, \"(a)\", \"$1$1\") AS ?r) WHERE { ex:a ex:name ?n }", NULL);
  okb(body_has("\"value\": \"aalice\""), "REPLACE with $n references");

  runq(PFX "SELECT (REPLACE(?n, \"b\", \"B\") AS ?r) WHERE { ex:b ex:name ?n }", &csv);
  is_str(res.body.data, "r\r\nBoB\r\n", "REPLACE of a plain literal");
  runq(PFX "SELECT ?n WHERE { ?s ex:name ?n FILTER(REPLACE(?n, \"l\", \"L\") = "
           "\"aLice\"@en) }",
       &csv);
  is_str(res.body.data, "n\r\nalice\r\n", "REPLACE in a FILTER compares with the tag");
}

static void test_describe(void) {
  is_int(runq(PFX "DESCRIBE ex:a", NULL), 200, "DESCRIBE of an IRI works");
  is_str(res.content_type, "text/turtle", "as Turtle");
  ok(body_has("<http://ex.org/a> <http://ex.org/knows> <http://ex.org/b> ."), "its triples");
  ok(body_has("\"Paris\"") && body_has("\"48.8\""), "through blank nodes, recursively");
  ok(!body_has("\"bob\""), "not the triples of the resources it points to");
  is_int(count_of("<http://ex.org/a> <http://ex.org/p> "), 1, "a triple in two graphs once");
  is_int(runq(PFX "DESCRIBE ?s WHERE { ?s ex:name \"bob\" }", NULL), 200, "DESCRIBE ?s WHERE");
  okb(body_has("<http://ex.org/b> <http://ex.org/name> \"bob\" .") && !body_has("alice"),
      "describes what the WHERE finds");
  q_opts nt = { .format = "ntriples" };
  runq(PFX "DESCRIBE <http://ex.org/none>", &nt);
  is_int(res.http_status, 200, "DESCRIBE of an unknown IRI is empty");
  is_int((int)res.body.len, 0, "and empty");
  q_opts json = { .format = "json", .accept = "application/n-triples" };
  is_int(runq(PFX "DESCRIBE ex:a", &json), 200,
         "DESCRIBE with a result-set format= and an RDF Accept: the Accept decides");
  is_str(res.content_type, "application/n-triples", "... N-Triples");
  q_opts json_only = { .format = "json", .accept = "application/sparql-results+json" };
  is_int(runq(PFX "DESCRIBE ex:a", &json_only), 406,
         "DESCRIBE with only result-set formats acceptable is 406");
}

static void test_bindings(void) {
  q_opts csv = { .format = "csv" };
  const char *names[] = { "who" };
  cust_term vals[] = { cust_term_iri(EX "b") };
  q_opts b = { .format = "csv", .names = names, .values = vals, .nbind = 1 };
  runq(PFX "SELECT ?who ?n WHERE { ?who ex:name ?n }", &b);
  is_str(res.body.data, "who,n\r\nhttp://ex.org/b,bob\r\n", "an IRI parameter is bound");
  runq(PFX "SELECT ?n WHERE { ?s ex:name ?n FILTER(?s = ?who) }", &b);
  is_str(res.body.data, "n\r\nbob\r\n", "also in a FILTER");
  const char *nn[] = { "n" };
  cust_term inj[] = { cust_term_literal("bob\" } UNION { ?s ?p ?n } #", NULL, NULL) };
  q_opts bi = { .format = "csv", .names = nn, .values = inj, .nbind = 1 };
  is_int(runq(PFX "SELECT ?s WHERE { ?s ex:name ?n }", &bi), 200, "an injection attempt runs");
  is_str(res.body.data, "s\r\n", "and stays a plain value that matches nothing");
  cust_term bob[] = { cust_term_literal("bob", NULL, NULL) };
  q_opts bb = { .format = "csv", .names = nn, .values = bob, .nbind = 1 };
  runq(PFX "SELECT ?s WHERE { ?s ex:name ?n }", &bb);
  is_str(res.body.data, "s\r\nhttp://ex.org/b\r\n", "a literal parameter is bound");
  const char *gn[] = { "g" };
  cust_term gv[] = { cust_term_iri(G1) };
  q_opts bg = { .names = gn, .values = gv, .nbind = 1 };
  is_int(runq(PFX "SELECT ?s WHERE { GRAPH ?g { ?s ex:name ?n } }", &bg), 200,
         "a parameter as the graph of GRAPH ?g");
  okb(body_has("http://ex.org/a") && !body_has("http://ex.org/b"), "reads that graph only");

  const char *unk[] = { "nope" };
  q_opts bu = { .names = unk, .values = bob, .nbind = 1 };
  is_int(runq(PFX "SELECT ?s WHERE { ?s ex:name ?n }", &bu), 400, "an unknown parameter is 400");
  (void)csv;
}

static void test_limits(void) {
  q_opts small = { .max_results = 3 };
  is_int(runq("SELECT * WHERE { ?s ?p ?o }", &small), 413, "more results than the limit");
  okb(body_has("more than 3 results"), "says so");
  is_int(runq(PFX "SELECT * WHERE { ?s ?p ?o } LIMIT 3", &small), 200, "LIMIT within it is fine");
  is_int(runq(PFX "CONSTRUCT WHERE { ?s ?p ?o }", &small), 413, "the limit holds for triples");
}

/* ---- below the checks: nothing can fetch ------------------------------------------ */

/* Whether a connection to a listener of this test gets through from a child
 * that has an executor over the store, sealed (as a worker is) or not. */
static int service_connects(int is_sealed) {
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  socklen_t alen = sizeof a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 4) != 0 ||
      getsockname(ls, (struct sockaddr *)&a, &alen) != 0) {
    return -1;
  }
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    cust_store *s = NULL;
    sq_exec *x = NULL;
    close(ls);
    if (cust_store_open(db_path, CUST_STORE_READONLY, NULL, &s) == CUST_OK &&
        sq_exec_new(s, NULL, &x) == CUST_OK) {
      if (is_sealed) {
        seal_network(NULL);
      }
      int c = socket(AF_INET, SOCK_STREAM, 0);
      if (c >= 0) {
        (void)connect(c, (struct sockaddr *)&a, sizeof a);
        close(c);
      }
    }
    _exit(0);
  }
  struct pollfd p = { .fd = ls, .events = POLLIN };
  int connected = poll(&p, 1, 3000) > 0;
  if (connected) {
    int c = accept(ls, NULL, NULL);
    if (c >= 0) {
      close(c);
    }
  }
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  close(ls);
  return connected;
}

/* Run with no store handle open in this process: the child opens its own,
 * which a fork must not inherit. */
static void test_sealed(void) {
  is_int(service_connects(0), 1, "control: an unsealed child connects to the listener");
  is_int(service_connects(1), 0, "a sealed worker cannot connect");
}

/* ---- the engine ----------------------------------------------------------------------- */

static cust_sparql *engine;

static int erun(const char *q, cust_sparql_result *r) {
  cust_sparql_request req;
  memset(&req, 0, sizeof req);
  req.query = q;
  req.format = "csv";
  cust_sparql_run(engine, &req, r);
  return r->http_status;
}

static void *thread_main(void *ud) {
  int *ok_count = ud;
  for (int i = 0; i < 5; i++) {
    cust_sparql_result r;
    cust_sparql_result_init(&r);
    char q[128];
    snprintf(q, sizeof q, PFX "SELECT ?n WHERE { ex:b ex:name ?n FILTER(%d >= 0) }", i);
    if (erun(q, &r) == 200 && r.body.data && strcmp(r.body.data, "n\r\nbob\r\n") == 0) {
      (*ok_count)++;
    } else {
      tap_diag("a threaded query: %d %s", r.http_status, r.body.data ? r.body.data : "");
    }
    cust_sparql_result_release(&r);
  }
  return NULL;
}

/* A store that appears after the engine started (the writer creates it on
 * a first run): 503 with the reason while it is missing, 200 once it is. */
static void test_late_store(void) {
  char late[600];
  snprintf(late, sizeof late, "%s.late", db_path);
  unlink(late);
  cust_sparql_limits lim = { .timeout_ms = 1000, .workers = 1 };
  cust_sparql *e = NULL;
  if (!ok(cust_sparql_new(late, &lim, NULL, &e) == CUST_OK,
          "an engine starts over a store that does not exist yet")) {
    return;
  }
  cust_sparql *keep = engine;
  engine = e;
  cust_sparql_result r;
  cust_sparql_result_init(&r);
  uint64_t t0 = cust_now_ms();
  is_int(erun("ASK {}", &r), 503, "a missing store is 503");
  ok(r.body.data && strstr(r.body.data, "store unavailable") && strstr(r.body.data, "no such file"),
     "which says what failed: %s", r.body.data ? r.body.data : "");
  ok(cust_now_ms() - t0 < 1000, "within the time limit (%llu ms)",
     (unsigned long long)(cust_now_ms() - t0));
  is_int(erun("ASK {}", &r), 503, "again 503 from a new worker, not a hang");
  /* the store appears: the next worker opens it */
  if (rename(db_path, late) == 0) {
    is_int(erun(PFX "SELECT ?n WHERE { ex:b ex:name ?n }", &r), 200,
           "the 503 ends once the store is there");
    is_str(r.body.data, "n\r\nbob\r\n", "with the right answer");
    ok(r.height == 0, "the height of a store that indexed no block is 0");
    if (rename(late, db_path) != 0) {
      tap_diag("cannot move the test store back");
    }
  } else {
    ok(0, "cannot move the test store into place");
  }
  cust_sparql_result_release(&r);
  engine = keep;
  cust_sparql_free(e);
}

/* An answer over the inline size travels in a file; the byte limit is an
 * error, never a cut answer. */
static void test_large_answers(void) {
  const char *q = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }";
  cust_sparql_limits lim = { .timeout_ms = 20000, .workers = 1 };
  cust_sparql *e = NULL;
  if (!ok(cust_sparql_new(db_path, &lim, NULL, &e) == CUST_OK, "engine for large answers")) {
    return;
  }
  cust_sparql *keep = engine;
  engine = e;
  cust_sparql_result r;
  cust_sparql_result_init(&r);
  long long n = 0;
  if (erun("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c }", &r) == 200 && r.body.data) {
    n = strtoll(r.body.data + 3, NULL, 10); /* "n\r\nN\r\n" */
  }
  ok(n > 10, "the default graph holds %lld triples", n);
  is_int(erun(q, &r), 200, "a cross product of 3 patterns");
  ok(r.body_fd >= 0 && r.body.len == 0 && r.body_fd_len > INLINE_MAX,
     "comes in a file (%llu bytes), not in memory", (unsigned long long)r.body_fd_len);
  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  int is_written = mem && cust_sparql_result_write(&r, mem) == CUST_OK;
  if (mem != NULL && fclose(mem) != 0) {
    is_written = 0;
  }
  ok(is_written && len == r.body_fd_len, "the whole file can be read (%zu bytes)", len);
  size_t lines = 0;
  for (size_t i = 0; text && i < len; i++) {
    lines += text[i] == '\n';
  }
  is_int((long long)lines, n * n * n + 1, "every row is there, and the header");
  free(text);
  cust_sparql_result_release(&r);
  ok(r.body_fd == -1, "release closes the file");
  engine = keep;
  cust_sparql_free(e);

  lim.max_result_bytes = 100000;
  if (!ok(cust_sparql_new(db_path, &lim, NULL, &e) == CUST_OK, "engine with a byte limit")) {
    return;
  }
  engine = e;
  cust_sparql_result_init(&r);
  is_int(erun(q, &r), 413, "an answer over the byte limit is 413");
  ok(r.body.data && strstr(r.body.data, "more than 100000 bytes"), "which names the limit: %s",
     r.body.data ? r.body.data : "");
  is_int(erun(PFX "SELECT ?n WHERE { ex:b ex:name ?n }", &r), 200, "a small answer still runs");
  cust_sparql_result_release(&r);
  engine = keep;
  cust_sparql_free(e);
}

static void test_engine(void) {
  cust_sparql_limits lim = { .timeout_ms = 1500, .max_query_len = 4096, .workers = 2 };
  cust_logger log;
  cust_logger_init(&log, stderr, CUST_LOG_WARN);
  if (!ok(cust_sparql_new(db_path, &lim, &log, &engine) == CUST_OK, "engine starts")) {
    return;
  }
  cust_sparql_result r;
  cust_sparql_result_init(&r);
  is_int(erun(PFX "SELECT ?n WHERE { ex:b ex:name ?n }", &r), 200, "a query through a worker");
  is_str(r.body.data, "n\r\nbob\r\n", "the right answer");
  ok(!r.is_cached, "not cached");
  int status = erun(PFX "SELECT ?n WHERE { ex:b ex:name ?n }", &r);
  ok(status == 200 && !r.is_cached && strcmp(r.body.data, "n\r\nbob\r\n") == 0,
     "asked again: run again (the one answer cache is the server's) (%d)", status);

  char big[5000];
  memset(big, ' ', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  memcpy(big, "SELECT", 6);
  is_int(erun(big, &r), 413, "a query over the length limit is 413");

  /* a cartesian product that takes long to sort */
  uint64_t t0 = cust_now_ms();
  is_int(erun("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o } "
              "ORDER BY ?o ?l ?i LIMIT 1",
              &r),
         503, "a slow query times out");
  ok(r.body.data && strstr(r.body.data, "query timed out after 1500 ms"), "and says so");
  ok(cust_now_ms() - t0 < 5000, "close to the limit (%llu ms)",
     (unsigned long long)(cust_now_ms() - t0));
  is_int(erun(PFX "ASK { ex:a ex:knows ex:b }", &r), 200, "the next query runs (respawned)");

  int counts[4] = { 0, 0, 0, 0 };
  pthread_t th[4];
  for (int i = 0; i < 4; i++) {
    pthread_create(&th[i], NULL, thread_main, &counts[i]);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(th[i], NULL);
  }
  is_int(counts[0] + counts[1] + counts[2] + counts[3], 20, "4 threads x 5 queries, all right");

  /* the spawner and its workers killed from outside (the OOM killer): the
   * next query is answered by new ones */
  kill(engine->spawner_pid, SIGKILL);
  for (size_t i = 0; i < engine->nslots; i++) {
    if (engine->slots[i].pid > 0) {
      kill(engine->slots[i].pid, SIGKILL);
    }
  }
  usleep(300 * 1000);
  is_int(erun(PFX "ASK { ex:a ex:knows ex:b }", &r), 200,
         "killed spawner and workers are replaced, and the query answered");
  is_int(erun(PFX "ASK { ex:b ex:knows ex:a }", &r), 200, "and the next one");
  cust_sparql_result_release(&r);
  cust_sparql_free(engine);
  engine = NULL;

  test_late_store();
  test_large_answers();
}

int main(int argc, char **argv) {
  int child_rc = cust_sparql_child_main(argc, argv);
  if (child_rc >= 0) {
    return child_rc;
  }
  if (!make_store()) {
    printf("1..0 # SKIP the store module cannot create a store\n");
    return 0;
  }
  if (cust_store_open(db_path, CUST_STORE_READONLY, NULL, &store) != CUST_OK ||
      sq_exec_new(store, NULL, &ex) != CUST_OK) {
    ok(0, "executor over the test store");
    return done_testing();
  }
  cust_sparql_result_init(&res);
  test_formats();
  test_negotiation();
  test_dataset();
  test_graph_bound();
  test_refusals();
  test_aggregates();
  test_rewrites();
  test_describe();
  test_bindings();
  test_limits();
  cust_sparql_result_release(&res);
  sq_exec_free(ex);
  cust_store_close(store);
  test_sealed();
  test_engine();
  unlink(db_path);
  char side[600];
  snprintf(side, sizeof side, "%s-wal", db_path);
  unlink(side);
  snprintf(side, sizeof side, "%s-shm", db_path);
  unlink(side);
  return done_testing();
}
