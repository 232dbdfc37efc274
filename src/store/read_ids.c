/* Reads by term id: predicate scans that return row ids instead of text (no
 * joins with the term tables), the text of ids, and read transactions that
 * pin one commit for a series of reads. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

cust_status cust_store_term_id(cust_store *s, const cust_term *t, int64_t *id) {
  *id = 0;
  if (t->kind == CUST_TERM_NONE) {
    return CUST_OK;
  }
  return cust_store_node_id(s, t, 0, id, NULL);
}

static cust_status prepare(cust_store *s, const char *sql, sqlite3_stmt **out) {
  int rc = sqlite3_prepare_v2(s->db, sql, -1, out, NULL);
  return rc == SQLITE_OK ? CUST_OK : cust_store_fail(s, rc, "cannot prepare a query of store");
}

cust_status cust_store_find_ids(cust_store *s, int64_t predicate, int64_t graph,
                                cust_store_id_fn fn, void *ud) {
  sqlite3_stmt *q = NULL;
  if (predicate <= 0 || graph < 0) {
    return CUST_OK;
  }
  cust_status st = prepare(s,
                           graph ? "SELECT subjectUri, subjectBlank, objectUri, objectBlank, "
                                   "objectLiteral, contextUri FROM triples "
                                   "WHERE predicateUri = ?1 AND contextUri = ?2"
                                 : "SELECT subjectUri, subjectBlank, objectUri, objectBlank, "
                                   "objectLiteral, contextUri FROM triples "
                                   "WHERE predicateUri = ?1",
                           &q);
  if (st != CUST_OK) {
    return st;
  }
  sqlite3_bind_int64(q, 1, predicate);
  if (graph) {
    sqlite3_bind_int64(q, 2, graph);
  }
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    cust_store_id_quad r;
    r.s_kind = sqlite3_column_type(q, 0) != SQLITE_NULL ? CUST_TERM_IRI : CUST_TERM_BLANK;
    r.s = sqlite3_column_int64(q, r.s_kind == CUST_TERM_IRI ? 0 : 1);
    if (sqlite3_column_type(q, 2) != SQLITE_NULL) {
      r.o_kind = CUST_TERM_IRI;
      r.o = sqlite3_column_int64(q, 2);
    } else if (sqlite3_column_type(q, 3) != SQLITE_NULL) {
      r.o_kind = CUST_TERM_BLANK;
      r.o = sqlite3_column_int64(q, 3);
    } else {
      r.o_kind = CUST_TERM_LITERAL;
      r.o = sqlite3_column_int64(q, 4);
    }
    r.g = sqlite3_column_int64(q, 5); /* 0 for NULL: the default graph */
    if (r.s == 0 || r.o == 0) {
      continue; /* a row without a subject or an object: skipped, as by find */
    }
    if (fn(ud, &r) != 0) {
      rc = SQLITE_DONE;
      break;
    }
  }
  if (rc != SQLITE_DONE) {
    st = cust_store_fail(s, rc, "cannot read store");
  }
  sqlite3_finalize(q);
  return st;
}

typedef struct id_at {
  int64_t id;
  size_t i; /* its place in the caller's list */
} id_at;

static int id_at_cmp(const void *pa, const void *pb) {
  const id_at *a = pa, *b = pb;
  if (a->id != b->id) {
    return a->id < b->id ? -1 : 1;
  }
  return a->i < b->i ? -1 : a->i > b->i;
}

/* Many ids close together: one range scan of the table, merged with the
 * sorted ids, reads each page once instead of seeking for each id. */
static cust_status texts_by_range(cust_store *s, const char *sql, const int64_t *ids, size_t n,
                                  cust_store_text_fn fn, void *ud) {
  id_at *at = malloc(n * sizeof *at);
  if (at == NULL) {
    return CUST_ERR_NOMEM;
  }
  for (size_t i = 0; i < n; i++) {
    at[i].id = ids[i];
    at[i].i = i;
  }
  qsort(at, n, sizeof *at, id_at_cmp);
  sqlite3_stmt *q = NULL;
  cust_status st = prepare(s, sql, &q);
  if (st == CUST_OK) {
    sqlite3_bind_int64(q, 1, at[0].id);
    sqlite3_bind_int64(q, 2, at[n - 1].id);
  }
  size_t k = 0;
  int rc = SQLITE_DONE, is_stopped = 0;
  while (st == CUST_OK && !is_stopped && k < n && (rc = sqlite3_step(q)) == SQLITE_ROW) {
    int64_t id = sqlite3_column_int64(q, 0);
    for (; k < n && at[k].id < id && !is_stopped; k++) {
      is_stopped = fn(ud, at[k].i, NULL, 0) != 0; /* not in the table */
    }
    for (; k < n && at[k].id == id && !is_stopped; k++) {
      is_stopped = fn(ud, at[k].i, (const char *)sqlite3_column_text(q, 1),
                      (size_t)sqlite3_column_bytes(q, 1)) != 0;
    }
  }
  if (st == CUST_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) {
    st = cust_store_fail(s, rc, "cannot read store");
  }
  for (; st == CUST_OK && !is_stopped && k < n; k++) {
    is_stopped = fn(ud, at[k].i, NULL, 0) != 0;
  }
  sqlite3_finalize(q);
  free(at);
  return st;
}

cust_status cust_store_id_texts(cust_store *s, cust_term_kind kind, const int64_t *ids, size_t n,
                                cust_store_text_fn fn, void *ud) {
  const char *table = kind == CUST_TERM_IRI     ? "uris"
                      : kind == CUST_TERM_BLANK ? "blanks"
                                                : "literals";
  const char *column = kind == CUST_TERM_IRI ? "uri" : kind == CUST_TERM_BLANK ? "blank" : "text";
  char sql[96];
  int64_t lo = 0, hi = 0;
  for (size_t i = 0; i < n; i++) {
    lo = i == 0 || ids[i] < lo ? ids[i] : lo;
    hi = i == 0 || ids[i] > hi ? ids[i] : hi;
  }
  if (n >= 64 && (uint64_t)(hi - lo) / 8 < n) {
    snprintf(sql, sizeof sql, "SELECT id, %s FROM %s WHERE id BETWEEN ?1 AND ?2", column, table);
    return texts_by_range(s, sql, ids, n, fn, ud);
  }
  snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE id = ?1", column, table);
  sqlite3_stmt *q = NULL;
  cust_status st = n ? prepare(s, sql, &q) : CUST_OK;
  for (size_t i = 0; st == CUST_OK && i < n; i++) {
    sqlite3_bind_int64(q, 1, ids[i]);
    int rc = sqlite3_step(q);
    const char *text = NULL;
    size_t len = 0;
    if (rc == SQLITE_ROW) {
      text = (const char *)sqlite3_column_text(q, 0);
      len = (size_t)sqlite3_column_bytes(q, 0);
    } else if (rc != SQLITE_DONE) {
      st = cust_store_fail(s, rc, "cannot read store");
      break;
    }
    if (fn(ud, i, text, len) != 0) {
      break;
    }
    sqlite3_reset(q);
  }
  sqlite3_finalize(q);
  return st;
}

cust_status cust_store_read_begin(cust_store *s, int *began) {
  *began = 0;
  if (s->in_tx || !sqlite3_get_autocommit(s->db)) {
    return CUST_OK; /* the open transaction already pins what is read */
  }
  /* BEGIN alone takes no snapshot: the first read does */
  int rc = sqlite3_exec(s->db, "BEGIN; SELECT count(*) FROM cust_meta", NULL, NULL, NULL);
  if (rc != SQLITE_OK) {
    if (!sqlite3_get_autocommit(s->db)) {
      sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    }
    return cust_store_fail(s, rc, "cannot start a read of store");
  }
  *began = 1;
  return CUST_OK;
}

void cust_store_read_end(cust_store *s, int began) {
  if (s && began && !sqlite3_get_autocommit(s->db)) {
    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
  }
}
