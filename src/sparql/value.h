/* The query engine's values: RDF terms seen as SPARQL values (numbers,
 * strings, booleans, dates ...), and the operators, functions and aggregates
 * of SPARQL 1.1 (sections 17 and 18.5) over them (value.c, func.c, agg.c).
 * The evaluator (eval.c) walks the expression trees of algebra.h and calls
 * these for each operator; the special forms (||, &&, !, IF, COALESCE, IN,
 * BOUND, EXISTS) are the evaluator's, built on sq_ebv and sq_compare. */
#ifndef CUST_SPARQL_VALUE_H
#define CUST_SPARQL_VALUE_H

#include "core/core.h"
#include "sparql/algebra.h"

/* What an operation gives: a value, an expression error (a type error, an
 * unbound argument, an unknown function: "error" in the recommendation's
 * sense, which FILTER reads as false and BIND as unbound), or no memory. */
typedef enum sq_rc { SQ_OK = 0, SQ_ERROR = 1, SQ_NOMEM = -1 } sq_rc;

typedef enum sq_vtype {
  SQ_V_IRI = 1,
  SQ_V_BLANK,
  SQ_V_STRING,   /* simple literal or xsd:string */
  SQ_V_LANG,     /* rdf:langString: a language tag */
  SQ_V_BOOLEAN,  /* valid xsd:boolean */
  SQ_V_INTEGER,  /* valid xsd:integer or a type derived from it (xsd:int, xsd:long ...) */
  SQ_V_DECIMAL,  /* valid xsd:decimal */
  SQ_V_FLOAT,    /* valid xsd:float */
  SQ_V_DOUBLE,   /* valid xsd:double */
  SQ_V_DATETIME, /* valid xsd:dateTime (and xsd:dateTimeStamp) */
  SQ_V_DATE,     /* valid xsd:date */
  SQ_V_TIME,     /* valid xsd:time */
  SQ_V_DURATION, /* valid xsd:duration, xsd:dayTimeDuration, xsd:yearMonthDuration */
  SQ_V_OTHER     /* any other literal, or an ill-typed one (a lexical form
                  * invalid for its known datatype, e.g. "abc"^^xsd:integer) */
} sq_vtype;

/* A value: always the RDF term it is (`term`, whose strings are borrowed
 * from where the term came from, or from the arena of the operation that
 * made it), its type, and the parsed form of typed literals. Fields after
 * `type` belong to value.c. */
typedef struct sq_value {
  cust_term term;
  sq_vtype type;
  /* parsed forms, set by sq_value_of */
  int64_t i;       /* INTEGER when it fits (big = NULL) */
  const char *big; /* INTEGER or DECIMAL: canonical digits when not an int64, or a decimal */
  double d;        /* FLOAT, DOUBLE; also the approximate value of any number */
  int b;           /* BOOLEAN */
  int64_t secs;    /* DATETIME/DATE/TIME: seconds since 1970-01-01 in UTC (local when no zone);
                    * DURATION: the seconds part */
  int64_t months;  /* DURATION: the months part */
  int32_t frac_ns; /* fraction of a second, nanoseconds */
  int16_t tz_min;  /* time zone offset in minutes */
  unsigned char has_tz;
} sq_value;

/* The context of one query's evaluation: where results' strings go, and what
 * the recommendation fixes per query (NOW) or per solution (BNODE labels). */
typedef struct sq_regex_cache sq_regex_cache;

typedef struct sq_fctx {
  cust_arena *arena;     /* strings of values made by operations (borrowed) */
  int64_t now_ms;        /* NOW(): milliseconds since 1970, fixed for the query */
  uint64_t rand_state;   /* RAND(): seeded per query */
  uint64_t bnode_serial; /* labels of BNODE(): fresh per call ... */
  uint64_t solution;     /* ... and BNODE(str) gives the same label for the same str within
                          * one solution: the evaluator bumps this per solution */
  const char *base;      /* IRI(): resolves relative IRIs against it (NULL: none) */
  sq_regex_cache *regex; /* REGEX and REPLACE: the last patterns compiled (func.c) */
} sq_fctx;

/* Sets NOW to the current time and seeds RAND. */
void sq_fctx_init(sq_fctx *c, cust_arena *arena, const char *base);
/* Frees what the context keeps between calls (compiled patterns). */
void sq_fctx_release(sq_fctx *c);

/* Classifies a term (kind IRI, BLANK or LITERAL) and parses a typed literal.
 * Never fails: an ill-typed literal is SQ_V_OTHER. `out->term` borrows `t`'s strings. */
void sq_value_of(const cust_term *t, sq_value *out);

/* The effective boolean value (17.2.2): SQ_ERROR for an IRI, a blank node,
 * an ill-typed or other literal. */
sq_rc sq_ebv(const sq_value *v, int *out);

/* The operators =, !=, <, >, <=, >= (op: SQ_E_EQ ... SQ_E_GE) with the
 * recommendation's operator mapping: numbers by value across types, strings
 * by code point, booleans, dates and times (SQ_ERROR when indeterminate),
 * RDFterm-equal for other terms (= between two different literals of unknown
 * types is an error, not false). */
sq_rc sq_compare(sq_expr_kind op, const sq_value *a, const sq_value *b, int *out);

/* sameTerm. */
int sq_same_term(const sq_value *a, const sq_value *b);

/* The total order of ORDER BY (15.1): unbound (NULL) < blank nodes < IRIs <
 * literals; literals by sq_compare's < where it answers, otherwise by a fixed
 * order of type, lexical form, datatype and language, so that the order is
 * total and the same on every run. Negative, zero or positive. */
int sq_order(const sq_value *a, const sq_value *b);

/* Arithmetic: op SQ_E_ADD, SQ_E_SUB, SQ_E_MUL, SQ_E_DIV (b given), SQ_E_NEG,
 * SQ_E_PLUS (b NULL), with numeric type promotion (integer < decimal < float
 * < double); integer division gives a decimal; division by zero of integers
 * or decimals is an error. The result's lexical form is canonical (1, 1.5,
 * 1.0E0 ...). */
sq_rc sq_arith(sq_fctx *c, sq_expr_kind op, const sq_value *a, const sq_value *b, sq_value *out);

/* Built-in functions and casts. sq_func_find resolves a SQ_E_CALL's `fn`
 * (upper-case built-in name, or a full IRI: the XSD casts xsd:string,
 * xsd:boolean, xsd:integer, xsd:decimal, xsd:float, xsd:double,
 * xsd:dateTime, and any other IRI, which is an unknown function) with its
 * number of arguments: a function id >= 0, or -1 when the name is not a
 * function or the count is wrong, with why (NULL: not wanted) set to the
 * reason ("STRLEN takes 1 argument"). An unknown IRI function is id
 * SQ_FUNC_UNKNOWN: calling it is an error. */
#define SQ_FUNC_UNKNOWN 0
int sq_func_find(const char *fn, size_t nargs, char *why, size_t whylen);
/* "NAME takes 1 argument", "... 2 to 3 arguments", "... 0 or more
 * arguments": the arity min..max (max -1: any number) in words. */
void sq_func_arity_text(const char *name, int min, int max, char *buf, size_t len);
/* Calls function `id` on evaluated arguments (every argument of a built-in
 * is evaluated first; NULL in `args` is an argument whose evaluation was an
 * error or unbound, which most functions answer with SQ_ERROR). Covers every
 * function of 17.4 except the special forms: term tests and accessors (STR,
 * LANG, DATATYPE, IRI/URI, BNODE, STRDT, STRLANG, UUID, STRUUID, isIRI ...),
 * strings on code points (STRLEN, SUBSTR, UCASE, LCASE, STRSTARTS, STRENDS,
 * CONTAINS, STRBEFORE, STRAFTER, ENCODE_FOR_URI, CONCAT, LANGMATCHES, REGEX,
 * REPLACE with XPath flags), numbers (ABS, ROUND, CEIL, FLOOR, RAND), dates
 * (NOW, YEAR ... SECONDS, TIMEZONE, TZ), hashes (MD5, SHA1, SHA256, SHA384,
 * SHA512) and the casts. */
sq_rc sq_func_call(sq_fctx *c, int id, const sq_value *const *args, size_t nargs, sq_value *out);
/* The arity of the built-in function `name` (case-insensitive; not an IRI):
 * its upper-case name (static) with *min and *max (-1: any number) set, or
 * NULL when `name` is none of 17.4's functions (the special forms BOUND, IF,
 * COALESCE, EXISTS and the aggregates are the parser's). */
const char *sq_func_arity(const char *name, int *min, int *max);

/* Aggregates (18.5), one state per group and aggregate. The evaluator steps
 * each solution's value of the aggregate's expression (NULL: the expression
 * was an error or unbound) and takes the result at the end. COUNT(*) is the
 * evaluator's own (it counts solutions, or distinct solutions). With
 * `distinct`, the state keeps each distinct term once. SQ_ERROR from
 * sq_agg_result: the aggregate is an error (its variable stays unbound),
 * e.g. SUM over a non-number; COUNT over no values is 0, SUM 0, AVG 0,
 * MIN/MAX/SAMPLE over no values an error, GROUP_CONCAT "". */
typedef struct sq_agg_state sq_agg_state;
sq_rc sq_agg_new(const sq_agg *a, cust_arena *arena, sq_agg_state **out);
sq_rc sq_agg_step(sq_agg_state *s, sq_fctx *c, const sq_value *v);
sq_rc sq_agg_result(sq_agg_state *s, sq_fctx *c, sq_value *out);
/* Frees what the state holds outside the arena (its distinct set). NULL accepted. */
void sq_agg_free(sq_agg_state *s);

#endif
