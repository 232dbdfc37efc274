/* The SPARQL parser: hand-checked translations as SSE strings, errors
 * with their line and column, limits, substitution. */
#include "config.h"

#include <raptor2.h>
#include <time.h>

#include "sparql/algebra.h"
#include "tap.h"

#define W3C_DIR CUST_SRCDIR "/tests/w3c/sparql11"
#define MF "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
#define QT "http://www.w3.org/2001/sw/DataAccess/tests/test-query#"
#define RDF "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

/* ---- the W3C manifests, read with raptor ---------------------------------- */

typedef struct mtriple {
  char *s, *p, *o; /* IRIs as they are, blank nodes as "_:label", literals as text */
} mtriple;

typedef struct manifest {
  mtriple *t;
  size_t n, cap;
} manifest;

static char *term_str(raptor_term *t) {
  switch (t->type) {
    case RAPTOR_TERM_TYPE_URI:
      return strdup((const char *)raptor_uri_as_string(t->value.uri));
    case RAPTOR_TERM_TYPE_BLANK: {
      size_t n = t->value.blank.string_len + 3;
      char *s = malloc(n);
      if (s != NULL) {
        snprintf(s, n, "_:%s", (const char *)t->value.blank.string);
      }
      return s;
    }
    case RAPTOR_TERM_TYPE_LITERAL:
      return strdup((const char *)t->value.literal.string);
    default:
      return strdup("");
  }
}

/* Every allocation of a parse of `text` fails in turn: the answer must then
 * be CUST_ERR_NOMEM, never a syntax error, a crash or a leak. Returns how
 * many answers were wrong; *n counts the allocations. */
static int oom_sweep(const char *text, unsigned long *n) {
  int bad = 0, failed = 1;
  unsigned long k;
  for (k = 1; failed && k < 100000; k++) {
    sq_query *q = NULL;
    sq_parse_error err;
    cust_status st;
    cust_fault_arm(k, 0);
    st = sq_parse(text, "http://example.org/", &q, &err);
    failed = cust_fault_disarm(NULL);
    if (failed ? st != CUST_ERR_NOMEM || q != NULL : st == CUST_ERR_NOMEM) {
      bad++;
      tap_diag("allocation %lu: status %d: %s", k, (int)st, err.message);
    }
    sq_query_free(q);
  }
  *n += k - 1;
  return bad;
}

static int w3c_oom_bad;
static unsigned long w3c_oom_allocs;

static void on_triple(void *ud, raptor_statement *st) {
  manifest *m = ud;
  if (m->n == m->cap) {
    m->cap = m->cap ? m->cap * 2 : 256;
    m->t = realloc(m->t, m->cap * sizeof *m->t);
    if (m->t == NULL) {
      abort();
    }
  }
  m->t[m->n].s = term_str(st->subject);
  m->t[m->n].p = term_str(st->predicate);
  m->t[m->n].o = term_str(st->object);
  m->n++;
}

static int manifest_read(raptor_world *w, const char *path, manifest *m) {
  char iri[4096];
  raptor_parser *rp = raptor_new_parser(w, "turtle");
  raptor_uri *u;
  int rc;
  memset(m, 0, sizeof *m);
  snprintf(iri, sizeof iri, "file://%s", path);
  u = raptor_new_uri(w, (const unsigned char *)iri);
  raptor_parser_set_statement_handler(rp, m, on_triple);
  rc = raptor_parser_parse_file(rp, u, u);
  raptor_free_uri(u);
  raptor_free_parser(rp);
  return rc == 0;
}

static void manifest_free(manifest *m) {
  for (size_t k = 0; k < m->n; k++) {
    free(m->t[k].s);
    free(m->t[k].p);
    free(m->t[k].o);
  }
  free(m->t);
}

static const char *mget(const manifest *m, const char *s, const char *p) {
  for (size_t k = 0; k < m->n; k++) {
    if (strcmp(m->t[k].s, s) == 0 && strcmp(m->t[k].p, p) == 0) {
      return m->t[k].o;
    }
  }
  return NULL;
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  cust_buf b;
  char chunk[4096];
  size_t n;
  if (f == NULL) {
    return NULL;
  }
  cust_buf_init(&b);
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (cust_buf_append(&b, chunk, n) != CUST_OK) {
      break;
    }
  }
  fclose(f);
  return cust_buf_steal(&b, NULL);
}

/* Runs every syntax and evaluation test of one manifest; returns how many. */
static int run_manifest(raptor_world *w, const char *path) {
  manifest m;
  int count = 0;
  if (!ok(manifest_read(w, path, &m), "manifest %s reads", path)) {
    return 0;
  }
  for (size_t k = 0; k < m.n; k++) {
    const char *type = m.t[k].o;
    int is_neg = 0;
    if (strcmp(m.t[k].p, RDF "type") != 0) {
      continue;
    }
    if (strcmp(type, MF "NegativeSyntaxTest11") == 0 ||
        strcmp(type, MF "NegativeSyntaxTest") == 0) {
      is_neg = 1;
    } else if (strcmp(type, MF "PositiveSyntaxTest11") != 0 &&
               strcmp(type, MF "PositiveSyntaxTest") != 0 &&
               strcmp(type, MF "QueryEvaluationTest") != 0) {
      continue;
    }
    const char *action = mget(&m, m.t[k].s, MF "action");
    if (action != NULL && strncmp(action, "_:", 2) == 0) {
      action = mget(&m, action, QT "query");
    }
    if (!ok(action != NULL && strncmp(action, "file://", 7) == 0, "%s has a query file",
            m.t[k].s)) {
      continue;
    }
    const char *file = action + 7;
    const char *shown = strstr(file, "sparql11/");
    char *text = slurp(file);
    sq_query *q = NULL;
    sq_parse_error err;
    cust_status st;
    count++;
    if (!ok(text != NULL, "%s reads", file)) {
      continue;
    }
    st = sq_parse(text, action, &q, &err);
    if (is_neg) {
      if (!ok(st == CUST_ERR_INVALID && err.line > 0 && err.col > 0 && err.message[0] != '\0',
              "%s is rejected with a place", shown)) {
        tap_diag("status %d", (int)st);
      }
    } else if (!ok(st == CUST_OK, "%s parses", shown)) {
      tap_diag("line %u col %u: %s", err.line, err.col, err.message);
    }
    w3c_oom_bad += oom_sweep(text, &w3c_oom_allocs);
    sq_query_free(q);
    free(text);
  }
  manifest_free(&m);
  return count;
}

static void test_w3c(void) {
  raptor_world *w = raptor_new_world();
  manifest top;
  int count = 0;
  raptor_world_open(w);
  if (!ok(manifest_read(w, W3C_DIR "/manifest-sparql11-query.ttl", &top),
          "the SPARQL 1.1 query manifest reads")) {
    raptor_free_world(w);
    return;
  }
  for (size_t k = 0; k < top.n; k++) {
    const char *o = top.t[k].o;
    if (strcmp(top.t[k].p, RDF "first") == 0 && strncmp(o, "file://", 7) == 0 &&
        strstr(o, "manifest") != NULL) {
      count += run_manifest(w, o + 7);
    }
  }
  manifest_free(&top);
  raptor_free_world(w);
  ok(count >= 328, "the manifests name %d query files", count);
  ok(w3c_oom_bad == 0 && w3c_oom_allocs > (unsigned long)count,
     "each of the %lu allocations made parsing them fails cleanly", w3c_oom_allocs);
}

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

#define PFX "PREFIX : <http://e/> PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> "
#define RDFNS "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

/* The recommendation's examples of 18.2.2.8 and 18.2.4, and the other
 * translations of 18.2, checked by hand. */
static void test_translations(void) {
  /* 18.2.2.8 */
  check_sse("18.2.2.8 one bgp", PFX "SELECT * { ?s ?p ?o }",
            "(project (?s ?p ?o) (bgp (triple ?s ?p ?o)))");
  check_sse("18.2.2.8 ; in a bgp", PFX "SELECT * { ?s :p1 ?v1 ; :p2 ?v2 }",
            "(project (?s ?v1 ?v2) (bgp (triple ?s <http://e/p1> ?v1) (triple ?s <http://e/p2> "
            "?v2)))");
  check_sse("18.2.2.8 union", PFX "SELECT * { { ?s :p1 ?v1 } UNION { ?s :p2 ?v2 } }",
            "(project (?s ?v1 ?v2) (union (bgp (triple ?s <http://e/p1> ?v1)) "
            "(bgp (triple ?s <http://e/p2> ?v2))))");
  check_sse("18.2.2.8 union is left-associative",
            PFX "SELECT ?s { { ?s :p1 ?v1 } UNION { ?s :p2 ?v2 } UNION { ?s :p3 ?v3 } }",
            "(project (?s) (union (union (bgp (triple ?s <http://e/p1> ?v1)) "
            "(bgp (triple ?s <http://e/p2> ?v2))) (bgp (triple ?s <http://e/p3> ?v3))))");
  check_sse("18.2.2.8 optional", PFX "SELECT ?s { ?s :p1 ?v1 OPTIONAL { ?s :p2 ?v2 } }",
            "(project (?s) (leftjoin (bgp (triple ?s <http://e/p1> ?v1)) "
            "(bgp (triple ?s <http://e/p2> ?v2))))");
  check_sse("18.2.2.8 two optionals",
            PFX "SELECT ?s { ?s :p1 ?v1 OPTIONAL { ?s :p2 ?v2 } OPTIONAL { ?s :p3 ?v3 } }",
            "(project (?s) (leftjoin (leftjoin (bgp (triple ?s <http://e/p1> ?v1)) "
            "(bgp (triple ?s <http://e/p2> ?v2))) (bgp (triple ?s <http://e/p3> ?v3))))");
  check_sse("18.2.2.8 optional with a filter",
            PFX "SELECT ?s { ?s :p1 ?v1 OPTIONAL { ?s :p2 ?v2 FILTER(?v1 < 3) } }",
            "(project (?s) (leftjoin (bgp (triple ?s <http://e/p1> ?v1)) "
            "(bgp (triple ?s <http://e/p2> ?v2)) (< ?v1 3)))");
  check_sse("18.2.2.8 a filter over the whole group",
            PFX "SELECT ?s { ?s :p1 ?v1 FILTER (?v1 < 3) OPTIONAL { ?s :p3 ?v3 } }",
            "(project (?s) (filter (< ?v1 3) (leftjoin (bgp (triple ?s <http://e/p1> ?v1)) "
            "(bgp (triple ?s <http://e/p3> ?v3)))))");
  check_sse("18.2.2.8 nested group joins", PFX "SELECT ?s { ?s :p ?o { ?s :q ?z } ?s :r ?w }",
            "(project (?s) (join (join (bgp (triple ?s <http://e/p> ?o)) "
            "(bgp (triple ?s <http://e/q> ?z))) (bgp (triple ?s <http://e/r> ?w))))");
  check_sse("empty group is the unit", "SELECT * {}", "(project () (table unit))");
  check_sse("a filter does not split a bgp",
            PFX "SELECT ?s { ?s :p ?o FILTER(?o) ?s :q ?z FILTER(?z) }",
            "(project (?s) (filter (exprlist ?o ?z) (bgp (triple ?s <http://e/p> ?o) "
            "(triple ?s <http://e/q> ?z))))");
  check_sse("minus", PFX "SELECT ?s { ?s :p ?o MINUS { ?s :q ?o } }",
            "(project (?s) (minus (bgp (triple ?s <http://e/p> ?o)) "
            "(bgp (triple ?s <http://e/q> ?o))))");
  check_sse("bind ends the join so far", PFX "SELECT ?z { ?s :p ?o BIND(?o + 1 AS ?z) ?s :q ?z }",
            "(project (?z) (join (extend ((?z (+ ?o 1))) (bgp (triple ?s <http://e/p> ?o))) "
            "(bgp (triple ?s <http://e/q> ?z))))");
  check_sse("graph", PFX "SELECT * { GRAPH ?g { ?s :p ?o } GRAPH :g1 { ?s :q ?z } }",
            "(project (?g ?s ?o ?z) (join (graph ?g (bgp (triple ?s <http://e/p> ?o))) "
            "(graph <http://e/g1> (bgp (triple ?s <http://e/q> ?z)))))");
  check_sse("inline values", PFX "SELECT * { VALUES (?x ?y) { (:a 1) (UNDEF \"b\") } ?x :p ?y }",
            "(project (?x ?y) (join (table (vars ?x ?y) (row [?x <http://e/a>] [?y 1]) "
            "(row [?y \"b\"])) (bgp (triple ?x <http://e/p> ?y))))");
  check_sse("trailing values join before the select expressions",
            PFX "SELECT ?x (STR(?x) AS ?n) { ?x :p ?y } VALUES ?x { :a :b }",
            "(project (?x ?n) (extend ((?n (str ?x))) (join (bgp (triple ?x <http://e/p> ?y)) "
            "(table (vars ?x) (row [?x <http://e/a>]) (row [?x <http://e/b>])))))");
  check_sse("sub-select",
            PFX "SELECT ?x ?c { ?x :p ?y { SELECT ?x (COUNT(*) AS ?c) { ?x :q ?z } "
                "GROUP BY ?x LIMIT 5 } }",
            "(project (?x ?c) (join (bgp (triple ?x <http://e/p> ?y)) (slice _ 5 (project (?x ?c) "
            "(extend ((?c ?.agg0)) (group (?x) ((?.agg0 (count))) "
            "(bgp (triple ?x <http://e/q> ?/z))))))))");
  check_sse("a sub-select's own variables are not the ones around it",
            PFX "SELECT ?x { GRAPH ?g { { SELECT ?x { ?x ?p ?g { SELECT ?p { ?p :q ?g } } } } } }",
            "(project (?x) (graph ?g (project (?x) (join (bgp (triple ?x ?/p ?/g)) "
            "(project (?/p) (bgp (triple ?/p <http://e/q> ?//g)))))))");
  /* 18.2.4.1: the recommendation's grouping example */
  check_sse("18.2.4.1 group and aggregates",
            "PREFIX rdf: <" RDFNS "> SELECT (SUM(?val) AS ?sum) (COUNT(?a) AS ?count) "
            "WHERE { ?a rdf:value ?val } GROUP BY ?a",
            "(project (?sum ?count) (extend ((?count ?.agg1)) (extend ((?sum ?.agg0)) "
            "(group (?a) ((?.agg0 (sum ?val)) (?.agg1 (count ?a))) "
            "(bgp (triple ?a <" RDFNS "value> ?val))))))");
  check_sse("18.2.4.1 having shares the aggregate",
            PFX "SELECT ?x (AVG(?y) AS ?avg) { ?x :p ?y } GROUP BY ?x HAVING (AVG(?y) > 10)",
            "(project (?x ?avg) (extend ((?avg ?.agg0)) (filter (> ?.agg0 10) "
            "(group (?x) ((?.agg0 (avg ?y))) (bgp (triple ?x <http://e/p> ?y))))))");
  check_sse("implicit group", PFX "SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s ?p ?o }",
            "(project (?n) (extend ((?n ?.agg0)) (group () ((?.agg0 (count distinct ?s))) "
            "(bgp (triple ?s ?p ?o)))))");
  check_sse("group by a named expression, group_concat separator, order by an aggregate",
            PFX "SELECT ?k (GROUP_CONCAT(?o; SEPARATOR=\", \") AS ?all) { ?s :p ?o } "
                "GROUP BY (STRLEN(?o) AS ?k) ORDER BY DESC(COUNT(*)) ?k",
            "(project (?k ?all) (order ((desc ?.agg1) ?k) (extend ((?all ?.agg0)) "
            "(group ((?k (strlen ?o))) ((?.agg0 (group_concat ?o \", \")) (?.agg1 (count))) "
            "(bgp (triple ?s <http://e/p> ?o))))))");
  check_sse("18.2.4 modifiers: order, project, distinct, slice",
            PFX "SELECT DISTINCT ?s { ?s :p ?o } ORDER BY DESC(?o) ?s LIMIT 10 OFFSET 5",
            "(slice 5 10 (distinct (project (?s) (order ((desc ?o) ?s) "
            "(bgp (triple ?s <http://e/p> ?o))))))");
  check_sse("reduced and offset alone", PFX "SELECT REDUCED ?s { ?s :p ?o } OFFSET 3",
            "(slice 3 _ (reduced (project (?s) (bgp (triple ?s <http://e/p> ?o)))))");
  /* paths */
  check_sse("simple paths become triples", PFX "SELECT ?y { ?x :p/^:q/:r ?y }",
            "(project (?y) (bgp (triple ?x <http://e/p> ?.p0) (triple ?.p1 <http://e/q> ?.p0) "
            "(triple ?.p1 <http://e/r> ?y)))");
  check_sse("path precedence",
            PFX "SELECT ?y { ?x :a|:b/:c* ?y . ?y !(:d|^:e) ?z . ?z ^(:f+)? ?w }",
            "(project (?y) (join (join (path ?x (alt <http://e/a> (seq <http://e/b> "
            "(path* <http://e/c>))) ?y) (path ?y (notoneof <http://e/d> (reverse <http://e/e>)) "
            "?z)) (path ?w (path? (path+ <http://e/f>)) ?z)))");
  check_sse("a path between triples keeps the order",
            PFX "SELECT ?y { ?x :p ?y . ?y :q+ ?z . ?z a :C }",
            "(project (?y) (join (join (bgp (triple ?x <http://e/p> ?y)) (path ?y "
            "(path+ <http://e/q>) ?z)) (bgp (triple ?z <" RDFNS "type> <http://e/C>))))");
  /* collections and blank nodes */
  check_sse("collection", PFX "SELECT ?x { ?x :p (1 ?y) }",
            "(project (?x) (bgp (triple ?.b0 <" RDFNS "first> 1) (triple ?.b0 <" RDFNS
            "rest> ?.b1) (triple ?.b1 <" RDFNS "first> ?y) (triple ?.b1 <" RDFNS "rest> <" RDFNS
            "nil>) (triple ?x <http://e/p> ?.b0)))");
  check_sse("empty collection is rdf:nil", PFX "ASK { ?x :p () }",
            "(bgp (triple ?x <http://e/p> <" RDFNS "nil>))");
  check_sse("blank node property list",
            PFX "SELECT ?x { [ :p ?x ; :q [ :r 2 ] ] :s _:l . _:l :t [] }",
            "(project (?x) (bgp (triple ?.b0 <http://e/p> ?x) (triple ?.b1 <http://e/r> 2) "
            "(triple ?.b0 <http://e/q> ?.b1) (triple ?.b0 <http://e/s> ?_:l) "
            "(triple ?_:l <http://e/t> ?.b2)))");
  check_sse("a subject blank node list alone", PFX "ASK { [ :p 1 ] }",
            "(bgp (triple ?.b0 <http://e/p> 1))");
  /* literals and expressions */
  check_sse("literal forms",
            PFX "ASK { ?s :p 'a', \"b\"@en-GB, '''c\nd''', \"\"\"e\"f\"\"\", \"\\u00e9\\t\"^^:dt, "
                "-1, +2.5, 1e3, true, FALSE }",
            "(bgp (triple ?s <http://e/p> \"a\") (triple ?s <http://e/p> \"b\"@en-GB) "
            "(triple ?s <http://e/p> \"c\\nd\") (triple ?s <http://e/p> \"e\\\"f\") "
            "(triple ?s <http://e/p> \"\xc3\xa9\\t\"^^<http://e/dt>) (triple ?s <http://e/p> -1) "
            "(triple ?s <http://e/p> +2.5) (triple ?s <http://e/p> 1e3) "
            "(triple ?s <http://e/p> true) (triple ?s <http://e/p> false))");
  check_sse("operator precedence",
            "ASK { FILTER(!?a || ?b && ?c = 1 + 2 * -?d && ?e NOT IN (1, 2) || ?f IN ()) }",
            "(filter (|| (|| (! ?a) (&& (&& ?b (= ?c (+ 1 (* 2 (- ?d))))) (notin ?e 1 2))) "
            "(in ?f)) (table unit))");
  check_sse("built-ins, casts, exists",
            PFX "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> "
                "ASK { ?s :p ?o FILTER(regex(?o, \"a\", \"i\") && BOUND(?s) && "
                "xsd:integer(?o) > SUBSTR(?o, 2) && isURI(?s) && IF(?o, COALESCE(?x, 1), "
                "REPLACE(?o, \"a\", \"b\")) && NOT EXISTS { ?s :q ?o } && EXISTS { } ) }",
            "(filter (&& (&& (&& (&& (&& (&& (regex ?o \"a\" \"i\") (bound ?s)) "
            "(> (<http://www.w3.org/2001/XMLSchema#integer> ?o) (substr ?o 2))) (isiri ?s)) "
            "(if ?o (coalesce ?x 1) (replace ?o \"a\" \"b\"))) "
            "(notexists (bgp (triple ?s <http://e/q> ?o)))) (exists (table unit))) "
            "(bgp (triple ?s <http://e/p> ?o)))");
  check_sse("keywords are case-insensitive, comments are skipped",
            "prefix : <http://e/> # a comment\nselect distinct ?s where { ?s a :C # more\n "
            "optional { ?s :p ?o } filter(bound(?o)) } order by ?s limit 1",
            "(slice _ 1 (distinct (project (?s) (order (?s) (filter (bound ?o) "
            "(leftjoin (bgp (triple ?s <" RDFNS "type> <http://e/C>)) "
            "(bgp (triple ?s <http://e/p> ?o))))))))");
  check_sse("base and relative IRIs",
            "BASE <http://a/b/c/d;p?q> PREFIX x: <y/> SELECT * { <g> <../g> x:z . <//g2> <?y> "
            "<#s> }",
            "(project () (bgp (triple <http://a/b/c/g> <http://a/b/g> <http://a/b/c/y/z>) "
            "(triple <http://g2> <http://a/b/c/d;p?y> <http://a/b/c/d;p?q#s>)))");
  check_sse("a byte order mark is skipped",
            "\xEF\xBB\xBF"
            "ASK { ?s ?p 1 }",
            "(bgp (triple ?s ?p 1))");
  check_sse("construct where", PFX "CONSTRUCT WHERE { ?s :p ?o }",
            "(bgp (triple ?s <http://e/p> ?o))");
  check_sse("describe", PFX "DESCRIBE ?s :x { ?s :p ?o }",
            "(project (?s) (bgp (triple ?s <http://e/p> ?o)))");
}

static void test_templates(void) {
  sq_query *q = NULL;
  sq_parse_error err;
  if (!ok(sq_parse("CONSTRUCT WHERE { _:b <http://e/p> ?o }", NULL, &q, &err) == CUST_OK,
          "CONSTRUCT WHERE with a blank node parses")) {
    return;
  }
  const sq_triple *t = &q->construct[0], *w = &q->root->triples[0];
  ok(q->nconstruct == 1 && q->root->kind == SQ_N_BGP && t->o.var == w->o.var,
     "the template's variables are the pattern's");
  ok(t->s.var >= 0 && w->s.var >= 0 && t->s.var != w->s.var && q->vars[t->s.var].is_hidden,
     "its blank node is the template's own, fresh per solution");
  sq_query_free(q);
  q = NULL;
  if (!ok(sq_parse("CONSTRUCT { _:x <http://e/p> ?o . [] <http://e/q> _:x } WHERE { _:x ?p ?o }",
                   NULL, &q, &err) == CUST_OK,
          "a template label may also appear in the pattern")) {
    return;
  }
  ok(q->nconstruct == 2 && q->construct[0].s.var == q->construct[1].o.var &&
         q->construct[0].s.var != q->root->triples[0].s.var,
     "template labels are not the pattern's");
  sq_query_free(q);
}

/* RFC 3986 section 5.4: every example of reference resolution */
static void test_iri_resolution(void) {
  static const char *const cases[][2] = {
    { "g:h", "g:h" },
    { "g", "http://a/b/c/g" },
    { "./g", "http://a/b/c/g" },
    { "g/", "http://a/b/c/g/" },
    { "/g", "http://a/g" },
    { "//g", "http://g" },
    { "?y", "http://a/b/c/d;p?y" },
    { "g?y", "http://a/b/c/g?y" },
    { "#s", "http://a/b/c/d;p?q#s" },
    { "g#s", "http://a/b/c/g#s" },
    { "g?y#s", "http://a/b/c/g?y#s" },
    { ";x", "http://a/b/c/;x" },
    { "g;x", "http://a/b/c/g;x" },
    { "g;x?y#s", "http://a/b/c/g;x?y#s" },
    { "", "http://a/b/c/d;p?q" },
    { ".", "http://a/b/c/" },
    { "./", "http://a/b/c/" },
    { "..", "http://a/b/" },
    { "../", "http://a/b/" },
    { "../g", "http://a/b/g" },
    { "../..", "http://a/" },
    { "../../", "http://a/" },
    { "../../g", "http://a/g" },
    { "../../../g", "http://a/g" },
    { "../../../../g", "http://a/g" },
    { "/./g", "http://a/g" },
    { "/../g", "http://a/g" },
    { "g.", "http://a/b/c/g." },
    { ".g", "http://a/b/c/.g" },
    { "g..", "http://a/b/c/g.." },
    { "..g", "http://a/b/c/..g" },
    { "./../g", "http://a/b/g" },
    { "./g/.", "http://a/b/c/g/" },
    { "g/./h", "http://a/b/c/g/h" },
    { "g/../h", "http://a/b/c/h" },
    { "g;x=1/./y", "http://a/b/c/g;x=1/y" },
    { "g;x=1/../y", "http://a/b/c/y" },
    { "g?y/./x", "http://a/b/c/g?y/./x" },
    { "g?y/../x", "http://a/b/c/g?y/../x" },
    { "g#s/./x", "http://a/b/c/g#s/./x" },
    { "g#s/../x", "http://a/b/c/g#s/../x" },
    { "http:g", "http:g" },
  };
  int bad = 0;
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    char text[256], want[256];
    sq_parse_error err;
    char *got;
    snprintf(text, sizeof text, "BASE <http://a/b/c/d;p?q> ASK { <%s> <http://x/p> 1 }",
             cases[k][0]);
    snprintf(want, sizeof want, "(bgp (triple <%s> <http://x/p> 1))", cases[k][1]);
    got = sse_of(text, &err);
    if (got == NULL || strcmp(got, want) != 0) {
      bad++;
      tap_diag("<%s>: got %s, expected <%s>", cases[k][0], got ? got : err.message, cases[k][1]);
    }
    free(got);
  }
  ok(bad == 0, "the %zu reference resolutions of RFC 3986 5.4", sizeof cases / sizeof cases[0]);
}

/* what a query says besides its algebra */
static void test_query_fields(void) {
  sq_query *q = NULL;
  sq_parse_error err;
  if (ok(sq_parse("BASE <http://b/> SELECT ?b ?a FROM <g1> FROM NAMED <g2> FROM NAMED <g3> "
                  "{ ?a ?p ?b }",
                  NULL, &q, &err) == CUST_OK,
         "SELECT with a dataset parses")) {
    ok(q->form == SQ_SELECT && q->nresult == 2 &&
           strcmp(q->vars[q->result_vars[0]].name, "b") == 0 &&
           strcmp(q->vars[q->result_vars[1]].name, "a") == 0,
       "the columns in their order");
    ok(q->nfrom == 1 && strcmp(q->from[0], "http://b/g1") == 0 && q->nfrom_named == 2 &&
           strcmp(q->from_named[1], "http://b/g3") == 0,
       "FROM and FROM NAMED, resolved");
    ok(q->base != NULL && strcmp(q->base, "http://b/") == 0, "the base");
  }
  sq_query_free(q);
  q = NULL;
  if (ok(sq_parse("DESCRIBE * { ?x ?p [] OPTIONAL { ?x ?q ?y } }", NULL, &q, &err) == CUST_OK,
         "DESCRIBE * parses")) {
    ok(q->form == SQ_DESCRIBE && q->ndescribe == 4 && q->describe[0].var >= 0 &&
           strcmp(q->vars[q->describe[3].var].name, "y") == 0,
       "DESCRIBE * describes every visible variable in scope");
  }
  sq_query_free(q);
  q = NULL;
  if (ok(sq_parse("DESCRIBE <http://e/a>", NULL, &q, &err) == CUST_OK,
         "DESCRIBE of an IRI alone parses")) {
    ok(q->ndescribe == 1 && q->describe[0].var < 0 &&
           strcmp(q->describe[0].term.value, "http://e/a") == 0 && q->root->kind == SQ_N_UNIT,
       "its target and an empty pattern");
  }
  sq_query_free(q);
  q = NULL;
  if (ok(sq_parse("ASK { ?s ?p \"\\U0001F600\" }", NULL, &q, &err) == CUST_OK,
         "\\U escapes parse")) {
    ok(q->form == SQ_ASK && q->nresult == 0 &&
           strcmp(q->root->triples[0].o.term.value, "\xf0\x9f\x98\x80") == 0,
       "\\U0001F600 is its UTF-8");
  }
  sq_query_free(q);
}

static void check_error(const char *name, const char *text, sq_parse_kind kind, unsigned line,
                        unsigned col, const char *needle) {
  sq_query *q = NULL;
  sq_parse_error err;
  cust_status st = sq_parse(text, NULL, &q, &err);
  int good = st == CUST_ERR_INVALID && q == NULL && err.kind == kind && err.line == line &&
             err.col == col && strstr(err.message, needle) != NULL;
  if (!ok(good, "error: %s", name)) {
    tap_diag("status %d kind %d at %u:%u: %s", (int)st, (int)err.kind, err.line, err.col,
             err.message);
  }
  sq_query_free(q);
}

static void test_errors(void) {
  sq_query *q = NULL;
  sq_parse_error err;
  check_error("an unfinished triple", "SELECT * WHERE {\n  ?s ?p ?o .\n  ?s ?q }", SQ_PARSE_SYNTAX,
              3, 9, "expected a variable, an IRI, a literal or a blank node, found '}'");
  check_error("a missing dot", "SELECT * {\n ?s ?p ?o ?x ?y ?z }", SQ_PARSE_SYNTAX, 2, 11,
              "expected '.' between triple patterns or '}' to close the group opened at line 1, "
              "found '?x'");
  check_error("the end of the query", "SELECT * { ?s ?p ?o ", SQ_PARSE_SYNTAX, 1, 21,
              "found the end of the query");
  check_error("columns count characters, not bytes", "SELECT * { ?s ?p \"\xc3\xa9\xc3\xa9\" ]",
              SQ_PARSE_SYNTAX, 1, 23, "found ']'");
  check_error("an undeclared prefix", "SELECT * {\n\tex:a ?p ?o }", SQ_PARSE_SYNTAX, 2, 2,
              "prefix 'ex:' is not declared");
  check_error("a well-known undeclared prefix", "SELECT * { ?s ?p ?o FILTER(?o > xsd:date(?s)) }",
              SQ_PARSE_SYNTAX, 1, 33,
              "add PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> before the query");
  check_error("an unterminated string", "SELECT * { ?s ?p 'abc }", SQ_PARSE_SYNTAX, 1, 18,
              "unterminated string");
  check_error("a bad character", "SELECT * { ?s ?p ?o ~ }", SQ_PARSE_SYNTAX, 1, 21,
              "unexpected character '~'");
  check_error("arity", "SELECT * { FILTER(STRLEN(?a, ?b)) }", SQ_PARSE_SYNTAX, 1, 19,
              "STRLEN takes 1 argument, found 2");
  check_error("arity of a range", "SELECT * { FILTER(REGEX(?a)) }", SQ_PARSE_SYNTAX, 1, 19,
              "REGEX takes 2 to 3 arguments, found 1");
  check_error("an aggregate in a filter", "SELECT * { ?s ?p ?o FILTER(COUNT(?s) > 1) }",
              SQ_PARSE_SYNTAX, 1, 28, "aggregate COUNT is not allowed here");
  check_error("a nested aggregate", "SELECT (SUM(COUNT(?s)) AS ?n) { ?s ?p ?o }", SQ_PARSE_SYNTAX,
              1, 13, "not allowed here");
  check_error("update", "PREFIX : <http://e/>\nINSERT DATA { :a :b :c }", SQ_PARSE_UPDATE, 2, 1,
              "SPARQL Update (INSERT) is not allowed");
  check_error("load", "LOAD <http://e/x>", SQ_PARSE_UPDATE, 1, 1, "(LOAD)");
  check_error("service", "SELECT * { ?s ?p ?o SERVICE <http://e/> { ?s ?p ?o } }", SQ_PARSE_REFUSED,
              1, 21, "SERVICE is refused: this endpoint makes no outbound requests");
  check_error("BIND to an in-scope variable", "SELECT * { ?s ?p ?o BIND(1 AS ?o) }",
              SQ_PARSE_SYNTAX, 1, 31, "BIND assigns ?o");
  check_error("a select expression over an in-scope variable", "SELECT (1 AS ?o) { ?s ?p ?o }",
              SQ_PARSE_SYNTAX, 1, 14, "?o is already bound");
  check_error("a non-grouped projection", "SELECT ?s ?p { ?s ?p ?o } GROUP BY ?s", SQ_PARSE_SYNTAX,
              1, 11, "?p is selected but neither grouped nor aggregated");
  check_error("a blank node label in two bgps", "SELECT * { _:a ?p ?o OPTIONAL { _:a ?q ?z } }",
              SQ_PARSE_SYNTAX, 1, 33,
              "blank node label '_:a' is used in two basic graph patterns (first at line 1, "
              "column 12)");
  check_error("a blank node label across a union", "SELECT * { { _:a ?p ?o } UNION { _:a ?q ?z } }",
              SQ_PARSE_SYNTAX, 1, 34, "two basic graph patterns");
  check_error("a blank node label after a group", "SELECT * { _:a ?p ?o { ?x ?y ?z } _:a ?q ?w }",
              SQ_PARSE_SYNTAX, 1, 35, "two basic graph patterns");
  check_error("trailing text", "ASK {} }", SQ_PARSE_SYNTAX, 1, 8,
              "expected the end of the query, found '}'");
  check_error("a short VALUES row", "SELECT * { VALUES (?a ?b) { (1) } }", SQ_PARSE_SYNTAX, 1, 29,
              "has 1 value for 2 variables");
  check_error("a path in a CONSTRUCT template", "CONSTRUCT { ?s <p>/<q> ?o } { ?s ?p ?o }",
              SQ_PARSE_SYNTAX, 1, 16, "property path is not allowed");
  check_error("no query form", "PREFIX : <http://e/> FOO", SQ_PARSE_SYNTAX, 1, 22,
              "expected SELECT, CONSTRUCT, DESCRIBE or ASK, found 'FOO'");
  ok(sq_parse("SELECT * { _:a ?p ?o FILTER(?o) _:a ?q ?z }", NULL, &q, &err) == CUST_OK,
     "a blank node label is shared across a FILTER in one basic graph pattern");
  sq_query_free(q);
}

static void test_depth(void) {
  cust_buf b;
  sq_query *q = NULL;
  sq_parse_error err;
  static const char *const opens[] = { "SELECT * ", "ASK { FILTER(", "ASK { ?s ?p ", "ASK { ?s " };
  static const char *const units[] = { "{ ", "(", "[ ?p ", "(" };
  static const char *const names[] = { "groups", "parentheses", "blank nodes", "path groups" };
  cust_buf_init(&b);
  cust_buf_puts(&b, "SELECT * ");
  for (int k = 0; k < 100; k++) {
    cust_buf_puts(&b, "{ ");
  }
  for (int k = 0; k < 100; k++) {
    cust_buf_puts(&b, "} ");
  }
  ok(sq_parse(b.data, NULL, &q, &err) == CUST_OK, "100 nested groups parse");
  sq_query_free(q);
  for (size_t t = 0; t < sizeof opens / sizeof opens[0]; t++) {
    q = NULL;
    cust_buf_reset(&b);
    cust_buf_puts(&b, opens[t]);
    for (int k = 0; k < 100000; k++) {
      cust_buf_puts(&b, units[t]);
    }
    ok(sq_parse(b.data, NULL, &q, &err) == CUST_ERR_INVALID && q == NULL &&
           err.kind == SQ_PARSE_REFUSED && err.line == 1 && err.col > 1 &&
           strstr(err.message, "nests deeper than 256") != NULL,
       "100000 nested %s are refused at depth 256", names[t]);
  }
  cust_buf_reset(&b);
  cust_buf_puts(&b, "SELECT * ");
  for (int k = 0; k < 1000; k++) {
    cust_buf_puts(&b, "{ ");
  }
  sq_parse(b.data, NULL, &q, &err);
  is_int(err.col, 10 + 2 * 256, "the refusal points at the group that goes too deep");
  cust_buf_release(&b);
}

static void test_substitute(void) {
  sq_query *q = NULL;
  sq_parse_error err;
  cust_buf b;
  cust_term zone = cust_term_iri("http://e/z1");
  cust_status st = sq_parse("PREFIX : <http://e/> SELECT ?x ?zone { ?x :inZone ?zone "
                            "FILTER(BOUND(?zone) && ?zone != :y) }",
                            NULL, &q, &err);
  if (!ok(st == CUST_OK, "a canned query parses")) {
    return;
  }
  is_int(sq_query_substitute(q, "zone", &zone), CUST_OK, "substitute ?zone");
  is_int(sq_query_substitute(q, "nope", &zone), CUST_ERR_NOTFOUND, "an unknown name");
  cust_buf_init(&b);
  ok(sq_query_write_sse(&b, q) == CUST_OK, "write the substituted query");
  is_str(b.data,
         "(project (?x ?zone) (extend ((?zone <http://e/z1>)) (filter (&& true "
         "(!= <http://e/z1> <http://e/y>)) (bgp (triple ?x <http://e/inZone> <http://e/z1>)))))",
         "the value replaces the variable and its column answers it");
  is_int(q->nresult, 2, "the columns stay");
  cust_buf_release(&b);
  sq_query_free(q);
  q = NULL;
  ok(sq_parse("SELECT ?x { ?x <http://e/p> ?zone { SELECT ?y { ?y <http://e/q> ?zone } } }", NULL,
              &q, &err) == CUST_OK,
     "a parameter inside a sub-select parses");
  is_int(sq_query_substitute(q, "zone", &zone), CUST_OK, "substitute it");
  cust_buf_init(&b);
  sq_query_write_sse(&b, q);
  is_str(b.data,
         "(project (?x) (join (bgp (triple ?x <http://e/p> <http://e/z1>)) (project (?y) "
         "(bgp (triple ?y <http://e/q> <http://e/z1>)))))",
         "the sub-select's own copy of the parameter takes the value too");
  cust_buf_release(&b);
  sq_query_free(q);
  q = NULL;
  ok(sq_parse("SELECT ?y { BIND(1 AS ?y) }", NULL, &q, &err) == CUST_OK, "a BIND parses");
  is_int(sq_query_substitute(q, "y", &zone), CUST_ERR_INVALID,
         "a variable the query assigns cannot be a parameter");
  sq_query_free(q);
}

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void test_canned(void) {
  static const char *const names[] = { "compliance-no-final-report",
                                       "compliance-paid-not-delivered",
                                       "compliance-revoked-still-used",
                                       "compliance-unregistered-inputs",
                                       "compliance-used-before-registered",
                                       "execution",
                                       "impact",
                                       "lineage",
                                       "provider",
                                       "rejections",
                                       "usage-datasets",
                                       "usage-services",
                                       "usage-zones",
                                       "zone" };
  enum { N = sizeof names / sizeof names[0], ROUNDS = 200 };
  char *texts[N];
  double t0, per;
  for (size_t k = 0; k < N; k++) {
    char path[512];
    sq_query *q = NULL;
    sq_parse_error err;
    memset(&err, 0, sizeof err);
    snprintf(path, sizeof path, CUST_SRCDIR "/queries/%s.rq", names[k]);
    texts[k] = slurp(path);
    if (!ok(texts[k] != NULL && sq_parse(texts[k], NULL, &q, &err) == CUST_OK,
            "canned query %s parses", names[k])) {
      tap_diag("%u:%u %s", err.line, err.col, err.message);
    }
    sq_query_free(q);
  }
  t0 = now_us();
  for (int r = 0; r < ROUNDS; r++) {
    for (size_t k = 0; k < N; k++) {
      sq_query *q = NULL;
      sq_parse_error err;
      if (texts[k] != NULL && sq_parse(texts[k], NULL, &q, &err) == CUST_OK) {
        sq_query_free(q);
      }
    }
  }
  per = (now_us() - t0) / (ROUNDS * (double)N);
  /* microseconds, even under the sanitizers */
  ok(per < 1000.0, "a canned query parses in %.1f us", per);
  for (size_t k = 0; k < N; k++) {
    free(texts[k]);
  }
}

/* Every allocation of a parse may fail: the answer is then CUST_ERR_NOMEM
 * (never a syntax error, a crash or a leak). */
static void test_oom(void) {
  const char *text =
      "PREFIX : <http://e/> SELECT ?x (COUNT(DISTINCT ?y) AS ?n) WHERE { ?x :p/:q* ?y ; "
      ":r [ :s (1 2) ] OPTIONAL { ?y :t ?z FILTER(?z > 1) } MINUS { ?x :u 'v'@en } "
      "BIND(STR(?x) AS ?w) VALUES ?k { 1 UNDEF } FILTER NOT EXISTS { ?x :no ?k } "
      "{ SELECT ?x { ?x :in ?g } } } GROUP BY ?x HAVING (COUNT(*) > 1) ORDER BY DESC(?n) LIMIT 3";
  unsigned long n = 0;
  int bad = oom_sweep(text, &n);
  ok(bad == 0 && n > 10, "each of the %lu allocations of a parse fails cleanly", n);
}

int main(void) {
  test_w3c();
  test_translations();
  test_templates();
  test_iri_resolution();
  test_query_fields();
  test_errors();
  test_depth();
  test_substitute();
  test_canned();
  test_oom();
  return done_testing();
}
