/* What the files of the query module share: the request as a worker sees it,
 * the executor that runs one request inside a worker process, and the result
 * writers. */
#ifndef CUST_SPARQL_INT_H
#define CUST_SPARQL_INT_H

#include "sparql/sparql.h"
#include "store/store.h"

/* ---- result formats ------------------------------------------------------- */

typedef enum sq_format {
  SQ_FMT_NONE = 0,
  SQ_FMT_JSON,
  SQ_FMT_XML,
  SQ_FMT_CSV,
  SQ_FMT_TSV,
  SQ_FMT_TURTLE,
  SQ_FMT_NTRIPLES,
  SQ_FMT_NQUADS,
  SQ_FMT_RDFXML
} sq_format;

/* The media type of a format; static. */
const char *sq_format_type(sq_format f);
/* Picks the format of an answer: `format` (a short name such as "json" or a
 * media type) wins over `accept` (an HTTP Accept header with q-values). For
 * `is_graph` (CONSTRUCT, DESCRIBE) only RDF formats qualify, otherwise only
 * result formats; for a graph, a `format` naming a result format is not a
 * choice (xml is read as RDF/XML, the others leave it to `accept`).
 * SQ_FMT_NONE when nothing acceptable is offered. */
sq_format sq_format_pick(const char *format, const char *accept, int is_graph);

/* ---- a solution sequence, as the writers see it --------------------------- */

/* One row: `values[i]` is the value of variable i, kind NONE when unbound. */
typedef struct sq_table {
  const char **vars; /* names without '?' */
  size_t nvars;
  cust_term *cells; /* nrows * nvars */
  size_t nrows, cap;
  cust_arena arena; /* the strings of vars and cells */
} sq_table;

void sq_table_init(sq_table *t);
void sq_table_release(sq_table *t);
cust_status sq_table_add_var(sq_table *t, const char *name);
/* Appends an all-unbound row and returns it (nvars cells), NULL on OOM. */
cust_term *sq_table_add_row(sq_table *t);
/* Copies a term's strings into the table's arena. */
cust_status sq_table_set(sq_table *t, cust_term *cell, const cust_term *v);

/* W3C SPARQL 1.1 result formats (JSON, XML, CSV, TSV). */
cust_status sq_write_table(cust_buf *b, sq_format f, const sq_table *t);
cust_status sq_write_boolean(cust_buf *b, sq_format f, int value);
/* RDF formats for graph results: triples as cust_quad with g NONE. */
cust_status sq_write_graph(cust_buf *b, sq_format f, const cust_quad *q, size_t n);
/* 1 when RDF/XML can write every triple of `q` (a predicate must end in an
 * XML name, and text may hold no control character XML 1.0 lacks); else 0
 * with the reason, naming the triple's predicate, in `why`. */
int sq_rdfxml_check(const cust_quad *q, size_t n, char *why, size_t whylen);
/* The JSON error body {"error": ..., "detail": ...}. */
cust_status sq_error_body(cust_buf *b, const char *error, const char *detail);

/* ---- executing one request (inside a worker) ------------------------------- */

typedef struct sq_request {
  const char *query;
  const char *accept;
  const char *format;
  const char *const *default_graphs;
  size_t ndefault;
  const char *const *named_graphs;
  size_t nnamed;
  const char *const *bind_names;
  const cust_term *bind_values;
  size_t nbind;
  uint64_t max_results;
  uint64_t max_bytes;  /* of the answer; 0: no limit */
  uint64_t timeout_ms; /* the evaluation stops after this long (0: never) */
} sq_request;

typedef struct sq_exec sq_exec;

/* The executor over an open store handle (borrowed for its life). */
cust_status sq_exec_new(cust_store *store, const cust_logger *log, sq_exec **out);
void sq_exec_free(sq_exec *x);
/* Where the executor finds the last error the store logged (a borrowed
 * NUL-terminated buffer, "" when none, which the caller empties before each
 * request), to say what failed when a read fails. NULL: not known. */
void sq_exec_watch_errors(sq_exec *x, const char *last_error);
/* Runs one request: fills status, content type and body of `r`. */
cust_status sq_exec_run(sq_exec *x, const sq_request *req, cust_sparql_result *r);

/* Sets r to an error answer. */
cust_status sq_fail(cust_sparql_result *r, int status, const char *error, const char *detail);

#endif
