/* The query module: one place where SPARQL is checked, limited, executed and
 * written, for the HTTP endpoint and `custodian query` alike. */
#ifndef CUST_SPARQL_H
#define CUST_SPARQL_H

#include "core/core.h"

typedef struct cust_sparql cust_sparql;

typedef struct cust_sparql_limits {
  uint64_t timeout_ms;       /* 0: 10000 */
  uint64_t max_results;      /* rows or triples; 0: 100000 */
  size_t max_query_len;      /* bytes; 0: 1 MiB */
  unsigned workers;          /* worker processes (queries at once); 0: 2 */
  size_t max_cache_bytes;    /* the server's answer cache; 0: 64 MiB */
  size_t max_memory;         /* address space of one worker; 0: 2 GiB */
  uint64_t max_result_bytes; /* bytes of one answer; 0: 256 MiB */
} cust_sparql_limits;

/* An engine over the store at `db_path` (opened read-only). Thread-safe:
 * cust_sparql_run may be called from several threads at once. `log` is
 * borrowed for the engine's life. It starts the program anew
 * (/proc/self/exe) as the spawner of the query workers, so that no worker
 * inherits this process's SQLite state or threads: every program that makes
 * an engine calls cust_sparql_child_main first in main(). Workers log to
 * stderr at the level of `log`. Errors: CUST_ERR_NOMEM, CUST_ERR_IO (no
 * worker could be started). A store that cannot be opened is not an error
 * here: workers open it on their first query, and answer 503 (with the
 * reason) while it cannot be opened. */
cust_status cust_sparql_new(const char *db_path, const cust_sparql_limits *limits,
                            const cust_logger *log, cust_sparql **out);
void cust_sparql_free(cust_sparql *e);

/* The hidden mode of a program that makes engines: when argv is the one
 * cust_sparql_new gives the spawner, runs the spawner and returns its exit
 * code (the caller returns it from main); otherwise returns -1 at once. */
int cust_sparql_child_main(int argc, char **argv);

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
} cust_sparql_request;

typedef struct cust_sparql_result {
  int http_status;          /* 200, 400, 406, 413, 503 … */
  const char *content_type; /* static string */
  cust_buf body;            /* the answer, or the JSON error body */
  /* A large answer is not in `body` (then empty) but in an unlinked file:
   * `body_fd` (-1: none) holds `body_fd_len` bytes from offset 0. Owned by
   * the result (closed by release) until the caller takes it (sets -1). */
  int body_fd;
  uint64_t body_fd_len;
  uint64_t height; /* the indexed height the answer was read at; 0: unknown */
  int is_cached;
} cust_sparql_result;

void cust_sparql_result_init(cust_sparql_result *r);
void cust_sparql_result_release(cust_sparql_result *r);
/* Writes the answer (body or file) to `out`. CUST_ERR_IO when it cannot. */
cust_status cust_sparql_result_write(const cust_sparql_result *r, FILE *out);

/* Runs a request. Always fills `r` (status, type, body: a JSON error
 * {"error","detail"} when not 200); returns CUST_OK unless out of memory.
 * Statuses: 200; 400 malformed, refused (updates, SERVICE, FROM outside the
 * store) or unsupported query (named in the detail); 406 no acceptable
 * format; 413 query too long, or more results than max_results or more
 * bytes than max_result_bytes; 500 the worker failed; 503 timed out ("query
 * timed out after N ms"), overloaded, out of memory or store unavailable
 * (the detail says which, and what failed); a 503 is worth retrying. The default graph is the merge
 * of all the store's graphs unless default-graph-uri/FROM name some; GRAPH visits every graph
 * unless named-graph-uri/FROM NAMED name some. Strings of `req` are borrowed
 * for the call. */
cust_status cust_sparql_run(cust_sparql *e, const cust_sparql_request *req, cust_sparql_result *r);

#endif
