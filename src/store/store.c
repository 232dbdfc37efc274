/* The store: opening and creating the file, its schema, the checkpoint, the
 * transactions, and the librdf world and model over the same file.
 *
 * The layout (schema version 1, PRAGMA application_id 0x43555354 "CUST",
 * PRAGMA user_version 1), in WAL mode:
 *
 *   uris     (id INTEGER PRIMARY KEY, uri TEXT)
 *   blanks   (id INTEGER PRIMARY KEY, blank TEXT)           label without "_:"
 *   literals (id INTEGER PRIMARY KEY, text TEXT, language TEXT, datatype INTEGER)
 *   triples  (subjectUri, subjectBlank, predicateUri, objectUri, objectBlank,
 *             objectLiteral, contextUri INTEGER)
 *
 * are the four tables of Redland's "sqlite" storage, created with its exact
 * definitions so that `rdfproc -s sqlite FILE` and any librdf program read
 * them. Its conventions, which the writer keeps:
 *   - a triple has exactly one of subjectUri/subjectBlank and one of
 *     objectUri/objectBlank/objectLiteral set; the other columns are NULL;
 *   - contextUri is the graph (an id in uris), NULL for the default graph;
 *   - a literal's language is NULL when it has none (never ''); its datatype
 *     is an id in uris, or NULL; a literal has a language or a datatype or
 *     neither, never both;
 *   - ids are never reused: rows of uris, blanks and literals are not deleted
 *     (removing a quad leaves its terms), so a cached id stays valid.
 * Each quad is stored once (the writer looks it up before inserting it);
 * librdf's own context_add_statement does not check, so a file written by
 * librdf may hold duplicates, which `export` shows once.
 *
 * Indexes. Redland creates spindex (subjectUri, subjectBlank, predicateUri)
 * and uriindex (uri). We keep uriindex, and replace spindex by a superset
 * that also de-duplicates and serves subject+predicate lookups of IRI
 * subjects on both columns:
 *   cust_triples_spog (subjectUri, predicateUri, objectUri, objectLiteral,
 *                      objectBlank, contextUri, subjectBlank)
 *   cust_triples_sb  (subjectBlank, predicateUri)  WHERE subjectBlank NOT NULL
 *   cust_triples_ou  (objectUri, predicateUri)     WHERE objectUri NOT NULL
 *   cust_triples_ol  (objectLiteral, predicateUri) WHERE objectLiteral NOT NULL
 *   cust_triples_ob  (objectBlank, predicateUri)   WHERE objectBlank NOT NULL
 *   cust_triples_p   (predicateUri, contextUri)
 *   cust_triples_g   (contextUri)                  WHERE contextUri NOT NULL
 *   cust_blanks_blank (blank), cust_literals_text (text)
 * The partial indexes cost one entry only for the rows they describe. The
 * planner's statistics (sqlite_stat1) are refreshed by a full ANALYZE in the
 * commit that sees the triples quadruple since the last refresh.
 *
 *   cust_meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID
 *
 * holds the checkpoint: chain_id, height, block_hash, block_time, written in
 * the same transaction as the block's quads, so that a crash leaves the file
 * at a block boundary. The checkpoint is mirrored as quads of the ledger graph
 * on <urn:custodian:checkpoint> (cust:height, cust:blockHash, cust:chainId,
 * cust:blockTime), replaced at each checkpoint.
 *
 *   cust_log (seq INTEGER PRIMARY KEY, op INTEGER, subjectUri,
 *             subjectBlank, predicateUri, objectUri, objectBlank,
 *             objectLiteral, contextUri)                 op 1 insert, 2 delete
 *   cust_log_commits (seq INTEGER PRIMARY KEY, height INTEGER, block_hash TEXT)
 *
 * are the change log that a mirror replays (changelog.c): triggers on
 * triples (cust_log_add, cust_log_del) log each row inserted or deleted, by
 * any writer, in its transaction; each commit that logged rows adds its
 * mark (its last seq and the checkpoint it ends at). cust_meta keys
 * store_id (random), log_from (rows after it are all there; trimming moves
 * it; the last row is never trimmed, so that seq, the rowid, never starts
 * again) and log_whole ("1" when the log began with the store). Stores made
 * before the log get it on their first writable open, with log_whole "0".
 * The tables are added without a new schema version: older versions still
 * read the store, and write through the triggers too. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/vocab.h"
#include "store/store_int.h"

#define CUST_STORE_APP_ID 0x43555354
#define CUST_STORE_VERSION 1

#define CUST_NS CUST_V_CUST
#define XSD_NS CUST_V_XSD
#define CHECKPOINT_IRI "urn:custodian:checkpoint"

static const char *const schema_sql =
    "CREATE TABLE uris (id INTEGER PRIMARY KEY, uri TEXT);"
    "CREATE TABLE blanks (id INTEGER PRIMARY KEY, blank TEXT);"
    "CREATE TABLE literals (id INTEGER PRIMARY KEY, text TEXT, language TEXT, datatype INTEGER);"
    "CREATE TABLE triples (subjectUri INTEGER, subjectBlank INTEGER, predicateUri INTEGER, "
    "objectUri INTEGER, objectBlank INTEGER, objectLiteral INTEGER, contextUri INTEGER);"
    "CREATE INDEX uriindex ON uris (uri);"
    "CREATE INDEX cust_blanks_blank ON blanks (blank);"
    "CREATE INDEX cust_literals_text ON literals (text);"
    "CREATE INDEX cust_triples_spog ON triples (subjectUri, predicateUri, objectUri, "
    "objectLiteral, objectBlank, contextUri, subjectBlank);"
    "CREATE INDEX cust_triples_sb ON triples (subjectBlank, predicateUri) "
    "WHERE subjectBlank IS NOT NULL;"
    "CREATE INDEX cust_triples_ou ON triples (objectUri, predicateUri) "
    "WHERE objectUri IS NOT NULL;"
    "CREATE INDEX cust_triples_ol ON triples (objectLiteral, predicateUri) "
    "WHERE objectLiteral IS NOT NULL;"
    "CREATE INDEX cust_triples_ob ON triples (objectBlank, predicateUri) "
    "WHERE objectBlank IS NOT NULL;"
    "CREATE INDEX cust_triples_p ON triples (predicateUri, contextUri);"
    "CREATE INDEX cust_triples_g ON triples (contextUri) WHERE contextUri IS NOT NULL;"
    "CREATE TABLE cust_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
    "INSERT INTO cust_meta (key, value) VALUES ('log_new', '1');"
    "PRAGMA application_id = 1129665364;" /* CUST_STORE_APP_ID */
    "PRAGMA user_version = 1;";           /* CUST_STORE_VERSION */

static const char *const stmt_sql[STMT_COUNT] = {
  [STMT_URI_GET] = "SELECT id FROM uris WHERE uri = ?1 LIMIT 1",
  [STMT_BLANK_GET] = "SELECT id FROM blanks WHERE blank = ?1 LIMIT 1",
  [STMT_LIT_GET] = "SELECT id FROM literals WHERE text = ?1 AND language IS ?2 "
                   "AND datatype IS ?3 LIMIT 1",
  [STMT_TRIPLE_HAS] = "SELECT 1 FROM triples WHERE subjectUri IS ?1 AND predicateUri IS ?3 "
                      "AND objectUri IS ?4 AND objectLiteral IS ?6 AND objectBlank IS ?5 "
                      "AND contextUri IS ?7 AND subjectBlank IS ?2 LIMIT 1",
  [STMT_TRIPLE_PUT] = "INSERT INTO triples (subjectUri, subjectBlank, predicateUri, objectUri, "
                      "objectBlank, objectLiteral, contextUri) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
  [STMT_TRIPLE_DEL_SP] = "DELETE FROM triples WHERE subjectUri IS ?1 AND subjectBlank IS ?2 "
                         "AND predicateUri = ?3 AND contextUri IS ?4",
  [STMT_META_GET] = "SELECT value FROM cust_meta WHERE key = ?1",
  [STMT_META_PUT] = "INSERT OR REPLACE INTO cust_meta (key, value) VALUES (?1, ?2)",
};

/* ltdl, which librdf uses to load its modules, is not thread-safe: worlds are
 * made and freed under this lock. */
static pthread_mutex_t rdf_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- errors ----------------------------------------------------------------- */

cust_status cust_store_fail(cust_store *s, int rc, const char *what) {
  const char *path = s != NULL && s->path != NULL ? s->path : "?";
  const char *msg = s != NULL && s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_FULL:
      cust_log(s ? s->log : NULL, CUST_LOG_ERROR,
               "%s \"%s\": disk full; free some space (the store is unchanged since its "
               "last commit) and run again",
               what, path);
      return CUST_ERR_FULL;
    case SQLITE_READONLY:
      cust_log(s ? s->log : NULL, CUST_LOG_ERROR,
               "%s \"%s\": the file is read-only (%s); check its permissions", what, path, msg);
      return CUST_ERR_READONLY;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      cust_log(s ? s->log : NULL, CUST_LOG_ERROR,
               "%s \"%s\": locked by another process (%s); run one writer per store", what, path,
               msg);
      return CUST_ERR_BUSY;
    case SQLITE_NOTADB:
      cust_log(s ? s->log : NULL, CUST_LOG_ERROR,
               "%s \"%s\": not a Custodian store (not an SQLite database); pass the right --db",
               what, path);
      return CUST_ERR_FORMAT;
    case SQLITE_CORRUPT:
      cust_log(s ? s->log : NULL, CUST_LOG_ERROR,
               "%s \"%s\": the file is damaged (%s); restore it or index again", what, path, msg);
      return CUST_ERR_FORMAT;
    case SQLITE_NOMEM:
      cust_log(s ? s->log : NULL, CUST_LOG_ERROR, "%s \"%s\": out of memory", what, path);
      return CUST_ERR_NOMEM;
    case SQLITE_CANTOPEN:
      cust_log(s ? s->log : NULL, CUST_LOG_ERROR, "%s \"%s\": %s; check the path", what, path, msg);
      return CUST_ERR_IO;
    case SQLITE_INTERRUPT:
      return CUST_ERR_STOPPED;
    case SQLITE_IOERR:
      cust_log(s ? s->log : NULL, CUST_LOG_ERROR, "%s \"%s\": input/output error (%s)", what, path,
               msg);
      return CUST_ERR_IO;
    default:
      cust_log(s ? s->log : NULL, CUST_LOG_ERROR, "%s \"%s\": %s (sqlite %d)", what, path, msg, rc);
      return CUST_ERR_INTERNAL;
  }
}

sqlite3_stmt *cust_store_stmt(cust_store *s, int which) {
  sqlite3_stmt *st = s->stmt[which];
  if (st == NULL) {
    int rc = sqlite3_prepare_v3(s->db, stmt_sql[which], -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
      s->stmt_status = cust_store_fail(s, rc, "cannot prepare a query of store");
      return NULL;
    }
    s->stmt[which] = st;
    return st;
  }
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return st;
}

sqlite3 *cust_store_db(cust_store *s) {
  return s != NULL ? s->db : NULL;
}

/* ---- meta ------------------------------------------------------------------- */

cust_status cust_store_meta_get(cust_store *s, const char *key, char *out, size_t outlen) {
  out[0] = '\0';
  sqlite3_stmt *st = cust_store_stmt(s, STMT_META_GET);
  if (st == NULL) {
    return s->stmt_status;
  }
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    const char *v = (const char *)sqlite3_column_text(st, 0);
    snprintf(out, outlen, "%s", v ? v : "");
    rc = SQLITE_DONE;
  }
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? CUST_OK : cust_store_fail(s, rc, "cannot read store");
}

cust_status cust_store_meta_put(cust_store *s, const char *key, const char *value) {
  sqlite3_stmt *st = cust_store_stmt(s, STMT_META_PUT);
  if (st == NULL) {
    return s->stmt_status;
  }
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? CUST_OK : cust_store_fail(s, rc, "cannot write store");
}

static cust_status exec(cust_store *s, const char *sql, const char *what) {
  int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
  return rc == SQLITE_OK ? CUST_OK : cust_store_fail(s, rc, what);
}

static int query_int(sqlite3 *db, const char *sql, int64_t *out) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      *out = sqlite3_column_int64(st, 0);
      rc = SQLITE_OK;
    }
  }
  sqlite3_finalize(st);
  return rc;
}

/* ---- the checkpointer ---------------------------------------------------------- */

/* WAL pages that start a checkpoint, and the size at which the writer
 * checkpoints by itself because the thread cannot keep up. */
#define CKPT_PAGES 4000
#define CKPT_PAGES_MAX (3 * CKPT_PAGES)

/* Copies the WAL into the file, PASSIVE (it never blocks the writer), when
 * the writer asks; its fsyncs then wait here instead of in a commit. */
static void *checkpointer(void *ud) {
  cust_store *s = ud;
  sqlite3 *db = NULL;
  if (sqlite3_open_v2(s->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
      SQLITE_OK) {
    sqlite3_close_v2(db);
    db = NULL;
  }
  pthread_mutex_lock(&s->ckpt_lock);
  for (;;) {
    while (!s->ckpt_wanted && !s->ckpt_stop) {
      pthread_cond_wait(&s->ckpt_cond, &s->ckpt_lock);
    }
    if (s->ckpt_stop) {
      break;
    }
    s->ckpt_wanted = 0;
    pthread_mutex_unlock(&s->ckpt_lock);
    if (db != NULL) {
      sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    }
    pthread_mutex_lock(&s->ckpt_lock);
  }
  pthread_mutex_unlock(&s->ckpt_lock);
  sqlite3_close_v2(db);
  return NULL;
}

/* Called by SQLite after each commit with the pages in the WAL. */
static int on_wal_commit(void *ud, sqlite3 *db, const char *name, int pages) {
  cust_store *s = ud;
  if (pages >= CKPT_PAGES_MAX) {
    /* Between transactions nothing else writes: the checkpoint completes and
     * the next transaction starts the WAL again from its beginning. */
    sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
  } else if (pages >= CKPT_PAGES) {
    pthread_mutex_lock(&s->ckpt_lock);
    s->ckpt_wanted = 1;
    pthread_cond_signal(&s->ckpt_cond);
    pthread_mutex_unlock(&s->ckpt_lock);
  }
  return SQLITE_OK;
}

/* Starts the checkpointer of a writable handle; without it SQLite
 * checkpoints in the commits. */
static void start_checkpointer(cust_store *s) {
  if (pthread_mutex_init(&s->ckpt_lock, NULL) != 0) {
    return;
  }
  if (pthread_cond_init(&s->ckpt_cond, NULL) != 0) {
    pthread_mutex_destroy(&s->ckpt_lock);
    return;
  }
  if (pthread_create(&s->ckpt_thread, NULL, checkpointer, s) != 0) {
    pthread_cond_destroy(&s->ckpt_cond);
    pthread_mutex_destroy(&s->ckpt_lock);
    return;
  }
  s->ckpt_running = 1;
  sqlite3_wal_hook(s->db, on_wal_commit, s);
}

static void stop_checkpointer(cust_store *s) {
  if (!s->ckpt_running) {
    return;
  }
  pthread_mutex_lock(&s->ckpt_lock);
  s->ckpt_stop = 1;
  pthread_cond_signal(&s->ckpt_cond);
  pthread_mutex_unlock(&s->ckpt_lock);
  pthread_join(s->ckpt_thread, NULL);
  pthread_cond_destroy(&s->ckpt_cond);
  pthread_mutex_destroy(&s->ckpt_lock);
  s->ckpt_running = 0;
  sqlite3_wal_autocheckpoint(s->db, CKPT_PAGES);
}

/* ---- open and close ---------------------------------------------------------- */

static cust_status create_schema(cust_store *s) {
  cust_status st = exec(s, "BEGIN IMMEDIATE", "cannot create store");
  if (st != CUST_OK) {
    return st;
  }
  int64_t n = 0;
  int rc = query_int(s->db, "SELECT count(*) FROM sqlite_master", &n);
  if (rc != SQLITE_OK) {
    st = cust_store_fail(s, rc, "cannot create store");
  } else if (n == 0) {
    st = exec(s, schema_sql, "cannot create store");
  }
  if (st == CUST_OK) {
    st = exec(s, "COMMIT", "cannot create store");
  }
  if (st != CUST_OK) {
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
  }
  return st;
}

/* Checks that the file is a Custodian store of our version, creating the
 * layout in an empty file when allowed. */
static cust_status check_format(cust_store *s, unsigned flags) {
  int64_t app = 0, version = 0, objects = 0;
  int rc = query_int(s->db, "PRAGMA application_id", &app);
  if (rc == SQLITE_OK) {
    rc = query_int(s->db, "PRAGMA user_version", &version);
  }
  if (rc == SQLITE_OK) {
    rc = query_int(s->db, "SELECT count(*) FROM sqlite_master", &objects);
  }
  if (rc != SQLITE_OK) {
    return cust_store_fail(s, rc, "cannot open store");
  }
  if (app == 0 && version == 0 && objects == 0) {
    if (!(flags & CUST_STORE_CREATE) || s->is_readonly) {
      cust_log(s->log, CUST_LOG_ERROR,
               "cannot open store \"%s\": the file is empty, not a Custodian store; "
               "index a chain first or pass the right --db",
               s->path);
      return CUST_ERR_FORMAT;
    }
    /* 16 KiB pages: shallower indexes and fewer pages written per commit. */
    rc = sqlite3_exec(s->db, "PRAGMA page_size=16384; PRAGMA journal_mode=WAL", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
      return cust_store_fail(s, rc, "cannot create store");
    }
    cust_status st = create_schema(s);
    if (st != CUST_OK) {
      return st;
    }
    return check_format(s, 0);
  }
  if (app != CUST_STORE_APP_ID) {
    cust_log(s->log, CUST_LOG_ERROR,
             "cannot open store \"%s\": not a Custodian store (an SQLite file of another "
             "application); pass the right --db",
             s->path);
    return CUST_ERR_FORMAT;
  }
  if (version != CUST_STORE_VERSION) {
    cust_log(s->log, CUST_LOG_ERROR,
             "cannot open store \"%s\": schema version %lld, this custodian reads version %d; "
             "use a matching custodian or index again into a new file",
             s->path, (long long)version, CUST_STORE_VERSION);
    return CUST_ERR_VERSION;
  }
  return CUST_OK;
}

/* A reader of a WAL file needs its -shm file: when the file is read-only and
 * its directory too, SQLite cannot make one. No writer can be at work then
 * (a writer keeps -wal and -shm next to the file), so the file is read as an
 * unchanging one, which needs no -shm. */
static cust_status open_unchanging_if_needed(cust_store *s) {
  int rc = sqlite3_exec(s->db, "SELECT 1 FROM sqlite_master LIMIT 1", NULL, NULL, NULL);
  if ((rc & 0xff) != SQLITE_READONLY && (rc & 0xff) != SQLITE_CANTOPEN) {
    return CUST_OK; /* fine, or an error that the format check reports */
  }
  cust_buf uri;
  cust_buf_init(&uri);
  cust_status st = cust_buf_puts(&uri, "file:");
  for (const char *p = s->path; st == CUST_OK && *p != '\0'; p++) {
    unsigned char c = (unsigned char)*p;
    st = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 strchr("/._-~", c) != NULL
             ? cust_buf_putc(&uri, (char)c)
             : cust_buf_printf(&uri, "%%%02X", c);
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(&uri, "?mode=ro&immutable=1");
  }
  if (st == CUST_OK) {
    sqlite3_close_v2(s->db);
    s->db = NULL;
    rc = sqlite3_open_v2(uri.data, &s->db,
                         SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
    st = rc == SQLITE_OK ? CUST_OK : cust_store_fail(s, rc, "cannot open store");
  }
  if (st == CUST_OK) {
    sqlite3_extended_result_codes(s->db, 1);
    cust_log(s->log, CUST_LOG_WARN,
             "store \"%s\": neither the file nor its directory is writable; reading it as a "
             "file that does not change",
             s->path);
    /* librdf opens the file by path, with a connection of its own that
     * would fail the same way: the VFS shows the file immutable to it */
    const char *full = sqlite3_db_filename(s->db, "main");
    s->held_path = full != NULL ? strdup(full) : NULL;
    if (s->held_path == NULL || cust_store_vfs_hold(s->held_path) != CUST_OK) {
      free(s->held_path);
      s->held_path = NULL;
      cust_log(s->log, CUST_LOG_WARN,
               "store \"%s\": librdf cannot read it; SPARQL queries on it will fail", s->path);
    }
  }
  cust_buf_release(&uri);
  return st;
}

cust_status cust_store_open(const char *path, unsigned flags, const cust_logger *log,
                            cust_store **out) {
  *out = NULL;
  if (path == NULL || path[0] == '\0') {
    cust_log(log, CUST_LOG_ERROR, "cannot open store \"\": no path; pass --db");
    return CUST_ERR_INVALID;
  }
  struct stat sb;
  if (stat(path, &sb) != 0) {
    if (errno != ENOENT || !(flags & CUST_STORE_CREATE) || (flags & CUST_STORE_READONLY)) {
      cust_log(log, CUST_LOG_ERROR, "cannot open store \"%s\": %s", path,
               errno == ENOENT ? "no such file; index a chain first or pass --db"
                               : strerror(errno));
      return errno == ENOENT ? CUST_ERR_NOTFOUND : CUST_ERR_IO;
    }
  } else if (!S_ISREG(sb.st_mode)) {
    cust_log(log, CUST_LOG_ERROR, "cannot open store \"%s\": not a regular file; pass --db", path);
    return CUST_ERR_FORMAT;
  }
  cust_status st = CUST_OK;
  cust_store *s = calloc(1, sizeof *s);
  if (s == NULL || (s->path = strdup(path)) == NULL) {
    free(s);
    cust_log(log, CUST_LOG_ERROR, "cannot open store \"%s\": out of memory", path);
    return CUST_ERR_NOMEM;
  }
  s->log = log;
  s->is_readonly = (flags & CUST_STORE_READONLY) != 0;
  s->triples = -1;
  s->data_version = -1;
  s->log_last = -1;
  s->log_pin = -1;
  cust_node_cache_init(&s->cache, 200000, 32u * 1024 * 1024);

  int oflags = SQLITE_OPEN_NOMUTEX |
               (s->is_readonly ? SQLITE_OPEN_READONLY
                               : SQLITE_OPEN_READWRITE |
                                     ((flags & CUST_STORE_CREATE) ? SQLITE_OPEN_CREATE : 0));
  int rc = sqlite3_open_v2(path, &s->db, oflags, NULL);
  if (rc != SQLITE_OK) {
    st = cust_store_fail(s, rc, "cannot open store");
    goto done;
  }
  sqlite3_extended_result_codes(s->db, 1);
  sqlite3_busy_timeout(s->db, 10000);
  if (s->is_readonly) {
    st = open_unchanging_if_needed(s);
    if (st != CUST_OK) {
      goto done;
    }
  }
  if (!s->is_readonly && sqlite3_db_readonly(s->db, "main") == 1) {
    cust_log(log, CUST_LOG_ERROR,
             "cannot open store \"%s\" for writing: the file is read-only; check its "
             "permissions, or open it read-only",
             path);
    st = CUST_ERR_READONLY;
    goto done;
  }
  st = check_format(s, flags);
  if (st != CUST_OK) {
    goto done;
  }
  /* NORMAL is safe in WAL mode: a crash loses no committed transaction that
   * reached the WAL, and never leaves a half one. */
  rc = sqlite3_exec(s->db,
                    s->is_readonly ? "PRAGMA cache_size=-16384; PRAGMA query_only=1"
                                   : "PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536; "
                                     "PRAGMA wal_autocheckpoint=4000; PRAGMA temp_store=FILE",
                    NULL, NULL, NULL);
  if (rc != SQLITE_OK) {
    st = cust_store_fail(s, rc, "cannot open store");
    goto done;
  }
  if (!s->is_readonly) {
    char is_new[8];
    st = cust_store_meta_get(s, "log_new", is_new, sizeof is_new);
    if (st == CUST_OK) {
      st = cust_store_log_setup(s, is_new[0] == '1');
    }
    if (st != CUST_OK) {
      goto done;
    }
    start_checkpointer(s);
  }
  st = cust_store_meta_get(s, "chain_id", s->chain_id, sizeof s->chain_id);
  if (st == CUST_OK && !s->is_readonly) {
    char v[32];
    st = cust_store_meta_get(s, "analyzed_triples", v, sizeof v);
    s->analyzed_triples = strtoll(v, NULL, 10);
  }

done:
  if (st != CUST_OK) {
    cust_store_close(s);
    return st;
  }
  *out = s;
  return CUST_OK;
}

void cust_store_close(cust_store *s) {
  if (s == NULL) {
    return;
  }
  if (s->model != NULL) {
    librdf_free_model(s->model);
  }
  if (s->storage != NULL) {
    librdf_free_storage(s->storage);
  }
  if (s->world != NULL) {
    pthread_mutex_lock(&rdf_lock);
    librdf_free_world(s->world);
    pthread_mutex_unlock(&rdf_lock);
  }
  if (s->rdf_module != NULL) {
    dlclose(s->rdf_module);
  }
  if (s->in_tx && s->db != NULL) {
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
  }
  stop_checkpointer(s);
  for (int i = 0; i < STMT_COUNT; i++) {
    sqlite3_finalize(s->stmt[i]);
  }
  sqlite3_finalize(s->put_many);
  for (int i = 0; i < 3; i++) {
    sqlite3_finalize(s->put_terms[i][0]);
    sqlite3_finalize(s->put_terms[i][1]);
  }
  cust_store_find_release(s);
  cust_store_scans_release(s);
  if (s->db != NULL) {
    sqlite3_close_v2(s->db);
  }
  cust_node_cache_release(&s->cache);
  cust_term_filter_release(&s->filter);
  cust_store_vfs_release(s->held_path);
  free(s->held_path);
  free(s->path);
  free(s);
}

/* ---- chain and checkpoint ------------------------------------------------------ */

cust_status cust_store_checkpoint(cust_store *s, cust_checkpoint *out) {
  memset(out, 0, sizeof *out);
  char height[32];
  cust_status st = cust_store_meta_get(s, "height", height, sizeof height);
  if (st == CUST_OK) {
    st = cust_store_meta_get(s, "block_hash", out->block_hash, sizeof out->block_hash);
  }
  if (st == CUST_OK) {
    st = cust_store_meta_get(s, "chain_id", out->chain_id, sizeof out->chain_id);
  }
  if (st == CUST_OK) {
    st = cust_store_meta_get(s, "block_time", out->block_time, sizeof out->block_time);
  }
  if (st == CUST_OK) {
    out->height = strtoull(height, NULL, 10);
  }
  return st;
}

static cust_status check_chain(cust_store *s, const char *chain_id) {
  if (chain_id == NULL || chain_id[0] == '\0' || strlen(chain_id) >= sizeof s->chain_id) {
    cust_log(s->log, CUST_LOG_ERROR, "store \"%s\": invalid chain id \"%s\"", s->path,
             chain_id ? chain_id : "");
    return CUST_ERR_INVALID;
  }
  if (s->chain_id[0] != '\0' && strcmp(s->chain_id, chain_id) != 0) {
    cust_log(s->log, CUST_LOG_ERROR,
             "store \"%s\" follows chain \"%s\", not \"%s\"; pass another --db for this chain",
             s->path, s->chain_id, chain_id);
    return CUST_ERR_MISMATCH;
  }
  return CUST_OK;
}

cust_status cust_store_bind_chain(cust_store *s, const char *chain_id) {
  char stored[sizeof s->chain_id];
  /* Another process may have bound it since we opened. */
  cust_status st = cust_store_meta_get(s, "chain_id", stored, sizeof stored);
  if (st != CUST_OK) {
    return st;
  }
  memcpy(s->chain_id, stored, sizeof stored);
  st = check_chain(s, chain_id);
  if (st != CUST_OK || s->chain_id[0] != '\0') {
    return st;
  }
  int own_tx = !s->in_tx;
  if (own_tx && (st = cust_store_begin(s)) != CUST_OK) {
    return st;
  }
  st = cust_store_meta_put(s, "chain_id", chain_id);
  if (own_tx) {
    st = st == CUST_OK ? cust_store_commit(s) : (cust_store_rollback(s), st);
  }
  if (st == CUST_OK) {
    snprintf(s->chain_id, sizeof s->chain_id, "%s", chain_id);
  }
  return st;
}

static cust_status mirror_checkpoint(cust_store *s, const cust_checkpoint *cp) {
  static const char *const preds[] = { CUST_NS "height", CUST_NS "blockHash", CUST_NS "chainId",
                                       CUST_NS "blockTime" };
  char height[32];
  snprintf(height, sizeof height, "%llu", (unsigned long long)cp->height);
  cust_quad q;
  q.s = cust_term_iri(CHECKPOINT_IRI);
  q.g = cust_term_iri(CUST_GRAPH_LEDGER);
  cust_status st = CUST_OK;
  for (size_t i = 0; st == CUST_OK && i < 4; i++) {
    q.p = cust_term_iri(preds[i]);
    st = cust_store_remove_sp(s, &q.s, &q.p, &q.g);
    if (st != CUST_OK) {
      break;
    }
    switch (i) {
      case 0:
        q.o = cust_term_literal(height, NULL, XSD_NS "integer");
        break;
      case 1:
        q.o = cust_term_literal(cp->block_hash, NULL, NULL);
        break;
      case 2:
        q.o = cust_term_literal(cp->chain_id, NULL, NULL);
        break;
      default:
        q.o = cust_term_literal(cp->block_time, NULL, XSD_NS "dateTime");
        break;
    }
    if (i == 3 && cp->block_time[0] == '\0') {
      break;
    }
    st = cust_store_add(s, &q);
  }
  return st;
}

cust_status cust_store_set_checkpoint(cust_store *s, const cust_checkpoint *cp) {
  if (!s->in_tx) {
    cust_log(s->log, CUST_LOG_ERROR, "store \"%s\": a checkpoint needs a transaction", s->path);
    return CUST_ERR_INVALID;
  }
  cust_status st = cust_store_check_tx(s);
  if (st == CUST_OK) {
    st = check_chain(s, cp->chain_id);
  }
  if (st != CUST_OK) {
    return st;
  }
  char height[32];
  snprintf(height, sizeof height, "%llu", (unsigned long long)cp->height);
  if (s->chain_id[0] == '\0') {
    st = cust_store_meta_put(s, "chain_id", cp->chain_id);
  }
  if (st == CUST_OK) {
    st = cust_store_meta_put(s, "height", height);
  }
  if (st == CUST_OK) {
    st = cust_store_meta_put(s, "block_hash", cp->block_hash);
  }
  if (st == CUST_OK) {
    st = cust_store_meta_put(s, "block_time", cp->block_time);
  }
  if (st == CUST_OK) {
    st = mirror_checkpoint(s, cp);
  }
  if (st == CUST_OK && s->chain_id[0] == '\0') {
    /* Bound for this handle now; forgotten again if the transaction fails. */
    snprintf(s->chain_id, sizeof s->chain_id, "%s", cp->chain_id);
  }
  return st;
}

/* ---- transactions ------------------------------------------------------------ */

cust_status cust_store_begin(cust_store *s) {
  if (s->is_readonly) {
    cust_log(s->log, CUST_LOG_ERROR, "cannot write store \"%s\": opened read-only", s->path);
    return CUST_ERR_READONLY;
  }
  if (s->in_tx) {
    cust_log(s->log, CUST_LOG_ERROR, "store \"%s\": a transaction is already open", s->path);
    return CUST_ERR_INVALID;
  }
  cust_status st = exec(s, "BEGIN IMMEDIATE", "cannot write store");
  if (st != CUST_OK) {
    return st;
  }
  s->in_tx = 1;
  memset(s->next_id, 0, sizeof s->next_id);
  /* Another connection's commit may have added terms the filter misses. */
  int64_t v = -1;
  int rc = query_int(s->db, "PRAGMA data_version", &v);
  if (rc != SQLITE_OK) {
    st = cust_store_fail(s, rc, "cannot write store");
    cust_store_rollback(s);
    return st;
  }
  if (s->data_version >= 0 && v != s->data_version) {
    cust_term_filter_release(&s->filter);
    s->filter.off = 1;
  }
  s->data_version = v;
  return CUST_OK;
}

/* Refreshes the planner's statistics when the triples have quadrupled since
 * the last time, so that their cost stays proportional to what was written. A
 * full ANALYZE: a sampled one (analysis_limit) misjudges these skewed indexes
 * (it took literals for 400 times less selective than they are). */
static cust_status maybe_analyze(cust_store *s) {
  if (s->triples < 0) {
    int rc = query_int(s->db, "SELECT count(*) FROM triples", &s->triples);
    if (rc != SQLITE_OK) {
      return cust_store_fail(s, rc, "cannot read store");
    }
  }
  if (s->triples < 1000 || s->triples < 4 * s->analyzed_triples) {
    return CUST_OK;
  }
  cust_status st = exec(s, "ANALYZE", "cannot analyze store");
  if (st == CUST_OK) {
    char v[32];
    snprintf(v, sizeof v, "%lld", (long long)s->triples);
    st = cust_store_meta_put(s, "analyzed_triples", v);
  }
  if (st == CUST_OK) {
    s->analyzed_triples = s->triples;
  }
  return st;
}

cust_status cust_store_analyze(cust_store *s) {
  int own_tx = !s->in_tx;
  cust_status st = own_tx ? cust_store_begin(s) : CUST_OK;
  if (st == CUST_OK) {
    s->triples = -1;
    s->analyzed_triples = 0;
    st = maybe_analyze(s);
  }
  if (own_tx && st == CUST_OK) {
    return cust_store_commit(s);
  }
  if (own_tx) {
    cust_store_rollback(s);
  }
  return st;
}

cust_status cust_store_commit(cust_store *s) {
  if (!s->in_tx) {
    cust_log(s->log, CUST_LOG_ERROR, "store \"%s\": no transaction to commit", s->path);
    return CUST_ERR_INVALID;
  }
  cust_status st = maybe_analyze(s);
  if (st == CUST_OK) {
    st = cust_store_log_commit(s);
  }
  if (st == CUST_OK) {
    st = exec(s, "COMMIT", "cannot commit to store");
  }
  if (st != CUST_OK) {
    cust_store_rollback(s);
    return st;
  }
  s->in_tx = 0;
  return CUST_OK;
}

void cust_store_rollback(cust_store *s) {
  if (s == NULL || !s->in_tx) {
    return;
  }
  /* SQLite may already have rolled back on its own (a full disk, I/O). */
  if (!sqlite3_get_autocommit(s->db)) {
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
  }
  s->in_tx = 0;
  s->triples = -1;
  s->log_last = -1;
  s->npending = 0;
  memset(s->npending_terms, 0, sizeof s->npending_terms);
  memset(s->next_id, 0, sizeof s->next_id);
  cust_node_cache_clear(&s->cache);
  char chain[sizeof s->chain_id];
  if (cust_store_meta_get(s, "chain_id", chain, sizeof chain) == CUST_OK) {
    memcpy(s->chain_id, chain, sizeof chain);
  }
  char v[32];
  if (cust_store_meta_get(s, "analyzed_triples", v, sizeof v) == CUST_OK) {
    s->analyzed_triples = strtoll(v, NULL, 10);
  }
}

/* ---- librdf ------------------------------------------------------------------ */

static int on_librdf_log(void *ud, librdf_log_message *m) {
  const cust_store *s = ud;
  int level = librdf_log_message_level(m);
  cust_log(s->log, level >= LIBRDF_LOG_ERROR ? CUST_LOG_ERROR : CUST_LOG_DEBUG,
           "store \"%s\": librdf: %s", s->path, librdf_log_message_message(m));
  return 1;
}

static int has_sqlite_storage(librdf_world *w) {
  const char *name = NULL;
  for (unsigned i = 0; librdf_storage_enumerate(w, i, &name, NULL) == 0; i++) {
    if (strcmp(name, "sqlite") == 0) {
      return 1;
    }
  }
  return 0;
}

/* librdf registers a storage module with the first world that loads it; a
 * second world alive at the same time finds no "sqlite" storage. So when it
 * is missing we load the module ourselves (it sits in "redland/" next to
 * librdf) and register it with this world; the handle keeps the module
 * loaded until the world is gone. */
static void add_sqlite_storage(cust_store *s) {
  Dl_info info;
  char dir[4096], path[4200];
  if (dladdr((void *)librdf_new_world, &info) == 0 || info.dli_fname == NULL) {
    return;
  }
  snprintf(dir, sizeof dir, "%s", info.dli_fname);
  snprintf(path, sizeof path, "%s/redland/librdf_storage_sqlite.so", dirname(dir));
  s->rdf_module = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (s->rdf_module == NULL) {
    return;
  }
  void (*reg)(librdf_world *) = NULL;
  *(void **)&reg = dlsym(s->rdf_module, "librdf_storage_module_register_factory");
  if (reg != NULL) {
    reg(s->world);
  }
}

static int open_rdf(cust_store *s) {
  if (s->model != NULL) {
    return 1;
  }
  pthread_mutex_lock(&rdf_lock);
  if (s->world == NULL) {
    s->world = librdf_new_world();
    if (s->world != NULL) {
      librdf_world_set_logger(s->world, s, on_librdf_log);
      librdf_world_open(s->world);
      if (!has_sqlite_storage(s->world)) {
        add_sqlite_storage(s);
      }
    }
  }
  pthread_mutex_unlock(&rdf_lock);
  if (s->world == NULL) {
    cust_log(s->log, CUST_LOG_ERROR, "store \"%s\": cannot make a librdf world", s->path);
    return 0;
  }
  if (s->storage == NULL) {
    s->storage = librdf_new_storage(s->world, "sqlite", s->path, "new='no'");
    if (s->storage == NULL) {
      cust_log(s->log, CUST_LOG_ERROR,
               "store \"%s\": librdf cannot open it (is librdf-storage-sqlite installed?)",
               s->path);
      return 0;
    }
  }
  s->model = librdf_new_model(s->world, s->storage, NULL);
  if (s->model == NULL) {
    cust_log(s->log, CUST_LOG_ERROR, "store \"%s\": librdf cannot make a model", s->path);
    return 0;
  }
  return 1;
}

librdf_world *cust_store_rdf_world(cust_store *s) {
  if (s == NULL) {
    return NULL;
  }
  open_rdf(s);
  return s->world;
}

librdf_model *cust_store_rdf_model(cust_store *s) {
  if (s == NULL || !open_rdf(s)) {
    return NULL;
  }
  return s->model;
}
