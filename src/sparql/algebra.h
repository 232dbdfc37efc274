/* The query engine's form of a query: the SPARQL 1.1 algebra (section 18
 * of the recommendation) as the parser (parse.c) builds it and the evaluator
 * (eval.c) runs it. Everything of a query lives in its arena. */
#ifndef CUST_SPARQL_ALGEBRA_H
#define CUST_SPARQL_ALGEBRA_H

#include "core/core.h"

/* ---- terms of patterns ----------------------------------------------------- */

/* A place in a triple pattern or an expression: a variable (var >= 0, an
 * index into sq_query.vars) or a constant term (var < 0). Blank nodes of a
 * pattern are variables marked `is_hidden` in sq_query.vars; a constant is an
 * IRI or a literal, never a blank node. Literal constants keep their lexical
 * form as written (after escapes), with the datatype's full IRI: 1 is
 * "1"^^xsd:integer, 1.0 "1.0"^^xsd:decimal, 1e0 "1e0"^^xsd:double, true
 * "true"^^xsd:boolean; a plain string has no datatype (NULL), a language tag
 * is kept as written. */
typedef struct sq_pt {
  int var;
  cust_term term;
} sq_pt;

typedef struct sq_triple {
  sq_pt s, p, o;
} sq_triple;

/* ---- property paths --------------------------------------------------------- */

typedef enum sq_path_kind {
  SQ_PATH_LINK = 0, /* iri */
  SQ_PATH_INV,      /* ^sub[0] */
  SQ_PATH_SEQ,      /* sub[0] / sub[1] / ... */
  SQ_PATH_ALT,      /* sub[0] | sub[1] | ... */
  SQ_PATH_STAR,     /* sub[0]* */
  SQ_PATH_PLUS,     /* sub[0]+ */
  SQ_PATH_OPT,      /* sub[0]? */
  SQ_PATH_NPS       /* !(iris... | ^inv_iris...): a negated property set */
} sq_path_kind;

typedef struct sq_path {
  sq_path_kind kind;
  const char *iri;      /* LINK */
  struct sq_path **sub; /* INV, SEQ, ALT, STAR, PLUS, OPT */
  size_t nsub;
  const char **iris; /* NPS: forward IRIs excluded */
  size_t niris;
  const char **inv_iris; /* NPS: inverse IRIs excluded */
  size_t ninv;
} sq_path;

/* ---- expressions ------------------------------------------------------------ */

typedef enum sq_expr_kind {
  SQ_E_VAR = 0, /* var */
  SQ_E_CONST,   /* term */
  SQ_E_OR,      /* arg[0] || arg[1] */
  SQ_E_AND,
  SQ_E_NOT,
  SQ_E_EQ,
  SQ_E_NE,
  SQ_E_LT,
  SQ_E_GT,
  SQ_E_LE,
  SQ_E_GE,
  SQ_E_IN,     /* arg[0] IN (arg[1..]) */
  SQ_E_NOT_IN, /* arg[0] NOT IN (arg[1..]) */
  SQ_E_ADD,
  SQ_E_SUB,
  SQ_E_MUL,
  SQ_E_DIV,
  SQ_E_NEG,      /* -arg[0] */
  SQ_E_PLUS,     /* +arg[0] */
  SQ_E_BOUND,    /* arg[0] is a SQ_E_VAR */
  SQ_E_IF,       /* arg[0] ? arg[1] : arg[2] */
  SQ_E_COALESCE, /* args */
  SQ_E_EXISTS,   /* pattern */
  SQ_E_NOT_EXISTS,
  SQ_E_CALL, /* a built-in by its upper-case name ("STRLEN", "REGEX", "BNODE",
              * "NOW", "sameTerm", "isIRI" ... upper-cased: "SAMETERM", "ISIRI"),
              * or a function by its full IRI (casts such as
              * "http://www.w3.org/2001/XMLSchema#integer"): `fn` */
  SQ_E_AGG   /* the value of aggregate `agg` of the enclosing group (only in
              * the expressions that SQ_N_GROUP's translation leaves above it) */
} sq_expr_kind;

typedef struct sq_expr {
  sq_expr_kind kind;
  int var;        /* VAR, BOUND (the variable) */
  cust_term term; /* CONST */
  const char *fn; /* CALL */
  int fn_id;      /* CALL: the function (sq_func_find), -1 when it cannot be called */
  struct sq_expr **args;
  size_t nargs;
  struct sq_node *pattern; /* EXISTS, NOT_EXISTS */
  size_t agg;              /* AGG: index into the group's aggs */
  unsigned line, col;      /* where it starts in the query text */
} sq_expr;

typedef enum sq_agg_kind {
  SQ_AGG_COUNT = 0,
  SQ_AGG_SUM,
  SQ_AGG_MIN,
  SQ_AGG_MAX,
  SQ_AGG_AVG,
  SQ_AGG_SAMPLE,
  SQ_AGG_GROUP_CONCAT
} sq_agg_kind;

typedef struct sq_agg {
  sq_agg_kind kind;
  int distinct;
  sq_expr *expr;         /* NULL: COUNT(*) (counts solutions; with distinct, distinct solutions) */
  const char *separator; /* GROUP_CONCAT; " " when not given */
} sq_agg;

/* ---- algebra ------------------------------------------------------------------ */

typedef enum sq_node_kind {
  SQ_N_UNIT = 0, /* one solution with no bindings (the empty group {}) */
  SQ_N_BGP,      /* triples (ntriples may be 0: same as UNIT) */
  SQ_N_PATH,     /* path.s path path.o, for a path that is not a single IRI */
  SQ_N_JOIN,     /* sub[0] join sub[1] */
  SQ_N_LEFTJOIN, /* sub[0] leftjoin sub[1], filtered by exprs (all must be true); nexprs 0: true */
  SQ_N_FILTER,   /* sub[0] filtered by exprs (conjunction) */
  SQ_N_UNION,    /* sub[0] union sub[1] */
  SQ_N_MINUS,    /* sub[0] minus sub[1] */
  SQ_N_GRAPH,    /* GRAPH graph { sub[0] } */
  SQ_N_EXTEND,   /* sub[0] extended with var := exprs[0] */
  SQ_N_TABLE,    /* VALUES: table_vars x table_rows (a NULL cell's kind NONE: UNDEF) */
  SQ_N_GROUP,    /* sub[0] grouped by exprs (keys; nexprs 0: one group, even over no
                  * solutions) computing aggs; each solution out binds
                  * group_vars[i] (a var, or -1: not bound) to key i's value and
                  * agg_vars[j] to aggregate j's value (unbound when it is an error) */
  SQ_N_ORDER,    /* sub[0] ordered by exprs, descending where desc[i] */
  SQ_N_PROJECT,  /* sub[0] restricted to vars */
  SQ_N_DISTINCT,
  SQ_N_REDUCED,
  SQ_N_SLICE /* sub[0] from offset, at most limit (UINT64_MAX: no limit) */
} sq_node_kind;

typedef struct sq_node {
  sq_node_kind kind;
  struct sq_node *sub[2];
  sq_triple *triples; /* BGP */
  size_t ntriples;
  sq_pt path_s, path_o; /* PATH */
  sq_path *path;
  sq_pt graph;     /* GRAPH: an IRI or a variable */
  int var;         /* EXTEND */
  sq_expr **exprs; /* LEFTJOIN, FILTER, EXTEND (1), GROUP keys, ORDER */
  size_t nexprs;
  int *desc;       /* ORDER: per expr */
  int *group_vars; /* GROUP: per key */
  sq_agg *aggs;    /* GROUP */
  size_t naggs;
  int *agg_vars; /* GROUP: per agg */
  int *vars;     /* PROJECT; TABLE: table_vars */
  size_t nvars;
  cust_term *table; /* TABLE: nrows * nvars cells */
  size_t nrows;
  uint64_t offset, limit; /* SLICE */
} sq_node;

/* ---- a query ---------------------------------------------------------------- */

typedef enum sq_form { SQ_SELECT = 0, SQ_ASK, SQ_CONSTRUCT, SQ_DESCRIBE } sq_form;

typedef struct sq_var {
  const char *name; /* without '?': "x"; hidden ones have names no query can
                     * write, such as "_b0" for a blank node or ".agg1" */
  int is_hidden;    /* a blank node of a pattern, or made by the translation */
} sq_var;

typedef struct sq_query {
  sq_form form;
  sq_node *root; /* the whole algebra, with PROJECT/DISTINCT/ORDER/SLICE for SELECT */
  sq_var *vars;  /* every variable of the query, subqueries included */
  size_t nvars;
  int *result_vars; /* SELECT: the columns, in order (SELECT * : the in-scope
                     * variables in order of first appearance) */
  size_t nresult;
  sq_triple *construct; /* CONSTRUCT template (CONSTRUCT WHERE: the pattern's triples) */
  size_t nconstruct;
  sq_pt *describe; /* DESCRIBE targets (DESCRIBE *: every result variable) */
  size_t ndescribe;
  const char **from; /* FROM IRIs (the default graph is their merge) */
  size_t nfrom;
  const char **from_named; /* FROM NAMED IRIs */
  size_t nfrom_named;
  const char *base; /* BASE in effect at the end of the prologue, or NULL */
  cust_arena arena; /* everything above */
} sq_query;

typedef enum sq_parse_kind {
  SQ_PARSE_SYNTAX = 0, /* not SPARQL: 400 "malformed query" */
  SQ_PARSE_UPDATE,     /* a SPARQL Update request: 400 "update not allowed" */
  SQ_PARSE_REFUSED     /* SERVICE (no outbound access) or beyond a limit: 400 */
} sq_parse_kind;

typedef struct sq_parse_error {
  sq_parse_kind kind;
  unsigned line, col; /* 1-based, of the offending token */
  char message[256];  /* e.g. "expected '}' to close the group opened at line 2, found 'FILTER'" */
} sq_parse_error;

/* Parses a SPARQL 1.1 query and translates it to the algebra. `base` (NULL:
 * none) resolves relative IRIs before a BASE. On failure returns
 * CUST_ERR_INVALID with `err` filled (CUST_ERR_NOMEM: out of memory) and
 * *out NULL. The algebra follows section 18.2: groups translated with their
 * filters over the whole group, OPTIONAL { P FILTER(F) } as LeftJoin(.., P, F),
 * BIND as Extend ending the group's join so far, VALUES as a join with a
 * table, aggregates as GROUP (implicit when there are aggregates and no
 * GROUP BY) with HAVING as a FILTER over it and select expressions as EXTEND,
 * sub-SELECTs as their own PROJECT, simple paths (p, ^p, p/q, a fixed
 * sequence) as triples of a BGP with hidden variables, other paths as
 * SQ_N_PATH. Scope errors of the recommendation (a BIND or select expression
 * re-binding an in-scope variable, a non-grouped variable projected from an
 * aggregate query) are CUST_ERR_INVALID. */
cust_status sq_parse(const char *text, const char *base, sq_query **out, sq_parse_error *err);
void sq_query_free(sq_query *q);

/* Replaces variable `name` (without '?') by the constant `value` (an IRI or a
 * literal) everywhere in `q` (copying its strings); a result column of that
 * name keeps its place and answers `value`. CUST_ERR_NOTFOUND when the query
 * has no such variable. For canned-query parameters. */
cust_status sq_query_substitute(sq_query *q, const char *name, const cust_term *value);

/* The algebra as an S-expression (as in the recommendation's examples), for
 * tests and for `explain`. */
cust_status sq_query_write_sse(cust_buf *b, const sq_query *q);

#endif
