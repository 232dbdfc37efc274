/* The evaluator of the query engine: the algebra of algebra.h run as a tree
 * of pull iterators over the store's term ids.
 *
 * Ids. A solution is an array of 64-bit ids, one per variable of the query
 * (0: unbound). The two high bits give the kind (1 IRI, 2 blank node, 3
 * literal) and the rest the row id in the store's table of that kind; bit 61
 * marks a term made during evaluation (BIND, functions, VALUES or constants
 * the store lacks), numbered in a per-query dictionary. A computed term is
 * looked up in the store first, so equal terms always have equal ids, and
 * joins, DISTINCT, GROUP BY and MINUS compare ids only. Ids become text only
 * for expressions, ORDER BY and output (decoded once per query, cached).
 *
 * Iterators. Each node is opened with a context (the bindings of the
 * solution it extends: none at the top, the left solution on the right of a
 * join by substitution, the current solution in EXISTS) and gives solutions
 * that extend it. The right side of JOIN and LEFTJOIN is opened per left
 * solution when it is made only of BGPs, paths, VALUES, UNION, JOIN and
 * GRAPH (there substitution and join agree); otherwise it is evaluated once
 * on its own and kept in a table hashed on the variables every one of its
 * solutions binds. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sparql/eval.h"
#include "sparql/value.h"

#define XSD "http://www.w3.org/2001/XMLSchema#"

/* ---- ids ------------------------------------------------------------------------ */

#define ID_LOCAL ((uint64_t)1 << 61)
#define ID_ROW_MASK (ID_LOCAL - 1)

static uint64_t id_make(cust_term_kind k, int64_t row) {
  uint64_t tag = k == CUST_TERM_IRI ? 1 : k == CUST_TERM_BLANK ? 2 : 3;
  return (tag << 62) | ((uint64_t)row & ID_ROW_MASK);
}

static cust_term_kind id_kind(uint64_t id) {
  switch (id >> 62) {
    case 1:
      return CUST_TERM_IRI;
    case 2:
      return CUST_TERM_BLANK;
    case 3:
      return CUST_TERM_LITERAL;
    default:
      return CUST_TERM_NONE;
  }
}

static int id_is_local(uint64_t id) {
  return (id & ID_LOCAL) != 0;
}

/* The store row of an id, or -1 when it is not a store term (the scans
 * then match nothing). */
static int64_t id_row(uint64_t id) {
  return id == 0 || id_is_local(id) ? -1 : (int64_t)(id & ID_ROW_MASK);
}

static uint64_t hash_bytes(uint64_t h, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
  }
  return h;
}

static uint64_t term_hash(const cust_term *t) {
  uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)t->kind;
  h = hash_bytes(h, t->value ? t->value : "", t->len);
  if (t->lang) {
    h = hash_bytes(h ^ 1, t->lang, strlen(t->lang));
  }
  if (t->datatype) {
    h = hash_bytes(h ^ 2, t->datatype, strlen(t->datatype));
  }
  return cust_mix64(h);
}

/* ---- a map of 64-bit keys (never 0) to 64-bit values ------------------------------- */

typedef struct u64map {
  uint64_t *keys, *vals;
  size_t cap, n; /* cap: a power of two */
} u64map;

static void u64map_release(u64map *m) {
  free(m->keys);
  free(m->vals);
  memset(m, 0, sizeof *m);
}

static uint64_t *u64map_find(const u64map *m, uint64_t key) {
  if (m->cap == 0) {
    return NULL;
  }
  for (size_t i = cust_mix64(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
    if (m->keys[i] == key) {
      return &m->vals[i];
    }
    if (m->keys[i] == 0) {
      return NULL;
    }
  }
}

/* Sets key to val; *is_new (may be NULL) says whether the key was absent. */
static cust_status u64map_put(u64map *m, uint64_t key, uint64_t val, int *is_new) {
  if ((m->n + 1) * 2 > m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 64;
    uint64_t *k = calloc(cap, sizeof *k), *v = calloc(cap, sizeof *v);
    if (k == NULL || v == NULL) {
      free(k);
      free(v);
      return CUST_ERR_NOMEM;
    }
    for (size_t i = 0; i < m->cap; i++) {
      if (m->keys[i] != 0) {
        size_t j = cust_mix64(m->keys[i]) & (cap - 1);
        while (k[j] != 0) {
          j = (j + 1) & (cap - 1);
        }
        k[j] = m->keys[i];
        v[j] = m->vals[i];
      }
    }
    free(m->keys);
    free(m->vals);
    m->keys = k;
    m->vals = v;
    m->cap = cap;
  }
  size_t i = cust_mix64(key) & (m->cap - 1);
  while (m->keys[i] != 0 && m->keys[i] != key) {
    i = (i + 1) & (m->cap - 1);
  }
  if (is_new != NULL) {
    *is_new = m->keys[i] == 0;
  }
  if (m->keys[i] == 0) {
    m->n++;
  }
  m->keys[i] = key;
  m->vals[i] = val;
  return CUST_OK;
}

/* ---- a table of solutions, optionally hashed on some variables --------------------- */

typedef struct tab {
  uint64_t *cells; /* n rows of w ids */
  size_t n, cap, w;
  /* hash index on `keys` (NULL: none): chains of row numbers + 1 */
  int *keys;
  size_t nkeys;
  uint32_t *head, *next;
  size_t nb;
} tab;

static void tab_release(tab *t) {
  free(t->cells);
  free(t->keys);
  free(t->head);
  free(t->next);
  size_t w = t->w;
  memset(t, 0, sizeof *t);
  t->w = w;
}

static cust_status tab_add(tab *t, const uint64_t *row) {
  /* a row of no variable still takes a cell, so that the table is not empty */
  if (cust_grow(&t->cells, t->n, &t->cap, (t->w ? t->w : 1) * sizeof *t->cells, 16) != CUST_OK) {
    return CUST_ERR_NOMEM;
  }
  memcpy(t->cells + t->n * t->w, row, t->w * sizeof *row);
  t->n++;
  return CUST_OK;
}

static const uint64_t *tab_row(const tab *t, size_t i) {
  return t->cells + i * t->w;
}

static uint64_t key_hash(const uint64_t *row, const int *keys, size_t nkeys) {
  uint64_t h = 0x9e3779b97f4a7c15ULL;
  for (size_t i = 0; i < nkeys; i++) {
    h = cust_mix64(h ^ row[keys[i]]);
  }
  return h;
}

/* Hashes the table on the variables of `cand` (mask of w) that every row binds. */
static cust_status tab_index(tab *t, const unsigned char *cand) {
  free(t->keys);
  t->keys = malloc(t->w * sizeof *t->keys + 1);
  if (t->keys == NULL) {
    return CUST_ERR_NOMEM;
  }
  t->nkeys = 0;
  for (size_t v = 0; v < t->w; v++) {
    if (cand != NULL && !cand[v]) {
      continue;
    }
    int all = 1;
    for (size_t i = 0; i < t->n && all; i++) {
      all = tab_row(t, i)[v] != 0;
    }
    if (all && t->n > 0) {
      t->keys[t->nkeys++] = (int)v;
    }
  }
  if (t->nkeys == 0) {
    return CUST_OK;
  }
  t->nb = 16;
  while (t->nb < t->n * 2) {
    t->nb *= 2;
  }
  t->head = calloc(t->nb, sizeof *t->head);
  t->next = calloc(t->n + 1, sizeof *t->next);
  if (t->head == NULL || t->next == NULL) {
    return CUST_ERR_NOMEM;
  }
  for (size_t i = t->n; i-- > 0;) {
    size_t b = key_hash(tab_row(t, i), t->keys, t->nkeys) & (t->nb - 1);
    t->next[i] = t->head[b];
    t->head[b] = (uint32_t)(i + 1);
  }
  return CUST_OK;
}

static int compatible(const uint64_t *a, const uint64_t *b, size_t w) {
  for (size_t v = 0; v < w; v++) {
    if (a[v] != 0 && b[v] != 0 && a[v] != b[v]) {
      return 0;
    }
  }
  return 1;
}

/* A walk over the rows of `t` that may be compatible with `row`. */
typedef struct tab_walk {
  const tab *t;
  const uint64_t *row;
  size_t i;       /* full scan: next row */
  uint32_t chain; /* hashed: next row + 1 */
  int is_hashed;
} tab_walk;

static void tab_walk_start(tab_walk *k, const tab *t, const uint64_t *row) {
  k->t = t;
  k->row = row;
  k->i = 0;
  k->is_hashed = t->nkeys > 0 && t->head != NULL;
  for (size_t j = 0; j < t->nkeys && k->is_hashed; j++) {
    k->is_hashed = row[t->keys[j]] != 0;
  }
  if (k->is_hashed) {
    k->chain = t->head[key_hash(row, t->keys, t->nkeys) & (t->nb - 1)];
  }
}

/* The next compatible row, or NULL. */
static const uint64_t *tab_walk_next(tab_walk *k) {
  const tab *t = k->t;
  if (k->is_hashed) {
    while (k->chain != 0) {
      const uint64_t *r = tab_row(t, k->chain - 1);
      k->chain = t->next[k->chain - 1];
      if (compatible(r, k->row, t->w)) {
        return r;
      }
    }
    return NULL;
  }
  while (k->i < t->n) {
    const uint64_t *r = tab_row(t, k->i++);
    if (compatible(r, k->row, t->w)) {
      return r;
    }
  }
  return NULL;
}

/* ---- the evaluation ------------------------------------------------------------------ */

typedef struct it it;

struct sq_eval {
  cust_store *store;
  const sq_query *q;
  size_t nvars;
  uint64_t deadline;
  unsigned ticks;
  cust_arena arena;   /* decoded and made terms, plans: the query's life */
  cust_arena scratch; /* values of one top-level expression evaluation */
  int expr_depth;
  sq_fctx fctx;
  /* the dictionary of made terms: local number -> term; hash -> local id */
  cust_term *local;
  size_t nlocal, caplocal;
  u64map local_by_hash; /* term hash -> id; collisions go on probing hash+1 */
  u64map decoded;       /* store id -> index into `dec` */
  cust_term *dec;
  size_t ndec, capdec;
  u64map pcount; /* predicate row -> estimated quads */
  u64map consts; /* a constant expression (its address) -> the id of its term */
  u64map links;  /* path LINK node -> its IRI's id */
  /* the dataset */
  cust_scan_graphs dgraphs;
  int64_t *dgids;
  size_t ndgids;
  int has_named;
  u64map named; /* graph id -> 1, when has_named */
  uint64_t *named_list;
  size_t nnamed;
  int named_listed; /* named_list holds every graph to visit */
  it *root;
  it **all; /* every iterator, for freeing */
  size_t nall, capall;
  struct exists_it *exists; /* compiled EXISTS patterns */
  cust_status failed;       /* a failure inside an expression (NOMEM, store, timeout) */
  int state_opened;         /* the root was opened */
};

/* The graph a pattern reads: the default graph, a fixed one (gid; -1: a
 * graph the store lacks), a variable (its rows bind it), or the graph a
 * GRAPH ?var visits now (*cur). */
typedef struct gctx {
  int var; /* >= 0: GRAPH ?var */
  int is_fixed;
  int64_t gid;
  const int64_t *cur;
} gctx;

typedef struct pat {
  int var[3];     /* s, p, o: a variable, or -1 */
  uint64_t id[3]; /* constants' ids (0 with var -1: a constant the store lacks) */
} pat;

typedef struct exists_it {
  const sq_node *pattern;
  it *it;
  struct exists_it *next;
} exists_it;

struct it {
  const sq_node *n;
  sq_eval *e;
  gctx g;
  uint64_t *row; /* the current solution (nvars) */
  uint64_t *ctx; /* the context of the last open */
  it *a, *b;
  int is_safe;          /* may be opened with any context (substitution = join) */
  const sq_node *group; /* the GROUP whose aggregates SQ_E_AGG reads */
  int state;
  /* BGP */
  pat *pats;
  size_t npats;
  size_t *order;
  uint64_t plan_sig;
  int has_plan;
  cust_store_scan **scans;
  uint64_t **undo; /* per depth: the row before the depth's bindings */
  long depth;
  /* tables: JOIN/LEFTJOIN/MINUS right side (kept for the query), GROUP, ORDER, PATH */
  tab t;
  int has_tab;
  size_t pos;
  tab_walk walk;
  int matched;
  u64map seen;   /* DISTINCT */
  uint64_t *ids; /* TABLE cells' ids; GRAPH: graphs to visit */
  size_t nids;
  uint64_t count;  /* SLICE */
  uint64_t topk;   /* ORDER under a SLICE: keep this many (0: all) */
  sq_value *keys;  /* ORDER: per row and key */
  int64_t cur_gid; /* GRAPH ?var visiting graphs in turn: the graph now */
  int64_t tab_gid; /* the graph `t` was read in, when that is *g.cur */
};

static cust_status tick(sq_eval *e) {
  if (e->deadline != 0 && (++e->ticks & 255) == 0 && cust_now_ms() > e->deadline) {
    return CUST_ERR_TIMEOUT;
  }
  return CUST_OK;
}

/* ---- terms ---------------------------------------------------------------------------- */

static cust_status copy_term(cust_arena *a, const cust_term *t, cust_term *out) {
  *out = *t;
  out->value = cust_arena_strndup(a, t->value ? t->value : "", t->len);
  out->lang = t->lang ? cust_arena_strdup(a, t->lang) : NULL;
  out->datatype = t->datatype ? cust_arena_strdup(a, t->datatype) : NULL;
  if (out->value == NULL || (t->lang && !out->lang) || (t->datatype && !out->datatype)) {
    return CUST_ERR_NOMEM;
  }
  return CUST_OK;
}

/* The id of a term: the store's when it holds it, else a local one (added
 * when `is_add`, else 0). */
static cust_status intern(sq_eval *e, const cust_term *t, int is_add, uint64_t *id) {
  *id = 0;
  if (t->kind == CUST_TERM_NONE) {
    return CUST_OK;
  }
  uint64_t h = term_hash(t) | 1;
  for (uint64_t k = h;; k++) {
    uint64_t *v = u64map_find(&e->local_by_hash, k ? k : 1);
    if (v == NULL) {
      break;
    }
    if (cust_term_equal(&e->local[*v & ID_ROW_MASK], t)) {
      *id = id_make(t->kind, (int64_t)(*v & ID_ROW_MASK)) | ID_LOCAL;
      return CUST_OK;
    }
  }
  int64_t row = 0;
  cust_status st = cust_store_term_id(e->store, t, &row);
  if (st != CUST_OK) {
    return st;
  }
  if (row > 0) {
    *id = id_make(t->kind, row);
    return CUST_OK;
  }
  if (!is_add) {
    return CUST_OK;
  }
  st = cust_grow(&e->local, e->nlocal, &e->caplocal, sizeof *e->local, 64);
  if (st != CUST_OK) {
    return st;
  }
  st = copy_term(&e->arena, t, &e->local[e->nlocal]);
  if (st != CUST_OK) {
    return st;
  }
  uint64_t k = h;
  while (u64map_find(&e->local_by_hash, k ? k : 1) != NULL) {
    k++;
  }
  st = u64map_put(&e->local_by_hash, k ? k : 1, e->nlocal, NULL);
  if (st != CUST_OK) {
    return st;
  }
  *id = id_make(t->kind, (int64_t)e->nlocal) | ID_LOCAL;
  e->nlocal++;
  return CUST_OK;
}

cust_status sq_eval_intern(sq_eval *e, const cust_term *t, uint64_t *id) {
  return intern(e, t, 1, id);
}

cust_status sq_eval_term(sq_eval *e, uint64_t id, cust_term *out) {
  memset(out, 0, sizeof *out);
  if (id == 0) {
    return CUST_OK;
  }
  if (id_is_local(id)) {
    *out = e->local[id & ID_ROW_MASK];
    return CUST_OK;
  }
  uint64_t *at = u64map_find(&e->decoded, id);
  if (at != NULL) {
    *out = e->dec[*at];
    return CUST_OK;
  }
  if (cust_grow(&e->dec, e->ndec, &e->capdec, sizeof *e->dec, 64) != CUST_OK) {
    return CUST_ERR_NOMEM;
  }
  cust_status st =
      cust_store_id_term(e->store, id_kind(id), id_row(id), &e->arena, &e->dec[e->ndec]);
  if (st != CUST_OK) {
    return st == CUST_ERR_NOTFOUND ? CUST_ERR_FORMAT : st;
  }
  st = u64map_put(&e->decoded, id, e->ndec, NULL);
  if (st != CUST_OK) {
    return st;
  }
  *out = e->dec[e->ndec++];
  return CUST_OK;
}

/* ---- expressions ---------------------------------------------------------------------- */

typedef struct ectx {
  it *owner; /* the iterator evaluating (for EXISTS and aggregates) */
  const uint64_t *row;
} ectx;

static cust_status it_open(it *t, const uint64_t *ctx);
static cust_status it_next(it *t, int *has);
static cust_status compile(sq_eval *e, const sq_node *n, gctx g, it **out);

static sq_rc fail_rc(sq_eval *e, cust_status st) {
  if (e->failed == CUST_OK) {
    e->failed = st;
  }
  return st == CUST_ERR_NOMEM ? SQ_NOMEM : SQ_ERROR;
}

static void bool_value(int b, sq_value *out) {
  cust_term t = cust_term_literal(b ? "true" : "false", NULL, XSD "boolean");
  sq_value_of(&t, out);
}

static sq_rc value_of_id(sq_eval *e, uint64_t id, sq_value *out) {
  if (id == 0) {
    return SQ_ERROR;
  }
  cust_term t;
  cust_status st = sq_eval_term(e, id, &t);
  if (st != CUST_OK) {
    return fail_rc(e, st);
  }
  sq_value_of(&t, out);
  return SQ_OK;
}

static sq_rc eval_expr(sq_eval *e, const ectx *c, const sq_expr *x, sq_value *out);

static sq_rc eval_ebv(sq_eval *e, const ectx *c, const sq_expr *x, int *b) {
  sq_value v;
  sq_rc rc = eval_expr(e, c, x, &v);
  if (rc != SQ_OK) {
    return rc;
  }
  return sq_ebv(&v, b);
}

static sq_rc eval_exists(sq_eval *e, const ectx *c, const sq_node *pattern, int *has) {
  exists_it *x = e->exists;
  while (x != NULL && x->pattern != pattern) {
    x = x->next;
  }
  if (x == NULL) {
    x = cust_arena_alloc(&e->arena, sizeof *x);
    if (x == NULL) {
      return fail_rc(e, CUST_ERR_NOMEM);
    }
    x->pattern = pattern;
    gctx g = c->owner != NULL ? c->owner->g : (gctx){ -1, 0, 0, NULL };
    cust_status st = compile(e, pattern, g, &x->it);
    if (st != CUST_OK) {
      return fail_rc(e, st);
    }
    x->next = e->exists;
    e->exists = x;
  }
  e->expr_depth++;
  cust_status st = it_open(x->it, c->row);
  if (st == CUST_OK) {
    st = it_next(x->it, has);
  }
  e->expr_depth--;
  return st == CUST_OK ? SQ_OK : fail_rc(e, st);
}

static sq_rc eval_expr(sq_eval *e, const ectx *c, const sq_expr *x, sq_value *out) {
  sq_rc rc;
  int a = 0, b = 0;
  switch (x->kind) {
    case SQ_E_VAR:
      return value_of_id(e, c->row[x->var], out);
    case SQ_E_CONST:
      sq_value_of(&x->term, out);
      return SQ_OK;
    case SQ_E_AGG: {
      const sq_node *g = c->owner != NULL ? c->owner->group : NULL;
      if (g == NULL || x->agg >= g->naggs || g->agg_vars[x->agg] < 0) {
        return SQ_ERROR;
      }
      return value_of_id(e, c->row[g->agg_vars[x->agg]], out);
    }
    case SQ_E_OR:
    case SQ_E_AND: {
      int is_or = x->kind == SQ_E_OR;
      sq_rc ra = eval_ebv(e, c, x->args[0], &a);
      if (ra == SQ_NOMEM) {
        return ra;
      }
      if (ra == SQ_OK && a == is_or) {
        bool_value(is_or, out);
        return SQ_OK;
      }
      sq_rc rb = eval_ebv(e, c, x->args[1], &b);
      if (rb == SQ_NOMEM) {
        return rb;
      }
      if (rb == SQ_OK && b == is_or) {
        bool_value(is_or, out);
        return SQ_OK;
      }
      if (ra != SQ_OK || rb != SQ_OK) {
        return SQ_ERROR;
      }
      bool_value(!is_or, out);
      return SQ_OK;
    }
    case SQ_E_NOT:
      rc = eval_ebv(e, c, x->args[0], &a);
      if (rc == SQ_OK) {
        bool_value(!a, out);
      }
      return rc;
    case SQ_E_EQ:
    case SQ_E_NE:
    case SQ_E_LT:
    case SQ_E_GT:
    case SQ_E_LE:
    case SQ_E_GE: {
      sq_value l, r;
      if ((rc = eval_expr(e, c, x->args[0], &l)) != SQ_OK ||
          (rc = eval_expr(e, c, x->args[1], &r)) != SQ_OK) {
        return rc;
      }
      rc = sq_compare(x->kind, &l, &r, &a);
      if (rc == SQ_OK) {
        bool_value(a, out);
      }
      return rc;
    }
    case SQ_E_IN:
    case SQ_E_NOT_IN: {
      sq_value l, r;
      if ((rc = eval_expr(e, c, x->args[0], &l)) != SQ_OK) {
        return rc;
      }
      int has_error = 0, found = 0;
      for (size_t i = 1; i < x->nargs && !found; i++) {
        rc = eval_expr(e, c, x->args[i], &r);
        if (rc == SQ_NOMEM) {
          return rc;
        }
        if (rc == SQ_OK) {
          rc = sq_compare(SQ_E_EQ, &l, &r, &a);
        }
        if (rc == SQ_NOMEM) {
          return rc;
        }
        if (rc != SQ_OK) {
          has_error = 1;
        } else if (a) {
          found = 1;
        }
      }
      if (!found && has_error) {
        return SQ_ERROR;
      }
      bool_value(x->kind == SQ_E_IN ? found : !found, out);
      return SQ_OK;
    }
    case SQ_E_ADD:
    case SQ_E_SUB:
    case SQ_E_MUL:
    case SQ_E_DIV: {
      sq_value l, r;
      if ((rc = eval_expr(e, c, x->args[0], &l)) != SQ_OK ||
          (rc = eval_expr(e, c, x->args[1], &r)) != SQ_OK) {
        return rc;
      }
      return sq_arith(&e->fctx, x->kind, &l, &r, out);
    }
    case SQ_E_NEG:
    case SQ_E_PLUS: {
      sq_value l;
      if ((rc = eval_expr(e, c, x->args[0], &l)) != SQ_OK) {
        return rc;
      }
      return sq_arith(&e->fctx, x->kind, &l, NULL, out);
    }
    case SQ_E_BOUND: {
      int v = x->nargs > 0 && x->args[0]->kind == SQ_E_VAR ? x->args[0]->var : x->var;
      bool_value(v >= 0 && c->row[v] != 0, out);
      return SQ_OK;
    }
    case SQ_E_IF:
      rc = eval_ebv(e, c, x->args[0], &a);
      if (rc != SQ_OK) {
        return rc;
      }
      return eval_expr(e, c, x->args[a ? 1 : 2], out);
    case SQ_E_COALESCE:
      for (size_t i = 0; i < x->nargs; i++) {
        rc = eval_expr(e, c, x->args[i], out);
        if (rc != SQ_ERROR) {
          return rc;
        }
      }
      return SQ_ERROR;
    case SQ_E_EXISTS:
    case SQ_E_NOT_EXISTS:
      rc = eval_exists(e, c, x->pattern, &a);
      if (rc == SQ_OK) {
        bool_value(x->kind == SQ_E_EXISTS ? a : !a, out);
      }
      return rc;
    case SQ_E_CALL: {
      int id = x->fn_id;
      if (id < 0) {
        return SQ_ERROR;
      }
      size_t n = x->nargs;
      sq_value *vals = cust_arena_alloc(&e->scratch, (n + 1) * sizeof *vals);
      const sq_value **args = cust_arena_alloc(&e->scratch, (n + 1) * sizeof *args);
      if (vals == NULL || args == NULL) {
        return fail_rc(e, CUST_ERR_NOMEM);
      }
      for (size_t i = 0; i < n; i++) {
        rc = eval_expr(e, c, x->args[i], &vals[i]);
        if (rc == SQ_NOMEM) {
          return rc;
        }
        args[i] = rc == SQ_OK ? &vals[i] : NULL;
      }
      return sq_func_call(&e->fctx, id, args, n, out);
    }
    default:
      return SQ_ERROR;
  }
}

/* Evaluates a top-level expression (of FILTER, EXTEND, a key): the
 * scratch arena is emptied first unless an outer evaluation is under way. */
static sq_rc eval_top(sq_eval *e, it *owner, const uint64_t *row, const sq_expr *x, sq_value *out) {
  if (e->expr_depth == 0) {
    cust_arena_reset(&e->scratch);
  }
  ectx c = { owner, row };
  e->expr_depth++;
  sq_rc rc = eval_expr(e, &c, x, out);
  e->expr_depth--;
  return rc;
}

/* The id of an expression's value: 0 when it is an error. */
static cust_status eval_to_id(sq_eval *e, it *owner, const uint64_t *row, const sq_expr *x,
                              uint64_t *id) {
  sq_value v;
  *id = 0;
  if (x->kind == SQ_E_CONST) {
    /* BIND(1 AS ?x) and the like: the term is looked up once per query */
    uint64_t *known = u64map_find(&e->consts, (uint64_t)(uintptr_t)x);
    if (known != NULL) {
      *id = *known;
      return CUST_OK;
    }
    cust_status st = intern(e, &x->term, 1, id);
    return st == CUST_OK ? u64map_put(&e->consts, (uint64_t)(uintptr_t)x, *id, NULL) : st;
  }
  sq_rc rc = eval_top(e, owner, row, x, &v);
  if (e->failed != CUST_OK) {
    return e->failed;
  }
  if (rc == SQ_NOMEM) {
    return CUST_ERR_NOMEM;
  }
  if (rc != SQ_OK) {
    return CUST_OK;
  }
  return intern(e, &v.term, 1, id);
}

/* Whether every expression is true for `row` (an error is false). */
static cust_status eval_filter(sq_eval *e, it *owner, const uint64_t *row, sq_expr *const *xs,
                               size_t n, int *pass) {
  *pass = 1;
  for (size_t i = 0; i < n && *pass; i++) {
    sq_value v;
    int b = 0;
    sq_rc rc = eval_top(e, owner, row, xs[i], &v);
    if (rc == SQ_OK) {
      rc = sq_ebv(&v, &b);
    }
    if (e->failed != CUST_OK) {
      return e->failed;
    }
    if (rc == SQ_NOMEM) {
      return CUST_ERR_NOMEM;
    }
    *pass = rc == SQ_OK && b;
  }
  return CUST_OK;
}

/* ---- the graphs a pattern reads -------------------------------------------------------- */

/* Sets the graph part of a scan for `row`: *is_empty when nothing can
 * match, *bind_g the variable the scan's graph column binds (-1: none). */
static void scan_graphs(it *t, const uint64_t *row, cust_store_id_pattern *sp, int64_t *one,
                        int *is_empty, int *bind_g) {
  sq_eval *e = t->e;
  *is_empty = 0;
  *bind_g = -1;
  if (t->g.var >= 0) {
    uint64_t gv = row[t->g.var];
    if (gv != 0) {
      *one = id_kind(gv) == CUST_TERM_IRI ? id_row(gv) : -1;
      if (*one <= 0 || (e->has_named && u64map_find(&e->named, gv) == NULL)) {
        *is_empty = 1;
      }
      sp->graphs = CUST_SCAN_ONE;
      sp->gids = one;
      sp->ngids = 1;
    } else {
      sp->graphs = CUST_SCAN_NAMED;
      *bind_g = t->g.var;
      if (e->has_named && e->named.n == 0) {
        *is_empty = 1;
      }
    }
  } else if (t->g.is_fixed || t->g.cur != NULL) {
    *one = t->g.cur != NULL ? *t->g.cur : t->g.gid;
    *is_empty = *one <= 0;
    sp->graphs = CUST_SCAN_ONE;
    sp->gids = one;
    sp->ngids = 1;
  } else {
    sp->graphs = e->dgraphs;
    sp->gids = e->dgids;
    sp->ngids = e->ndgids;
    *is_empty = e->dgraphs == CUST_SCAN_LIST && e->ndgids == 0;
  }
}

/* ---- BGP: index nested loops ----------------------------------------------------------- */

static uint64_t pat_value(const it *t, const pat *p, int k) {
  return p->var[k] >= 0 ? t->row[p->var[k]] : p->id[k];
}

static cust_status predicate_estimate(sq_eval *e, uint64_t pid, uint64_t *out) {
  uint64_t *c = u64map_find(&e->pcount, pid);
  if (c != NULL) {
    *out = *c;
    return CUST_OK;
  }
  cust_status st = cust_store_predicate_count(e->store, id_row(pid), 5000, out);
  return st == CUST_OK ? u64map_put(&e->pcount, pid, *out, NULL) : st;
}

/* The order of the patterns for the variables bound now: greedily the
 * pattern with the fewest expected rows given what is bound so far. */
static cust_status bgp_plan(it *t) {
  sq_eval *e = t->e;
  uint64_t sig = 0x12345;
  for (size_t i = 0; i < t->npats; i++) {
    for (int k = 0; k < 3; k++) {
      int v = t->pats[i].var[k];
      sig = cust_mix64(sig ^ (uint64_t)(v >= 0 && t->row[v] != 0) ^
                       ((uint64_t)(i * 3 + (size_t)k) << 8));
    }
  }
  if (t->g.var >= 0) {
    sig = cust_mix64(sig ^ (t->row[t->g.var] != 0));
  }
  if (t->has_plan && sig == t->plan_sig) {
    return CUST_OK;
  }
  unsigned char *bound = calloc(e->nvars + 1, 1), *used = calloc(t->npats + 1, 1);
  cust_status st = bound && used ? CUST_OK : CUST_ERR_NOMEM;
  for (size_t v = 0; st == CUST_OK && v < e->nvars; v++) {
    bound[v] = t->row[v] != 0;
  }
  for (size_t d = 0; st == CUST_OK && d < t->npats; d++) {
    uint64_t best_cost = UINT64_MAX;
    size_t best = 0;
    for (size_t i = 0; i < t->npats; i++) {
      if (used[i]) {
        continue;
      }
      const pat *p = &t->pats[i];
      int b[3];
      uint64_t cost = 0;
      int is_absent = 0;
      for (int k = 0; k < 3; k++) {
        b[k] = p->var[k] < 0 || bound[p->var[k]];
        is_absent |= p->var[k] < 0 && p->id[k] == 0;
      }
      if (is_absent) {
        cost = 0;
      } else {
        uint64_t base = 1000000;
        if (p->var[1] < 0) {
          st = predicate_estimate(e, p->id[1], &base);
          if (st != CUST_OK) {
            break;
          }
        } else if (b[1]) {
          base = 100000;
        }
        uint64_t cap = b[0] && b[2] ? 1 : b[0] ? (b[1] ? 3 : 30) : b[2] ? (b[1] ? 30 : 300) : base;
        cost = (base < cap ? base : cap) * 4 + (b[1] ? 0 : 2) + 1;
      }
      if (cost < best_cost) {
        best_cost = cost;
        best = i;
      }
    }
    if (st != CUST_OK) {
      break;
    }
    used[best] = 1;
    t->order[d] = best;
    for (int k = 0; k < 3; k++) {
      if (t->pats[best].var[k] >= 0) {
        bound[t->pats[best].var[k]] = 1;
      }
    }
  }
  free(bound);
  free(used);
  if (st == CUST_OK) {
    t->has_plan = 1;
    t->plan_sig = sig;
  }
  return st;
}

/* Opens the scan of depth d for the current row. */
static cust_status bgp_open_depth(it *t, size_t d) {
  sq_eval *e = t->e;
  const pat *p = &t->pats[t->order[d]];
  memcpy(t->undo[d], t->row, e->nvars * sizeof *t->row);
  cust_store_scan_close(t->scans[d]);
  t->scans[d] = NULL;
  cust_store_id_pattern sp;
  memset(&sp, 0, sizeof sp);
  int64_t one = 0;
  int is_empty = 0, bind_g = -1;
  scan_graphs(t, t->row, &sp, &one, &is_empty, &bind_g);
  uint64_t v[3];
  for (int k = 0; k < 3; k++) {
    v[k] = pat_value(t, p, k);
    if (v[k] != 0 && id_row(v[k]) <= 0) {
      is_empty = 1; /* a term the store lacks */
    }
    if (p->var[k] < 0 && v[k] == 0) {
      is_empty = 1;
    }
  }
  if (is_empty || (v[0] && id_kind(v[0]) == CUST_TERM_LITERAL) ||
      (v[1] && id_kind(v[1]) != CUST_TERM_IRI)) {
    return CUST_OK; /* scans[d] NULL: no rows */
  }
  sp.s = v[0] ? id_row(v[0]) : 0;
  sp.s_kind = id_kind(v[0]);
  sp.p = v[1] ? id_row(v[1]) : 0;
  sp.o = v[2] ? id_row(v[2]) : 0;
  sp.o_kind = id_kind(v[2]);
  return cust_store_scan_open(e->store, &sp, &t->scans[d]);
}

static int bind_var(uint64_t *row, int var, uint64_t id) {
  if (var < 0) {
    return 1;
  }
  if (row[var] == 0) {
    row[var] = id;
    return 1;
  }
  return row[var] == id;
}

static cust_status bgp_next(it *t, int *has) {
  sq_eval *e = t->e;
  *has = 0;
  while (t->depth >= 0) {
    size_t d = (size_t)t->depth;
    cust_status st = tick(e);
    if (st != CUST_OK) {
      return st;
    }
    cust_store_id_row r;
    int got = 0;
    if (t->scans[d] != NULL) {
      st = cust_store_scan_next(t->scans[d], &r, &got);
      if (st != CUST_OK) {
        return st;
      }
    }
    memcpy(t->row, t->undo[d], e->nvars * sizeof *t->row);
    if (!got) {
      cust_store_scan_close(t->scans[d]);
      t->scans[d] = NULL;
      t->depth--;
      continue;
    }
    const pat *p = &t->pats[t->order[d]];
    int ok = bind_var(t->row, p->var[0], id_make(r.s_kind, r.s)) &&
             bind_var(t->row, p->var[1], id_make(CUST_TERM_IRI, r.p)) &&
             bind_var(t->row, p->var[2], id_make(r.o_kind, r.o));
    if (ok && t->g.var >= 0 && t->undo[d][t->g.var] == 0) {
      uint64_t gid = id_make(CUST_TERM_IRI, r.g);
      ok = r.g > 0 && (!e->has_named || u64map_find(&e->named, gid) != NULL) &&
           bind_var(t->row, t->g.var, gid);
    }
    if (!ok) {
      continue;
    }
    if (d + 1 == t->npats) {
      *has = 1;
      return CUST_OK;
    }
    t->depth++;
    st = bgp_open_depth(t, d + 1);
    if (st != CUST_OK) {
      return st;
    }
  }
  return CUST_OK;
}

static cust_status bgp_open(it *t) {
  for (size_t d = 0; d < t->npats; d++) {
    cust_store_scan_close(t->scans[d]);
    t->scans[d] = NULL;
  }
  cust_status st = bgp_plan(t);
  if (st != CUST_OK) {
    return st;
  }
  t->depth = 0;
  return bgp_open_depth(t, 0);
}

/* ---- property paths --------------------------------------------------------------------- */

typedef struct idvec {
  uint64_t *v;
  size_t n, cap;
} idvec;

static cust_status idvec_add(idvec *a, uint64_t id) {
  if (cust_grow(&a->v, a->n, &a->cap, sizeof *a->v, 16) != CUST_OK) {
    return CUST_ERR_NOMEM;
  }
  a->v[a->n++] = id;
  return CUST_OK;
}

/* The id of an IRI of a path (0: the store lacks it). */
static cust_status iri_id(sq_eval *e, const char *iri, uint64_t *id) {
  cust_term t = cust_term_iri(iri);
  return intern(e, &t, 0, id);
}

/* Every quad of the path's graph with subject `s` or object `o` (ids, 0:
 * free) and predicate `p` (0: any): calls back with (s, p, o). */
typedef cust_status (*edge_fn)(void *ud, uint64_t s, uint64_t p, uint64_t o);

static cust_status edges(it *t, const uint64_t *row, uint64_t s, uint64_t p, uint64_t o, int is_set,
                         edge_fn fn, void *ud) {
  sq_eval *e = t->e;
  cust_store_id_pattern sp;
  memset(&sp, 0, sizeof sp);
  int64_t one = 0;
  int is_empty = 0, bind_g = -1;
  scan_graphs(t, row, &sp, &one, &is_empty, &bind_g);
  if (is_set && sp.graphs == CUST_SCAN_ANY) {
    sp.graphs = CUST_SCAN_ALL; /* repeats across graphs fall in the visited set */
  }
  if ((s && (id_row(s) <= 0 || id_kind(s) == CUST_TERM_LITERAL)) || (o && id_row(o) <= 0) ||
      (p && id_row(p) <= 0) || is_empty) {
    return CUST_OK;
  }
  sp.s = s ? id_row(s) : 0;
  sp.s_kind = id_kind(s);
  sp.p = p ? id_row(p) : 0;
  sp.o = o ? id_row(o) : 0;
  sp.o_kind = id_kind(o);
  cust_store_scan *sc = NULL;
  cust_status st = cust_store_scan_open(e->store, &sp, &sc);
  while (st == CUST_OK) {
    cust_store_id_row r;
    int got = 0;
    st = cust_store_scan_next(sc, &r, &got);
    if (st != CUST_OK || !got) {
      break;
    }
    st = tick(e);
    if (st == CUST_OK) {
      st = fn(ud, id_make(r.s_kind, r.s), id_make(CUST_TERM_IRI, r.p), id_make(r.o_kind, r.o));
    }
  }
  cust_store_scan_close(sc);
  return st == CUST_ERR_STOPPED ? CUST_OK : st; /* the callback had enough */
}

static cust_status found_edge(void *ud, uint64_t s, uint64_t p, uint64_t o) {
  (void)s;
  (void)p;
  (void)o;
  *(int *)ud = 1;
  return CUST_ERR_STOPPED;
}

/* Whether `node` is a subject or an object of the path's graph. */
static cust_status node_in_graph(it *t, const uint64_t *row, uint64_t node, int *is_in) {
  *is_in = 0;
  cust_status st = CUST_OK;
  if (id_kind(node) != CUST_TERM_LITERAL) {
    st = edges(t, row, node, 0, 0, 1, found_edge, is_in);
  }
  if (st == CUST_OK && !*is_in) {
    st = edges(t, row, 0, 0, node, 1, found_edge, is_in);
  }
  return st;
}

typedef struct step_out {
  idvec *out;
  int take_s; /* add the subject (else the object) */
  const uint64_t *exclude;
  size_t nexclude;
} step_out;

static cust_status add_end(void *ud, uint64_t s, uint64_t p, uint64_t o) {
  step_out *so = ud;
  for (size_t i = 0; i < so->nexclude; i++) {
    if (so->exclude[i] == p) {
      return CUST_OK;
    }
  }
  return idvec_add(so->out, so->take_s ? s : o);
}

static cust_status path_step(it *t, const uint64_t *row, const sq_path *p, uint64_t node, int fwd,
                             int is_set, idvec *out);

/* Nodes reachable from `node` by one or more (`min` 1) or zero or more
 * (`min` 0) steps of `sub` (at most one step when `max_one`), each once. */
static cust_status closure(it *t, const uint64_t *row, const sq_path *sub, uint64_t node, int fwd,
                           int min, int max_one, idvec *out) {
  u64map seen;
  idvec queue, next;
  memset(&seen, 0, sizeof seen);
  memset(&queue, 0, sizeof queue);
  memset(&next, 0, sizeof next);
  cust_status st = idvec_add(&queue, node);
  if (st == CUST_OK && min == 0) {
    st = u64map_put(&seen, node, 1, NULL);
    if (st == CUST_OK) {
      st = idvec_add(out, node);
    }
  }
  for (size_t head = 0; st == CUST_OK && head < queue.n; head++) {
    next.n = 0;
    st = path_step(t, row, sub, queue.v[head], fwd, 1, &next);
    for (size_t i = 0; st == CUST_OK && i < next.n; i++) {
      int is_new = 0;
      st = u64map_put(&seen, next.v[i], 1, &is_new);
      if (st == CUST_OK && is_new) {
        st = idvec_add(out, next.v[i]);
        if (st == CUST_OK && !max_one) {
          st = idvec_add(&queue, next.v[i]);
        }
      }
    }
  }
  u64map_release(&seen);
  free(queue.v);
  free(next.v);
  return st;
}

/* The id of a path's IRI, looked up once per query. */
static cust_status link_id(sq_eval *e, const sq_path *p, uint64_t *id) {
  uint64_t *at = u64map_find(&e->links, (uint64_t)(uintptr_t)p);
  if (at != NULL) {
    *id = *at;
    return CUST_OK;
  }
  cust_status st = iri_id(e, p->iri, id);
  return st == CUST_OK ? u64map_put(&e->links, (uint64_t)(uintptr_t)p, *id, NULL) : st;
}

/* The nodes one path step from `node` (forward or backward), with repeats
 * as the recommendation counts them unless `is_set` (inside a closure). */
static cust_status path_step(it *t, const uint64_t *row, const sq_path *p, uint64_t node, int fwd,
                             int is_set, idvec *out) {
  sq_eval *e = t->e;
  cust_status st = CUST_OK;
  switch (p->kind) {
    case SQ_PATH_LINK: {
      uint64_t pid = 0;
      st = link_id(e, p, &pid);
      if (st != CUST_OK || pid == 0) {
        return st;
      }
      step_out so = { out, !fwd, NULL, 0 };
      return fwd ? edges(t, row, node, pid, 0, is_set, add_end, &so)
                 : edges(t, row, 0, pid, node, is_set, add_end, &so);
    }
    case SQ_PATH_INV:
      return path_step(t, row, p->sub[0], node, !fwd, is_set, out);
    case SQ_PATH_SEQ: {
      idvec cur, nxt;
      memset(&cur, 0, sizeof cur);
      memset(&nxt, 0, sizeof nxt);
      st = idvec_add(&cur, node);
      for (size_t k = 0; st == CUST_OK && k < p->nsub && cur.n > 0; k++) {
        const sq_path *sub = p->sub[fwd ? k : p->nsub - 1 - k];
        nxt.n = 0;
        for (size_t i = 0; st == CUST_OK && i < cur.n; i++) {
          st = path_step(t, row, sub, cur.v[i], fwd, is_set, &nxt);
        }
        idvec tmp = cur;
        cur = nxt;
        nxt = tmp;
      }
      for (size_t i = 0; st == CUST_OK && i < cur.n; i++) {
        st = idvec_add(out, cur.v[i]);
      }
      free(cur.v);
      free(nxt.v);
      return st;
    }
    case SQ_PATH_ALT:
      for (size_t k = 0; st == CUST_OK && k < p->nsub; k++) {
        st = path_step(t, row, p->sub[k], node, fwd, is_set, out);
      }
      return st;
    case SQ_PATH_STAR:
      return closure(t, row, p->sub[0], node, fwd, 0, 0, out);
    case SQ_PATH_PLUS:
      return closure(t, row, p->sub[0], node, fwd, 1, 0, out);
    case SQ_PATH_OPT:
      return closure(t, row, p->sub[0], node, fwd, 0, 1, out);
    case SQ_PATH_NPS: {
      uint64_t ex[64], inv[64];
      size_t nex = 0, ninv = 0;
      for (size_t i = 0; st == CUST_OK && i < p->niris && nex < 64; i++) {
        st = iri_id(e, p->iris[i], &ex[nex]);
        nex += ex[nex] != 0;
      }
      for (size_t i = 0; st == CUST_OK && i < p->ninv && ninv < 64; i++) {
        st = iri_id(e, p->inv_iris[i], &inv[ninv]);
        ninv += inv[ninv] != 0;
      }
      if (st != CUST_OK) {
        return st;
      }
      if (p->niris > 0 || p->ninv == 0) {
        step_out so = { out, !fwd, ex, nex };
        st = fwd ? edges(t, row, node, 0, 0, is_set, add_end, &so)
                 : edges(t, row, 0, 0, node, is_set, add_end, &so);
      }
      if (st == CUST_OK && p->ninv > 0) {
        step_out so = { out, fwd, inv, ninv };
        st = fwd ? edges(t, row, 0, 0, node, is_set, add_end, &so)
                 : edges(t, row, node, 0, 0, is_set, add_end, &so);
      }
      return st;
    }
  }
  return st;
}

static cust_status add_both(void *ud, uint64_t s, uint64_t p, uint64_t o) {
  u64map *m = ud;
  (void)p;
  cust_status st = u64map_put(m, s, 1, NULL);
  return st == CUST_OK ? u64map_put(m, o, 1, NULL) : st;
}

static cust_status path_row(it *t, int var, uint64_t id, uint64_t *row) {
  (void)t;
  return bind_var(row, var, id) ? CUST_OK : CUST_ERR_NOTFOUND;
}

/* Every solution of the path for the context in t->ctx, into t->t. */
static cust_status path_fill(it *t) {
  sq_eval *e = t->e;
  const sq_node *n = t->n;
  uint64_t s = 0, o = 0;
  cust_status st = CUST_OK;
  if (n->path_s.var >= 0) {
    s = t->ctx[n->path_s.var];
  } else {
    st = intern(e, &n->path_s.term, 1, &s);
  }
  if (st == CUST_OK && n->path_o.var >= 0) {
    o = t->ctx[n->path_o.var];
  } else if (st == CUST_OK) {
    st = intern(e, &n->path_o.term, 1, &o);
  }
  idvec starts, ends;
  memset(&starts, 0, sizeof starts);
  memset(&ends, 0, sizeof ends);
  int fwd = 1;
  /* a start bound by the solution (not written in the query) is a node of
   * the graph, as if the path were evaluated first and joined: the
   * zero-length match of a term outside the graph is no match */
  int is_in = 1;
  if (st == CUST_OK && (s != 0 ? n->path_s.var >= 0 : o != 0 && n->path_o.var >= 0)) {
    st = node_in_graph(t, t->ctx, s != 0 ? s : o, &is_in);
  }
  if (st != CUST_OK || !is_in) {
    /* no solution */
  } else if (s != 0) {
    st = idvec_add(&starts, s);
  } else if (o != 0) {
    st = idvec_add(&starts, o);
    fwd = 0;
  } else {
    u64map all;
    memset(&all, 0, sizeof all);
    st = edges(t, t->ctx, 0, 0, 0, 1, add_both, &all);
    for (size_t i = 0; st == CUST_OK && i < all.cap; i++) {
      if (all.keys[i] != 0) {
        st = idvec_add(&starts, all.keys[i]);
      }
    }
    u64map_release(&all);
  }
  uint64_t *row = malloc(e->nvars * sizeof *row + 1);
  if (row == NULL && st == CUST_OK) {
    st = CUST_ERR_NOMEM;
  }
  for (size_t i = 0; st == CUST_OK && i < starts.n; i++) {
    ends.n = 0;
    st = path_step(t, t->ctx, n->path, starts.v[i], fwd, 0, &ends);
    for (size_t j = 0; st == CUST_OK && j < ends.n; j++) {
      memcpy(row, t->ctx, e->nvars * sizeof *row);
      uint64_t x = fwd ? starts.v[i] : ends.v[j], y = fwd ? ends.v[j] : starts.v[i];
      if (n->path_s.var < 0 && x != s) {
        continue;
      }
      if (n->path_o.var < 0 && y != o) {
        continue;
      }
      if (path_row(t, n->path_s.var, x, row) != CUST_OK ||
          path_row(t, n->path_o.var, y, row) != CUST_OK) {
        continue;
      }
      st = tab_add(&t->t, row);
    }
  }
  free(row);
  free(starts.v);
  free(ends.v);
  return st;
}

/* ---- materialized sides --------------------------------------------------------------- */

/* The variables a node may bind (the ones its solutions can carry). */
static void node_vars(const sq_node *n, unsigned char *mask) {
  if (n == NULL) {
    return;
  }
  switch (n->kind) {
    case SQ_N_BGP:
      for (size_t i = 0; i < n->ntriples; i++) {
        const sq_pt *p[3] = { &n->triples[i].s, &n->triples[i].p, &n->triples[i].o };
        for (int k = 0; k < 3; k++) {
          if (p[k]->var >= 0) {
            mask[p[k]->var] = 1;
          }
        }
      }
      return;
    case SQ_N_PATH:
      if (n->path_s.var >= 0) {
        mask[n->path_s.var] = 1;
      }
      if (n->path_o.var >= 0) {
        mask[n->path_o.var] = 1;
      }
      return;
    case SQ_N_GRAPH:
      if (n->graph.var >= 0) {
        mask[n->graph.var] = 1;
      }
      break;
    case SQ_N_EXTEND:
      mask[n->var] = 1;
      break;
    case SQ_N_TABLE:
    case SQ_N_PROJECT:
      for (size_t i = 0; i < n->nvars; i++) {
        mask[n->vars[i]] = 1;
      }
      return;
    case SQ_N_GROUP:
      for (size_t i = 0; i < n->nexprs; i++) {
        if (n->group_vars[i] >= 0) {
          mask[n->group_vars[i]] = 1;
        }
      }
      for (size_t i = 0; i < n->naggs; i++) {
        if (n->agg_vars[i] >= 0) {
          mask[n->agg_vars[i]] = 1;
        }
      }
      return;
    case SQ_N_MINUS:
      node_vars(n->sub[0], mask);
      return;
    default:
      break;
  }
  node_vars(n->sub[0], mask);
  node_vars(n->sub[1], mask);
}

/* Evaluates t->b on its own once for the query, hashed on the variables
 * that it and t->a share and that each of its solutions binds. */
static cust_status ensure_tab(it *t) {
  if (t->has_tab && t->g.cur != NULL && *t->g.cur != t->tab_gid) {
    tab_release(&t->t); /* read in another graph */
    t->has_tab = 0;
  }
  if (t->has_tab) {
    return CUST_OK;
  }
  t->tab_gid = t->g.cur != NULL ? *t->g.cur : 0;
  sq_eval *e = t->e;
  cust_status st = it_open(t->b, NULL);
  int has = 0;
  while (st == CUST_OK && (st = it_next(t->b, &has)) == CUST_OK && has) {
    st = tab_add(&t->t, t->b->row);
  }
  unsigned char *cand = calloc(e->nvars + 1, 1);
  if (st == CUST_OK && cand == NULL) {
    st = CUST_ERR_NOMEM;
  }
  if (st == CUST_OK) {
    node_vars(t->n->sub[0], cand);
    st = tab_index(&t->t, cand);
  }
  free(cand);
  t->has_tab = st == CUST_OK;
  return st;
}

static void merge(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t w) {
  for (size_t v = 0; v < w; v++) {
    out[v] = a[v] != 0 ? a[v] : b[v];
  }
}

/* ---- DISTINCT ----------------------------------------------------------------------------- */

/* Adds row to the set of t (rows in t->t, hash -> index in t->seen); *is_new. */
static cust_status seen_add(it *t, const uint64_t *row, int *is_new) {
  size_t w = t->e->nvars;
  uint64_t h = 0x51ed270b27ULL;
  for (size_t v = 0; v < w; v++) {
    h = cust_mix64(h ^ row[v]);
  }
  *is_new = 0;
  for (uint64_t k = h | 1;; k++) {
    uint64_t *at = u64map_find(&t->seen, k ? k : 1);
    if (at == NULL) {
      cust_status st = tab_add(&t->t, row);
      if (st == CUST_OK) {
        st = u64map_put(&t->seen, k ? k : 1, t->t.n - 1, NULL);
      }
      *is_new = 1;
      return st;
    }
    if (memcmp(tab_row(&t->t, *at), row, w * sizeof *row) == 0) {
      return CUST_OK;
    }
  }
}

static void seen_clear(it *t) {
  u64map_release(&t->seen);
  tab_release(&t->t);
}

/* ---- GROUP ---------------------------------------------------------------------------------- */

static cust_status int_id(sq_eval *e, uint64_t n, uint64_t *id) {
  char buf[32];
  snprintf(buf, sizeof buf, "%llu", (unsigned long long)n);
  cust_term t = cust_term_literal(buf, NULL, XSD "integer");
  return intern(e, &t, 1, id);
}

static cust_status agg_value(it *t, const sq_agg *a, const tab *rows, const size_t *members,
                             size_t nm, uint64_t *id) {
  sq_eval *e = t->e;
  *id = 0;
  if (a->expr == NULL) {
    uint64_t count = nm;
    if (a->distinct) {
      it tmp;
      memset(&tmp, 0, sizeof tmp);
      tmp.e = e;
      tmp.t.w = e->nvars;
      cust_status st = CUST_OK;
      count = 0;
      for (size_t i = 0; st == CUST_OK && i < nm; i++) {
        int is_new = 0;
        st = seen_add(&tmp, tab_row(rows, members[i]), &is_new);
        count += is_new;
      }
      seen_clear(&tmp);
      if (st != CUST_OK) {
        return st;
      }
    }
    return int_id(e, count, id);
  }
  if (a->kind == SQ_AGG_COUNT && !a->distinct && a->expr->kind == SQ_E_VAR) {
    /* COUNT(?x) counts where ?x is bound: no term is read */
    uint64_t count = 0;
    for (size_t i = 0; i < nm; i++) {
      count += tab_row(rows, members[i])[a->expr->var] != 0;
    }
    return int_id(e, count, id);
  }
  cust_arena garena;
  cust_arena_init(&garena, 4096);
  sq_agg_state *s = NULL;
  cust_status st = CUST_OK;
  cust_arena *saved = e->fctx.arena;
  sq_rc rc = sq_agg_new(a, &garena, &s);
  for (size_t i = 0; rc == SQ_OK && i < nm; i++) {
    /* the value itself: no id is needed for what only the aggregate sees */
    sq_value v;
    sq_rc vr = eval_top(e, t, tab_row(rows, members[i]), a->expr, &v);
    if (e->failed != CUST_OK) {
      st = e->failed;
      break;
    }
    if (vr == SQ_NOMEM) {
      st = CUST_ERR_NOMEM;
      break;
    }
    e->fctx.arena = &garena;
    rc = sq_agg_step(s, &e->fctx, vr == SQ_OK ? &v : NULL);
    e->fctx.arena = saved;
    if (rc == SQ_ERROR) {
      rc = SQ_OK; /* a value the aggregate cannot take is the aggregate's error at the end */
    }
  }
  if (st == CUST_OK && rc == SQ_OK) {
    sq_value out;
    e->fctx.arena = &garena;
    rc = sq_agg_result(s, &e->fctx, &out);
    e->fctx.arena = saved;
    if (rc == SQ_OK) {
      st = intern(e, &out.term, 1, id);
    }
  }
  if (st == CUST_OK && rc == SQ_NOMEM) {
    st = CUST_ERR_NOMEM;
  }
  sq_agg_free(s);
  cust_arena_release(&garena);
  return st;
}

static cust_status group_fill(it *t) {
  sq_eval *e = t->e;
  const sq_node *n = t->n;
  size_t w = e->nvars, nk = n->nexprs;
  tab rows, keys;
  memset(&rows, 0, sizeof rows);
  memset(&keys, 0, sizeof keys);
  rows.w = w;
  keys.w = nk + 1; /* the keys, then the group's first row */
  u64map byhash;
  memset(&byhash, 0, sizeof byhash);
  size_t *gidx = NULL, *members = NULL, *start = NULL;
  uint64_t *k = calloc(nk + 1, sizeof *k), *out = calloc(w + 1, sizeof *out);
  cust_status st = k && out ? it_open(t->a, t->ctx) : CUST_ERR_NOMEM;
  int has = 0;
  while (st == CUST_OK && (st = it_next(t->a, &has)) == CUST_OK && has) {
    st = tab_add(&rows, t->a->row);
  }
  gidx = calloc(rows.n + 1, sizeof *gidx);
  if (st == CUST_OK && gidx == NULL) {
    st = CUST_ERR_NOMEM;
  }
  for (size_t r = 0; st == CUST_OK && r < rows.n; r++) {
    for (size_t i = 0; st == CUST_OK && i < nk; i++) {
      st = eval_to_id(e, t, tab_row(&rows, r), n->exprs[i], &k[i]);
    }
    if (st != CUST_OK) {
      break;
    }
    uint64_t h = key_hash(k, (int[]){ 0 }, 0);
    for (size_t i = 0; i < nk; i++) {
      h = cust_mix64(h ^ k[i]);
    }
    for (uint64_t p = h | 1;; p++) {
      uint64_t *at = u64map_find(&byhash, p ? p : 1);
      if (at == NULL) {
        k[nk] = r;
        st = tab_add(&keys, k);
        if (st == CUST_OK) {
          st = u64map_put(&byhash, p ? p : 1, keys.n - 1, NULL);
        }
        gidx[r] = keys.n - 1;
        break;
      }
      if (memcmp(tab_row(&keys, *at), k, nk * sizeof *k) == 0) {
        gidx[r] = *at;
        break;
      }
    }
  }
  if (st == CUST_OK && nk == 0 && keys.n == 0) {
    k[0] = 0;
    st = tab_add(&keys, k); /* one group, even over no solutions */
  }
  /* the rows of each group, in order */
  start = calloc(keys.n + 2, sizeof *start);
  members = calloc(rows.n + 1, sizeof *members);
  if (st == CUST_OK && (start == NULL || members == NULL)) {
    st = CUST_ERR_NOMEM;
  }
  for (size_t r = 0; st == CUST_OK && r < rows.n; r++) {
    start[gidx[r] + 2]++;
  }
  for (size_t g = 0; st == CUST_OK && g < keys.n; g++) {
    start[g + 2] += start[g + 1];
  }
  for (size_t r = 0; st == CUST_OK && r < rows.n; r++) {
    members[start[gidx[r] + 1]++] = r;
  }
  for (size_t g = 0; st == CUST_OK && g < keys.n; g++) {
    const uint64_t *key = tab_row(&keys, g);
    memcpy(out, t->ctx, w * sizeof *out);
    for (size_t i = 0; i < nk; i++) {
      if (n->group_vars[i] >= 0) {
        out[n->group_vars[i]] = key[i];
      }
    }
    for (size_t j = 0; st == CUST_OK && j < n->naggs; j++) {
      uint64_t id = 0;
      st = agg_value(t, &n->aggs[j], &rows, members + start[g], start[g + 1] - start[g], &id);
      if (n->agg_vars[j] >= 0) {
        out[n->agg_vars[j]] = id;
      }
    }
    if (st == CUST_OK) {
      st = tab_add(&t->t, out);
    }
  }
  tab_release(&rows);
  tab_release(&keys);
  u64map_release(&byhash);
  free(gidx);
  free(members);
  free(start);
  free(k);
  free(out);
  return st;
}

/* ---- ORDER ------------------------------------------------------------------------------------
 */

typedef struct order_cmp {
  const it *t;
  size_t nk;
} order_cmp;

static int order_compare(const order_cmp *c, size_t a, size_t b) {
  const it *t = c->t;
  for (size_t k = 0; k < c->nk; k++) {
    const sq_value *va = &t->keys[a * c->nk + k], *vb = &t->keys[b * c->nk + k];
    int r = sq_order(va->type != 0 ? va : NULL, vb->type != 0 ? vb : NULL);
    if (r != 0) {
      return t->n->desc != NULL && t->n->desc[k] ? -r : r;
    }
  }
  return 0;
}

/* A stable merge sort of idx[0..n). */
static void merge_sort(const order_cmp *c, size_t *idx, size_t *tmp, size_t n) {
  if (n < 2) {
    return;
  }
  size_t h = n / 2;
  merge_sort(c, idx, tmp, h);
  merge_sort(c, idx + h, tmp, n - h);
  size_t i = 0, j = h, o = 0;
  while (i < h && j < n) {
    tmp[o++] = order_compare(c, idx[j], idx[i]) < 0 ? idx[j++] : idx[i++];
  }
  while (i < h) {
    tmp[o++] = idx[i++];
  }
  while (j < n) {
    tmp[o++] = idx[j++];
  }
  memcpy(idx, tmp, n * sizeof *idx);
}

/* Sorts t->t (and its keys); keeps the first `keep` rows (0: all). */
static cust_status order_sort(it *t, size_t keep) {
  size_t n = t->t.n, nk = t->n->nexprs, w = t->t.w;
  size_t *idx = malloc((n + 1) * sizeof *idx), *tmp = malloc((n + 1) * sizeof *tmp);
  uint64_t *cells = malloc((n + 1) * w * sizeof *cells);
  sq_value *keys = malloc((n * nk + 1) * sizeof *keys);
  if (idx == NULL || tmp == NULL || cells == NULL || keys == NULL) {
    free(idx);
    free(tmp);
    free(cells);
    free(keys);
    return CUST_ERR_NOMEM;
  }
  for (size_t i = 0; i < n; i++) {
    idx[i] = i;
  }
  order_cmp c = { t, nk };
  merge_sort(&c, idx, tmp, n);
  if (keep == 0 || keep > n) {
    keep = n;
  }
  for (size_t i = 0; i < keep; i++) {
    memcpy(cells + i * w, tab_row(&t->t, idx[i]), w * sizeof *cells);
    memcpy(keys + i * nk, t->keys + idx[i] * nk, nk * sizeof *keys);
  }
  free(t->t.cells);
  free(t->keys);
  t->t.cells = cells;
  t->t.n = keep;
  t->t.cap = n + 1;
  t->keys = keys;
  free(idx);
  free(tmp);
  return CUST_OK;
}

static cust_status order_fill(it *t) {
  sq_eval *e = t->e;
  size_t nk = t->n->nexprs, w = e->nvars;
  size_t capk = 0;
  cust_status st = it_open(t->a, t->ctx);
  int has = 0;
  uint64_t *kid = calloc(nk + 1, sizeof *kid);
  if (kid == NULL) {
    return CUST_ERR_NOMEM;
  }
  while (st == CUST_OK && (st = it_next(t->a, &has)) == CUST_OK && has) {
    for (size_t k = 0; st == CUST_OK && k < nk; k++) {
      st = eval_to_id(e, t, t->a->row, t->n->exprs[k], &kid[k]);
    }
    if (st == CUST_OK) {
      st = tab_add(&t->t, t->a->row);
    }
    if (st == CUST_OK && t->t.n > capk) {
      size_t cap = capk ? capk * 2 : 64;
      sq_value *kv = realloc(t->keys, (cap * nk + 1) * sizeof *kv);
      if (kv == NULL) {
        st = CUST_ERR_NOMEM;
        break;
      }
      t->keys = kv;
      capk = cap;
    }
    for (size_t k = 0; st == CUST_OK && k < nk; k++) {
      sq_value *v = &t->keys[(t->t.n - 1) * nk + k];
      memset(v, 0, sizeof *v);
      if (kid[k] != 0 && value_of_id(e, kid[k], v) != SQ_OK) {
        st = e->failed != CUST_OK ? e->failed : CUST_OK;
      }
    }
    /* top-k: never more than twice the rows kept */
    if (st == CUST_OK && t->topk != 0 && t->t.n >= 2 * t->topk + 1024) {
      st = order_sort(t, (size_t)t->topk);
      capk = t->t.n;
      if (t->t.cap < t->t.n) {
        t->t.cap = t->t.n;
      }
    }
  }
  (void)w;
  free(kid);
  if (st == CUST_OK) {
    st = order_sort(t, (size_t)t->topk);
  }
  return st;
}

/* ---- GRAPH ?var: the graphs to visit --------------------------------------------------- */

typedef struct graph_list {
  sq_eval *e;
  cust_status st;
} graph_list;

static int list_graph(void *ud, const char *iri, size_t len) {
  graph_list *l = ud;
  cust_term t = cust_term_iri(iri);
  t.len = len;
  uint64_t id = 0;
  l->st = intern(l->e, &t, 0, &id);
  if (l->st == CUST_OK && id != 0) {
    uint64_t *v = realloc(l->e->named_list, (l->e->nnamed + 1) * sizeof *v);
    if (v == NULL) {
      l->st = CUST_ERR_NOMEM;
    } else {
      l->e->named_list = v;
      v[l->e->nnamed++] = id;
    }
  }
  return l->st != CUST_OK;
}

static cust_status named_graphs(sq_eval *e) {
  if (e->named_listed) {
    return CUST_OK;
  }
  graph_list l = { e, CUST_OK };
  cust_status st = cust_store_graphs(e->store, list_graph, &l);
  if (st == CUST_OK) {
    st = l.st;
  }
  e->named_listed = st == CUST_OK;
  return st;
}

/* ---- iterators ------------------------------------------------------------------------------ */

static cust_status it_open(it *t, const uint64_t *ctx) {
  sq_eval *e = t->e;
  size_t w = e->nvars;
  const sq_node *n = t->n;
  if (ctx != NULL) {
    memcpy(t->ctx, ctx, w * sizeof *ctx);
  } else {
    memset(t->ctx, 0, w * sizeof *t->ctx + 0);
  }
  memcpy(t->row, t->ctx, w * sizeof *t->row);
  t->state = 0;
  t->pos = 0;
  t->count = 0;
  switch (n->kind) {
    case SQ_N_BGP:
      if (t->npats == 0) {
        return CUST_OK;
      }
      return bgp_open(t);
    case SQ_N_PATH:
      t->t.n = 0;
      return path_fill(t);
    case SQ_N_JOIN:
    case SQ_N_LEFTJOIN:
    case SQ_N_MINUS:
    case SQ_N_FILTER:
    case SQ_N_EXTEND:
    case SQ_N_DISTINCT:
    case SQ_N_REDUCED:
    case SQ_N_SLICE:
      if (n->kind == SQ_N_DISTINCT || n->kind == SQ_N_REDUCED) {
        seen_clear(t);
        t->t.w = w;
      }
      return it_open(t->a, t->ctx);
    case SQ_N_UNION:
      return it_open(t->a, t->ctx);
    case SQ_N_GRAPH:
      if (t->state == 0 && t->nids == 0 && n->graph.var >= 0 &&
          !(n->sub[0]->kind == SQ_N_BGP && n->sub[0]->ntriples > 0)) {
        t->state = 2; /* visit each graph in turn */
        t->pos = 0;
        return named_graphs(e);
      }
      return it_open(t->a, t->ctx);
    case SQ_N_PROJECT: {
      uint64_t *sub = t->row; /* the context the subquery sees: its own variables only */
      memset(sub, 0, w * sizeof *sub);
      for (size_t i = 0; i < n->nvars; i++) {
        sub[n->vars[i]] = t->ctx[n->vars[i]];
      }
      return it_open(t->a, sub);
    }
    case SQ_N_GROUP:
      tab_release(&t->t);
      t->t.w = w;
      return group_fill(t);
    case SQ_N_ORDER:
      tab_release(&t->t);
      free(t->keys);
      t->keys = NULL;
      t->t.w = w;
      return order_fill(t);
    default:
      return CUST_OK;
  }
}

static cust_status it_next(it *t, int *has) {
  sq_eval *e = t->e;
  size_t w = e->nvars;
  const sq_node *n = t->n;
  cust_status st = CUST_OK;
  *has = 0;
  switch (n->kind) {
    case SQ_N_UNIT:
      if (t->state == 0) {
        t->state = 1;
        *has = 1;
      }
      return CUST_OK;
    case SQ_N_BGP:
      if (t->npats == 0) {
        if (t->state == 0) {
          t->state = 1;
          *has = 1;
        }
        return CUST_OK;
      }
      return bgp_next(t, has);
    case SQ_N_PATH:
    case SQ_N_GROUP:
    case SQ_N_ORDER:
      if (t->pos < t->t.n) {
        memcpy(t->row, tab_row(&t->t, t->pos++), w * sizeof *t->row);
        *has = 1;
      }
      return CUST_OK;
    case SQ_N_TABLE:
      while (t->pos < n->nrows) {
        const uint64_t *r = t->ids + t->pos * n->nvars;
        t->pos++;
        memcpy(t->row, t->ctx, w * sizeof *t->row);
        int ok = 1;
        for (size_t i = 0; i < n->nvars && ok; i++) {
          ok = r[i] == 0 || bind_var(t->row, n->vars[i], r[i]);
        }
        if (ok) {
          *has = 1;
          return CUST_OK;
        }
      }
      return CUST_OK;
    case SQ_N_JOIN:
    case SQ_N_LEFTJOIN:
      for (;;) {
        if (t->state == 1) {
          int got = 0;
          const uint64_t *r = NULL;
          if (t->b->is_safe) {
            st = it_next(t->b, &got);
            r = t->b->row;
          } else {
            r = tab_walk_next(&t->walk);
            got = r != NULL;
          }
          if (st != CUST_OK) {
            return st;
          }
          if (got) {
            merge(t->row, t->a->row, r, w);
            int pass = 1;
            if (n->kind == SQ_N_LEFTJOIN && n->nexprs > 0) {
              st = eval_filter(e, t, t->row, n->exprs, n->nexprs, &pass);
              if (st != CUST_OK) {
                return st;
              }
            }
            if (pass) {
              t->matched = 1;
              *has = 1;
              return CUST_OK;
            }
            continue;
          }
          t->state = 0;
          if (n->kind == SQ_N_LEFTJOIN && !t->matched) {
            memcpy(t->row, t->a->row, w * sizeof *t->row);
            *has = 1;
            return CUST_OK;
          }
        }
        int got = 0;
        st = it_next(t->a, &got);
        if (st != CUST_OK || !got) {
          return st;
        }
        t->matched = 0;
        t->state = 1;
        if (t->b->is_safe) {
          st = it_open(t->b, t->a->row);
        } else {
          st = ensure_tab(t);
          tab_walk_start(&t->walk, &t->t, t->a->row);
        }
        if (st != CUST_OK) {
          return st;
        }
      }
    case SQ_N_MINUS:
      for (;;) {
        int got = 0;
        st = it_next(t->a, &got);
        if (st == CUST_OK && got) {
          st = ensure_tab(t);
        }
        if (st != CUST_OK || !got) {
          return st;
        }
        const uint64_t *r;
        int is_removed = 0;
        tab_walk_start(&t->walk, &t->t, t->a->row);
        while (!is_removed && (r = tab_walk_next(&t->walk)) != NULL) {
          for (size_t v = 0; v < w && !is_removed; v++) {
            is_removed = r[v] != 0 && t->a->row[v] != 0;
          }
        }
        if (!is_removed) {
          memcpy(t->row, t->a->row, w * sizeof *t->row);
          *has = 1;
          return CUST_OK;
        }
      }
    case SQ_N_FILTER:
      for (;;) {
        int got = 0, pass = 0;
        st = it_next(t->a, &got);
        if (st != CUST_OK || !got) {
          return st;
        }
        st = eval_filter(e, t, t->a->row, n->exprs, n->nexprs, &pass);
        if (st != CUST_OK) {
          return st;
        }
        if (pass) {
          memcpy(t->row, t->a->row, w * sizeof *t->row);
          *has = 1;
          return CUST_OK;
        }
      }
    case SQ_N_UNION:
      for (;;) {
        it *s = t->state == 0 ? t->a : t->b;
        st = it_next(s, has);
        if (st != CUST_OK) {
          return st;
        }
        if (*has) {
          memcpy(t->row, s->row, w * sizeof *t->row);
          return CUST_OK;
        }
        if (t->state == 1) {
          return CUST_OK;
        }
        t->state = 1;
        st = it_open(t->b, t->ctx);
        if (st != CUST_OK) {
          return st;
        }
      }
    case SQ_N_GRAPH:
      if (t->state < 2) {
        st = it_next(t->a, has);
        if (st == CUST_OK && *has) {
          memcpy(t->row, t->a->row, w * sizeof *t->row);
        }
        return st;
      }
      for (;;) {
        int gv = n->graph.var;
        if (t->state == 3) {
          st = it_next(t->a, has);
          if (st != CUST_OK) {
            return st;
          }
          if (*has) {
            uint64_t gid = id_make(CUST_TERM_IRI, t->cur_gid);
            memcpy(t->row, t->a->row, w * sizeof *t->row);
            if (bind_var(t->row, gv, gid)) {
              return CUST_OK;
            }
            *has = 0;
            continue;
          }
          t->state = 2;
        }
        if (t->pos >= e->nnamed) {
          return CUST_OK;
        }
        uint64_t gid = e->named_list[t->pos++];
        if (t->ctx[gv] != 0 && t->ctx[gv] != gid) {
          continue;
        }
        memcpy(t->row, t->ctx, w * sizeof *t->row);
        t->row[gv] = gid;
        t->cur_gid = id_row(gid);
        t->state = 3;
        st = it_open(t->a, t->row);
        if (st != CUST_OK) {
          return st;
        }
      }
    case SQ_N_EXTEND:
      for (;;) {
        int got = 0;
        st = it_next(t->a, &got);
        if (st != CUST_OK || !got) {
          return st;
        }
        memcpy(t->row, t->a->row, w * sizeof *t->row);
        if (t->a->n->kind != SQ_N_EXTEND) {
          e->fctx.solution++; /* BNODE(str): one label per string within this solution */
        }
        uint64_t id = 0;
        st = eval_to_id(e, t, t->row, n->exprs[0], &id);
        if (st != CUST_OK) {
          return st;
        }
        if (id != 0 && !bind_var(t->row, n->var, id)) {
          continue;
        }
        *has = 1;
        return CUST_OK;
      }
    case SQ_N_PROJECT: {
      int got = 0;
      st = it_next(t->a, &got);
      if (st == CUST_OK && got) {
        memcpy(t->row, t->ctx, w * sizeof *t->row);
        for (size_t i = 0; i < n->nvars; i++) {
          t->row[n->vars[i]] = t->a->row[n->vars[i]];
        }
        *has = 1;
      }
      return st;
    }
    case SQ_N_DISTINCT:
    case SQ_N_REDUCED:
      for (;;) {
        int got = 0, is_new = 0;
        st = it_next(t->a, &got);
        if (st == CUST_OK && got) {
          st = seen_add(t, t->a->row, &is_new);
        }
        if (st != CUST_OK || !got) {
          return st;
        }
        if (is_new) {
          memcpy(t->row, t->a->row, w * sizeof *t->row);
          *has = 1;
          return CUST_OK;
        }
      }
    case SQ_N_SLICE:
      for (;;) {
        if (n->limit != UINT64_MAX && t->count >= n->offset + n->limit) {
          return CUST_OK;
        }
        int got = 0;
        st = it_next(t->a, &got);
        if (st != CUST_OK || !got) {
          return st;
        }
        if (t->count++ >= n->offset) {
          memcpy(t->row, t->a->row, w * sizeof *t->row);
          *has = 1;
          return CUST_OK;
        }
      }
    default:
      return CUST_OK;
  }
}

/* ---- compiling the algebra into iterators ----------------------------------------------- */

static const sq_node *group_below(const sq_node *n) {
  while (n != NULL) {
    switch (n->kind) {
      case SQ_N_GROUP:
        return n;
      case SQ_N_EXTEND:
      case SQ_N_FILTER:
      case SQ_N_ORDER:
      case SQ_N_PROJECT:
      case SQ_N_DISTINCT:
      case SQ_N_REDUCED:
      case SQ_N_SLICE:
        n = n->sub[0];
        break;
      default:
        return NULL;
    }
  }
  return NULL;
}

static cust_status pt_id(sq_eval *e, const sq_pt *p, int *var, uint64_t *id) {
  *var = p->var;
  *id = 0;
  return p->var >= 0 ? CUST_OK : intern(e, &p->term, 0, id);
}

static cust_status compile(sq_eval *e, const sq_node *n, gctx g, it **out) {
  *out = NULL;
  size_t w = e->nvars;
  it *t = cust_arena_alloc(&e->arena, sizeof *t);
  if (t == NULL) {
    return CUST_ERR_NOMEM;
  }
  memset(t, 0, sizeof *t);
  t->n = n;
  t->e = e;
  t->g = g;
  t->t.w = w;
  t->row = cust_arena_alloc(&e->arena, (w + 1) * sizeof *t->row);
  t->ctx = cust_arena_alloc(&e->arena, (w + 1) * sizeof *t->ctx);
  if (t->row == NULL || t->ctx == NULL) {
    return CUST_ERR_NOMEM;
  }
  if (cust_grow(&e->all, e->nall, &e->capall, sizeof *e->all, 32) != CUST_OK) {
    return CUST_ERR_NOMEM;
  }
  e->all[e->nall++] = t;
  t->group = group_below(n->kind == SQ_N_GROUP ? NULL : n->sub[0]);
  cust_status st = CUST_OK;
  switch (n->kind) {
    case SQ_N_UNIT:
    case SQ_N_PATH:
      t->is_safe = 1;
      break;
    case SQ_N_BGP:
      t->is_safe = 1;
      t->npats = n->ntriples;
      t->pats = cust_arena_alloc(&e->arena, (n->ntriples + 1) * sizeof *t->pats);
      t->order = cust_arena_alloc(&e->arena, (n->ntriples + 1) * sizeof *t->order);
      t->scans = cust_arena_alloc(&e->arena, (n->ntriples + 1) * sizeof *t->scans);
      t->undo = cust_arena_alloc(&e->arena, (n->ntriples + 1) * sizeof *t->undo);
      if (!t->pats || !t->order || !t->scans || !t->undo) {
        return CUST_ERR_NOMEM;
      }
      for (size_t i = 0; st == CUST_OK && i < n->ntriples; i++) {
        t->scans[i] = NULL;
        t->undo[i] = cust_arena_alloc(&e->arena, (w + 1) * sizeof *t->row);
        if (t->undo[i] == NULL) {
          return CUST_ERR_NOMEM;
        }
        const sq_pt *p[3] = { &n->triples[i].s, &n->triples[i].p, &n->triples[i].o };
        for (int k = 0; st == CUST_OK && k < 3; k++) {
          st = pt_id(e, p[k], &t->pats[i].var[k], &t->pats[i].id[k]);
        }
      }
      break;
    case SQ_N_TABLE:
      t->is_safe = 1;
      t->ids = calloc(n->nrows * n->nvars + 1, sizeof *t->ids);
      if (t->ids == NULL) {
        return CUST_ERR_NOMEM;
      }
      for (size_t i = 0; st == CUST_OK && i < n->nrows * n->nvars; i++) {
        st = intern(e, &n->table[i], 1, &t->ids[i]);
      }
      break;
    case SQ_N_GRAPH: {
      gctx sub = { -1, 0, 0, NULL };
      if (n->graph.var >= 0 && n->sub[0]->kind == SQ_N_BGP && n->sub[0]->ntriples > 0) {
        sub.var = n->graph.var; /* the patterns bind it */
      } else if (n->graph.var >= 0) {
        sub.cur = &t->cur_gid; /* each graph in turn */
      } else {
        uint64_t id = 0;
        sub.is_fixed = 1;
        st = intern(e, &n->graph.term, 0, &id);
        sub.gid = id != 0 && id_kind(id) == CUST_TERM_IRI ? id_row(id) : -1;
        if (e->has_named && u64map_find(&e->named, id) == NULL) {
          sub.gid = -1;
        }
      }
      if (st == CUST_OK) {
        st = compile(e, n->sub[0], sub, &t->a);
      }
      t->is_safe = st == CUST_OK && t->a->is_safe && n->graph.var < 0;
      break;
    }
    default:
      if (n->sub[0] != NULL) {
        st = compile(e, n->sub[0], g, &t->a);
      }
      if (st == CUST_OK && n->sub[1] != NULL) {
        st = compile(e, n->sub[1], g, &t->b);
      }
      if (st == CUST_OK && (n->kind == SQ_N_JOIN || n->kind == SQ_N_UNION)) {
        t->is_safe = t->a->is_safe && t->b->is_safe;
      }
      if (st == CUST_OK && n->kind == SQ_N_SLICE && n->limit != UINT64_MAX) {
        /* ORDER under a SLICE keeps only the rows the SLICE may give */
        it *o = t->a;
        while (o->n->kind == SQ_N_PROJECT) {
          o = o->a;
        }
        uint64_t k = n->offset + n->limit;
        if (o->n->kind == SQ_N_ORDER && k >= n->limit && k < UINT64_MAX / 4) {
          o->topk = k ? k : 1;
        }
      }
      break;
  }
  *out = t;
  return st;
}

/* ---- the dataset and the query -------------------------------------------------------------- */

static cust_status setup_dataset(sq_eval *e, const sq_graphs *ds) {
  const sq_query *q = e->q;
  const char *const *defs = NULL, *const *named = NULL;
  size_t nd = 0, nn = 0;
  int has_d = 0, has_n = 0;
  if (ds != NULL && (ds->has_defaults || ds->has_named)) {
    defs = ds->defaults, nd = ds->ndefaults;
    named = ds->named, nn = ds->nnamed;
    has_d = has_n = 1;
  } else if (q->nfrom > 0 || q->nfrom_named > 0) {
    defs = q->from, nd = q->nfrom;
    named = q->from_named, nn = q->nfrom_named;
    has_d = has_n = 1;
  }
  cust_status st = CUST_OK;
  e->dgraphs = CUST_SCAN_ANY;
  if (has_d) {
    e->dgraphs = CUST_SCAN_LIST;
    e->dgids = cust_arena_alloc(&e->arena, (nd + 1) * sizeof *e->dgids);
    if (e->dgids == NULL) {
      return CUST_ERR_NOMEM;
    }
    for (size_t i = 0; st == CUST_OK && i < nd; i++) {
      cust_term t = cust_term_iri(defs[i]);
      uint64_t id = 0;
      st = intern(e, &t, 0, &id);
      int is_dup = 0;
      for (size_t j = 0; j < e->ndgids; j++) {
        is_dup |= e->dgids[j] == id_row(id);
      }
      if (st == CUST_OK && id != 0 && !is_dup) {
        e->dgids[e->ndgids++] = id_row(id);
      }
    }
    if (st == CUST_OK && e->ndgids > CUST_SCAN_MAX_GRAPHS) {
      return CUST_ERR_LIMIT;
    }
  }
  if (has_n) {
    e->has_named = 1;
    e->named_listed = 1;
    for (size_t i = 0; st == CUST_OK && i < nn; i++) {
      cust_term t = cust_term_iri(named[i]);
      uint64_t id = 0;
      int is_new = 0;
      st = intern(e, &t, 0, &id);
      if (st == CUST_OK && id != 0) {
        st = u64map_put(&e->named, id, 1, &is_new);
      }
      if (st == CUST_OK && is_new) {
        uint64_t *v = realloc(e->named_list, (e->nnamed + 1) * sizeof *v);
        if (v == NULL) {
          return CUST_ERR_NOMEM;
        }
        e->named_list = v;
        v[e->nnamed++] = id;
      }
    }
  }
  return st;
}

cust_status sq_eval_new(cust_store *store, const sq_query *q, const sq_graphs *ds,
                        uint64_t deadline_ms, sq_eval **out) {
  *out = NULL;
  sq_eval *e = calloc(1, sizeof *e);
  if (e == NULL) {
    return CUST_ERR_NOMEM;
  }
  e->store = store;
  e->q = q;
  e->nvars = q->nvars;
  e->deadline = deadline_ms;
  cust_arena_init(&e->arena, 64 * 1024);
  cust_arena_init(&e->scratch, 16 * 1024);
  sq_fctx_init(&e->fctx, &e->scratch, q->base);
  cust_status st = setup_dataset(e, ds);
  if (st == CUST_OK && q->root != NULL) {
    st = compile(e, q->root, (gctx){ -1, 0, 0, NULL }, &e->root);
  }
  if (st != CUST_OK) {
    sq_eval_free(e);
    return st;
  }
  *out = e;
  return CUST_OK;
}

void sq_eval_free(sq_eval *e) {
  if (e == NULL) {
    return;
  }
  sq_fctx_release(&e->fctx);
  for (size_t i = 0; i < e->nall; i++) {
    it *t = e->all[i];
    for (size_t d = 0; t->scans != NULL && d < t->npats; d++) {
      cust_store_scan_close(t->scans[d]);
    }
    tab_release(&t->t);
    u64map_release(&t->seen);
    free(t->keys);
    free(t->ids);
  }
  free(e->all);
  free(e->local);
  free(e->dec);
  free(e->named_list);
  u64map_release(&e->local_by_hash);
  u64map_release(&e->decoded);
  u64map_release(&e->pcount);
  u64map_release(&e->consts);
  u64map_release(&e->links);
  u64map_release(&e->named);
  cust_arena_release(&e->arena);
  cust_arena_release(&e->scratch);
  free(e);
}

cust_status sq_eval_next(sq_eval *e, int *has) {
  *has = 0;
  if (e->root == NULL) {
    return CUST_OK;
  }
  cust_status st = CUST_OK;
  if (e->state_opened == 0) {
    e->state_opened = 1;
    st = it_open(e->root, NULL);
  }
  if (st == CUST_OK) {
    st = it_next(e->root, has);
  }
  if (st == CUST_OK && e->failed != CUST_OK) {
    st = e->failed;
  }
  if (st != CUST_OK) {
    *has = 0;
  }
  return st;
}

uint64_t sq_eval_id(const sq_eval *e, int var) {
  return e->root != NULL && var >= 0 && (size_t)var < e->nvars ? e->root->row[var] : 0;
}

/* ---- DESCRIBE -----------------------------------------------------------------------------------
 */

cust_status sq_eval_describe(sq_eval *e, const uint64_t *ids, size_t n, cust_quad_fn fn, void *ud) {
  u64map done;
  idvec queue;
  memset(&done, 0, sizeof done);
  memset(&queue, 0, sizeof queue);
  cust_status st = CUST_OK;
  for (size_t i = 0; st == CUST_OK && i < n; i++) {
    st = idvec_add(&queue, ids[i]);
  }
  int is_stopped = 0;
  for (size_t head = 0; st == CUST_OK && !is_stopped && head < queue.n; head++) {
    uint64_t id = queue.v[head];
    int is_new = 0;
    cust_term_kind k = id_kind(id);
    if ((k != CUST_TERM_IRI && k != CUST_TERM_BLANK) || id_row(id) <= 0) {
      continue;
    }
    st = u64map_put(&done, id, 1, &is_new);
    if (st != CUST_OK || !is_new) {
      continue;
    }
    cust_store_id_pattern sp;
    memset(&sp, 0, sizeof sp);
    sp.s = id_row(id);
    sp.s_kind = k;
    sp.graphs = e->dgraphs;
    sp.gids = e->dgids;
    sp.ngids = e->ndgids;
    if (e->dgraphs == CUST_SCAN_LIST && e->ndgids == 0) {
      continue;
    }
    cust_store_scan *sc = NULL;
    st = cust_store_scan_open(e->store, &sp, &sc);
    while (st == CUST_OK && !is_stopped) {
      cust_store_id_row r;
      int got = 0;
      st = cust_store_scan_next(sc, &r, &got);
      if (st != CUST_OK || !got) {
        break;
      }
      cust_quad q;
      memset(&q, 0, sizeof q);
      uint64_t o = id_make(r.o_kind, r.o);
      st = sq_eval_term(e, id_make(r.s_kind, r.s), &q.s);
      if (st == CUST_OK) {
        st = sq_eval_term(e, id_make(CUST_TERM_IRI, r.p), &q.p);
      }
      if (st == CUST_OK) {
        st = sq_eval_term(e, o, &q.o);
      }
      if (st == CUST_OK) {
        is_stopped = fn(ud, &q) != 0;
      }
      if (st == CUST_OK && r.o_kind == CUST_TERM_BLANK) {
        st = idvec_add(&queue, o);
      }
    }
    cust_store_scan_close(sc);
  }
  u64map_release(&done);
  free(queue.v);
  return st;
}
