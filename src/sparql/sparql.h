/* The query module: one place where SPARQL is checked, limited, executed and
 * written, for the HTTP endpoint and `custodian query` alike. */
#ifndef CUST_SPARQL_H
#define CUST_SPARQL_H

#include "core/core.h"

typedef struct cust_sparql cust_sparql;

typedef struct cust_sparql_limits {
  uint64_t timeout_ms;    /* 0: 10000 */
  uint64_t max_results;   /* rows or triples; 0: 100000 */
  size_t max_query_len;   /* bytes; 0: 1 MiB */
  unsigned workers;       /* worker processes (queries at once); 0: 2 */
  size_t max_cache_bytes; /* result cache; 0: 64 MiB */
  size_t max_memory;      /* address space of one worker; 0: 2 GiB */
} cust_sparql_limits;

/* An engine over the store at `db_path` (opened read-only). Thread-safe:
 * cust_sparql_run may be called from several threads at once. `log` is
 * borrowed for the engine's life. It forks a small process that starts the
 * query workers: call it before the process starts its own threads. Errors:
 * CUST_ERR_NOMEM, CUST_ERR_IO (no process could be started). A store that
 * cannot be opened is not an error here: each query then answers 503. */
cust_status cust_sparql_new(const char *db_path, const cust_sparql_limits *limits,
                            const cust_logger *log, cust_sparql **out);
void cust_sparql_free(cust_sparql *e);

typedef struct cust_sparql_request {
  const char *query;                 /* the SPARQL text */
  const char *accept;                /* HTTP Accept header, or NULL */
  const char *format;                /* format= parameter or --format, or NULL */
  const char *const *default_graphs; /* default-graph-uri values */
  size_t ndefault;
  const char *const *named_graphs; /* named-graph-uri values */
  size_t nnamed;
  /* Bindings of canned-query parameters: variable names (without '?') and
   * their values, substituted into the parsed query (never pasted as text). */
  const char *const *bind_names;
  const cust_term *bind_values;
  size_t nbind;
  uint64_t cache_key_height; /* the indexed height, for the result cache; 0: no cache */
} cust_sparql_request;

typedef struct cust_sparql_result {
  int http_status;          /* 200, 400, 406, 413, 503 … */
  const char *content_type; /* static string */
  cust_buf body;            /* the answer, or the JSON error body */
  int is_cached;
} cust_sparql_result;

void cust_sparql_result_init(cust_sparql_result *r);
void cust_sparql_result_release(cust_sparql_result *r);

/* Runs a request. Always fills `r` (status, type, body: a JSON error
 * {"error","detail"} when not 200); returns CUST_OK unless out of memory.
 * Statuses: 200; 400 malformed, refused (updates, SERVICE, FROM outside the
 * store) or unsupported query (named in the detail); 406 no acceptable
 * format; 413 query too long, or more results than max_results; 500 the
 * worker failed; 503 timed out ("query timed out after N ms"), overloaded or
 * store unavailable. The default graph is the merge of all the store's
 * graphs unless default-graph-uri/FROM name some; GRAPH visits every graph
 * unless named-graph-uri/FROM NAMED name some. Strings of `req` are borrowed
 * for the call. */
cust_status cust_sparql_run(cust_sparql *e, const cust_sparql_request *req, cust_sparql_result *r);

#endif
