/* The store: quads in Redland's sqlite layout (tables uris, blanks, literals,
 * triples), written by a fast writer of our own and read through librdf,
 * with the indexer's checkpoint in the same SQLite transaction as the quads.
 * The layout and its invariants are documented at the top of store.c. */
#ifndef CUST_STORE_H
#define CUST_STORE_H

#include "core/core.h"

typedef struct cust_store cust_store;

/* Where the indexer stands: written with each block's quads. */
typedef struct cust_checkpoint {
  uint64_t height;     /* last indexed height; 0 = nothing indexed */
  char block_hash[72]; /* uppercase hex of that block's id */
  char chain_id[128];  /* the chain this store follows */
  char block_time[48]; /* RFC 3339 time of that block */
} cust_checkpoint;

enum {
  CUST_STORE_READONLY = 1, /* open read-only (serve): writes fail with CUST_ERR_READONLY */
  CUST_STORE_CREATE = 2    /* create the file and the layout when missing */
};

/* The well-known graphs of mapping.md. */
#define CUST_GRAPH_LEDGER "https://w3id.org/custodian/graph/ledger"
#define CUST_GRAPH_CURRENT "https://w3id.org/custodian/graph/current"
#define CUST_GRAPH_POLICIES "https://w3id.org/custodian/graph/policies"
#define CUST_GRAPH_ONTOLOGY "https://w3id.org/custodian/graph/ontology"

/* Opens (or creates, with CUST_STORE_CREATE) the store at `path`. Each handle
 * owns one SQLite connection and its own librdf world and model over the same
 * file: open one handle per thread that reads. `log` is borrowed for the
 * handle's life (NULL: silent). Errors: CUST_ERR_NOTFOUND (no file and no
 * CREATE), CUST_ERR_FORMAT (not a Custodian store), CUST_ERR_VERSION (another
 * schema version), CUST_ERR_READONLY, CUST_ERR_BUSY, CUST_ERR_IO. On failure
 * *out is NULL and a message naming the file has been logged. */
cust_status cust_store_open(const char *path, unsigned flags, const cust_logger *log,
                            cust_store **out);
/* Closes the handle, rolling back an open transaction. NULL is accepted. */
void cust_store_close(cust_store *s);
/* Opens a second, read-only handle on the file of `s`, for a thread that
 * reads what `s` has committed while `s` writes (the indexer's mapping
 * thread). *out is owned by the caller (cust_store_close). Errors: those of
 * cust_store_open. */
cust_status cust_store_open_reader(cust_store *s, cust_store **out);

/* The checkpoint; height 0 and empty strings when nothing was indexed yet. */
cust_status cust_store_checkpoint(cust_store *s, cust_checkpoint *out);
/* Binds the store to a chain id on first use; CUST_ERR_MISMATCH (with a
 * message naming both ids) if it already follows another chain. */
cust_status cust_store_bind_chain(cust_store *s, const char *chain_id);

/* Writing: begin, apply changes, set the checkpoint, commit. Nothing is
 * visible to readers before commit; rollback (or close, or a crash) leaves the
 * store at the previous commit. CUST_ERR_FULL when the disk is full. After a
 * failed add/apply/set_checkpoint the caller rolls back. add and apply outside
 * a transaction run in one of their own. Quads are stored once: adding a quad
 * that is there already does nothing. A REMOVE_SP change with a NONE graph
 * removes from the default graph only. set_checkpoint needs an open
 * transaction; it binds the store to cp->chain_id when it is not yet bound
 * (CUST_ERR_MISMATCH when bound to another). The quads and the strings of
 * `q`, `c` and `cp` are borrowed for the call. */
cust_status cust_store_begin(cust_store *s);
cust_status cust_store_add(cust_store *s, const cust_quad *q);
cust_status cust_store_apply(cust_store *s, const cust_changes *c);
cust_status cust_store_set_checkpoint(cust_store *s, const cust_checkpoint *cp);
cust_status cust_store_commit(cust_store *s);
void cust_store_rollback(cust_store *s);

/* Native indexed lookup: calls `fn` for each quad matching `pattern` (kind
 * NONE = wildcard; a NONE graph = any graph), in no particular order. */
cust_status cust_store_find(cust_store *s, const cust_quad *pattern, cust_quad_fn fn, void *ud);
/* A cust_graph_view over this handle (for the mapper). */
cust_graph_view cust_store_view(cust_store *s);
/* Number of quads in the store. */
cust_status cust_store_count(cust_store *s, uint64_t *out);

/* Writes the store (or only the graph `graph_iri`, when not NULL) to `out`
 * as N-Quads, one line per distinct quad, sorted byte by byte (as
 * `LC_ALL=C sort -u` would), so that two stores can be compared with cmp.
 * SQLite sorts in bounded memory, spilling to temporary files. CUST_ERR_IO
 * when `out` cannot be written. */
cust_status cust_store_export(cust_store *s, const char *graph_iri, FILE *out);

/* Calls `fn` with the IRI of each named graph that holds a quad, sorted;
 * `fn` returning non-zero stops (CUST_OK). The IRI is borrowed for the call.
 * About ten times cheaper than librdf_model_get_contexts, which joins and
 * de-duplicates every quad's graph name. */
typedef int (*cust_store_graph_fn)(void *ud, const char *iri, size_t len);
cust_status cust_store_graphs(cust_store *s, cust_store_graph_fn fn, void *ud);

/* Refreshes the query planner's statistics now (commit does it by itself
 * whenever the number of triples has doubled). In the open transaction, or
 * in one of its own. */
cust_status cust_store_analyze(cust_store *s);

/* Bounds the node-id cache of this handle (defaults: 200000 terms, 32 MiB of
 * strings); it is cleared whenever it reaches either bound. */
void cust_store_set_cache(cust_store *s, size_t max_terms, size_t max_bytes);

/* ---- reading by term id (read_ids.c) ------------------------------------- */

/* The row id of term `t` (in uris, blanks or literals by its kind); 0 when
 * the store does not hold it. */
cust_status cust_store_term_id(cust_store *s, const cust_term *t, int64_t *id);

/* A quad as row ids: `s` and `o` are ids in the table of their kind (IRI or
 * BLANK for the subject; IRI, BLANK or LITERAL for the object); `g` is the
 * graph's id in uris, 0 for the default graph. */
typedef struct cust_store_id_quad {
  int64_t s, o, g;
  cust_term_kind s_kind, o_kind;
} cust_store_id_quad;
typedef int (*cust_store_id_fn)(void *ud, const cust_store_id_quad *q);

/* Calls `fn` (non-zero stops, CUST_OK) for each quad of the predicate with
 * id `predicate`, in the graph with id `graph` (0: any graph), in no
 * particular order: one indexed scan, no term text read. An id of 0 (a term
 * the store does not hold) matches nothing. */
cust_status cust_store_find_ids(cust_store *s, int64_t predicate, int64_t graph,
                                cust_store_id_fn fn, void *ud);

/* Calls `fn` with the text of each of the `n` ids of `kind` (IRI, BLANK: the
 * label without "_:", LITERAL: the lexical form), in order; `text` is NULL
 * for an id the store does not hold, and borrowed for the call. Non-zero
 * from `fn` stops (CUST_OK). */
typedef int (*cust_store_text_fn)(void *ud, size_t i, const char *text, size_t len);
cust_status cust_store_id_texts(cust_store *s, cust_term_kind kind, const int64_t *ids, size_t n,
                                cust_store_text_fn fn, void *ud);

/* A read transaction: the reads between begin and end see one commit (one
 * block height) even when the indexer commits meanwhile. *began is 1 when
 * this call started one (0 when the handle was already in a transaction,
 * which then serves); pass it to cust_store_read_end, which ends the read
 * (NULL `s` accepted). */
cust_status cust_store_read_begin(cust_store *s, int *began);
void cust_store_read_end(cust_store *s, int began);

/* ---- pattern scans by id, for the SPARQL evaluator (read_ids.c) ------------ */

/* Which graphs a scan reads: ANY (every quad; a triple held by several
 * graphs is given once), ONE (graphs[0]), LIST (the merge of graphs[0..n),
 * n <= CUST_SCAN_MAX_GRAPHS, each triple once), NAMED (every named graph,
 * one row per graph, with row.g set) or ALL (every quad, one row per graph
 * like NAMED, the default graph included: cheaper than ANY when repeats do
 * not matter). */
typedef enum cust_scan_graphs {
  CUST_SCAN_ANY = 0,
  CUST_SCAN_ONE,
  CUST_SCAN_LIST,
  CUST_SCAN_NAMED,
  CUST_SCAN_ALL
} cust_scan_graphs;
#define CUST_SCAN_MAX_GRAPHS 16

/* A triple pattern by row ids: 0 is a free place. A bound subject or object
 * gives its table by s_kind / o_kind. */
typedef struct cust_store_id_pattern {
  int64_t s, p, o;
  cust_term_kind s_kind, o_kind;
  cust_scan_graphs graphs;
  const int64_t *gids; /* ONE, LIST (borrowed for the open call) */
  size_t ngids;
} cust_store_id_pattern;

typedef struct cust_store_id_row {
  int64_t s, p, o, g; /* g: 0 unless NAMED (or ONE) */
  cust_term_kind s_kind, o_kind;
} cust_store_id_row;

/* A lazy scan: rows come one by one from one prepared statement, which the
 * handle keeps for the next scan of the same shape (several scans may be
 * open at once). Opened scans are closed by cust_store_scan_close (NULL
 * accepted) before the handle is closed. Errors: CUST_ERR_NOMEM,
 * CUST_ERR_LIMIT (more than CUST_SCAN_MAX_GRAPHS in a LIST), the store's
 * (logged). */
typedef struct cust_store_scan cust_store_scan;
cust_status cust_store_scan_open(cust_store *s, const cust_store_id_pattern *pat,
                                 cust_store_scan **out);
/* The next row into *row; *has_row 0 at the end. */
cust_status cust_store_scan_next(cust_store_scan *sc, cust_store_id_row *row, int *has_row);
void cust_store_scan_close(cust_store_scan *sc);

/* The number of quads with predicate `p`, counting up to `cap` (for join
 * order: the count stops there). A count is kept with the handle and given
 * again while the store has grown by at most 1/16 (and 1,024 quads) since it
 * was measured: an estimate, never a count to answer with. */
cust_status cust_store_predicate_count(cust_store *s, int64_t p, uint64_t cap, uint64_t *out);

/* The term of row id `id` in the table of `kind`, with its strings copied
 * into `arena` (a literal's language or datatype IRI included).
 * CUST_ERR_NOTFOUND when the store has no such row. */
cust_status cust_store_id_term(cust_store *s, cust_term_kind kind, int64_t id, cust_arena *arena,
                               cust_term *out);

/* ---- the change log (changelog.c) ----------------------------------------- */

/* Every row inserted into or deleted from the store's quads is logged with a
 * sequence number (seq, growing, never reused), in the same transaction;
 * each commit that logged something is marked with its last seq and the
 * checkpoint (height, block hash) it ended at. The rows of the heights more
 * than CUST_STORE_LOG_KEEP below the checkpoint are trimmed, except those
 * after the pin of a mirror in the same process. */
#define CUST_STORE_LOG_KEEP 10000

typedef struct cust_store_log_info {
  char store_id[40];  /* random, made with the log: seqs mean something only in one store */
  int64_t log_from;   /* the log holds every change after this seq */
  int is_whole;       /* replaying from seq 0 on an empty target gives the store */
  int64_t last_seq;   /* the last commit mark */
  cust_checkpoint cp; /* the store's checkpoint */
} cust_store_log_info;

typedef struct cust_store_commit_mark {
  int64_t seq; /* the last seq of the commit */
  uint64_t height;
  char block_hash[72];
} cust_store_commit_mark;

/* Non-zero from a callback stops the walk (CUST_OK). Quads and marks are
 * borrowed for the call. `is_add`: the quad is there after the change. */
typedef int (*cust_store_commit_fn)(void *ud, const cust_store_commit_mark *m);
typedef int (*cust_store_change_fn)(void *ud, int is_add, const cust_quad *q);

/* The log's state; CUST_ERR_FORMAT (logged) for a store that has no log
 * yet (made by an older version and never opened for writing since). Call
 * inside cust_store_read_begin/_end with the readers below to see one
 * commit. */
cust_status cust_store_log_state(cust_store *s, cust_store_log_info *out);
/* The block hash of the commit mark at `height` ("" when none is kept). */
cust_status cust_store_log_hash_at(cust_store *s, uint64_t height, char *hash, size_t n);
/* The commit marks after seq `after`, in order, at most `max`. */
cust_status cust_store_log_commits(cust_store *s, int64_t after, size_t max,
                                   cust_store_commit_fn fn, void *ud);
/* The net changes of the seqs (after, upto]: one call per quad touched, with
 * whether it is there after `upto` (its last change decides), in no
 * particular order. */
cust_status cust_store_log_changes(cust_store *s, int64_t after, int64_t upto,
                                   cust_store_change_fn fn, void *ud);
/* Every quad of the store (is_add 1), in no particular order. */
cust_status cust_store_quads(cust_store *s, cust_store_change_fn fn, void *ud);
/* Keeps the log rows after `seq` from trimming (a mirror's position); -1
 * lifts the pin. Thread-safe: a mirror thread pins the writer's handle. */
void cust_store_pin_log(cust_store *s, int64_t seq);

#endif
