/* What the store's own files share: the handle, the node-id cache and the
 * prepared statements. Tests include it to reach the SQLite connection. */
#ifndef CUST_STORE_INT_H
#define CUST_STORE_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "store/store_rdf.h"

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

/* ---- the absent-term filter --------------------------------------------- */

/* A Bloom filter over every term of the store, so that a term it has never
 * seen is inserted without being looked up first. Built by reading the term
 * tables once the handle has looked up, for terms to write, a quarter as many
 * terms as the store holds (at once in a new store), for stores of up to
 * CUST_TERM_FILTER_MAX terms; turned off for good when another connection has
 * committed since our last transaction. Fixed size: a fuller filter answers
 * "maybe" more often, never wrongly "absent"; rolled-back inserts leave their
 * bits, which only costs a lookup. */
#define CUST_TERM_FILTER_BITS ((size_t)1 << 26) /* 8 MiB */
#define CUST_TERM_FILTER_MAX 4000000

typedef struct cust_term_filter {
  uint64_t *bits;      /* NULL until built */
  int ready;           /* holds every term of the store */
  int off;             /* too many terms, or another writer: never built again */
  uint64_t lookups;    /* terms to write looked up in the tables */
  uint64_t next_check; /* lookups at which to consider building it */
} cust_term_filter;

/* Called on each table lookup of a term to write: builds the filter when it
 * is worth it (see above). An error leaves it not ready. */
void cust_term_filter_consider(cust_store *s);
void cust_term_filter_add(cust_term_filter *f, uint64_t h);
/* 0 when the term of hash `h` is certainly not stored (the filter is ready). */
int cust_term_filter_maybe(const cust_term_filter *f, uint64_t h);
void cust_term_filter_release(cust_term_filter *f);

/* ---- the handle ----------------------------------------------------------- */

enum {
  STMT_URI_GET = 0,
  STMT_BLANK_GET,
  STMT_LIT_GET,
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

/* Triples the writer holds before inserting them with one statement; always
 * written before cust_store_add or cust_store_apply returns. */
#define CUST_PENDING_ROWS 64

/* New terms queued likewise, per table (uris, blanks, literals), with the
 * ids they are given; their strings are the caller's, alive until then. */
#define CUST_PENDING_TERMS 32

typedef struct cust_pending_term {
  int64_t id;
  const char *value;
  size_t len;
  const char *lang;
  int64_t datatype; /* 0: none */
} cust_pending_term;

/* vfs.c: shows the database file `path` (a full path, as
 * sqlite3_db_filename gives it) as immutable to every connection opened
 * after, by path, until released as many times as held; other files are
 * untouched. For a WAL store that nobody may write, whose -shm cannot be
 * made. CUST_ERR_LIMIT when 16 files are held, CUST_ERR_NOMEM,
 * CUST_ERR_INTERNAL when SQLite has no default VFS. */
cust_status cust_store_vfs_hold(const char *path);
void cust_store_vfs_release(const char *path); /* NULL-safe */

struct cust_store {
  sqlite3 *db;
  char *path;
  const cust_logger *log;
  int is_readonly;
  int in_tx;
  sqlite3_stmt *stmt[STMT_COUNT];
  cust_status stmt_status; /* why cust_store_stmt last returned NULL */
  sqlite3_stmt *find[CUST_FIND_SHAPES];
  unsigned char find_busy[CUST_FIND_SHAPES];
  cust_node_cache cache;
  cust_term_filter filter;
  int64_t pending[CUST_PENDING_ROWS][7]; /* triples columns, 0 for NULL */
  size_t npending;
  sqlite3_stmt *put_many; /* inserts CUST_PENDING_ROWS rows */
  cust_pending_term pending_terms[3][CUST_PENDING_TERMS];
  size_t npending_terms[3];
  int64_t next_id[3];            /* the next id of each term table, 0 until read */
  sqlite3_stmt *put_terms[3][2]; /* one row, CUST_PENDING_TERMS rows */
  int64_t data_version;          /* PRAGMA data_version at our last BEGIN */
  int64_t triples;               /* rows in triples, -1 until counted */
  int64_t analyzed_triples;      /* rows when the statistics were last refreshed */
  char chain_id[128];            /* the bound chain, "" when none (loaded at open) */
  librdf_world *world;           /* created on first use */
  librdf_storage *storage;
  librdf_model *model;
  void *rdf_module; /* the sqlite storage module, when we registered it */
  char *held_path;  /* the file as vfs.c shows it immutable to librdf; NULL: not */
  /* The checkpointer: a thread with its own connection that copies the WAL
   * into the file while the writer goes on (see store.c). */
  pthread_t ckpt_thread;
  pthread_mutex_t ckpt_lock;
  pthread_cond_t ckpt_cond;
  int ckpt_running, ckpt_wanted, ckpt_stop;
  struct cust_scan_pool *scans; /* read_ids.c: statements of id scans, made on first use */
  size_t scan_seen_max;         /* triples a merged scan remembers; 0: read_ids.c's default */
  /* The change log (changelog.c). */
  int64_t log_last;     /* the last seq with a commit mark; -1 until read */
  int64_t log_pin;      /* rows after it are kept for an in-process mirror; -1: none */
  uint64_t log_commits; /* commits that logged changes, for trimming */
};

/* Turns an SQLite result code into a cust_status and logs what failed, with
 * SQLite's message and what to do: `what` is e.g. "cannot write store". */
cust_status cust_store_fail(cust_store *s, int rc, const char *what);
/* A prepared statement of the handle (prepared on first use), reset and
 * with its bindings cleared. NULL on error (already logged; s->stmt_status
 * is its status). */
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
/* Finalizes the statements of id scans (on close). */
void cust_store_scans_release(cust_store *s);
/* The value of `key` in cust_meta into `out` ("" when absent); setting it. */
cust_status cust_store_meta_get(cust_store *s, const char *key, char *out, size_t outlen);
cust_status cust_store_meta_put(cust_store *s, const char *key, const char *value);

/* changelog.c: the log's tables and triggers (SQL), and their set-up in a
 * writable handle on first open (is_new: the store was just created, so the
 * log holds its whole history); the commit mark of the open transaction,
 * written just before COMMIT when the log grew (and a trim now and then). */
extern const char *const cust_store_log_sql;
cust_status cust_store_log_setup(cust_store *s, int is_new);
cust_status cust_store_log_commit(cust_store *s);
/* Finalizes the find statements (on close). */
void cust_store_find_release(cust_store *s);
/* The handle's SQLite connection, borrowed (tests use it to inject faults). */
sqlite3 *cust_store_db(cust_store *s);

#endif
