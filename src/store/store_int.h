/* What the store's own files share: the handle, the node-id cache and the
 * prepared statements. Tests include it to reach the SQLite connection. */
#ifndef CUST_STORE_INT_H
#define CUST_STORE_INT_H

#include <sqlite3.h>

#include "store/store.h"

/* ---- the node-id cache ---------------------------------------------------- */

/* Maps a term (IRI, blank label or literal) to its row id in uris, blanks or
 * literals. Bounded: when it holds `max_entries` terms or `max_bytes` of
 * strings it forgets everything and starts again, so memory never grows with
 * the store. Ids are only cached once their row exists in this connection's
 * view; the store clears the cache on rollback, since a rolled-back insert
 * frees its id. Embedded struct: cust_node_cache_init/_release. */
typedef struct cust_node_slot {
  uint64_t hash; /* 0: empty slot */
  int64_t id;
  const char *value; /* owned by the arena */
  const char *lang;
  const char *datatype;
  uint32_t len;
  uint32_t kind;
} cust_node_slot;

typedef struct cust_node_cache {
  cust_node_slot *slots; /* allocated on first insert */
  size_t cap;            /* a power of two, 2 * max_entries or more */
  size_t count;
  size_t max_entries;
  size_t max_bytes;
  cust_arena arena;
  uint64_t hits, misses, clears;
} cust_node_cache;

void cust_node_cache_init(cust_node_cache *c, size_t max_entries, size_t max_bytes);
void cust_node_cache_release(cust_node_cache *c);
void cust_node_cache_clear(cust_node_cache *c);
uint64_t cust_node_cache_hash(const cust_term *t);
/* The id of `t` (hash `h` from cust_node_cache_hash), or 0 when not cached. */
int64_t cust_node_cache_get(cust_node_cache *c, const cust_term *t, uint64_t h);
/* Remembers `t` -> `id` (copies the strings). CUST_ERR_NOMEM leaves the
 * cache usable (it is cleared). */
cust_status cust_node_cache_put(cust_node_cache *c, const cust_term *t, uint64_t h, int64_t id);

/* ---- the handle ----------------------------------------------------------- */

enum {
  STMT_URI_GET = 0,
  STMT_URI_PUT,
  STMT_BLANK_GET,
  STMT_BLANK_PUT,
  STMT_LIT_GET,
  STMT_LIT_PUT,
  STMT_TRIPLE_HAS,
  STMT_TRIPLE_PUT,
  STMT_TRIPLE_DEL_SP,
  STMT_META_GET,
  STMT_META_PUT,
  STMT_COUNT
};

/* Find statements, one per pattern shape: subject (none, IRI, blank) x
 * predicate (none, IRI) x object (none, IRI, blank, literal) x graph. */
#define CUST_FIND_SHAPES (3 * 2 * 4 * 2)

struct cust_store {
  sqlite3 *db;
  char *path;
  const cust_logger *log;
  int is_readonly;
  int in_tx;
  sqlite3_stmt *stmt[STMT_COUNT];
  sqlite3_stmt *find[CUST_FIND_SHAPES];
  unsigned char find_busy[CUST_FIND_SHAPES];
  cust_node_cache cache;
  int64_t triples;          /* rows in triples, -1 until counted */
  int64_t analyzed_triples; /* rows when the statistics were last refreshed */
  char chain_id[128];       /* the bound chain, "" when none (loaded at open) */
  librdf_world *world;      /* created on first use */
  librdf_storage *storage;
  librdf_model *model;
  void *rdf_module; /* the sqlite storage module, when we registered it */
};

/* Turns an SQLite result code into a cust_status and logs what failed, with
 * SQLite's message and what to do: `what` is e.g. "cannot write store". */
cust_status cust_store_fail(cust_store *s, int rc, const char *what);
/* A prepared statement of the handle (prepared on first use), reset and
 * with its bindings cleared. NULL on error (already logged). */
sqlite3_stmt *cust_store_stmt(cust_store *s, int which);
/* Row id of a term: found in the cache or the tables; with `create`, inserted
 * when missing (`*is_new` then 1). `*id` is 0 when absent and not created. */
cust_status cust_store_node_id(cust_store *s, const cust_term *t, int create, int64_t *id,
                               int *is_new);
/* Removes every quad (s, p, *, g); g NONE is the default graph. */
cust_status cust_store_remove_sp(cust_store *s, const cust_term *subj, const cust_term *pred,
                                 const cust_term *graph);
/* CUST_ERR_INVALID (logged) when SQLite has rolled back the open transaction
 * by itself after an error; the caller must roll back. */
cust_status cust_store_check_tx(cust_store *s);
/* Finalizes the find statements (on close). */
void cust_store_find_release(cust_store *s);
/* The handle's SQLite connection, borrowed (tests use it to inject faults). */
sqlite3 *cust_store_db(cust_store *s);

#endif
