/* The store's writer: terms to row ids through the node-id cache (and, for
 * terms it has not seen, the absent-term filter), quads de-duplicated, and
 * new rows queued and inserted many per statement inside the caller's
 * transaction; every queue is written before cust_store_add or
 * cust_store_apply returns (the layout is described at the top of store.c). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

static const char *lang_of(const cust_term *t) {
  return t->lang != NULL && t->lang[0] != '\0' ? t->lang : NULL;
}

static cust_status step_id(cust_store *s, sqlite3_stmt *st, int64_t *id) {
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    *id = sqlite3_column_int64(st, 0);
    rc = SQLITE_DONE;
  }
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? CUST_OK : cust_store_fail(s, rc, "cannot read store");
}

/* ---- new terms, inserted CUST_PENDING_TERMS at a time ------------------- */

static const char *const term_insert[3] = {
  "INSERT OR FAIL INTO uris (id, uri) VALUES ", "INSERT OR FAIL INTO blanks (id, blank) VALUES ",
  "INSERT OR FAIL INTO literals (id, text, language, datatype) "
  "VALUES "
};
static const char *const term_tables[3] = { "uris", "blanks", "literals" };

/* The statement inserting CUST_PENDING_TERMS rows (`many`) or one row into
 * term table `table`, prepared on first use. */
static cust_status term_put(cust_store *s, int table, int many, sqlite3_stmt **out) {
  sqlite3_stmt **slot = &s->put_terms[table][many];
  *out = NULL;
  if (*slot != NULL) {
    sqlite3_reset(*slot);
    *out = *slot;
    return CUST_OK;
  }
  const char *row = table == 2 ? "(?,?,?,?)" : "(?,?)";
  int rows = many ? CUST_PENDING_TERMS : 1;
  cust_buf sql;
  cust_buf_init(&sql);
  cust_status st = cust_buf_puts(&sql, term_insert[table]);
  for (int r = 0; st == CUST_OK && r < rows; r++) {
    st = r > 0 ? cust_buf_putc(&sql, ',') : CUST_OK;
    if (st == CUST_OK) {
      st = cust_buf_puts(&sql, row);
    }
  }
  int rc = st == CUST_OK
               ? sqlite3_prepare_v3(s->db, sql.data, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL)
               : SQLITE_NOMEM;
  cust_buf_release(&sql);
  if (rc != SQLITE_OK) {
    return cust_store_fail(s, rc, "cannot prepare a query of store");
  }
  *out = *slot;
  return CUST_OK;
}

static void bind_term(sqlite3_stmt *q, int table, int first, const cust_pending_term *p) {
  sqlite3_bind_int64(q, first, p->id);
  sqlite3_bind_text64(q, first + 1, p->value, p->len, SQLITE_STATIC, SQLITE_UTF8);
  if (table == 2) {
    if (p->lang != NULL) {
      sqlite3_bind_text(q, first + 2, p->lang, -1, SQLITE_STATIC);
    } else {
      sqlite3_bind_null(q, first + 2);
    }
    if (p->datatype != 0) {
      sqlite3_bind_int64(q, first + 3, p->datatype);
    } else {
      sqlite3_bind_null(q, first + 3);
    }
  }
}

/* Inserts the terms waiting for table `table`. */
static cust_status flush_terms(cust_store *s, int table) {
  size_t n = s->npending_terms[table];
  s->npending_terms[table] = 0;
  int width = table == 2 ? 4 : 2;
  for (size_t done = 0; done < n;) {
    int many = n - done == CUST_PENDING_TERMS;
    sqlite3_stmt *q = NULL;
    cust_status st = term_put(s, table, many, &q);
    if (st != CUST_OK) {
      return st;
    }
    size_t rows = many ? CUST_PENDING_TERMS : 1;
    for (size_t r = 0; r < rows; r++) {
      bind_term(q, table, (int)r * width + 1, &s->pending_terms[table][done + r]);
    }
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) {
      return cust_store_fail(s, rc, "cannot write store");
    }
    done += rows;
  }
  return CUST_OK;
}

/* Gives a new term the next id of its table (ids are never reused, and the
 * transaction holds the write lock) and queues its row. */
static cust_status queue_term(cust_store *s, int table, const cust_term *t, const char *lang,
                              int64_t datatype, int64_t *id) {
  if (s->next_id[table] == 0) {
    char sql[64];
    snprintf(sql, sizeof sql, "SELECT coalesce(max(id), 0) FROM %s", term_tables[table]);
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &q, NULL);
    if (rc == SQLITE_OK) {
      rc = sqlite3_step(q);
    }
    if (rc == SQLITE_ROW) {
      s->next_id[table] = sqlite3_column_int64(q, 0) + 1;
      rc = SQLITE_OK;
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_OK) {
      return cust_store_fail(s, rc, "cannot read store");
    }
  }
  cust_pending_term *p = &s->pending_terms[table][s->npending_terms[table]++];
  p->id = *id = s->next_id[table]++;
  p->value = t->value;
  p->len = t->len;
  p->lang = lang;
  p->datatype = datatype;
  return s->npending_terms[table] == CUST_PENDING_TERMS ? flush_terms(s, table) : CUST_OK;
}

/* `absent`: the term is known not to be stored, so it is queued at once. */
static cust_status lookup(cust_store *s, const cust_term *t, int create, int absent, int64_t *id,
                          int *inserted) {
  int table, get;
  int64_t dt = 0;
  const char *lang = NULL;
  cust_status st;
  switch (t->kind) {
    case CUST_TERM_IRI:
      table = 0, get = STMT_URI_GET;
      break;
    case CUST_TERM_BLANK:
      table = 1, get = STMT_BLANK_GET;
      break;
    case CUST_TERM_LITERAL:
      table = 2, get = STMT_LIT_GET;
      lang = lang_of(t);
      if (lang == NULL && t->datatype != NULL) {
        cust_term d = cust_term_iri(t->datatype);
        st = cust_store_node_id(s, &d, create, &dt, NULL);
        if (st != CUST_OK || dt == 0) {
          return st; /* an unknown datatype: an unknown literal */
        }
      }
      break;
    default:
      return CUST_ERR_INVALID;
  }
  if (!create || !absent) {
    /* Queued rows are not in the table yet. */
    st = flush_terms(s, table);
    sqlite3_stmt *q = st == CUST_OK ? cust_store_stmt(s, get) : NULL;
    if (q == NULL) {
      return st != CUST_OK ? st : s->stmt_status;
    }
    sqlite3_bind_text64(q, 1, t->value, t->len, SQLITE_STATIC, SQLITE_UTF8);
    if (lang != NULL) {
      sqlite3_bind_text(q, 2, lang, -1, SQLITE_STATIC);
    }
    if (dt != 0) {
      sqlite3_bind_int64(q, 3, dt);
    }
    st = step_id(s, q, id);
    if (st != CUST_OK || *id != 0 || !create) {
      return st;
    }
  }
  st = queue_term(s, table, t, lang, dt, id);
  *inserted = st == CUST_OK;
  return st;
}

cust_status cust_store_node_id(cust_store *s, const cust_term *t, int create, int64_t *id,
                               int *is_new) {
  *id = 0;
  if (is_new != NULL) {
    *is_new = 0;
  }
  if (t->kind == CUST_TERM_NONE || t->value == NULL) {
    return CUST_ERR_INVALID;
  }
  uint64_t h = cust_node_cache_hash(t);
  *id = cust_node_cache_get(&s->cache, t, h);
  if (*id != 0) {
    return CUST_OK;
  }
  int inserted = 0, absent = 0;
  if (create && s->in_tx) {
    cust_term_filter_consider(s);
    absent = !cust_term_filter_maybe(&s->filter, h);
  }
  cust_status st = lookup(s, t, create, absent, id, &inserted);
  if (st != CUST_OK || *id == 0) {
    return st;
  }
  if (inserted) {
    cust_term_filter_add(&s->filter, h);
  }
  if (is_new != NULL) {
    *is_new = inserted;
  }
  if (cust_node_cache_put(&s->cache, t, h, *id) != CUST_OK) {
    cust_log(s->log, CUST_LOG_WARN, "store \"%s\": node cache out of memory, cleared", s->path);
  }
  return CUST_OK;
}

static int check_writable(cust_store *s) {
  if (s->is_readonly) {
    cust_log(s->log, CUST_LOG_ERROR, "cannot write store \"%s\": opened read-only", s->path);
    return 0;
  }
  return 1;
}

cust_status cust_store_check_tx(cust_store *s) {
  /* After some errors (a full disk, I/O) SQLite rolls the transaction back by
   * itself: writing on would autocommit row by row, with ids that no longer
   * exist in the node cache. */
  if (s->in_tx && sqlite3_get_autocommit(s->db)) {
    cust_node_cache_clear(&s->cache);
    cust_log(s->log, CUST_LOG_ERROR,
             "store \"%s\": the transaction was rolled back after an error; roll back and "
             "write the block again",
             s->path);
    return CUST_ERR_INVALID;
  }
  return CUST_OK;
}

static int valid_quad(const cust_quad *q) {
  return (q->s.kind == CUST_TERM_IRI || q->s.kind == CUST_TERM_BLANK) && q->s.value != NULL &&
         q->p.kind == CUST_TERM_IRI && q->p.value != NULL && q->o.kind != CUST_TERM_NONE &&
         q->o.value != NULL &&
         (q->g.kind == CUST_TERM_NONE || (q->g.kind == CUST_TERM_IRI && q->g.value != NULL));
}

/* The statement inserting CUST_PENDING_ROWS triples, prepared on first use:
 * one statement keeps its cursors on the indexes from row to row. */
static cust_status put_many(cust_store *s, sqlite3_stmt **out) {
  *out = NULL;
  if (s->put_many != NULL) {
    sqlite3_reset(s->put_many);
    *out = s->put_many;
    return CUST_OK;
  }
  cust_buf sql;
  cust_buf_init(&sql);
  cust_status st = cust_buf_puts(&sql, "INSERT OR FAIL INTO triples (subjectUri, subjectBlank, "
                                       "predicateUri, objectUri, objectBlank, objectLiteral, "
                                       "contextUri) VALUES ");
  for (int r = 0; st == CUST_OK && r < CUST_PENDING_ROWS; r++) {
    st = cust_buf_puts(&sql, r == 0 ? "(?,?,?,?,?,?,?)" : ",(?,?,?,?,?,?,?)");
  }
  int rc = st == CUST_OK ? sqlite3_prepare_v3(s->db, sql.data, -1, SQLITE_PREPARE_PERSISTENT,
                                              &s->put_many, NULL)
                         : SQLITE_NOMEM;
  cust_buf_release(&sql);
  if (rc != SQLITE_OK) {
    return cust_store_fail(s, rc, "cannot prepare a query of store");
  }
  *out = s->put_many;
  return CUST_OK;
}

static void bind_row(sqlite3_stmt *st, int first, const int64_t cols[7]) {
  for (int i = 0; i < 7; i++) {
    if (cols[i] != 0) {
      sqlite3_bind_int64(st, first + i, cols[i]);
    } else {
      sqlite3_bind_null(st, first + i);
    }
  }
}

static cust_status flush_pending(cust_store *s) {
  size_t n = s->npending;
  s->npending = 0;
  if (n == 0) {
    return CUST_OK;
  }
  if (n == CUST_PENDING_ROWS) {
    sqlite3_stmt *many = NULL;
    cust_status st = put_many(s, &many);
    if (st != CUST_OK) {
      return st;
    }
    for (size_t r = 0; r < n; r++) {
      bind_row(many, (int)r * 7 + 1, s->pending[r]);
    }
    int rc = sqlite3_step(many);
    sqlite3_reset(many);
    return rc == SQLITE_DONE ? CUST_OK : cust_store_fail(s, rc, "cannot write store");
  }
  for (size_t r = 0; r < n; r++) {
    sqlite3_stmt *put = cust_store_stmt(s, STMT_TRIPLE_PUT);
    if (put == NULL) {
      return s->stmt_status;
    }
    bind_row(put, 1, s->pending[r]);
    int rc = sqlite3_step(put);
    sqlite3_reset(put);
    if (rc != SQLITE_DONE) {
      return cust_store_fail(s, rc, "cannot write store");
    }
  }
  return CUST_OK;
}

/* Writes every queued term and triple. */
static cust_status flush_all(cust_store *s) {
  cust_status st = CUST_OK;
  for (int table = 0; table < 3 && st == CUST_OK; table++) {
    st = flush_terms(s, table);
  }
  return st == CUST_OK ? flush_pending(s) : st;
}

static void drop_pending(cust_store *s) {
  s->npending = 0;
  for (int table = 0; table < 3; table++) {
    s->npending_terms[table] = 0;
  }
}

static cust_status add_one(cust_store *s, const cust_quad *q) {
  if (!valid_quad(q)) {
    cust_log(s->log, CUST_LOG_ERROR,
             "cannot write store \"%s\": invalid quad (subjects are IRIs or blank nodes, "
             "predicates and graphs IRIs)",
             s->path);
    return CUST_ERR_INVALID;
  }
  int64_t sid = 0, pid = 0, oid = 0, gid = 0;
  int s_new = 0, o_new = 0, g_new = 0;
  cust_status st = cust_store_node_id(s, &q->s, 1, &sid, &s_new);
  if (st == CUST_OK) {
    st = cust_store_node_id(s, &q->p, 1, &pid, NULL);
  }
  if (st == CUST_OK) {
    st = cust_store_node_id(s, &q->o, 1, &oid, &o_new);
  }
  if (st == CUST_OK && q->g.kind == CUST_TERM_IRI) {
    st = cust_store_node_id(s, &q->g, 1, &gid, &g_new);
  }
  if (st != CUST_OK) {
    return st;
  }
  int64_t cols[7] = { 0 };
  cols[q->s.kind == CUST_TERM_IRI ? 0 : 1] = sid;
  cols[2] = pid;
  cols[q->o.kind == CUST_TERM_IRI ? 3 : q->o.kind == CUST_TERM_BLANK ? 4 : 5] = oid;
  cols[6] = gid;
  /* A quad with a term that did not exist yet cannot be there already. */
  if (!s_new && !o_new && !g_new) {
    for (size_t r = 0; r < s->npending; r++) {
      if (memcmp(s->pending[r], cols, sizeof cols) == 0) {
        return CUST_OK;
      }
    }
    sqlite3_stmt *has = cust_store_stmt(s, STMT_TRIPLE_HAS);
    if (has == NULL) {
      return s->stmt_status;
    }
    for (int i = 0; i < 7; i++) {
      if (cols[i] != 0) {
        sqlite3_bind_int64(has, i + 1, cols[i]);
      }
    }
    int rc = sqlite3_step(has);
    sqlite3_reset(has);
    if (rc == SQLITE_ROW) {
      return CUST_OK;
    }
    if (rc != SQLITE_DONE) {
      return cust_store_fail(s, rc, "cannot read store");
    }
  }
  memcpy(s->pending[s->npending++], cols, sizeof cols);
  if (s->triples >= 0) {
    s->triples++;
  }
  return s->npending == CUST_PENDING_ROWS ? flush_pending(s) : CUST_OK;
}

cust_status cust_store_remove_sp(cust_store *s, const cust_term *subj, const cust_term *pred,
                                 const cust_term *graph) {
  int64_t sid = 0, pid = 0, gid = 0;
  if ((subj->kind != CUST_TERM_IRI && subj->kind != CUST_TERM_BLANK) ||
      pred->kind != CUST_TERM_IRI ||
      (graph->kind != CUST_TERM_NONE && graph->kind != CUST_TERM_IRI)) {
    cust_log(s->log, CUST_LOG_ERROR, "cannot write store \"%s\": invalid removal pattern", s->path);
    return CUST_ERR_INVALID;
  }
  cust_status st = cust_store_node_id(s, subj, 0, &sid, NULL);
  if (st == CUST_OK && sid != 0) {
    st = cust_store_node_id(s, pred, 0, &pid, NULL);
  }
  if (st == CUST_OK && pid != 0 && graph->kind == CUST_TERM_IRI) {
    st = cust_store_node_id(s, graph, 0, &gid, NULL);
  }
  if (st != CUST_OK || sid == 0 || pid == 0 || (graph->kind == CUST_TERM_IRI && gid == 0)) {
    return st; /* a term that is not stored: nothing to remove */
  }
  sqlite3_stmt *del = cust_store_stmt(s, STMT_TRIPLE_DEL_SP);
  if (del == NULL) {
    return s->stmt_status;
  }
  sqlite3_bind_int64(del, subj->kind == CUST_TERM_IRI ? 1 : 2, sid);
  sqlite3_bind_int64(del, 3, pid);
  if (gid != 0) {
    sqlite3_bind_int64(del, 4, gid);
  }
  int rc = sqlite3_step(del);
  sqlite3_reset(del);
  if (rc != SQLITE_DONE) {
    return cust_store_fail(s, rc, "cannot write store");
  }
  if (s->triples >= 0) {
    s->triples -= sqlite3_changes(s->db);
  }
  return CUST_OK;
}

/* ---- bulk loads into an empty store ------------------------------------------ */

/* Changes applied at once to an empty triples table from which its secondary
 * indexes are dropped first and built again at the end of the apply, in the
 * same transaction: SQLite then builds each by one sort instead of one
 * b-tree insert per row. cust_triples_spog stays: it finds duplicates. */
#define BULK_MIN 100000

typedef struct deferred {
  char **sql; /* CREATE INDEX statements, as sqlite_master holds them */
  size_t n;   /* how many of them were dropped */
} deferred;

static void deferred_release(deferred *d, size_t cap) {
  for (size_t i = 0; i < cap && d->sql != NULL; i++) {
    sqlite3_free(d->sql[i]);
  }
  free(d->sql);
  d->sql = NULL;
  d->n = 0;
}

static cust_status run_sql(cust_store *s, const char *sql) {
  int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
  return rc == SQLITE_OK ? CUST_OK : cust_store_fail(s, rc, "cannot write store");
}

/* Drops the secondary indexes of an empty triples table, keeping their
 * definitions in `d` (d->sql has room for `cap` of them, NULL-padded);
 * does nothing when the table holds a row. */
static cust_status defer_indexes(cust_store *s, deferred *d, size_t *cap) {
  enum { MAX_INDEXES = 32 };
  char *names[MAX_INDEXES];
  size_t n = 0;
  sqlite3_stmt *q = NULL;
  cust_status st = CUST_OK;
  *cap = 0;
  int rc = sqlite3_prepare_v2(s->db, "SELECT 1 FROM triples LIMIT 1", -1, &q, NULL);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(q);
  }
  sqlite3_finalize(q);
  if (rc == SQLITE_ROW) {
    return CUST_OK; /* not empty */
  }
  if (rc != SQLITE_DONE) {
    return cust_store_fail(s, rc, "cannot read store");
  }
  d->sql = calloc(MAX_INDEXES, sizeof *d->sql);
  if (d->sql == NULL) {
    return CUST_ERR_NOMEM;
  }
  *cap = MAX_INDEXES;
  /* read them all before the first DROP: a pending read of sqlite_master
   * would lock it */
  rc = sqlite3_prepare_v2(s->db,
                          "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
                          "tbl_name = 'triples' AND sql IS NOT NULL AND "
                          "name <> 'cust_triples_spog' ORDER BY name",
                          -1, &q, NULL);
  while (rc == SQLITE_OK && n < MAX_INDEXES && (rc = sqlite3_step(q)) == SQLITE_ROW) {
    names[n] = sqlite3_mprintf("DROP INDEX \"%w\"", (const char *)sqlite3_column_text(q, 0));
    d->sql[n] = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(q, 1));
    n++;
    if (names[n - 1] == NULL || d->sql[n - 1] == NULL) {
      st = CUST_ERR_NOMEM;
      break;
    }
    rc = SQLITE_OK;
  }
  if (st == CUST_OK && rc != SQLITE_OK && rc != SQLITE_DONE) {
    st = cust_store_fail(s, rc, "cannot read store");
  }
  sqlite3_finalize(q);
  for (size_t i = 0; i < n && st == CUST_OK; i++) {
    st = run_sql(s, names[i]);
    if (st == CUST_OK) {
      d->n = i + 1;
    }
  }
  for (size_t i = 0; i < n; i++) {
    sqlite3_free(names[i]);
  }
  return st;
}

/* Builds again the indexes that defer_indexes dropped. */
static cust_status build_indexes(cust_store *s, deferred *d) {
  cust_status st = CUST_OK;
  for (size_t i = 0; i < d->n && st == CUST_OK; i++) {
    st = run_sql(s, d->sql[i]);
  }
  return st;
}

/* Runs `n` changes (or one quad) in the open transaction, or in one of its
 * own when none is open. */
static cust_status write_changes(cust_store *s, const cust_change *items, size_t n,
                                 const cust_quad *one) {
  if (!check_writable(s)) {
    return CUST_ERR_READONLY;
  }
  int own_tx = !s->in_tx;
  deferred d = { NULL, 0 };
  size_t dcap = 0;
  cust_status st = own_tx ? cust_store_begin(s) : cust_store_check_tx(s);
  if (st == CUST_OK && n >= BULK_MIN) {
    st = defer_indexes(s, &d, &dcap);
  }
  if (one != NULL && st == CUST_OK) {
    st = add_one(s, one);
  }
  for (size_t i = 0; st == CUST_OK && i < n; i++) {
    const cust_change *c = &items[i];
    if (c->kind == CUST_CHANGE_ADD) {
      st = add_one(s, &c->q);
    } else {
      st = flush_all(s);
      if (st == CUST_OK) {
        st = cust_store_remove_sp(s, &c->q.s, &c->q.p, &c->q.g);
      }
    }
  }
  /* The quads added before an error are written, as they were one by one,
   * unless SQLite has already rolled the transaction back. */
  if (st != CUST_OK && (!s->in_tx || sqlite3_get_autocommit(s->db))) {
    drop_pending(s);
  }
  cust_status fst = flush_all(s);
  if (st == CUST_OK) {
    st = fst;
  }
  /* after an error too, so that no commit can keep a store without them */
  if (d.n > 0 && s->in_tx && !sqlite3_get_autocommit(s->db)) {
    cust_status bst = build_indexes(s, &d);
    if (st == CUST_OK) {
      st = bst;
    }
  }
  deferred_release(&d, dcap);
  if (own_tx && st == CUST_OK) {
    st = cust_store_commit(s);
  } else if (own_tx) {
    cust_store_rollback(s);
  }
  return st;
}

cust_status cust_store_add(cust_store *s, const cust_quad *q) {
  return write_changes(s, NULL, 0, q);
}

cust_status cust_store_apply(cust_store *s, const cust_changes *c) {
  return write_changes(s, c->items, c->len, NULL);
}

cust_status cust_store_open_reader(cust_store *s, cust_store **out) {
  *out = NULL;
  if (s == NULL || s->path == NULL) {
    return CUST_ERR_INVALID;
  }
  return cust_store_open(s->path, CUST_STORE_READONLY, s->log, out);
}
