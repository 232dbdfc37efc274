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

/* ---- pattern scans by id ---------------------------------------------------------- */

/* Shapes: subject (free, IRI, blank) x predicate (free, bound) x object
 * (free, IRI, blank, literal) x graphs (ANY, ONE, NAMED, ALL, LIST of 2..16). */
#define G_CODES (4 + CUST_SCAN_MAX_GRAPHS - 1)
#define SCAN_SHAPES (3 * 2 * 4 * G_CODES)

/* Scans over the merged graphs give each triple once. SQL's DISTINCT would
 * build a temporary b-tree at every open, which costs more than the lookup
 * itself when a scan has a row or two; the scan remembers the triples it
 * gave instead, up to SEEN_MAX of them. Past that it goes on with the
 * DISTINCT statement (SQLite's b-tree spills to disk: memory stays bounded),
 * skipping the triples it has already given. */
#define SEEN_MAX (1u << 16)
#define SEEN_KEPT 1024 /* slots an idle scan keeps */

typedef struct seen_key {
  int64_t s, p, o;
  uint64_t gen; /* the slot is taken when gen is the scan's */
  int kinds;
} seen_key;

struct cust_store_scan {
  cust_store *store;
  sqlite3_stmt *q;   /* the shape's statement; NULL: a scan that matches nothing */
  sqlite3_stmt *qd;  /* the same with DISTINCT, made when the seen rows overflow */
  sqlite3_stmt *cur; /* the statement being stepped */
  int shape;
  int is_done;
  int is_distinct;
  int is_frozen; /* the seen rows are full: stepping qd */
  int64_t binds[3 + CUST_SCAN_MAX_GRAPHS];
  size_t ngbinds;
  seen_key *seen; /* open addressing, a power of two */
  size_t nseen, capseen;
  uint64_t gen;
  struct cust_store_scan *next; /* in the pool's free list */
};

#define DATATYPES_KEPT 64

/* A predicate's count as last measured, and the store's last triple row id
 * then: the count stands while the store has grown little since. */
typedef struct pcount_entry {
  int64_t p; /* 0: a free slot */
  uint64_t count, cap;
  int64_t at;
} pcount_entry;

typedef struct cust_scan_pool {
  cust_store_scan *idle[SCAN_SHAPES];
  sqlite3_stmt *term[3]; /* uris, blanks, literals by id */
  sqlite3_stmt *pcount;
  sqlite3_stmt *last_row;
  sqlite3_stmt *begin, *snapshot, *commit; /* read transactions */
  pcount_entry *counts;                    /* open addressing, ncounts * 2 <= capcounts */
  size_t ncounts, capcounts;
  /* datatype IRIs by id: a store has few, and each literal names one */
  struct {
    int64_t id;
    char *iri;
  } types[DATATYPES_KEPT];
  size_t ntypes;
} cust_scan_pool;

void cust_store_scans_release(cust_store *s) {
  cust_scan_pool *p = s->scans;
  if (p == NULL) {
    return;
  }
  for (size_t i = 0; i < SCAN_SHAPES; i++) {
    while (p->idle[i] != NULL) {
      cust_store_scan *sc = p->idle[i];
      p->idle[i] = sc->next;
      sqlite3_finalize(sc->q);
      sqlite3_finalize(sc->qd);
      free(sc->seen);
      free(sc);
    }
  }
  for (int i = 0; i < 3; i++) {
    sqlite3_finalize(p->term[i]);
  }
  sqlite3_finalize(p->pcount);
  sqlite3_finalize(p->last_row);
  sqlite3_finalize(p->begin);
  sqlite3_finalize(p->snapshot);
  sqlite3_finalize(p->commit);
  for (size_t i = 0; i < p->ntypes; i++) {
    free(p->types[i].iri);
  }
  free(p->counts);
  free(p);
  s->scans = NULL;
}

static cust_scan_pool *pool_of(cust_store *s) {
  if (s->scans == NULL) {
    s->scans = calloc(1, sizeof *s->scans);
  }
  return s->scans;
}

static int kind_code(cust_term_kind k, int is_object) {
  switch (k) {
    case CUST_TERM_IRI:
      return 1;
    case CUST_TERM_BLANK:
      return 2;
    case CUST_TERM_LITERAL:
      return is_object ? 3 : -1;
    default:
      return -1;
  }
}

static int is_distinct_shape(int shape) {
  int g = shape % G_CODES;
  return g == 0 || g >= 4;
}

static cust_status prepare_scan(cust_store *s, int shape, int with_distinct, sqlite3_stmt **out) {
  int g = shape % G_CODES;
  int o = (shape / G_CODES) % 4;
  int p = (shape / G_CODES / 4) % 2;
  int sj = shape / G_CODES / 8;
  static const char *const subj[] = { NULL, "subjectUri = ?1", "subjectBlank = ?1" };
  static const char *const obj[] = { NULL, "objectUri = ?3", "objectBlank = ?3",
                                     "objectLiteral = ?3" };
  int is_distinct = is_distinct_shape(shape);
  cust_buf sql;
  cust_buf_init(&sql);
  cust_status st =
      cust_buf_printf(&sql,
                      "SELECT %ssubjectUri, subjectBlank, predicateUri, objectUri, "
                      "objectBlank, objectLiteral, %s FROM triples WHERE 1",
                      with_distinct ? "DISTINCT " : "", is_distinct ? "0" : "contextUri");
  if (st == CUST_OK && subj[sj] != NULL) {
    st = cust_buf_printf(&sql, " AND %s", subj[sj]);
  }
  if (st == CUST_OK && p) {
    st = cust_buf_puts(&sql, " AND predicateUri = ?2");
  }
  if (st == CUST_OK && obj[o] != NULL) {
    st = cust_buf_printf(&sql, " AND %s", obj[o]);
  }
  if (st == CUST_OK && g == 1) {
    st = cust_buf_puts(&sql, " AND contextUri = ?4");
  } else if (st == CUST_OK && g == 2) {
    st = cust_buf_puts(&sql, " AND contextUri IS NOT NULL");
  } else if (st == CUST_OK && g >= 4) {
    st = cust_buf_puts(&sql, " AND contextUri IN (?4");
    for (int i = 1; st == CUST_OK && i < g - 2; i++) {
      st = cust_buf_printf(&sql, ", ?%d", 4 + i);
    }
    if (st == CUST_OK) {
      st = cust_buf_putc(&sql, ')');
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

static void bind_scan(cust_store_scan *sc, sqlite3_stmt *q) {
  sqlite3_reset(q);
  sqlite3_clear_bindings(q);
  for (int k = 0; k < 3; k++) {
    if (sc->binds[k]) {
      sqlite3_bind_int64(q, k + 1, sc->binds[k]);
    }
  }
  for (size_t i = 0; i < sc->ngbinds; i++) {
    sqlite3_bind_int64(q, 4 + (int)i, sc->binds[3 + i]);
  }
}

cust_status cust_store_scan_open(cust_store *s, const cust_store_id_pattern *pat,
                                 cust_store_scan **out) {
  *out = NULL;
  cust_scan_pool *pool = pool_of(s);
  if (pool == NULL) {
    return CUST_ERR_NOMEM;
  }
  int sj = pat->s ? kind_code(pat->s_kind, 0) : 0;
  int o = pat->o ? kind_code(pat->o_kind, 1) : 0;
  int g = 0;
  size_t ng = pat->ngids;
  switch (pat->graphs) {
    case CUST_SCAN_ONE:
      g = 1;
      ng = 1;
      break;
    case CUST_SCAN_NAMED:
      g = 2;
      break;
    case CUST_SCAN_ALL:
      g = 3;
      break;
    case CUST_SCAN_LIST:
      if (ng > CUST_SCAN_MAX_GRAPHS) {
        return CUST_ERR_LIMIT;
      }
      g = ng == 1 ? 1 : (int)ng + 2;
      break;
    default:
      g = 0;
      break;
  }
  /* a subject that is a literal, a term the store lacks, or an empty list
   * of graphs match nothing */
  int is_empty = sj < 0 || o < 0 || pat->s < 0 || pat->o < 0 || pat->p < 0 ||
                 (pat->graphs == CUST_SCAN_LIST && ng == 0) ||
                 (pat->graphs == CUST_SCAN_ONE && (pat->ngids < 1 || pat->gids[0] <= 0));
  int shape = is_empty ? 0 : ((sj * 2 + (pat->p ? 1 : 0)) * 4 + o) * G_CODES + g;
  cust_store_scan *sc = pool->idle[shape];
  if (sc != NULL) {
    pool->idle[shape] = sc->next;
  } else {
    sc = calloc(1, sizeof *sc);
    if (sc == NULL) {
      return CUST_ERR_NOMEM;
    }
    sc->store = s;
    sc->shape = shape;
  }
  sc->next = NULL;
  /* shape 0 serves the scans that match nothing too */
  sc->is_distinct = !is_empty && is_distinct_shape(shape);
  sc->is_done = is_empty;
  if (!is_empty && sc->q == NULL) {
    cust_status st = prepare_scan(s, shape, 0, &sc->q);
    if (st != CUST_OK) {
      free(sc);
      return st;
    }
  }
  if (!is_empty) {
    sc->binds[0] = pat->s;
    sc->binds[1] = pat->p;
    sc->binds[2] = pat->o;
    sc->ngbinds = g == 1 || g >= 4 ? ng : 0;
    for (size_t i = 0; i < sc->ngbinds; i++) {
      sc->binds[3 + i] = pat->gids[i];
    }
    sc->cur = sc->q;
    sc->is_frozen = 0;
    sc->nseen = 0;
    sc->gen++;
    bind_scan(sc, sc->q);
  }
  *out = sc;
  return CUST_OK;
}

/* Whether the scan gave the triple of `row` already; else remembers it
 * (unless frozen). -1: out of memory. */
static int seen_check(cust_store_scan *sc, const cust_store_id_row *row) {
  if (!sc->is_frozen && (sc->nseen + 1) * 2 > sc->capseen) {
    size_t cap = sc->capseen ? sc->capseen * 2 : 16;
    seen_key *t = calloc(cap, sizeof *t);
    if (t == NULL) {
      return -1;
    }
    for (size_t i = 0; i < sc->capseen; i++) {
      if (sc->seen[i].gen == sc->gen) {
        const seen_key *k = &sc->seen[i];
        size_t j = (size_t)cust_mix64((uint64_t)k->s * 31 + (uint64_t)k->p * 17 + (uint64_t)k->o) &
                   (cap - 1);
        while (t[j].gen == sc->gen) {
          j = (j + 1) & (cap - 1);
        }
        t[j] = *k;
      }
    }
    free(sc->seen);
    sc->seen = t;
    sc->capseen = cap;
  }
  int kinds = (int)row->s_kind * 8 + (int)row->o_kind;
  size_t i = (size_t)cust_mix64((uint64_t)row->s * 31 + (uint64_t)row->p * 17 + (uint64_t)row->o) &
             (sc->capseen - 1);
  for (; sc->seen[i].gen == sc->gen; i = (i + 1) & (sc->capseen - 1)) {
    const seen_key *k = &sc->seen[i];
    if (k->s == row->s && k->p == row->p && k->o == row->o && k->kinds == kinds) {
      return 1;
    }
  }
  if (!sc->is_frozen) {
    sc->seen[i] = (seen_key){ row->s, row->p, row->o, sc->gen, kinds };
    sc->nseen++;
  }
  return 0;
}

cust_status cust_store_scan_next(cust_store_scan *sc, cust_store_id_row *row, int *has_row) {
  *has_row = 0;
  while (!sc->is_done) {
    int rc = sqlite3_step(sc->cur);
    if (rc == SQLITE_DONE) {
      sc->is_done = 1;
      break;
    }
    if (rc != SQLITE_ROW) {
      sc->is_done = 1;
      return cust_store_fail(sc->store, rc, "cannot read store");
    }
    sqlite3_stmt *q = sc->cur;
    row->s_kind = sqlite3_column_type(q, 0) != SQLITE_NULL ? CUST_TERM_IRI : CUST_TERM_BLANK;
    row->s = sqlite3_column_int64(q, row->s_kind == CUST_TERM_IRI ? 0 : 1);
    row->p = sqlite3_column_int64(q, 2);
    if (sqlite3_column_type(q, 3) != SQLITE_NULL) {
      row->o_kind = CUST_TERM_IRI;
      row->o = sqlite3_column_int64(q, 3);
    } else if (sqlite3_column_type(q, 4) != SQLITE_NULL) {
      row->o_kind = CUST_TERM_BLANK;
      row->o = sqlite3_column_int64(q, 4);
    } else {
      row->o_kind = CUST_TERM_LITERAL;
      row->o = sqlite3_column_int64(q, 5);
    }
    row->g = sqlite3_column_int64(q, 6);
    if (row->s <= 0 || row->o <= 0 || row->p <= 0) {
      continue; /* a damaged row: skipped, as by find */
    }
    if (sc->is_distinct) {
      size_t most = sc->store->scan_seen_max ? sc->store->scan_seen_max : SEEN_MAX;
      if (!sc->is_frozen && sc->nseen >= most) {
        /* this row, not given yet, comes again from the DISTINCT statement */
        if (sc->qd == NULL) {
          cust_status st = prepare_scan(sc->store, sc->shape, 1, &sc->qd);
          if (st != CUST_OK) {
            sc->is_done = 1;
            return st;
          }
        }
        sqlite3_reset(sc->q);
        bind_scan(sc, sc->qd);
        sc->cur = sc->qd;
        sc->is_frozen = 1;
        continue;
      }
      int seen = seen_check(sc, row);
      if (seen < 0) {
        sc->is_done = 1;
        return CUST_ERR_NOMEM;
      }
      if (seen) {
        continue;
      }
    }
    *has_row = 1;
    break;
  }
  return CUST_OK;
}

void cust_store_scan_close(cust_store_scan *sc) {
  if (sc == NULL) {
    return;
  }
  cust_scan_pool *pool = sc->store->scans;
  if (sc->q != NULL) {
    sqlite3_reset(sc->q);
  }
  if (sc->qd != NULL) {
    sqlite3_reset(sc->qd);
  }
  if (pool == NULL || sc->q == NULL) {
    sqlite3_finalize(sc->q);
    sqlite3_finalize(sc->qd);
    free(sc->seen);
    free(sc);
    return;
  }
  if (sc->capseen > SEEN_KEPT) {
    /* an idle scan keeps a small table only */
    free(sc->seen);
    sc->seen = NULL;
    sc->capseen = 0;
  }
  sc->next = pool->idle[sc->shape];
  pool->idle[sc->shape] = sc;
}

/* One statement of the pool, prepared on first use. */
static cust_status pooled(cust_store *s, sqlite3_stmt **q, const char *sql) {
  if (*q == NULL) {
    int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, q, NULL);
    if (rc != SQLITE_OK) {
      return cust_store_fail(s, rc, "cannot prepare a query of store");
    }
  }
  sqlite3_reset(*q);
  return CUST_OK;
}

/* The slot of predicate p in the count table (its entry, or the free slot
 * where it goes); NULL when the table cannot grow. */
static pcount_entry *count_slot(cust_scan_pool *pool, int64_t p) {
  if ((pool->ncounts + 1) * 2 > pool->capcounts) {
    size_t cap = pool->capcounts ? pool->capcounts * 2 : 64;
    pcount_entry *t = calloc(cap, sizeof *t);
    if (t == NULL) {
      return NULL;
    }
    for (size_t i = 0; i < pool->capcounts; i++) {
      if (pool->counts[i].p != 0) {
        size_t j = (size_t)pool->counts[i].p & (cap - 1);
        while (t[j].p != 0) {
          j = (j + 1) & (cap - 1);
        }
        t[j] = pool->counts[i];
      }
    }
    free(pool->counts);
    pool->counts = t;
    pool->capcounts = cap;
  }
  size_t i = (size_t)p & (pool->capcounts - 1);
  while (pool->counts[i].p != 0 && pool->counts[i].p != p) {
    i = (i + 1) & (pool->capcounts - 1);
  }
  return &pool->counts[i];
}

cust_status cust_store_predicate_count(cust_store *s, int64_t p, uint64_t cap, uint64_t *out) {
  *out = 0;
  cust_scan_pool *pool = pool_of(s);
  if (pool == NULL) {
    return CUST_ERR_NOMEM;
  }
  if (p <= 0) {
    return CUST_OK;
  }
  /* the last row id tells, in one seek, how much the store has grown */
  cust_status st = pooled(s, &pool->last_row, "SELECT max(rowid) FROM triples");
  if (st != CUST_OK) {
    return st;
  }
  int rc = sqlite3_step(pool->last_row);
  int64_t last = rc == SQLITE_ROW ? sqlite3_column_int64(pool->last_row, 0) : 0;
  sqlite3_reset(pool->last_row);
  if (rc != SQLITE_ROW) {
    return cust_store_fail(s, rc, "cannot read store");
  }
  pcount_entry *e = count_slot(pool, p);
  if (e == NULL) {
    return CUST_ERR_NOMEM;
  }
  if (e->p == p && e->cap == cap && last >= e->at && last - e->at <= e->at / 16 + 1024) {
    *out = e->count;
    return CUST_OK;
  }
  st = pooled(s, &pool->pcount,
              "SELECT count(*) FROM (SELECT 1 FROM triples WHERE predicateUri = ?1 LIMIT ?2)");
  if (st != CUST_OK) {
    return st;
  }
  sqlite3_stmt *q = pool->pcount;
  sqlite3_bind_int64(q, 1, p);
  sqlite3_bind_int64(q, 2, (int64_t)(cap > INT64_MAX ? INT64_MAX : cap));
  rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) {
    *out = (uint64_t)sqlite3_column_int64(q, 0);
    if (e->p == 0) {
      pool->ncounts++;
    }
    *e = (pcount_entry){ p, *out, cap, last };
  } else {
    st = cust_store_fail(s, rc, "cannot read store");
  }
  sqlite3_reset(q);
  return st;
}

/* The IRI of datatype id `dt`, from the pool's list or the store (then kept). */
static cust_status datatype_iri(cust_store *s, cust_scan_pool *pool, int64_t dt, const char **out) {
  *out = NULL;
  for (size_t i = 0; i < pool->ntypes; i++) {
    if (pool->types[i].id == dt) {
      *out = pool->types[i].iri;
      return CUST_OK;
    }
  }
  cust_status st = pooled(s, &pool->term[0], "SELECT uri FROM uris WHERE id = ?1");
  if (st != CUST_OK) {
    return st;
  }
  sqlite3_stmt *q = pool->term[0];
  sqlite3_bind_int64(q, 1, dt);
  int rc = sqlite3_step(q);
  char *iri = NULL;
  if (rc == SQLITE_ROW) {
    const char *text = (const char *)sqlite3_column_text(q, 0);
    iri = strdup(text ? text : "");
    st = iri == NULL ? CUST_ERR_NOMEM : CUST_OK;
  } else if (rc != SQLITE_DONE) {
    st = cust_store_fail(s, rc, "cannot read store");
  }
  sqlite3_reset(q);
  if (iri != NULL && pool->ntypes < DATATYPES_KEPT) {
    pool->types[pool->ntypes].id = dt;
    pool->types[pool->ntypes++].iri = iri;
    *out = iri;
  } else if (iri != NULL) {
    /* more datatypes than kept: the oldest makes room */
    free(pool->types[0].iri);
    memmove(&pool->types[0], &pool->types[1], (DATATYPES_KEPT - 1) * sizeof pool->types[0]);
    pool->types[DATATYPES_KEPT - 1].id = dt;
    pool->types[DATATYPES_KEPT - 1].iri = iri;
    *out = iri;
  }
  return st;
}

cust_status cust_store_id_term(cust_store *s, cust_term_kind kind, int64_t id, cust_arena *arena,
                               cust_term *out) {
  static const char *const sql[3] = {
    "SELECT uri FROM uris WHERE id = ?1",
    "SELECT blank FROM blanks WHERE id = ?1",
    "SELECT text, language, datatype FROM literals WHERE id = ?1",
  };
  memset(out, 0, sizeof *out);
  int k = kind == CUST_TERM_IRI ? 0 : kind == CUST_TERM_BLANK ? 1 : 2;
  cust_scan_pool *pool = pool_of(s);
  if (pool == NULL) {
    return CUST_ERR_NOMEM;
  }
  cust_status st = pooled(s, &pool->term[k], sql[k]);
  if (st != CUST_OK) {
    return st;
  }
  sqlite3_stmt *q = pool->term[k];
  sqlite3_bind_int64(q, 1, id);
  int rc = sqlite3_step(q);
  int64_t dt = 0;
  if (rc == SQLITE_ROW) {
    const char *text = (const char *)sqlite3_column_text(q, 0);
    size_t len = (size_t)sqlite3_column_bytes(q, 0);
    out->kind = kind;
    out->value = cust_arena_strndup(arena, text ? text : "", len);
    out->len = len;
    if (k == 2 && sqlite3_column_type(q, 1) != SQLITE_NULL) {
      out->lang = cust_arena_strdup(arena, (const char *)sqlite3_column_text(q, 1));
      st = out->lang == NULL ? CUST_ERR_NOMEM : CUST_OK;
    } else if (k == 2 && sqlite3_column_type(q, 2) != SQLITE_NULL) {
      dt = sqlite3_column_int64(q, 2);
    }
    if (out->value == NULL) {
      st = CUST_ERR_NOMEM;
    }
  } else if (rc == SQLITE_DONE) {
    st = CUST_ERR_NOTFOUND;
  } else {
    st = cust_store_fail(s, rc, "cannot read store");
  }
  sqlite3_reset(q);
  if (st == CUST_OK && dt != 0) {
    const char *iri = NULL;
    st = datatype_iri(s, pool, dt, &iri);
    if (st == CUST_OK && iri != NULL) {
      out->datatype = cust_arena_strdup(arena, iri);
      st = out->datatype == NULL ? CUST_ERR_NOMEM : CUST_OK;
    }
  }
  return st;
}

/* ---- read transactions ---------------------------------------------------------- */

/* Steps a statement of the pool to its end. */
static int run_pooled(cust_store *s, sqlite3_stmt **q, const char *sql) {
  if (pooled(s, q, sql) != CUST_OK) {
    return sqlite3_errcode(s->db) != SQLITE_OK ? sqlite3_errcode(s->db) : SQLITE_ERROR;
  }
  int rc;
  while ((rc = sqlite3_step(*q)) == SQLITE_ROW) {
  }
  sqlite3_reset(*q);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

cust_status cust_store_read_begin(cust_store *s, int *began) {
  *began = 0;
  if (s->in_tx || !sqlite3_get_autocommit(s->db)) {
    return CUST_OK; /* the open transaction already pins what is read */
  }
  cust_scan_pool *pool = pool_of(s);
  if (pool == NULL) {
    return CUST_ERR_NOMEM;
  }
  /* BEGIN alone takes no snapshot: the first read does */
  int rc = run_pooled(s, &pool->begin, "BEGIN");
  if (rc == SQLITE_OK) {
    rc = run_pooled(s, &pool->snapshot, "SELECT count(*) FROM cust_meta");
  }
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
    cust_scan_pool *pool = s->scans;
    if (pool == NULL || run_pooled(s, &pool->commit, "COMMIT") != SQLITE_OK) {
      sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    }
  }
}
