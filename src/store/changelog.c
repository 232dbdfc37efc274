/* The change log: every row inserted into or deleted from `triples` is
 * recorded, by triggers, in the same transaction, so that a mirror can
 * replay the store's changes in commit order (the tables are described at
 * the top of store.c). */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store_int.h"

/* The log's inserts are INSERT OR FAIL into a table without constraints, as
 * the writer's own: a statement that may abort needs a statement journal,
 * which costs the indexer a temporary file write per statement. */

/* Commits between two trims of the log. */
#define TRIM_EVERY 64

const char *const cust_store_log_sql =
    "CREATE TABLE IF NOT EXISTS cust_log (seq INTEGER PRIMARY KEY, "
    "op INTEGER, subjectUri INTEGER, subjectBlank INTEGER, predicateUri INTEGER, "
    "objectUri INTEGER, objectBlank INTEGER, objectLiteral INTEGER, contextUri INTEGER);"
    "CREATE TABLE IF NOT EXISTS cust_log_commits (seq INTEGER PRIMARY KEY, "
    "height INTEGER, block_hash TEXT);"
    "CREATE TRIGGER IF NOT EXISTS cust_log_add AFTER INSERT ON triples BEGIN "
    "INSERT OR FAIL INTO cust_log (op, subjectUri, subjectBlank, predicateUri, objectUri, "
    "objectBlank, "
    "objectLiteral, contextUri) VALUES (1, NEW.subjectUri, NEW.subjectBlank, NEW.predicateUri, "
    "NEW.objectUri, NEW.objectBlank, NEW.objectLiteral, NEW.contextUri); END;"
    "CREATE TRIGGER IF NOT EXISTS cust_log_del AFTER DELETE ON triples BEGIN "
    "INSERT OR FAIL INTO cust_log (op, subjectUri, subjectBlank, predicateUri, objectUri, "
    "objectBlank, "
    "objectLiteral, contextUri) VALUES (2, OLD.subjectUri, OLD.subjectBlank, OLD.predicateUri, "
    "OLD.objectUri, OLD.objectBlank, OLD.objectLiteral, OLD.contextUri); END;";

static int prepare(cust_store *s, const char *sql, sqlite3_stmt **out) {
  int rc = sqlite3_prepare_v2(s->db, sql, -1, out, NULL);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(*out);
    *out = NULL;
  }
  return rc;
}

static int64_t one_int(cust_store *s, const char *sql, int64_t bind, int *rc) {
  sqlite3_stmt *st = NULL;
  int64_t v = 0;
  *rc = prepare(s, sql, &st);
  if (*rc == SQLITE_OK) {
    if (sqlite3_bind_parameter_count(st) > 0) {
      sqlite3_bind_int64(st, 1, bind);
    }
    *rc = sqlite3_step(st);
    if (*rc == SQLITE_ROW) {
      v = sqlite3_column_int64(st, 0);
      *rc = SQLITE_OK;
    } else if (*rc == SQLITE_DONE) {
      *rc = SQLITE_OK;
    }
  }
  sqlite3_finalize(st);
  return v;
}

/* 32 hex digits from the system's random source. */
static void random_id(char out[33]) {
  unsigned char r[16] = { 0 };
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  ssize_t got = fd >= 0 ? read(fd, r, sizeof r) : -1;
  if (fd >= 0) {
    close(fd);
  }
  if (got != (ssize_t)sizeof r) {
    uint64_t t = cust_now_ms() ^ ((uint64_t)getpid() << 32);
    memcpy(r, &t, sizeof t);
  }
  for (size_t i = 0; i < sizeof r; i++) {
    snprintf(out + 2 * i, 3, "%02x", r[i]);
  }
}

cust_status cust_store_log_setup(cust_store *s, int is_new) {
  char id[64];
  cust_status st = cust_store_meta_get(s, "store_id", id, sizeof id);
  if (st != CUST_OK || id[0] != '\0') {
    return st; /* set up already */
  }
  int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
  if (rc != SQLITE_OK) {
    return cust_store_fail(s, rc, "cannot add the change log to store");
  }
  /* Another process may have set it up meanwhile. */
  st = cust_store_meta_get(s, "store_id", id, sizeof id);
  if (st != CUST_OK || id[0] != '\0') {
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return st;
  }
  rc = sqlite3_exec(s->db, cust_store_log_sql, NULL, NULL, NULL);
  st = rc == SQLITE_OK ? CUST_OK : cust_store_fail(s, rc, "cannot add the change log to store");
  random_id(id);
  if (st == CUST_OK) {
    st = cust_store_meta_put(s, "store_id", id);
  }
  if (st == CUST_OK) {
    st = cust_store_meta_put(s, "log_from", "0");
  }
  if (st == CUST_OK) {
    /* A store that held quads before its log cannot be replayed from 0. */
    int64_t n = 0;
    if (!is_new) {
      n = one_int(s, "SELECT count(*) FROM (SELECT 1 FROM triples LIMIT 1)", 0, &rc);
      st = rc == SQLITE_OK ? CUST_OK : cust_store_fail(s, rc, "cannot read store");
    }
    if (st == CUST_OK) {
      st = cust_store_meta_put(s, "log_whole", n == 0 ? "1" : "0");
    }
  }
  rc = sqlite3_exec(s->db, st == CUST_OK ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
  if (st == CUST_OK && rc != SQLITE_OK) {
    st = cust_store_fail(s, rc, "cannot add the change log to store");
  }
  return st;
}

void cust_store_pin_log(cust_store *s, int64_t seq) {
  __atomic_store_n(&s->log_pin, seq, __ATOMIC_RELAXED);
}

/* Trims the rows older than the window of CUST_STORE_LOG_KEEP heights below
 * `height`, and never those after the pin of an in-process mirror. */
static cust_status trim(cust_store *s, uint64_t height) {
  if (height <= CUST_STORE_LOG_KEEP) {
    return CUST_OK;
  }
  int rc = SQLITE_OK;
  int64_t cut = one_int(s, "SELECT coalesce(max(seq), 0) FROM cust_log_commits WHERE height <= ?1",
                        (int64_t)(height - CUST_STORE_LOG_KEEP), &rc);
  int64_t pin = __atomic_load_n(&s->log_pin, __ATOMIC_RELAXED);
  if (pin >= 0 && pin < cut) {
    cut = pin;
  }
  /* The last row stays: seq is the rowid, which an empty table would give
   * out again from 1. */
  int64_t last =
      rc == SQLITE_OK ? one_int(s, "SELECT coalesce(max(seq), 0) FROM cust_log", 0, &rc) : 0;
  if (cut >= last) {
    cut = last - 1;
  }
  char from[32];
  cust_status st = rc == SQLITE_OK ? cust_store_meta_get(s, "log_from", from, sizeof from)
                                   : cust_store_fail(s, rc, "cannot read store");
  if (st != CUST_OK || cut <= strtoll(from, NULL, 10)) {
    return st;
  }
  sqlite3_stmt *del = NULL;
  rc = prepare(s, "DELETE FROM cust_log WHERE seq <= ?1", &del);
  if (rc == SQLITE_OK) {
    sqlite3_bind_int64(del, 1, cut);
    rc = sqlite3_step(del);
    rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
  }
  sqlite3_finalize(del);
  del = NULL;
  if (rc == SQLITE_OK) {
    rc = prepare(s, "DELETE FROM cust_log_commits WHERE seq < ?1", &del);
  }
  if (rc == SQLITE_OK) {
    sqlite3_bind_int64(del, 1, cut);
    rc = sqlite3_step(del);
    rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
  }
  sqlite3_finalize(del);
  if (rc != SQLITE_OK) {
    return cust_store_fail(s, rc, "cannot trim the change log of store");
  }
  snprintf(from, sizeof from, "%lld", (long long)cut);
  return cust_store_meta_put(s, "log_from", from);
}

cust_status cust_store_log_commit(cust_store *s) {
  if (s->log_last < 0) {
    int rc = SQLITE_OK;
    s->log_last = one_int(s, "SELECT coalesce(max(seq), 0) FROM cust_log_commits", 0, &rc);
    if (rc != SQLITE_OK) {
      s->log_last = -1;
      return cust_store_fail(s, rc, "cannot read the change log of store");
    }
  }
  int rc = SQLITE_OK;
  int64_t last = one_int(s, "SELECT coalesce(max(seq), 0) FROM cust_log", 0, &rc);
  if (rc != SQLITE_OK) {
    return cust_store_fail(s, rc, "cannot read the change log of store");
  }
  if (last <= s->log_last) {
    return CUST_OK; /* nothing changed in this transaction */
  }
  char height[32], hash[80];
  cust_status st = cust_store_meta_get(s, "height", height, sizeof height);
  if (st == CUST_OK) {
    st = cust_store_meta_get(s, "block_hash", hash, sizeof hash);
  }
  sqlite3_stmt *put = NULL;
  if (st == CUST_OK) {
    rc = prepare(s,
                 "INSERT OR REPLACE INTO cust_log_commits (seq, height, block_hash) "
                 "VALUES (?1, ?2, ?3)",
                 &put);
    if (rc == SQLITE_OK) {
      sqlite3_bind_int64(put, 1, last);
      sqlite3_bind_int64(put, 2, strtoll(height, NULL, 10));
      sqlite3_bind_text(put, 3, hash, -1, SQLITE_STATIC);
      rc = sqlite3_step(put);
      rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(put);
    st = rc == SQLITE_OK ? CUST_OK : cust_store_fail(s, rc, "cannot write store");
  }
  if (st == CUST_OK && ++s->log_commits % TRIM_EVERY == 0) {
    st = trim(s, strtoull(height, NULL, 10));
  }
  if (st == CUST_OK) {
    s->log_last = last;
  }
  return st;
}

/* ---- reading ---------------------------------------------------------------- */

cust_status cust_store_log_state(cust_store *s, cust_store_log_info *out) {
  memset(out, 0, sizeof *out);
  char v[64];
  cust_status st = cust_store_meta_get(s, "store_id", out->store_id, sizeof out->store_id);
  if (st == CUST_OK && out->store_id[0] == '\0') {
    cust_log(s->log, CUST_LOG_ERROR,
             "store \"%s\" has no change log yet; open it once with custodian index or run "
             "(this version) to add one",
             s->path);
    return CUST_ERR_FORMAT;
  }
  if (st == CUST_OK) {
    st = cust_store_meta_get(s, "log_from", v, sizeof v);
    out->log_from = strtoll(v, NULL, 10);
  }
  if (st == CUST_OK) {
    st = cust_store_meta_get(s, "log_whole", v, sizeof v);
    out->is_whole = strcmp(v, "1") == 0;
  }
  int rc = SQLITE_OK;
  if (st == CUST_OK) {
    out->last_seq = one_int(s, "SELECT coalesce(max(seq), 0) FROM cust_log_commits", 0, &rc);
    st = rc == SQLITE_OK ? CUST_OK : cust_store_fail(s, rc, "cannot read the change log of store");
  }
  if (st == CUST_OK) {
    st = cust_store_checkpoint(s, &out->cp);
  }
  return st;
}

cust_status cust_store_log_hash_at(cust_store *s, uint64_t height, char *hash, size_t n) {
  hash[0] = '\0';
  sqlite3_stmt *q = NULL;
  int rc = prepare(s, "SELECT block_hash FROM cust_log_commits WHERE height = ?1 LIMIT 1", &q);
  if (rc == SQLITE_OK) {
    sqlite3_bind_int64(q, 1, (int64_t)height);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
      snprintf(hash, n, "%s", (const char *)sqlite3_column_text(q, 0));
      rc = SQLITE_DONE;
    }
    rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
  }
  sqlite3_finalize(q);
  return rc == SQLITE_OK ? CUST_OK : cust_store_fail(s, rc, "cannot read the change log of store");
}

cust_status cust_store_log_commits(cust_store *s, int64_t after, size_t max,
                                   cust_store_commit_fn fn, void *ud) {
  sqlite3_stmt *q = NULL;
  int rc = prepare(s,
                   "SELECT seq, height, block_hash FROM cust_log_commits WHERE seq > ?1 "
                   "ORDER BY seq LIMIT ?2",
                   &q);
  if (rc == SQLITE_OK) {
    sqlite3_bind_int64(q, 1, after);
    sqlite3_bind_int64(q, 2, (int64_t)max);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
      cust_store_commit_mark m;
      m.seq = sqlite3_column_int64(q, 0);
      m.height = (uint64_t)sqlite3_column_int64(q, 1);
      snprintf(m.block_hash, sizeof m.block_hash, "%s", (const char *)sqlite3_column_text(q, 2));
      if (fn(ud, &m) != 0) {
        rc = SQLITE_DONE;
        break;
      }
    }
    rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
  }
  sqlite3_finalize(q);
  return rc == SQLITE_OK ? CUST_OK : cust_store_fail(s, rc, "cannot read the change log of store");
}

/* The columns of a quad (from cust_log or triples, aliased t) with its terms'
 * text: subject, predicate, object (IRI, blank, or literal with language
 * and datatype IRI), graph. */
#define QUAD_COLUMNS                                                                               \
  "coalesce(su.uri, sb.blank), t.subjectBlank IS NOT NULL, pu.uri, "                               \
  "coalesce(ou.uri, ob.blank, ol.text), CASE WHEN t.objectUri IS NOT NULL THEN 1 "                 \
  "WHEN t.objectBlank IS NOT NULL THEN 2 ELSE 3 END, ol.language, du.uri, gu.uri "
#define QUAD_JOINS                                                                                 \
  "LEFT JOIN uris su ON su.id = t.subjectUri LEFT JOIN blanks sb ON sb.id = t.subjectBlank "       \
  "LEFT JOIN uris pu ON pu.id = t.predicateUri LEFT JOIN uris ou ON ou.id = t.objectUri "          \
  "LEFT JOIN blanks ob ON ob.id = t.objectBlank LEFT JOIN literals ol ON ol.id = t.objectLiteral " \
  "LEFT JOIN uris du ON du.id = ol.datatype LEFT JOIN uris gu ON gu.id = t.contextUri "

/* Reads the quad whose columns start at `col`; 0 when a term is missing. */
static int row_quad(sqlite3_stmt *q, int col, cust_quad *out) {
  memset(out, 0, sizeof *out);
  const char *sv = (const char *)sqlite3_column_text(q, col);
  const char *pv = (const char *)sqlite3_column_text(q, col + 2);
  const char *ov = (const char *)sqlite3_column_text(q, col + 3);
  int okind = sqlite3_column_int(q, col + 4);
  const char *lang = (const char *)sqlite3_column_text(q, col + 5);
  const char *dt = (const char *)sqlite3_column_text(q, col + 6);
  const char *gv = (const char *)sqlite3_column_text(q, col + 7);
  if (sv == NULL || pv == NULL || ov == NULL) {
    return 0;
  }
  out->s = sqlite3_column_int(q, col + 1) ? cust_term_blank(sv) : cust_term_iri(sv);
  out->p = cust_term_iri(pv);
  if (okind == 1) {
    out->o = cust_term_iri(ov);
  } else if (okind == 2) {
    out->o = cust_term_blank(ov);
  } else {
    out->o = cust_term_literal(ov, lang, dt);
    out->o.len = (size_t)sqlite3_column_bytes(q, col + 3);
  }
  if (gv != NULL) {
    out->g = cust_term_iri(gv);
  }
  return 1;
}

cust_status cust_store_log_changes(cust_store *s, int64_t after, int64_t upto,
                                   cust_store_change_fn fn, void *ud) {
  /* One row per quad: the last change in the range decides whether it is
   * there at the end (SQLite takes the bare columns from the max() row). */
  static const char *const sql =
      "SELECT t.op, " QUAD_COLUMNS ", max(t.seq) FROM cust_log t " QUAD_JOINS
      "WHERE t.seq > ?1 AND t.seq <= ?2 GROUP BY t.subjectUri, t.subjectBlank, t.predicateUri, "
      "t.objectUri, t.objectBlank, t.objectLiteral, t.contextUri ORDER BY t.contextUri";
  sqlite3_stmt *q = NULL;
  int rc = prepare(s, sql, &q);
  cust_status st = CUST_OK;
  if (rc == SQLITE_OK) {
    sqlite3_bind_int64(q, 1, after);
    sqlite3_bind_int64(q, 2, upto);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
      cust_quad quad;
      if (!row_quad(q, 1, &quad)) {
        continue;
      }
      if (fn(ud, sqlite3_column_int(q, 0) == 1, &quad) != 0) {
        rc = SQLITE_DONE;
        break;
      }
    }
    rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
  }
  sqlite3_finalize(q);
  if (rc != SQLITE_OK) {
    st = cust_store_fail(s, rc, "cannot read the change log of store");
  }
  return st;
}

cust_status cust_store_quads(cust_store *s, cust_store_change_fn fn, void *ud) {
  static const char *const sql =
      "SELECT 1, " QUAD_COLUMNS " FROM triples t " QUAD_JOINS "ORDER BY t.contextUri";
  sqlite3_stmt *q = NULL;
  int rc = prepare(s, sql, &q);
  if (rc == SQLITE_OK) {
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
      cust_quad quad;
      if (row_quad(q, 1, &quad) && fn(ud, 1, &quad) != 0) {
        rc = SQLITE_DONE;
        break;
      }
    }
    rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
  }
  sqlite3_finalize(q);
  return rc == SQLITE_OK ? CUST_OK : cust_store_fail(s, rc, "cannot read store");
}
