/* The store's native reads: indexed pattern lookups (one prepared statement
 * per pattern shape), the count, and the sorted N-Quads export. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

/* Every read returns the text of the quad's terms, in this column order. */
#define TERM_COLUMNS                                                                               \
  "su.uri, sb.blank, pu.uri, ou.uri, ob.blank, ol.text, ol.language, dt.uri, gu.uri, "             \
  "T.objectLiteral IS NOT NULL"
#define FROM_TRIPLES                                                                               \
  " FROM triples AS T "                                                                            \
  "LEFT JOIN uris AS su ON su.id = T.subjectUri "                                                  \
  "LEFT JOIN blanks AS sb ON sb.id = T.subjectBlank "                                              \
  "LEFT JOIN uris AS pu ON pu.id = T.predicateUri "                                                \
  "LEFT JOIN uris AS ou ON ou.id = T.objectUri "                                                   \
  "LEFT JOIN blanks AS ob ON ob.id = T.objectBlank "                                               \
  "LEFT JOIN literals AS ol ON ol.id = T.objectLiteral "                                           \
  "LEFT JOIN uris AS dt ON dt.id = ol.datatype "                                                   \
  "LEFT JOIN uris AS gu ON gu.id = T.contextUri "
#define NCOLS 10

/* One row of TERM_COLUMNS: text (NULL for SQL NULL) and byte length. */
typedef struct row {
  const char *text[NCOLS];
  size_t len[NCOLS];
} row;

static cust_term row_term(const row *r, int col, cust_term_kind kind) {
  cust_term t = { CUST_TERM_NONE, NULL, 0, NULL, NULL };
  if (r->text[col] != NULL) {
    t.kind = kind;
    t.value = r->text[col];
    t.len = r->len[col];
  }
  return t;
}

/* Builds a quad from a row; 0 when the row points at a term that does not
 * exist (a damaged file). */
static int row_quad(const row *r, cust_quad *q) {
  q->s = row_term(r, 0, CUST_TERM_IRI);
  if (q->s.kind == CUST_TERM_NONE) {
    q->s = row_term(r, 1, CUST_TERM_BLANK);
  }
  q->p = row_term(r, 2, CUST_TERM_IRI);
  q->o = row_term(r, 3, CUST_TERM_IRI);
  if (q->o.kind == CUST_TERM_NONE) {
    q->o = row_term(r, 4, CUST_TERM_BLANK);
  }
  if (q->o.kind == CUST_TERM_NONE && r->text[9] != NULL && r->text[9][0] == '1') {
    q->o = row_term(r, 5, CUST_TERM_LITERAL);
    if (q->o.kind == CUST_TERM_LITERAL) {
      q->o.lang = r->text[6];
      q->o.datatype = q->o.lang == NULL ? r->text[7] : NULL;
    }
  }
  q->g = row_term(r, 8, CUST_TERM_IRI);
  return q->s.kind != CUST_TERM_NONE && q->p.kind != CUST_TERM_NONE && q->o.kind != CUST_TERM_NONE;
}

static void row_from_stmt(row *r, sqlite3_stmt *q) {
  for (int i = 0; i < NCOLS; i++) {
    r->text[i] = (const char *)sqlite3_column_text(q, i);
    r->len[i] = (size_t)sqlite3_column_bytes(q, i);
  }
}

static void row_from_values(row *r, sqlite3_value **v) {
  for (int i = 0; i < NCOLS; i++) {
    r->text[i] = (const char *)sqlite3_value_text(v[i]);
    r->len[i] = (size_t)sqlite3_value_bytes(v[i]);
  }
}

/* ---- find ------------------------------------------------------------------- */

static int shape_of(const cust_quad *p) {
  int s = p->s.kind == CUST_TERM_IRI ? 1 : p->s.kind == CUST_TERM_BLANK ? 2 : 0;
  int pr = p->p.kind == CUST_TERM_NONE ? 0 : 1;
  int o = p->o.kind == CUST_TERM_IRI       ? 1
          : p->o.kind == CUST_TERM_BLANK   ? 2
          : p->o.kind == CUST_TERM_LITERAL ? 3
                                           : 0;
  int g = p->g.kind == CUST_TERM_NONE ? 0 : 1;
  return ((s * 2 + pr) * 4 + o) * 2 + g;
}

static cust_status prepare_find(cust_store *s, int shape, sqlite3_stmt **out) {
  static const char *const subj[] = { NULL, "T.subjectUri = ?1", "T.subjectBlank = ?1" };
  static const char *const obj[] = { NULL, "T.objectUri = ?3", "T.objectBlank = ?3",
                                     "T.objectLiteral = ?3" };
  const char *conds[4] = { subj[shape / 16], (shape / 8) % 2 ? "T.predicateUri = ?2" : NULL,
                           obj[(shape / 2) % 4], shape % 2 ? "T.contextUri = ?4" : NULL };
  cust_buf sql;
  cust_buf_init(&sql);
  cust_status st = cust_buf_puts(&sql, "SELECT " TERM_COLUMNS FROM_TRIPLES "WHERE 1");
  for (int i = 0; st == CUST_OK && i < 4; i++) {
    if (conds[i] != NULL) {
      st = cust_buf_printf(&sql, " AND %s", conds[i]);
    }
  }
  if (st == CUST_OK) {
    int rc = sqlite3_prepare_v3(s->db, sql.data, -1, SQLITE_PREPARE_PERSISTENT, out, NULL);
    if (rc != SQLITE_OK) {
      st = cust_store_fail(s, rc, "cannot prepare a query of store");
    }
  }
  cust_buf_release(&sql);
  return st;
}

void cust_store_find_release(cust_store *s) {
  for (int i = 0; i < CUST_FIND_SHAPES; i++) {
    sqlite3_finalize(s->find[i]);
    s->find[i] = NULL;
  }
}

cust_status cust_store_find(cust_store *s, const cust_quad *pattern, cust_quad_fn fn, void *ud) {
  const cust_term *terms[4] = { &pattern->s, &pattern->p, &pattern->o, &pattern->g };
  if (pattern->s.kind == CUST_TERM_LITERAL || pattern->p.kind == CUST_TERM_BLANK ||
      pattern->p.kind == CUST_TERM_LITERAL || pattern->g.kind == CUST_TERM_BLANK ||
      pattern->g.kind == CUST_TERM_LITERAL) {
    return CUST_OK; /* no stored quad has such a term there */
  }
  int64_t ids[4] = { 0 };
  for (int i = 0; i < 4; i++) {
    if (terms[i]->kind == CUST_TERM_NONE) {
      continue;
    }
    cust_status st = cust_store_node_id(s, terms[i], 0, &ids[i], NULL);
    if (st != CUST_OK) {
      return st;
    }
    if (ids[i] == 0) {
      return CUST_OK; /* a term the store does not hold matches nothing */
    }
  }
  int shape = shape_of(pattern);
  sqlite3_stmt *q = NULL;
  int is_own = s->find_busy[shape]; /* a nested find of the same shape */
  if (!is_own && s->find[shape] == NULL) {
    cust_status st = prepare_find(s, shape, &s->find[shape]);
    if (st != CUST_OK) {
      return st;
    }
  }
  if (is_own) {
    cust_status st = prepare_find(s, shape, &q);
    if (st != CUST_OK) {
      return st;
    }
  } else {
    q = s->find[shape];
    s->find_busy[shape] = 1;
  }
  for (int i = 0; i < 4; i++) {
    if (ids[i] != 0) {
      sqlite3_bind_int64(q, i + 1, ids[i]);
    }
  }
  cust_status st = CUST_OK;
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    row r;
    row_from_stmt(&r, q);
    cust_quad quad;
    if (!row_quad(&r, &quad)) {
      continue; /* a row pointing at a missing term: skip it as librdf does */
    }
    if (fn(ud, &quad) != 0) {
      rc = SQLITE_DONE;
      break;
    }
  }
  if (rc != SQLITE_DONE) {
    st = cust_store_fail(s, rc, "cannot read store");
  }
  if (is_own) {
    sqlite3_finalize(q);
  } else {
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    s->find_busy[shape] = 0;
  }
  return st;
}

static cust_status view_find(void *ud, const cust_quad *pattern, cust_quad_fn fn, void *fn_ud) {
  return cust_store_find(ud, pattern, fn, fn_ud);
}

cust_graph_view cust_store_view(cust_store *s) {
  cust_graph_view v = { s, view_find };
  return v;
}

cust_status cust_store_count(cust_store *s, uint64_t *out) {
  *out = 0;
  sqlite3_stmt *q = NULL;
  int rc = sqlite3_prepare_v2(s->db, "SELECT count(*) FROM triples", -1, &q, NULL);
  if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
    *out = (uint64_t)sqlite3_column_int64(q, 0);
    rc = SQLITE_OK;
  }
  sqlite3_finalize(q);
  return rc == SQLITE_OK ? CUST_OK : cust_store_fail(s, rc, "cannot read store");
}

cust_status cust_store_graphs(cust_store *s, cust_store_graph_fn fn, void *ud) {
  sqlite3_stmt *q = NULL;
  /* DISTINCT on the ids walks cust_triples_g without a temporary table. */
  int rc = sqlite3_prepare_v2(s->db,
                              "SELECT uri FROM uris WHERE id IN (SELECT DISTINCT contextUri "
                              "FROM triples WHERE contextUri IS NOT NULL) ORDER BY uri",
                              -1, &q, NULL);
  if (rc == SQLITE_OK) {
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
      const char *iri = (const char *)sqlite3_column_text(q, 0);
      if (iri != NULL && fn(ud, iri, (size_t)sqlite3_column_bytes(q, 0)) != 0) {
        rc = SQLITE_DONE;
        break;
      }
    }
  }
  sqlite3_finalize(q);
  return rc == SQLITE_DONE ? CUST_OK : cust_store_fail(s, rc, "cannot read store");
}

/* ---- export ------------------------------------------------------------------ */

/* cust_nq(<SELECT_TERMS columns>): the quad's N-Quads line, so that SQLite
 * sorts the lines themselves, byte by byte, spilling to temporary files. */
static void sql_nq(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  cust_buf *b = sqlite3_user_data(ctx);
  cust_quad q;
  row r;
  if (argc == NCOLS) {
    row_from_values(&r, argv);
  }
  if (argc != NCOLS || !row_quad(&r, &q)) {
    sqlite3_result_error(ctx, "a triple points at a term that does not exist", -1);
    return;
  }
  cust_buf_reset(b);
  if (cust_quad_write_nq(b, &q) != CUST_OK) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  sqlite3_result_text(ctx, b->data, (int)b->len, SQLITE_TRANSIENT);
}

cust_status cust_store_export(cust_store *s, const char *graph, FILE *out) {
  cust_buf line, prev;
  cust_buf_init(&line);
  cust_buf_init(&prev);
  sqlite3_stmt *q = NULL;
  cust_status st = CUST_OK;
  int rc = sqlite3_create_function(s->db, "cust_nq", NCOLS, SQLITE_UTF8, &line, sql_nq, NULL, NULL);
  if (rc == SQLITE_OK) {
    const char *sql =
        graph != NULL ? "SELECT cust_nq(" TERM_COLUMNS ") AS line" FROM_TRIPLES
                        "WHERE T.contextUri IN (SELECT id FROM uris WHERE uri = ?1) ORDER BY line"
                      : "SELECT cust_nq(" TERM_COLUMNS ") AS line" FROM_TRIPLES "ORDER BY line";
    rc = sqlite3_prepare_v2(s->db, sql, -1, &q, NULL);
  }
  if (rc != SQLITE_OK) {
    st = cust_store_fail(s, rc, "cannot export store");
    goto done;
  }
  if (graph != NULL) {
    sqlite3_bind_text(q, 1, graph, -1, SQLITE_STATIC);
  }
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    const char *text = (const char *)sqlite3_column_text(q, 0);
    size_t n = (size_t)sqlite3_column_bytes(q, 0);
    /* Sorted, so a quad stored twice (librdf does not check) is adjacent. */
    if (text == NULL || (prev.len == n && memcmp(prev.data, text, n) == 0)) {
      continue;
    }
    if (fwrite(text, 1, n, out) != n) {
      cust_log(s->log, CUST_LOG_ERROR, "cannot export store \"%s\": cannot write the output",
               s->path);
      st = CUST_ERR_IO;
      goto done;
    }
    cust_buf_reset(&prev);
    if ((st = cust_buf_append(&prev, text, n)) != CUST_OK) {
      goto done;
    }
  }
  if (rc != SQLITE_DONE) {
    st = cust_store_fail(s, rc, "cannot export store");
  }
done:
  sqlite3_finalize(q);
  sqlite3_create_function(s->db, "cust_nq", NCOLS, SQLITE_UTF8, NULL, NULL, NULL, NULL);
  cust_buf_release(&line);
  cust_buf_release(&prev);
  return st;
}
