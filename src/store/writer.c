/* The store's writer: terms to row ids through the node-id cache, quads
 * de-duplicated and inserted with prepared statements inside the caller's
 * transaction (the layout is described at the top of store.c). */
#include "config.h"

#include <string.h>
#include <stdlib.h>

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

static cust_status step_insert(cust_store *s, sqlite3_stmt *st, int64_t *id) {
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    return cust_store_fail(s, rc, "cannot write store");
  }
  *id = sqlite3_last_insert_rowid(s->db);
  return CUST_OK;
}

static cust_status lookup(cust_store *s, const cust_term *t, int create, int64_t *id,
                          int *inserted) {
  int get, put;
  int64_t dt = 0;
  cust_status st;
  switch (t->kind) {
    case CUST_TERM_IRI:
      get = STMT_URI_GET, put = STMT_URI_PUT;
      break;
    case CUST_TERM_BLANK:
      get = STMT_BLANK_GET, put = STMT_BLANK_PUT;
      break;
    case CUST_TERM_LITERAL:
      get = STMT_LIT_GET, put = STMT_LIT_PUT;
      if (lang_of(t) == NULL && t->datatype != NULL) {
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
  for (int pass = 0; pass < 2; pass++) {
    sqlite3_stmt *q = cust_store_stmt(s, pass == 0 ? get : put);
    if (q == NULL) {
      return CUST_ERR_INTERNAL;
    }
    sqlite3_bind_text64(q, 1, t->value, t->len, SQLITE_STATIC, SQLITE_UTF8);
    if (t->kind == CUST_TERM_LITERAL) {
      const char *lang = lang_of(t);
      if (lang != NULL) {
        sqlite3_bind_text(q, 2, lang, -1, SQLITE_STATIC);
      }
      if (dt != 0) {
        sqlite3_bind_int64(q, 3, dt);
      }
    }
    st = pass == 0 ? step_id(s, q, id) : step_insert(s, q, id);
    *inserted = pass == 1 && st == CUST_OK;
    if (st != CUST_OK || *id != 0 || !create) {
      return st;
    }
  }
  return CUST_OK;
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
  int inserted = 0;
  cust_status st = lookup(s, t, create, id, &inserted);
  if (st != CUST_OK || *id == 0) {
    return st;
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
  if (!s_new && !o_new && !g_new && !getenv("XNOHAS")) {
    sqlite3_stmt *has = cust_store_stmt(s, STMT_TRIPLE_HAS);
    if (has == NULL) {
      return CUST_ERR_INTERNAL;
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
  sqlite3_stmt *put = cust_store_stmt(s, STMT_TRIPLE_PUT);
  if (put == NULL) {
    return CUST_ERR_INTERNAL;
  }
  for (int i = 0; i < 7; i++) {
    if (cols[i] != 0) {
      sqlite3_bind_int64(put, i + 1, cols[i]);
    }
  }
  int rc = sqlite3_step(put);
  sqlite3_reset(put);
  if (rc != SQLITE_DONE) {
    return cust_store_fail(s, rc, "cannot write store");
  }
  if (s->triples >= 0) {
    s->triples++;
  }
  return CUST_OK;
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
    return CUST_ERR_INTERNAL;
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

/* Runs `n` changes (or one quad) in the open transaction, or in one of its
 * own when none is open. */
static cust_status write_changes(cust_store *s, const cust_change *items, size_t n,
                                 const cust_quad *one) {
  if (!check_writable(s)) {
    return CUST_ERR_READONLY;
  }
  int own_tx = !s->in_tx;
  cust_status st = own_tx ? cust_store_begin(s) : cust_store_check_tx(s);
  if (one != NULL && st == CUST_OK) {
    st = add_one(s, one);
  }
  for (size_t i = 0; st == CUST_OK && i < n; i++) {
    const cust_change *c = &items[i];
    st = c->kind == CUST_CHANGE_ADD ? add_one(s, &c->q)
                                    : cust_store_remove_sp(s, &c->q.s, &c->q.p, &c->q.g);
  }
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
