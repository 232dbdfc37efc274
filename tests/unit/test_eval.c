/* Unit tests of the evaluator: queries (parsed from text) over a
 * small store with their expected answers (joins, OPTIONAL, UNION, MINUS,
 * GRAPH, filters with errors, aggregates, ORDER BY with LIMIT, DISTINCT,
 * paths, EXISTS, VALUES, subqueries), and the executor:
 * CONSTRUCT, DESCRIBE, errors, the result limit and the deadline. */
#include "config.h"

#include <unistd.h>

#include "sparql/eval.h"
#include "sparql/sparql_int.h"
#include "tap.h"
#include "teststore.h"

static char db_path[512];
static cust_store *store;

/* a knows b knows c knows a (a cycle), d knows e; names, ages ("old" is not
 * a number), a's address a blank node; a knows b in both graphs. */
static int make_store(void) {
  cust_store *s = teststore_new("test_eval", db_path, sizeof db_path);
  if (s == NULL) {
    return 0;
  }
  cust_store_begin(s);
  cust_term a = cust_term_iri(EX "a"), b = cust_term_iri(EX "b"), c = cust_term_iri(EX "c");
  cust_term d = cust_term_iri(EX "d"), e = cust_term_iri(EX "e");
  teststore_add(s, a, EX "knows", b, G1);
  teststore_add(s, b, EX "knows", c, G1);
  teststore_add(s, c, EX "knows", a, G1);
  teststore_add(s, a, EX "knows", b, G2);
  teststore_add(s, d, EX "knows", e, G2);
  teststore_add(s, a, EX "name", cust_term_literal("alice", NULL, NULL), G1);
  teststore_add(s, b, EX "name", cust_term_literal("bob", NULL, NULL), G2);
  teststore_add(s, a, EX "age", cust_term_literal("30", NULL, XSDI), G1);
  teststore_add(s, b, EX "age", cust_term_literal("20", NULL, XSDI), G1);
  teststore_add(s, c, EX "age", cust_term_literal("old", NULL, NULL), G1);
  teststore_add(s, a, EX "addr", cust_term_blank("x1"), G1);
  teststore_add(s, cust_term_blank("x1"), EX "city", cust_term_literal("Paris", "fr", NULL), G1);
  cust_status st = cust_store_commit(s);
  cust_store_close(s);
  return st == CUST_OK;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The answer of a SELECT (or ASK: "true"/"false") as text: each row its
 * result columns in N-Triples form ("-" unbound) joined by ' ', rows joined
 * by " | ", sorted unless `is_ordered`. "ERROR <status>" when it fails. */
static char answer[8192];

static const char *run_ds(const char *text, int is_ordered, const sq_graphs *ds,
                          uint64_t deadline) {
  sq_query *q = NULL;
  sq_parse_error perr;
  sq_eval *e = NULL;
  cust_status st = sq_parse(text, NULL, &q, &perr);
  if (st != CUST_OK) {
    snprintf(answer, sizeof answer, "PARSE %u:%u %s", perr.line, perr.col, perr.message);
    return answer;
  }
  int began = 0;
  cust_store_read_begin(store, &began);
  st = sq_eval_new(store, q, ds, deadline, &e);
  char *rows[256];
  size_t nrows = 0;
  int has = 0;
  cust_buf b;
  cust_buf_init(&b);
  while (st == CUST_OK && (st = sq_eval_next(e, &has)) == CUST_OK && has && nrows < 256) {
    cust_buf_reset(&b);
    cust_buf_puts(&b, "");
    for (size_t i = 0; st == CUST_OK && i < q->nresult; i++) {
      cust_term t;
      st = sq_eval_term(e, sq_eval_id(e, q->result_vars[i]), &t);
      if (i > 0) {
        cust_buf_putc(&b, ' ');
      }
      if (t.kind == CUST_TERM_NONE) {
        cust_buf_putc(&b, '-');
      } else if (t.kind == CUST_TERM_BLANK) {
        cust_buf_puts(&b, "_:"); /* labels vary */
      } else {
        cust_term_write_nt(&b, &t);
      }
    }
    rows[nrows++] = strdup(b.data);
  }
  if (st == CUST_OK && q->form == SQ_ASK) {
    snprintf(answer, sizeof answer, "%s", nrows > 0 ? "true" : "false");
  } else if (st == CUST_OK) {
    if (!is_ordered) {
      qsort(rows, nrows, sizeof *rows, cmp_str);
    }
    answer[0] = '\0';
    for (size_t i = 0; i < nrows; i++) {
      if (i > 0) {
        strncat(answer, " | ", sizeof answer - strlen(answer) - 1);
      }
      strncat(answer, rows[i], sizeof answer - strlen(answer) - 1);
    }
  } else {
    snprintf(answer, sizeof answer, "ERROR %s", cust_strerror(st));
  }
  for (size_t i = 0; i < nrows; i++) {
    free(rows[i]);
  }
  cust_buf_release(&b);
  sq_eval_free(e);
  cust_store_read_end(store, began);
  sq_query_free(q);
  return answer;
}

static const char *run(const char *text) {
  return run_ds(text, 0, NULL, 0);
}

static const char *run_ordered(const char *text) {
  return run_ds(text, 1, NULL, 0);
}

/* `exp` with its rows (separated by " | ") sorted, as run() sorts them. */
static char expected[8192];

static const char *sorted(const char *exp) {
  char *copy = strdup(exp);
  char *rows[256];
  size_t n = 0;
  for (char *p = copy; p != NULL && n < 256;) {
    char *sep = strstr(p, " | ");
    if (sep != NULL) {
      *sep = '\0';
    }
    rows[n++] = p;
    p = sep != NULL ? sep + 3 : NULL;
  }
  qsort(rows, n, sizeof *rows, cmp_str);
  expected[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    if (i > 0) {
      strncat(expected, " | ", sizeof expected - strlen(expected) - 1);
    }
    strncat(expected, rows[i], sizeof expected - strlen(expected) - 1);
  }
  free(copy);
  return expected;
}

#define is_set(got, exp, name) is_str(got, sorted(exp), name)

#define A "<" EX "a>"
#define B "<" EX "b>"
#define C "<" EX "c>"
#define D "<" EX "d>"
#define E "<" EX "e>"
#define INT(n) "\"" #n "\"^^<" XSDI ">"

static void test_patterns(void) {
  is_set(run(PFX "SELECT ?n WHERE { ?x ex:knows ?y . ?y ex:name ?n }"), "\"alice\" | \"bob\"",
         "a join across patterns; a triple of two graphs once in the default graph");
  is_set(run(PFX "SELECT ?x ?n WHERE { ?x ex:age ?a OPTIONAL { ?x ex:name ?n } }"),
         A " \"alice\" | " B " \"bob\" | " C " -", "OPTIONAL leaves unbound what it lacks");
  is_set(run(PFX "SELECT ?x ?n WHERE { ?x ex:age ?a OPTIONAL { ?x ex:name ?n FILTER(?a < 25) } }"),
         A " - | " B " \"bob\" | " C " -", "OPTIONAL's filter sees both sides");
  is_set(run(PFX "SELECT ?x WHERE { { ?x ex:name \"alice\" } UNION { ?x ex:name \"bob\" } }"),
         A " | " B, "UNION");
  is_set(run(PFX "SELECT ?x WHERE { ?x ex:age ?a MINUS { ?x ex:name ?n } }"), C, "MINUS");
  is_set(run(PFX "SELECT ?x WHERE { ?x ex:age ?a MINUS { ?y ex:name ?n } }"), A " | " B " | " C,
         "MINUS without a shared variable removes nothing");
  is_set(run(PFX "SELECT ?x WHERE { ?x ex:nothing ?y }"), "", "a predicate the store lacks");
  is_set(run(PFX "SELECT ?y WHERE { ?x ex:knows ?x0 . ?x0 ex:knows ?y . ?y ex:knows ?x }"),
         A " | " B " | " C, "a three-pattern cycle");
  is_set(run(PFX "SELECT * WHERE { ex:a ex:knows ex:b }"), "", "a pattern without variables");
  is_set(run(PFX "ASK { ex:a ex:knows ex:b }"), "true", "ASK true");
  is_set(run(PFX "ASK { ex:a ex:knows ex:e }"), "false", "ASK false");
}

static void test_graphs(void) {
  is_set(run(PFX "SELECT ?g WHERE { GRAPH ?g { ex:b ex:name ?n } }"), "<" G2 ">", "GRAPH ?g");
  is_set(run(PFX "SELECT ?g (COUNT(*) AS ?c) WHERE { GRAPH ?g { ?s ex:knows ?o } } GROUP BY ?g"),
         "<" G1 "> " INT(3) " | <" G2 "> " INT(2), "GRAPH ?g counts per graph");
  is_set(run(PFX "SELECT ?s WHERE { GRAPH <" G2 "> { ?s ex:knows ?o } }"), A " | " D,
         "GRAPH <iri>");
  is_set(run(PFX "SELECT ?s WHERE { GRAPH <" EX "nope> { ?s ?p ?o } }"), "",
         "GRAPH of a graph the store lacks");
  is_set(run(PFX "SELECT ?g WHERE { GRAPH ?g { } }"), "<" G1 "> | <" G2 ">",
         "GRAPH ?g {} visits every named graph");
  is_set(run(PFX "SELECT ?g ?n WHERE { GRAPH ?g { ?x ex:knows ?y OPTIONAL { ?y ex:name ?n } } }"),
         "<" G1 "> - | <" G1 "> - | <" G1 "> \"alice\" | <" G2 "> \"bob\" | <" G2 "> -",
         "GRAPH ?g over an OPTIONAL reads each graph alone");
  is_set(run(PFX "SELECT ?s FROM <" G2 "> WHERE { ?s ex:knows ?o }"), A " | " D, "FROM");
  is_set(run(PFX "SELECT ?s FROM <" EX "nope> WHERE { ?s ex:knows ?o }"), "",
         "FROM a graph the store lacks is an empty graph");
  is_set(run(PFX "SELECT ?g FROM NAMED <" G1 "> WHERE { GRAPH ?g { ?s ex:knows ?o } }"),
         "<" G1 "> | <" G1 "> | <" G1 ">", "FROM NAMED limits GRAPH ?g");
  is_set(run(PFX "SELECT ?s FROM NAMED <" G1 "> WHERE { ?s ex:knows ?o }"), "",
         "FROM NAMED alone: the default graph is empty");
  const char *defs[] = { G2 };
  sq_graphs ds = { defs, 1, 1, NULL, 0, 0 };
  is_set(run_ds(PFX "SELECT ?s WHERE { ?s ex:knows ?o }", 0, &ds, 0), A " | " D,
         "default-graph-uri of the request");
}

static void test_filters(void) {
  is_set(run(PFX "SELECT ?x WHERE { ?x ex:age ?a FILTER(?a > 25) }"), A,
         "a comparison that is an error is false");
  is_set(run(PFX "SELECT ?x WHERE { ?x ex:age ?a FILTER(?a > 25 || ?a = \"old\") }"), A " | " C,
         "error || true is true");
  is_set(run(PFX "SELECT ?x WHERE { ?x ex:age ?a FILTER(!(?a > 25)) }"), B,
         "the negation of an error is an error");
  is_set(run(PFX "SELECT ?x WHERE { ?x ex:age ?a FILTER(?a > 25 && ?a = \"old\") }"), "",
         "false && error is false");
  is_set(run(PFX "SELECT ?x WHERE { ?x ex:age ?a FILTER(?nope) }"), "",
         "an unbound variable is an error");
  is_set(run(PFX "SELECT ?x WHERE { ?x ex:age ?a FILTER(?a IN (20, \"old\")) }"), B " | " C, "IN");
  is_set(run(PFX "SELECT ?x WHERE { ?x ex:age ?a FILTER(?a NOT IN (20, 30)) }"), C,
         "NOT IN: a string is not a number");
  is_set(run(PFX "SELECT ?x WHERE { ?x ex:age ?a FILTER(?a NOT IN (20, 1/0)) }"), "",
         "NOT IN: an error without a match is an error, a match is false");
  is_set(run(PFX "SELECT ?x WHERE { ?x ex:age ?a FILTER(?a IN (1/0)) }"), "",
         "IN: an error without a match is an error");
  is_set(run(PFX "SELECT ?x WHERE { ?x ex:age ?a FILTER(COALESCE(?a > 25, true)) }"), A " | " C,
         "COALESCE skips errors");
  is_set(run(PFX "SELECT ?x WHERE { ?x ex:age ?a OPTIONAL { ?x ex:name ?n } FILTER(!BOUND(?n)) }"),
         C, "BOUND");
  is_set(run(PFX "SELECT ?z WHERE { ex:a ex:age ?a BIND(?a + 1 AS ?z) }"), INT(31), "BIND");
  is_set(run(PFX "SELECT ?x ?z WHERE { ?x ex:age ?a BIND(?a * 2 AS ?z) }"),
         A " " INT(60) " | " B " " INT(40) " | " C " -", "a BIND that is an error leaves unbound");
  is_set(run(PFX "SELECT ?x WHERE { ?x ex:age ?a FILTER(IF(isNumeric(?a), ?a < 25, true)) }"),
         B " | " C, "IF");
}

static void test_aggregates(void) {
  is_set(run(PFX "SELECT (COUNT(*) AS ?c) WHERE { ?x ex:knows ?y }"), INT(4), "COUNT(*)");
  is_set(run(PFX "SELECT (COUNT(*) AS ?c) WHERE { ?x ex:nothing ?y }"), INT(0),
         "COUNT(*) over no solutions is 0");
  is_set(run(PFX "SELECT (COUNT(DISTINCT *) AS ?c) WHERE { { ?x ex:knows ?y } UNION "
                 "{ ?x ex:knows ?y } }"),
         INT(4), "COUNT(DISTINCT *)");
  is_set(run(PFX "SELECT (COUNT(*) AS ?c) WHERE { { ?x ex:knows ?y } UNION { ?x ex:knows ?y } }"),
         INT(8), "COUNT(*) counts duplicates");
  is_set(run(PFX "SELECT ?x (COUNT(?n) AS ?c) WHERE { ?x ex:age ?a OPTIONAL { ?x ex:name ?n } } "
                 "GROUP BY ?x"),
         A " " INT(1) " | " B " " INT(1) " | " C " " INT(0), "COUNT(?v) skips unbound");
  is_set(run(PFX "SELECT (SUM(?a) AS ?s) WHERE { ?x ex:age ?a FILTER(isNumeric(?a)) }"), INT(50),
         "SUM");
  is_set(run(PFX "SELECT ?y WHERE { ?x ex:knows ?y } GROUP BY ?y HAVING (COUNT(*) > 0)"),
         A " | " B " | " C " | " E, "GROUP BY with HAVING");
  is_set(run(PFX "SELECT ?k (COUNT(*) AS ?c) WHERE { ?x ex:knows ?y } GROUP BY (?x = ex:d AS ?k)"),
         "\"false\"^^<http://www.w3.org/2001/XMLSchema#boolean> " INT(
             3) " | \"true\"^^<http://www.w3.org/2001/XMLSchema#boolean> " INT(1),
         "GROUP BY an expression");
}

static void test_modifiers(void) {
  is_str(run_ordered(PFX "SELECT ?x WHERE { ?x ex:age ?a FILTER(isNumeric(?a)) } ORDER BY ?a"),
         B " | " A, "ORDER BY");
  is_str(run_ordered(PFX "SELECT ?x WHERE { ?x ex:age ?a FILTER(isNumeric(?a)) } "
                         "ORDER BY DESC(?a) LIMIT 1"),
         A, "ORDER BY DESC with LIMIT");
  is_str(run_ordered(PFX "SELECT ?x WHERE { ?x ex:age ?a FILTER(isNumeric(?a)) } "
                         "ORDER BY ?a LIMIT 1 OFFSET 1"),
         A, "ORDER BY with LIMIT and OFFSET");
  is_str(run_ordered(PFX "SELECT ?x ?a WHERE { ?b ?c ?d . ?e ?f ?g . ?h ?i ?j . ?x ex:age ?a "
                         "FILTER(isNumeric(?a)) } ORDER BY DESC(?a) LIMIT 3 OFFSET 1"),
         A " " INT(30) " | " A " " INT(30) " | " A " " INT(30),
         "ORDER BY with LIMIT over thousands of rows (top-k)");
  is_str(run_ordered(PFX "SELECT ?n WHERE { ?x ex:age ?a OPTIONAL { ?x ex:name ?n } } ORDER BY ?n"),
         "- | \"alice\" | \"bob\"", "unbound first in ORDER BY");
  is_set(run(PFX "SELECT DISTINCT ?x WHERE { ?x ex:knows ?y . ?y ex:knows ?z }"), A " | " B " | " C,
         "DISTINCT");
  is_set(run(PFX "SELECT (COUNT(*) AS ?c) WHERE { SELECT ?x WHERE { ?x ex:knows ?y } LIMIT 3 }"),
         INT(3), "LIMIT stops a subquery");
}

static void test_paths(void) {
  is_set(run(PFX "SELECT ?y WHERE { ex:a ex:knows+ ?y }"), A " | " B " | " C,
         "+ around a cycle, each node once");
  is_set(run(PFX "SELECT ?y WHERE { ex:a ex:knows* ?y }"), A " | " B " | " C, "*");
  is_set(run(PFX "SELECT ?y WHERE { ex:d ex:knows* ?y }"), D " | " E, "* from d");
  is_set(run(PFX "SELECT ?x WHERE { ?x ex:knows+ ex:a }"), A " | " B " | " C,
         "+ towards a fixed end");
  is_set(run(PFX "ASK { ex:zz ex:knows* ex:zz }"), "true",
         "zero-length path of a term the store lacks");
  is_set(run(PFX "ASK { ex:d ex:knows+ ex:a }"), "false", "no path");
  is_set(run(PFX "SELECT (COUNT(*) AS ?c) WHERE { ?x ex:knows+ ?y }"), INT(10),
         "+ with both ends free");
  is_set(run(PFX "SELECT ?x WHERE { ?x ex:knows* ?x . ?x ex:knows ?y }"), A " | " B " | " C " | " D,
         "* with the same variable at both ends");
  is_set(run(PFX "SELECT ?y WHERE { ex:a ex:knows/ex:knows ?y }"), C, "a sequence");
  is_set(run(PFX "SELECT ?y WHERE { ex:a ^ex:knows ?y }"), C, "an inverse");
  is_set(run(PFX "SELECT ?y WHERE { ex:a (ex:knows|ex:name) ?y }"), "\"alice\" | " B,
         "an alternative");
  is_set(run(PFX "SELECT ?y WHERE { ex:a ex:knows? ?y }"), A " | " B, "?");
  is_set(run(PFX "SELECT ?y WHERE { ex:a !(ex:knows|ex:addr) ?y }"), "\"alice\" | " INT(30),
         "a negated property set");
  is_set(run(PFX "SELECT ?y WHERE { ex:a !^ex:name ?y }"), C, "an inverse negated property set");
  is_set(run(PFX "SELECT ?y WHERE { ex:a (ex:knows/ex:knows)* ?y }"), A " | " B " | " C,
         "* of a sequence");
  is_set(run(PFX "SELECT ?c WHERE { ex:a ex:addr/ex:city ?c }"), "\"Paris\"@fr",
         "a sequence through a blank node");
}

static void test_exists_values_subqueries(void) {
  is_set(run(PFX "SELECT ?x WHERE { ?x ex:age ?a FILTER EXISTS { ?x ex:name ?n } }"), A " | " B,
         "EXISTS");
  is_set(run(PFX "SELECT ?x WHERE { ?x ex:age ?a FILTER NOT EXISTS { ?x ex:name ?n } }"), C,
         "NOT EXISTS");
  is_set(
      run(PFX "SELECT ?x WHERE { ?x ex:age ?a FILTER EXISTS { ?x ex:knows ?y FILTER(?a = 20) } }"),
      B, "EXISTS sees the solution inside its filters");
  is_set(run(PFX "SELECT ?x ?n WHERE { VALUES ?x { ex:a ex:c ex:zz } ?x ex:age ?a "
                 "OPTIONAL { ?x ex:name ?n } }"),
         A " \"alice\" | " C " -", "VALUES");
  is_set(run(PFX "SELECT ?v WHERE { VALUES ?v { \"new\" 7 } }"), INT(7) " | \"new\"",
         "VALUES of terms the store lacks");
  is_set(
      run(PFX "SELECT ?x ?y WHERE { ?x ex:knows ?y } VALUES (?x ?y) { (ex:a UNDEF) (UNDEF ex:e) }"),
      A " " B " | " D " " E, "VALUES with UNDEF");
  is_set(run(PFX "SELECT ?x ?c WHERE { ?x ex:name ?n { SELECT ?x (COUNT(?y) AS ?c) "
                 "WHERE { ?x ex:knows ?y } GROUP BY ?x } }"),
         A " " INT(1) " | " B " " INT(1), "a subquery joined by its projected variable");
  is_set(run(PFX "SELECT ?x ?y WHERE { ?x ex:name ?n { SELECT ?y WHERE { ?x ex:knows ?y } } }"),
         A " " A " | " A " " B " | " A " " C " | " A " " E " | " B " " A " | " B " " B " | " B " " C
           " | " B " " E,
         "a subquery's hidden variable is its own");
  is_set(run(PFX "SELECT ?x ?y WHERE { ?x ex:knows ?y FILTER(?y != ex:b) } LIMIT 10"),
         B " " C " | " C " " A " | " D " " E, "FILTER with !=");
}

/* ---- the deadline --------------------------------------------------------------------------- */

static void test_deadline(void) {
  is_str(run_ds(PFX "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", 0, NULL, 1),
         "ERROR timed out", "a deadline in the past stops the query");
  is_set(run_ds(PFX "SELECT ?y WHERE { ?x ex:knows ?y }", 0, NULL, cust_now_ms() + 60000),
         A " | " B " | " C " | " E, "a deadline in the future does not");
}

/* ---- the executor ---------------------------------------------------- */

static cust_sparql_result res;
static sq_exec *ex;

static const char *accept; /* the Accept header of the next runx */

static int runx(const char *query, const char *format, uint64_t max_results) {
  sq_request req;
  memset(&req, 0, sizeof req);
  req.query = query;
  req.format = format;
  req.accept = accept;
  req.max_results = max_results ? max_results : 1000;
  req.timeout_ms = 10000;
  cust_sparql_result_release(&res);
  cust_sparql_result_init(&res);
  sq_exec_run(ex, &req, &res);
  if (res.body.data == NULL) {
    cust_buf_append(&res.body, "", 0);
  }
  return res.http_status;
}

static int lines(const char *s) {
  int n = 0;
  for (; *s; s++) {
    n += *s == '\n';
  }
  return n;
}

static void test_exec(void) {
  is_int(runx(PFX "SELECT ?n WHERE { ?x ex:name ?n } ORDER BY ?n", "csv", 0), 200, "SELECT 200");
  is_str(res.body.data, "n\r\nalice\r\nbob\r\n", "SELECT as CSV");
  is_int(runx(PFX "ASK { ex:a ex:knows ex:b }", "json", 0), 200, "ASK 200");
  ok(strstr(res.body.data, "true") != NULL, "ASK answers true");
  is_int(runx(PFX "CONSTRUCT { ?x ex:friend ?y } WHERE { ?x ex:knows ?y }", "nt", 0), 200,
         "CONSTRUCT 200");
  is_int(lines(res.body.data), 4, "CONSTRUCT: one triple per solution, each once");
  ok(strstr(res.body.data, "<" EX "a> <" EX "friend> <" EX "b> .") != NULL,
     "CONSTRUCT instantiates the template");
  is_int(runx(PFX "CONSTRUCT { ?x ex:has _:b . _:b ex:v ?a . ?a ex:bad ?x } WHERE { ?x ex:age ?a }",
              "nt", 0),
         200, "CONSTRUCT with a blank node");
  is_int(lines(res.body.data), 6, "a fresh blank node per solution; literal subjects dropped");
  is_int(runx(PFX "DESCRIBE ex:a", "nt", 0), 200, "DESCRIBE 200");
  is_int(lines(res.body.data), 5, "DESCRIBE: the triples of a and of its blank node");
  ok(strstr(res.body.data, "\"Paris\"@fr") != NULL, "DESCRIBE follows blank nodes");
  is_int(runx(PFX "DESCRIBE ?x WHERE { ?x ex:name \"bob\" }", "nt", 0), 200, "DESCRIBE ?x 200");
  is_int(lines(res.body.data), 3, "DESCRIBE ?x describes the solutions' values");
  is_int(runx(PFX "SELECT * WHERE { ?x ex:knows ?y }", "csv", 2), 413, "more rows than the limit");
  is_int(runx(PFX "SELECT * WHERE { ?x ex:knows ", "csv", 0), 400, "a syntax error");
  ok(strstr(res.body.data, "line 1") != NULL, "the syntax error has its line");
  is_int(runx(PFX "INSERT DATA { ex:a ex:b ex:c }", "csv", 0), 400, "an update");
  ok(strstr(res.body.data, "update not allowed") != NULL, "the update is refused as such");
  is_int(runx(PFX "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }", "csv", 0), 400,
         "SERVICE is refused");
  is_int(runx(PFX "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", "csv", 0), 400,
         "FROM outside the store is refused");
  ok(strstr(res.body.data, "not a graph of this store") != NULL, "and says why");
  is_int(runx(PFX "CONSTRUCT { ?x ex:p ?y } WHERE { ?x ex:knows ?y }", "turtle", 0), 200,
         "CONSTRUCT as Turtle");
  is_int(runx(PFX "SELECT * WHERE { ?x ex:knows ?y }", "turtle", 0), 406,
         "SELECT as Turtle is not acceptable");
  accept = "text/csv";
  is_int(runx(PFX "CONSTRUCT { ?x ex:p ?y } WHERE { ?x ex:knows ?y }", NULL, 0), 406,
         "CONSTRUCT accepting only CSV is not acceptable");
  accept = NULL;
}

int main(void) {
  if (!make_store()) {
    printf("Bail out! cannot create the store\n");
    return 1;
  }
  if (cust_store_open(db_path, CUST_STORE_READONLY, NULL, &store) != CUST_OK ||
      sq_exec_new(store, NULL, &ex) != CUST_OK) {
    printf("Bail out! cannot open the store\n");
    return 1;
  }
  cust_sparql_result_init(&res);
  test_patterns();
  test_graphs();
  test_filters();
  test_aggregates();
  test_modifiers();
  test_paths();
  test_exists_values_subqueries();
  test_deadline();
  test_exec();
  cust_sparql_result_release(&res);
  sq_exec_free(ex);
  cust_store_close(store);
  unlink(db_path);
  char wal[600];
  snprintf(wal, sizeof wal, "%s-wal", db_path);
  unlink(wal);
  snprintf(wal, sizeof wal, "%s-shm", db_path);
  unlink(wal);
  return done_testing();
}
