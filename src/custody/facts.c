/* The fact layer: memoized lookups over a graph view that leave out revoked
 * credentials, and what the walks need to know of credentials, executions,
 * orders and descriptions (graph shapes of mapping.md). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "custody.h"

/* ---- string map ------------------------------------------------------------ */

void cust_custody_map_init(cust_custody_map *m) {
  m->slots = NULL;
  m->cap = 0;
  m->len = 0;
}

void cust_custody_map_release(cust_custody_map *m) {
  if (m == NULL) {
    return;
  }
  free(m->slots);
  cust_custody_map_init(m);
}

uint64_t cust_custody_map_hash(const char *key) {
  /* eight bytes at a time: IRIs are long and share long prefixes */
  size_t n = strlen(key);
  const unsigned char *p = (const unsigned char *)key;
  uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)n;
  uint64_t w;
  for (; n >= 8; p += 8, n -= 8) {
    memcpy(&w, p, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdULL;
    h ^= h >> 29;
  }
  w = 0;
  memcpy(&w, p, n);
  h = (h ^ w) * 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

static cust_custody_map_slot *map_find(const cust_custody_map *m, const char *key, uint64_t h) {
  size_t mask = m->cap - 1;
  for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
    cust_custody_map_slot *sl = &m->slots[i];
    if (sl->key == NULL || (sl->hash == h && strcmp(sl->key, key) == 0)) {
      return sl;
    }
  }
}

void *cust_custody_map_get(const cust_custody_map *m, const char *key) {
  if (m->cap == 0) {
    return NULL;
  }
  cust_custody_map_slot *sl = map_find(m, key, cust_custody_map_hash(key));
  return sl->key ? sl->value : NULL;
}

static cust_status map_grow(cust_custody_map *m) {
  size_t cap = m->cap ? m->cap * 2 : 64;
  cust_custody_map_slot *old = m->slots;
  size_t oldcap = m->cap;
  m->slots = calloc(cap, sizeof *m->slots);
  if (m->slots == NULL) {
    m->slots = old;
    return CUST_ERR_NOMEM;
  }
  m->cap = cap;
  for (size_t i = 0; i < oldcap; i++) {
    if (old[i].key) {
      *map_find(m, old[i].key, old[i].hash) = old[i];
    }
  }
  free(old);
  return CUST_OK;
}

cust_status cust_custody_map_put(cust_custody_map *m, const char *key, void *value) {
  if ((m->len + 1) * 4 > m->cap * 3) {
    cust_status st = map_grow(m);
    if (st != CUST_OK) {
      return st;
    }
  }
  uint64_t h = cust_custody_map_hash(key);
  cust_custody_map_slot *sl = map_find(m, key, h);
  if (sl->key == NULL) {
    sl->key = key;
    sl->hash = h;
    m->len++;
  }
  sl->value = value;
  return CUST_OK;
}

cust_status cust_custody_grow(void **items, size_t *cap, size_t len, size_t size) {
  if (len < *cap) {
    return CUST_OK;
  }
  size_t ncap = *cap ? *cap * 2 : 64;
  void *n = realloc(*items, ncap * size);
  if (n == NULL) {
    return CUST_ERR_NOMEM;
  }
  *items = n;
  *cap = ncap;
  return CUST_OK;
}

int cust_custody_i64_cmp(const void *pa, const void *pb) {
  int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
  return a < b ? -1 : a > b;
}

/* ---- JSON -------------------------------------------------------------------- */

const char *cust_custody_local_name(const char *iri) {
  if (iri == NULL) {
    return NULL;
  }
  const char *s = strrchr(iri, '/');
  const char *h = strrchr(iri, '#');
  if (h && (!s || h > s)) {
    s = h;
  }
  return s ? s + 1 : iri;
}

/* ---- the fact layer ------------------------------------------------------------ */

typedef struct vlist {
  cust_custody_value *items;
  size_t len, cap;
} vlist;

/* One memoized lookup of a node: direction ('o': objects of the node, 's':
 * subjects; 0: forgotten), predicate and graph (NULL: any), the answer. */
typedef struct memo_entry {
  char dir;
  int is_bulk; /* filled by a bulk read (else by a lookup of this node) */
  const char *pred, *graph;
  size_t pred_len;
  vlist *list;
} memo_entry;

/* An interned string and the lookups made of it as a node. */
typedef struct nodeinfo {
  const char *s;
  memo_entry *e;
  size_t n, cap;
} nodeinfo;

struct cust_custody_facts {
  cust_graph_view view;
  cust_arena arena;
  cust_custody_map strings;  /* interned string -> nodeinfo */
  cust_custody_map complete; /* "dir pred graph" prefetched -> non-NULL */
  cust_custody_map revoked;  /* credential -> non-NULL */
  cust_custody_map creds;    /* credential -> cust_custody_cred */
  cust_custody_map descs;    /* resource -> cust_custody_cred, or &no_desc */
  cust_buf key;
  /* when the view is a store's: bulk reads by term id, and the text of each
     id read so far (open addressing on the id with its kind) */
  cust_store *store;
  struct idslot *ids;
  size_t idcap, idlen;
  int64_t *revoked_ids; /* sorted graph ids of the revoked credentials */
  size_t nrevoked_ids;
  int has_revoked_ids;
};

static const cust_custody_cred no_desc;

static nodeinfo *node_info(cust_custody_facts *f, const char *s) {
  nodeinfo *ni = cust_custody_map_get(&f->strings, s);
  if (ni) {
    return ni;
  }
  ni = cust_arena_alloc(&f->arena, sizeof *ni);
  char *c = cust_arena_strdup(&f->arena, s);
  if (ni == NULL || c == NULL) {
    return NULL;
  }
  memset(ni, 0, sizeof *ni);
  ni->s = c;
  return cust_custody_map_put(&f->strings, c, ni) == CUST_OK ? ni : NULL;
}

static const char *intern(cust_custody_facts *f, const char *s) {
  nodeinfo *ni = node_info(f, s);
  return ni ? ni->s : NULL;
}

static int same_str(const char *a, const char *b) {
  return a == b || (a && b && strcmp(a, b) == 0);
}

/* Predicates share long prefixes: compare lengths and last bytes first. */
static vlist *memo_find(const nodeinfo *ni, char dir, const char *pred, size_t pred_len,
                        const char *graph) {
  for (size_t i = 0; i < ni->n; i++) {
    const memo_entry *e = &ni->e[i];
    if (e->dir != dir || e->pred_len != pred_len) {
      continue;
    }
    if (pred && (e->pred == NULL || e->pred[pred_len - 1] != pred[pred_len - 1] ||
                 memcmp(e->pred, pred, pred_len) != 0)) {
      continue;
    }
    if ((pred == NULL) != (e->pred == NULL) || !same_str(e->graph, graph)) {
      continue;
    }
    return e->list;
  }
  return NULL;
}

static memo_entry *memo_add(cust_custody_facts *f, nodeinfo *ni, char dir, const char *pred,
                            const char *graph) {
  if (ni->n == ni->cap) {
    size_t cap = ni->cap ? ni->cap * 2 : 4;
    memo_entry *e = cust_arena_alloc(&f->arena, cap * sizeof *e);
    if (e == NULL) {
      return NULL;
    }
    if (ni->n) {
      memcpy(e, ni->e, ni->n * sizeof *e);
    }
    ni->e = e;
    ni->cap = cap;
  }
  memo_entry *e = &ni->e[ni->n];
  e->dir = dir;
  e->is_bulk = 0;
  e->pred = pred ? intern(f, pred) : NULL;
  e->pred_len = pred ? strlen(pred) : 0;
  e->graph = graph ? intern(f, graph) : NULL;
  e->list = cust_arena_alloc(&f->arena, sizeof *e->list);
  if ((pred && !e->pred) || (graph && !e->graph) || e->list == NULL) {
    return NULL;
  }
  memset(e->list, 0, sizeof *e->list);
  ni->n++;
  return e;
}

static const char *intern_blank(cust_custody_facts *f, const char *label) {
  cust_buf_reset(&f->key);
  if (cust_buf_puts(&f->key, "_:") != CUST_OK || cust_buf_puts(&f->key, label) != CUST_OK) {
    return NULL;
  }
  return intern(f, f->key.data);
}

static cust_status vlist_push(cust_custody_facts *f, vlist *l, const cust_custody_value *v) {
  if (l->len == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 2;
    cust_custody_value *items = cust_arena_alloc(&f->arena, cap * sizeof *items);
    if (items == NULL) {
      return CUST_ERR_NOMEM;
    }
    if (l->len) {
      memcpy(items, l->items, l->len * sizeof *items);
    }
    l->items = items;
    l->cap = cap;
  }
  l->items[l->len++] = *v;
  return CUST_OK;
}

/* Builds in f->key the key of a lookup (node NULL: of a bulk-read predicate). */
static cust_status make_key(cust_custody_facts *f, char dir, const char *pred, const char *graph,
                            const char *node) {
  cust_buf_reset(&f->key);
  cust_status st = cust_buf_putc(&f->key, dir);
  if (st == CUST_OK) {
    st = cust_buf_puts(&f->key, pred ? pred : "*");
  }
  if (st == CUST_OK) {
    st = cust_buf_putc(&f->key, '\x1f');
  }
  if (st == CUST_OK && graph) {
    st = cust_buf_puts(&f->key, graph);
  }
  if (st == CUST_OK) {
    st = cust_buf_putc(&f->key, '\x1f');
  }
  if (st == CUST_OK && node) {
    st = cust_buf_puts(&f->key, node);
  }
  return st;
}

static cust_term node_term(const char *node) {
  if (node[0] == '_' && node[1] == ':') {
    return cust_term_blank(node + 2);
  }
  return cust_term_iri(node);
}

static const char *term_string(cust_custody_facts *f, const cust_term *t) {
  if (t->kind == CUST_TERM_BLANK) {
    return intern_blank(f, t->value);
  }
  return intern(f, t->value);
}

typedef struct collect_ctx {
  cust_custody_facts *f;
  vlist *list;
  int want_subject; /* collect the subject (else the object) */
  int is_any_graph; /* leave out revoked credentials' graphs */
  cust_status st;
} collect_ctx;

static int collect_cb(void *ud, const cust_quad *q) {
  collect_ctx *c = ud;
  cust_custody_facts *f = c->f;
  if (c->is_any_graph && q->g.kind == CUST_TERM_IRI &&
      cust_custody_map_get(&f->revoked, q->g.value)) {
    return 0;
  }
  const cust_term *t = c->want_subject ? &q->s : &q->o;
  cust_custody_value v = { 0 };
  v.kind = t->kind;
  v.value = term_string(f, t);
  v.predicate = intern(f, q->p.value);
  v.graph = q->g.kind == CUST_TERM_NONE ? NULL : term_string(f, &q->g);
  if (v.value == NULL || v.predicate == NULL || (q->g.kind != CUST_TERM_NONE && !v.graph)) {
    c->st = CUST_ERR_NOMEM;
    return 1;
  }
  c->st = vlist_push(f, c->list, &v);
  return c->st != CUST_OK;
}

static cust_status lookup(cust_custody_facts *f, char dir, const char *node, const char *pred,
                          const char *graph, cust_custody_values *out) {
  out->items = NULL;
  out->len = 0;
  size_t pred_len = pred ? strlen(pred) : 0;
  nodeinfo *ni = cust_custody_map_get(&f->strings, node);
  vlist *known = ni ? memo_find(ni, dir, pred, pred_len, graph) : NULL;
  if (known) {
    out->items = known->items;
    out->len = known->len;
    return CUST_OK;
  }
  cust_status st = CUST_OK;
  int is_complete = 0;
  if (f->complete.len > 0) {
    /* a predicate read in bulk: a miss is an answer, remembered as one */
    st = make_key(f, dir, pred, graph, NULL);
    if (st != CUST_OK) {
      return st;
    }
    is_complete = cust_custody_map_get(&f->complete, f->key.data) != NULL;
  }
  ni = ni ? ni : node_info(f, node);
  memo_entry *e = ni ? memo_add(f, ni, dir, pred, graph) : NULL;
  if (e == NULL) {
    return CUST_ERR_NOMEM;
  }
  if (is_complete) {
    return CUST_OK;
  }
  vlist *l = e->list;
  cust_quad pat;
  memset(&pat, 0, sizeof pat);
  if (dir == 'o') {
    pat.s = node_term(node);
  } else {
    pat.o = node_term(node);
  }
  if (pred) {
    pat.p = cust_term_iri(pred);
  }
  if (graph) {
    pat.g = cust_term_iri(graph);
  }
  collect_ctx c = { f, l, dir == 's', graph == NULL, CUST_OK };
  st = f->view.find(f->view.ud, &pat, collect_cb, &c);
  if (st == CUST_OK) {
    st = c.st;
  }
  if (st != CUST_OK) {
    /* forget the half-filled answer so that a retry asks again */
    l->len = 0;
    for (size_t i = 0; i < ni->n; i++) {
      if (ni->e[i].list == l) {
        ni->e[i].dir = 0;
      }
    }
    return st;
  }
  out->items = l->items;
  out->len = l->len;
  return CUST_OK;
}

cust_status cust_custody_facts_objects(cust_custody_facts *f, const char *node,
                                       const char *predicate, const char *graph,
                                       cust_custody_values *out) {
  return lookup(f, 'o', node, predicate, graph, out);
}

cust_status cust_custody_facts_subjects(cust_custody_facts *f, const char *predicate,
                                        const char *object, const char *graph,
                                        cust_custody_values *out) {
  return lookup(f, 's', object, predicate, graph, out);
}

typedef struct prefetch_ctx {
  cust_custody_facts *f;
  const char *pred, *graph;
  cust_custody_value *rows; /* subject in even slots, object in odd ones */
  size_t len, cap, max_rows;
  int is_over;
  cust_status st;
} prefetch_ctx;

/* Adds one value of a bulk read, unless the node was looked up on its own
 * before (that answer is already complete). */
static cust_status prefetch_add(cust_custody_facts *f, char dir, const char *node, const char *pred,
                                const char *graph, const cust_custody_value *v) {
  nodeinfo *ni = node_info(f, node);
  if (ni == NULL) {
    return CUST_ERR_NOMEM;
  }
  size_t pred_len = strlen(pred);
  memo_entry *e = NULL;
  for (size_t i = 0; i < ni->n && e == NULL; i++) {
    memo_entry *x = &ni->e[i];
    if (x->dir == dir && x->pred_len == pred_len && x->pred && strcmp(x->pred, pred) == 0 &&
        same_str(x->graph, graph)) {
      e = x;
    }
  }
  if (e != NULL && !e->is_bulk) {
    return CUST_OK;
  }
  if (e == NULL) {
    e = memo_add(f, ni, dir, pred, graph);
    if (e == NULL) {
      return CUST_ERR_NOMEM;
    }
    e->is_bulk = 1;
  }
  return vlist_push(f, e->list, v);
}

static int prefetch_cb(void *ud, const cust_quad *q) {
  prefetch_ctx *c = ud;
  cust_custody_facts *f = c->f;
  if (c->graph == NULL && q->g.kind == CUST_TERM_IRI &&
      cust_custody_map_get(&f->revoked, q->g.value)) {
    return 0;
  }
  if (c->max_rows && c->len / 2 >= c->max_rows) {
    c->is_over = 1;
    return 1;
  }
  if (c->len + 2 > c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 256;
    cust_custody_value *rows = realloc(c->rows, cap * sizeof *rows);
    if (rows == NULL) {
      c->st = CUST_ERR_NOMEM;
      return 1;
    }
    c->rows = rows;
    c->cap = cap;
  }
  const char *s = term_string(f, &q->s);
  const char *o = term_string(f, &q->o);
  const char *g = q->g.kind == CUST_TERM_NONE ? NULL : term_string(f, &q->g);
  if (s == NULL || o == NULL || (q->g.kind != CUST_TERM_NONE && g == NULL)) {
    c->st = CUST_ERR_NOMEM;
    return 1;
  }
  cust_custody_value vs = { s, q->s.kind, c->pred, g };
  cust_custody_value vo = { o, q->o.kind, c->pred, g };
  c->rows[c->len++] = vs;
  c->rows[c->len++] = vo;
  return 0;
}

/* ---- bulk reads by term id ----------------------------------------------------- */

/* A term as one integer: its row id, and its kind in the low two bits. */
static int64_t id_term(int64_t id, cust_term_kind kind) {
  return (id << 2) | (kind == CUST_TERM_IRI ? 1 : kind == CUST_TERM_BLANK ? 2 : 3);
}

typedef struct idslot {
  int64_t term;  /* 0: empty */
  const char *s; /* interned text; NULL until read, or when the store lacks it */
} idslot;

static uint64_t id_hash(int64_t term) {
  uint64_t h = (uint64_t)term;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

static idslot *id_slot(const cust_custody_facts *f, int64_t term) {
  size_t mask = f->idcap - 1;
  for (size_t i = (size_t)id_hash(term) & mask;; i = (i + 1) & mask) {
    if (f->ids[i].term == 0 || f->ids[i].term == term) {
      return &f->ids[i];
    }
  }
}

/* Adds `term` (text not yet read) unless known; *is_new tells which. */
static cust_status id_add(cust_custody_facts *f, int64_t term, int *is_new) {
  *is_new = 0;
  if ((f->idlen + 1) * 2 > f->idcap) {
    size_t cap = f->idcap ? f->idcap * 2 : 4096;
    idslot *old = f->ids;
    size_t oldcap = f->idcap;
    f->ids = calloc(cap, sizeof *f->ids);
    if (f->ids == NULL) {
      f->ids = old;
      return CUST_ERR_NOMEM;
    }
    f->idcap = cap;
    for (size_t i = 0; i < oldcap; i++) {
      if (old[i].term) {
        *id_slot(f, old[i].term) = old[i];
      }
    }
    free(old);
  }
  idslot *sl = id_slot(f, term);
  if (sl->term == 0) {
    sl->term = term;
    sl->s = NULL;
    f->idlen++;
    *is_new = 1;
  }
  return CUST_OK;
}

/* The graph ids of the revoked credentials, found once. */
static cust_status revoked_ids(cust_custody_facts *f) {
  if (f->has_revoked_ids) {
    return CUST_OK;
  }
  f->revoked_ids = f->revoked.len ? malloc(f->revoked.len * sizeof *f->revoked_ids) : NULL;
  if (f->revoked.len && f->revoked_ids == NULL) {
    return CUST_ERR_NOMEM;
  }
  f->nrevoked_ids = 0;
  for (size_t i = 0; i < f->revoked.cap; i++) {
    if (f->revoked.slots[i].key == NULL) {
      continue;
    }
    cust_term t = cust_term_iri(f->revoked.slots[i].key);
    int64_t id = 0;
    cust_status st = cust_store_term_id(f->store, &t, &id);
    if (st != CUST_OK) {
      return st;
    }
    if (id) {
      f->revoked_ids[f->nrevoked_ids++] = id;
    }
  }
  if (f->nrevoked_ids > 1) {
    qsort(f->revoked_ids, f->nrevoked_ids, sizeof *f->revoked_ids, cust_custody_i64_cmp);
  }
  f->has_revoked_ids = 1;
  return CUST_OK;
}

typedef struct idrows {
  cust_custody_facts *f;
  int64_t *rows; /* subject, object, graph terms (graph 0: default) */
  size_t len, cap, max_rows;
  int is_any_graph, is_over;
  cust_status st;
} idrows;

static int idrows_cb(void *ud, const cust_store_id_quad *q) {
  idrows *c = ud;
  const cust_custody_facts *f = c->f;
  if (c->is_any_graph && q->g && f->nrevoked_ids &&
      bsearch(&q->g, f->revoked_ids, f->nrevoked_ids, sizeof q->g, cust_custody_i64_cmp)) {
    return 0;
  }
  if (c->max_rows && c->len / 3 >= c->max_rows) {
    c->is_over = 1;
    return 1;
  }
  if (c->len + 3 > c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 768;
    int64_t *rows = realloc(c->rows, cap * sizeof *rows);
    if (rows == NULL) {
      c->st = CUST_ERR_NOMEM;
      return 1;
    }
    c->rows = rows;
    c->cap = cap;
  }
  c->rows[c->len++] = id_term(q->s, q->s_kind);
  c->rows[c->len++] = id_term(q->o, q->o_kind);
  c->rows[c->len++] = q->g ? id_term(q->g, CUST_TERM_IRI) : 0;
  return 0;
}

typedef struct idtexts {
  cust_custody_facts *f;
  const int64_t *terms;
  int is_blank;
  cust_status st;
} idtexts;

static int idtexts_cb(void *ud, size_t i, const char *text, size_t len) {
  idtexts *c = ud;
  (void)len;
  if (text == NULL) {
    return 0;
  }
  const char *s = c->is_blank ? intern_blank(c->f, text) : intern(c->f, text);
  if (s == NULL) {
    c->st = CUST_ERR_NOMEM;
    return 1;
  }
  id_slot(c->f, c->terms[i])->s = s;
  return 0;
}

/* Reads the text of the terms of `rows` not read yet: one batch per kind,
 * in id order. */
static cust_status read_texts(cust_custody_facts *f, const int64_t *rows, size_t n) {
  int64_t *pending = NULL, *ids = NULL;
  size_t npending = 0;
  cust_status st = CUST_OK;
  for (size_t i = 0; st == CUST_OK && i < n; i++) {
    int is_new = 0;
    if (rows[i] == 0) {
      continue;
    }
    st = id_add(f, rows[i], &is_new);
    if (st == CUST_OK && is_new) {
      if (pending == NULL) {
        pending = malloc(n * sizeof *pending);
        if (pending == NULL) {
          st = CUST_ERR_NOMEM;
          break;
        }
      }
      pending[npending++] = rows[i];
    }
  }
  if (st == CUST_OK && npending) {
    qsort(pending, npending, sizeof *pending, cust_custody_i64_cmp); /* by kind, then id */
    ids = malloc(npending * sizeof *ids);
    st = ids ? CUST_OK : CUST_ERR_NOMEM;
  }
  for (size_t at = 0; st == CUST_OK && at < npending;) {
    int64_t kind = pending[at] & 3;
    size_t end = at;
    for (; end < npending && (pending[end] & 3) == kind; end++) {
      ids[end - at] = pending[end] >> 2;
    }
    idtexts c = { f, pending + at, kind == 2, CUST_OK };
    st = cust_store_id_texts(f->store,
                             kind == 1   ? CUST_TERM_IRI
                             : kind == 2 ? CUST_TERM_BLANK
                                         : CUST_TERM_LITERAL,
                             ids, end - at, idtexts_cb, &c);
    if (st == CUST_OK) {
      st = c.st;
    }
    at = end;
  }
  free(pending);
  free(ids);
  return st;
}

/* prefetch_cb's rows, read by term id from the store. */
static cust_status prefetch_rows_by_id(cust_custody_facts *f, prefetch_ctx *c,
                                       const char *predicate, const char *graph) {
  int64_t pid = 0, gid = 0;
  cust_term pt = cust_term_iri(predicate);
  cust_status st = cust_store_term_id(f->store, &pt, &pid);
  if (st == CUST_OK && graph) {
    cust_term gt = cust_term_iri(graph);
    st = cust_store_term_id(f->store, &gt, &gid);
  }
  if (st != CUST_OK || pid == 0 || (graph && gid == 0)) {
    return st; /* a term the store does not hold: no rows */
  }
  st = graph ? CUST_OK : revoked_ids(f);
  idrows r;
  memset(&r, 0, sizeof r);
  r.f = f;
  r.max_rows = c->max_rows;
  r.is_any_graph = graph == NULL;
  if (st == CUST_OK) {
    st = cust_store_find_ids(f->store, pid, gid, idrows_cb, &r);
  }
  if (st == CUST_OK) {
    st = r.st;
  }
  c->is_over = r.is_over;
  if (st == CUST_OK && !r.is_over) {
    st = read_texts(f, r.rows, r.len);
  }
  if (st == CUST_OK && !r.is_over && r.len) {
    c->rows = malloc((r.len / 3) * 2 * sizeof *c->rows);
    st = c->rows ? CUST_OK : CUST_ERR_NOMEM;
  }
  for (size_t i = 0; st == CUST_OK && !r.is_over && i < r.len; i += 3) {
    const char *sv = id_slot(f, r.rows[i])->s, *ov = id_slot(f, r.rows[i + 1])->s;
    const char *gv = r.rows[i + 2] ? id_slot(f, r.rows[i + 2])->s : NULL;
    if (sv == NULL || ov == NULL || (r.rows[i + 2] && gv == NULL)) {
      continue; /* a row pointing at a missing term: skipped, as by find */
    }
    int64_t sk = r.rows[i] & 3, ok = r.rows[i + 1] & 3;
    cust_custody_value vs = { sv, sk == 1 ? CUST_TERM_IRI : CUST_TERM_BLANK, c->pred, gv };
    cust_custody_value vo = { ov,
                              ok == 1   ? CUST_TERM_IRI
                              : ok == 2 ? CUST_TERM_BLANK
                                        : CUST_TERM_LITERAL,
                              c->pred, gv };
    c->rows[c->len++] = vs;
    c->rows[c->len++] = vo;
  }
  free(r.rows);
  return st;
}

cust_status cust_custody_facts_prefetch(cust_custody_facts *f, const char *predicate,
                                        const char *graph, size_t max_rows) {
  cust_status st = make_key(f, 'o', predicate, graph, NULL);
  if (st != CUST_OK) {
    return st;
  }
  if (cust_custody_map_get(&f->complete, f->key.data)) {
    return CUST_OK;
  }
  prefetch_ctx c;
  memset(&c, 0, sizeof c);
  c.f = f;
  c.pred = intern(f, predicate);
  c.graph = graph ? intern(f, graph) : NULL;
  c.max_rows = max_rows;
  if (c.pred == NULL || (graph && c.graph == NULL)) {
    return CUST_ERR_NOMEM;
  }
  if (f->store) {
    st = prefetch_rows_by_id(f, &c, predicate, graph);
  } else {
    cust_quad pat;
    memset(&pat, 0, sizeof pat);
    pat.p = cust_term_iri(predicate);
    if (graph) {
      pat.g = cust_term_iri(graph);
    }
    st = f->view.find(f->view.ud, &pat, prefetch_cb, &c);
    if (st == CUST_OK) {
      st = c.st;
    }
  }
  if (st == CUST_OK && c.is_over) {
    st = CUST_ERR_LIMIT;
  }
  for (size_t i = 0; st == CUST_OK && i < c.len; i += 2) {
    const cust_custody_value *vs = &c.rows[i], *vo = &c.rows[i + 1];
    st = prefetch_add(f, 'o', vs->value, c.pred, c.graph, vo);
    if (st == CUST_OK && vo->kind != CUST_TERM_LITERAL) {
      st = prefetch_add(f, 's', vo->value, c.pred, c.graph, vs);
    }
  }
  for (int i = 0; st == CUST_OK && i < 2; i++) {
    st = make_key(f, i ? 's' : 'o', predicate, graph, NULL);
    const char *k = st == CUST_OK ? cust_arena_strdup(&f->arena, f->key.data) : NULL;
    st = k ? cust_custody_map_put(&f->complete, k, (void *)k) : CUST_ERR_NOMEM;
  }
  free(c.rows);
  return st;
}

static int revoked_cb(void *ud, const cust_quad *q) {
  collect_ctx *c = ud;
  if (q->s.kind != CUST_TERM_IRI) {
    return 0;
  }
  const char *s = intern(c->f, q->s.value);
  c->st = s ? cust_custody_map_put(&c->f->revoked, s, (void *)s) : CUST_ERR_NOMEM;
  return c->st != CUST_OK;
}

cust_status cust_custody_facts_new(const cust_graph_view *view, cust_custody_facts **out) {
  *out = NULL;
  cust_custody_facts *f = calloc(1, sizeof *f);
  if (f == NULL) {
    return CUST_ERR_NOMEM;
  }
  f->view = *view;
  /* a store's own view: bulk reads go by term id */
  if (view->find == cust_store_view(NULL).find) {
    f->store = view->ud;
  }
  cust_arena_init(&f->arena, 64 * 1024);
  cust_custody_map_init(&f->strings);
  cust_custody_map_init(&f->complete);
  cust_custody_map_init(&f->revoked);
  cust_custody_map_init(&f->creds);
  cust_custody_map_init(&f->descs);
  cust_buf_init(&f->key);
  cust_quad pat;
  memset(&pat, 0, sizeof pat);
  pat.p = cust_term_iri(CUST_V_CUST "revokedIn");
  pat.g = cust_term_iri(CUST_GRAPH_LEDGER);
  collect_ctx c = { f, NULL, 0, 0, CUST_OK };
  cust_status st = view->find(view->ud, &pat, revoked_cb, &c);
  if (st == CUST_OK) {
    st = c.st;
  }
  if (st != CUST_OK) {
    cust_custody_facts_free(f);
    return st;
  }
  *out = f;
  return CUST_OK;
}

void cust_custody_facts_free(cust_custody_facts *f) {
  if (f == NULL) {
    return;
  }
  cust_custody_map_release(&f->strings);
  cust_custody_map_release(&f->complete);
  cust_custody_map_release(&f->revoked);
  cust_custody_map_release(&f->creds);
  cust_custody_map_release(&f->descs);
  cust_buf_release(&f->key);
  cust_arena_release(&f->arena);
  free(f->ids);
  free(f->revoked_ids);
  free(f);
}

/* ---- credentials ------------------------------------------------------------------ */

static uint64_t parse_u64(const char *s) {
  uint64_t v = 0;
  for (; *s >= '0' && *s <= '9'; s++) {
    v = v * 10 + (uint64_t)(*s - '0');
  }
  return v;
}

cust_status cust_custody_facts_cred(cust_custody_facts *f, const char *iri,
                                    const cust_custody_cred **out) {
  *out = cust_custody_map_get(&f->creds, iri);
  if (*out) {
    return CUST_OK;
  }
  cust_custody_cred *c = cust_arena_alloc(&f->arena, sizeof *c);
  const char *key = intern(f, iri);
  if (c == NULL || key == NULL) {
    return CUST_ERR_NOMEM;
  }
  memset(c, 0, sizeof *c);
  c->iri = key;
  c->is_revoked = cust_custody_map_get(&f->revoked, iri) != NULL;
  cust_custody_values vs;
  cust_status st = cust_custody_facts_objects(f, key, NULL, key, &vs);
  for (size_t i = 0; st == CUST_OK && i < vs.len; i++) {
    const cust_custody_value *v = &vs.items[i];
    if (strcmp(v->predicate, CUST_V_TYPE) == 0) {
      if (strcmp(v->value, CUST_V_CRED "VerifiableCredential") != 0 &&
          (c->type == NULL || strcmp(v->value, c->type) < 0)) {
        c->type = v->value;
      }
    } else if (strcmp(v->predicate, CUST_V_CRED "credentialSubject") == 0) {
      c->subject = v->value;
    } else if (strcmp(v->predicate, CUST_V_CRED "issuer") == 0) {
      c->issuer = v->value;
    }
  }
  if (st == CUST_OK) {
    st = cust_custody_map_put(&f->creds, key, c);
  }
  if (st == CUST_OK) {
    *out = c;
  }
  return st;
}

cust_status cust_custody_facts_locate(cust_custody_facts *f, const cust_custody_cred *cred) {
  cust_custody_cred *c = (cust_custody_cred *)cred; /* owned by f, filled once */
  cust_custody_values vs;
  if (c->is_located) {
    return CUST_OK;
  }
  cust_status st = cust_custody_facts_objects(f, c->iri, NULL, CUST_GRAPH_LEDGER, &vs);
  for (size_t i = 0; st == CUST_OK && i < vs.len; i++) {
    const char *p = vs.items[i].predicate;
    if (strcmp(p, CUST_V_CUST "submittedIn") == 0) {
      c->tx = vs.items[i].value;
    } else if (strcmp(p, CUST_V_CUST "msgIndex") == 0) {
      c->msg_index = parse_u64(vs.items[i].value);
    } else if (strcmp(p, CUST_V_CUST "innerIndex") == 0) {
      c->inner_index = parse_u64(vs.items[i].value);
    }
  }
  if (st == CUST_OK && c->tx) {
    st = cust_custody_facts_objects(f, c->tx, NULL, CUST_GRAPH_LEDGER, &vs);
    for (size_t i = 0; st == CUST_OK && i < vs.len; i++) {
      const char *p = vs.items[i].predicate;
      if (strcmp(p, CUST_V_CUST "height") == 0) {
        c->height = parse_u64(vs.items[i].value);
      } else if (strcmp(p, CUST_V_CUST "txIndex") == 0) {
        c->tx_index = parse_u64(vs.items[i].value);
      } else if (strcmp(p, CUST_V_CUST "blockTime") == 0) {
        c->block_time = vs.items[i].value;
      }
    }
  }
  if (st == CUST_OK) {
    c->is_located = 1;
  }
  return st;
}

int cust_custody_cred_compare(const cust_custody_cred *a, const cust_custody_cred *b) {
  if (a->height != b->height) {
    return a->height < b->height ? -1 : 1;
  }
  if (a->tx_index != b->tx_index) {
    return a->tx_index < b->tx_index ? -1 : 1;
  }
  if (a->msg_index != b->msg_index) {
    return a->msg_index < b->msg_index ? -1 : 1;
  }
  if (a->inner_index != b->inner_index) {
    return a->inner_index < b->inner_index ? -1 : 1;
  }
  return strcmp(a->iri, b->iri);
}

/* The value asserted by the latest credential among `vs` (the graph of each
 * value is its credential; revoked ones are already left out); NULL when
 * none. Credentials are located in the chain only when there is a choice. */
static cust_status latest_value(cust_custody_facts *f, const cust_custody_values *vs,
                                const cust_custody_value **out, const cust_custody_cred **cred) {
  *out = NULL;
  if (cred) {
    *cred = NULL;
  }
  const cust_custody_cred *best = NULL;
  const cust_custody_value *first = NULL;
  int is_choice = 0;
  for (size_t i = 0; i < vs->len; i++) {
    const cust_custody_value *v = &vs->items[i];
    if (v->graph == NULL) {
      continue;
    }
    if (first == NULL) {
      first = v;
    } else if (v->graph != first->graph || strcmp(v->value, first->value) != 0) {
      is_choice = 1;
    }
  }
  if (first == NULL) {
    return CUST_OK;
  }
  if (!is_choice) {
    *out = first;
    return cred ? cust_custody_facts_cred(f, first->graph, cred) : CUST_OK;
  }
  for (size_t i = 0; i < vs->len; i++) {
    const cust_custody_value *v = &vs->items[i];
    const cust_custody_cred *c = NULL;
    if (v->graph == NULL) {
      continue;
    }
    cust_status st = cust_custody_facts_cred(f, v->graph, &c);
    if (st == CUST_OK) {
      st = cust_custody_facts_locate(f, c);
    }
    if (st != CUST_OK) {
      return st;
    }
    int c_cmp = best == NULL ? 1 : cust_custody_cred_compare(c, best);
    if (c_cmp > 0 || (c_cmp == 0 && strcmp(v->value, (*out)->value) > 0)) {
      best = c;
      *out = v;
    }
  }
  if (cred) {
    *cred = best;
  }
  return CUST_OK;
}

cust_status cust_custody_facts_status(cust_custody_facts *f, const char *execution,
                                      const char **out) {
  *out = NULL;
  cust_custody_values vs;
  cust_status st =
      cust_custody_facts_objects(f, execution, CUST_V_CUST "status", CUST_GRAPH_CURRENT, &vs);
  if (st != CUST_OK) {
    return st;
  }
  if (vs.len > 0) {
    *out = vs.items[0].value;
    return CUST_OK;
  }
  st = cust_custody_facts_objects(f, execution, CUST_V_REPORTED_STATUS, NULL, &vs);
  const cust_custody_value *v = NULL;
  if (st == CUST_OK) {
    st = latest_value(f, &vs, &v, NULL);
  }
  if (st == CUST_OK && v) {
    *out = v->value;
  }
  return st;
}

/* The smallest value of (s, pred) asserted in `graph`; NULL when none. */
static cust_status in_graph(cust_custody_facts *f, const char *s, const char *pred,
                            const char *graph, const char **out) {
  cust_custody_values vs;
  *out = NULL;
  cust_status st = graph ? cust_custody_facts_objects(f, s, pred, NULL, &vs) : CUST_OK;
  for (size_t i = 0; st == CUST_OK && graph && i < vs.len; i++) {
    const cust_custody_value *v = &vs.items[i];
    if (v->graph && strcmp(v->graph, graph) == 0 && (*out == NULL || strcmp(v->value, *out) < 0)) {
      *out = v->value;
    }
  }
  return st;
}

cust_status cust_custody_facts_submission(cust_custody_facts *f, const char *cred, const char **tx,
                                          const char **block_time) {
  cust_custody_values vs;
  *tx = NULL;
  *block_time = NULL;
  cust_status st =
      cust_custody_facts_objects(f, cred, CUST_V_CUST "submittedIn", CUST_GRAPH_LEDGER, &vs);
  if (st == CUST_OK && vs.len > 0) {
    *tx = vs.items[0].value;
    st = cust_custody_facts_objects(f, *tx, CUST_V_CUST "blockTime", CUST_GRAPH_LEDGER, &vs);
    if (st == CUST_OK && vs.len > 0) {
      *block_time = vs.items[0].value;
    }
  }
  return st;
}

/* The order of `execution`; with `is_full`, also the order credential, its
 * issuer (the payer) and the zone. */
static cust_status order_of(cust_custody_facts *f, const char *execution, int is_full,
                            cust_custody_order *out) {
  memset(out, 0, sizeof *out);
  cust_custody_values vs;
  const cust_custody_value *v = NULL;
  cust_status st = cust_custody_facts_objects(f, execution, CUST_V_EXECUTION_OF, NULL, &vs);
  if (st == CUST_OK) {
    st = latest_value(f, &vs, &v, NULL);
  }
  if (st == CUST_OK && v) {
    out->order = v->value;
    /* the order credential is the graph of its latest live cust:payer; its
       zone is read from any graph and kept when asserted in that graph, so
       that bulk reads serve */
    if (is_full) {
      st = cust_custody_facts_objects(f, out->order, CUST_V_PAYER, NULL, &vs);
      if (st == CUST_OK) {
        st = latest_value(f, &vs, &v, NULL);
      }
      if (st == CUST_OK && v) {
        out->credential = v->graph;
        out->payer = v->value;
        st = in_graph(f, out->order, CUST_V_IN_ZONE, out->credential, &out->zone);
      }
    }
  }
  if (st == CUST_OK) {
    st = cust_custody_facts_objects(f, execution, CUST_V_ASSOCIATED, NULL, &vs);
    if (st == CUST_OK) {
      st = latest_value(f, &vs, &v, NULL);
    }
    if (st == CUST_OK && v) {
      out->service = v->value;
    }
  }
  /* no order (axone v5): the zone is the execution's own scope */
  if (st == CUST_OK && is_full && out->zone == NULL) {
    st = cust_custody_facts_objects(f, execution, CUST_V_IN_ZONE, NULL, &vs);
    if (st == CUST_OK) {
      st = latest_value(f, &vs, &v, NULL);
    }
    if (st == CUST_OK && v) {
      out->zone = v->value;
    }
  }
  return st;
}

cust_status cust_custody_facts_order(cust_custody_facts *f, const char *execution,
                                     cust_custody_order *out) {
  return order_of(f, execution, 1, out);
}

cust_status cust_custody_facts_service(cust_custody_facts *f, const char *execution,
                                       const char **out) {
  cust_custody_order o;
  cust_status st = order_of(f, execution, 0, &o);
  *out = st == CUST_OK ? o.service : NULL;
  return st;
}

cust_status cust_custody_facts_kind(cust_custody_facts *f, const char *resource, int *out) {
  cust_custody_values vs;
  *out = 0;
  cust_status st = cust_custody_facts_objects(f, resource, CUST_V_TYPE, NULL, &vs);
  for (size_t i = 0; st == CUST_OK && i < vs.len; i++) {
    const char *t = vs.items[i].value;
    if (strcmp(t, CUST_V_DATASET) == 0) {
      *out |= CUST_CUSTODY_IS_DATASET;
    } else if (strcmp(t, CUST_V_SERVICE) == 0) {
      *out |= CUST_CUSTODY_IS_SERVICE;
    } else if (strcmp(t, CUST_V_STORAGE_SERVICE) == 0) {
      *out |= CUST_CUSTODY_IS_SERVICE | CUST_CUSTODY_IS_STORAGE;
    }
  }
  return st;
}

cust_status cust_custody_facts_description(cust_custody_facts *f, const char *resource,
                                           const cust_custody_cred **out) {
  *out = NULL;
  const cust_custody_cred *d = cust_custody_map_get(&f->descs, resource);
  if (d) {
    *out = d == &no_desc ? NULL : d;
    return CUST_OK;
  }
  /* The mapper marks the subject of each dataset or service description
     with `prov:wasAttributedTo <issuer>` in the credential's graph: that
     finds the descriptions without going through every credential about the
     resource (an orchestration service is the subject of all its orders). */
  cust_custody_values vs;
  cust_status st =
      cust_custody_facts_objects(f, resource, CUST_V_PROV "wasAttributedTo", NULL, &vs);
  const cust_custody_cred *best = NULL;
  for (size_t i = 0; st == CUST_OK && i < vs.len; i++) {
    const cust_custody_value *v = &vs.items[i];
    const cust_custody_cred *c = NULL;
    if (v->graph == NULL) {
      continue;
    }
    st = cust_custody_facts_cred(f, v->graph, &c);
    /* the graph derived the attribution: a description, a v5 profile, or a
       v5 assertion that types the resource (whose subject is the statement) */
    if (st != CUST_OK || c->is_revoked || c->type == NULL || c == best) {
      continue;
    }
    if (best != NULL) {
      st = cust_custody_facts_locate(f, c);
      if (st == CUST_OK) {
        st = cust_custody_facts_locate(f, best);
      }
      if (st != CUST_OK || cust_custody_cred_compare(c, best) < 0) {
        continue;
      }
    }
    best = c;
  }
  const char *key = st == CUST_OK ? intern(f, resource) : NULL;
  if (st == CUST_OK && key == NULL) {
    st = CUST_ERR_NOMEM;
  }
  if (st == CUST_OK) {
    st = cust_custody_map_put(&f->descs, key, best ? (void *)best : (void *)&no_desc);
  }
  if (st == CUST_OK) {
    *out = best;
  }
  return st;
}

size_t cust_custody_facts_bytes(const cust_custody_facts *f) {
  return f->arena.total +
         (f->strings.cap + f->creds.cap + f->descs.cap) * sizeof(cust_custody_map_slot) +
         f->idcap * sizeof(idslot);
}

/* ---- the cache ---------------------------------------------------------------------- */

struct cust_custody_cache {
  cust_custody_facts *f;
  void *view_ud;
  uint64_t height;
  char block_hash[72];
};

cust_status cust_custody_cache_new(cust_custody_cache **out) {
  *out = calloc(1, sizeof **out);
  return *out ? CUST_OK : CUST_ERR_NOMEM;
}

void cust_custody_cache_free(cust_custody_cache *c) {
  if (c == NULL) {
    return;
  }
  cust_custody_facts_free(c->f);
  free(c);
}

cust_status cust_custody_cache_facts(cust_custody_cache *c, const cust_graph_view *view,
                                     const cust_checkpoint *cp, cust_custody_facts **out) {
  *out = NULL;
  if (c->f && c->view_ud == view->ud && c->f->view.find == view->find && c->height == cp->height &&
      strcmp(c->block_hash, cp->block_hash) == 0) {
    *out = c->f;
    return CUST_OK;
  }
  cust_custody_facts_free(c->f);
  c->f = NULL;
  cust_status st = cust_custody_facts_new(view, &c->f);
  if (st == CUST_OK) {
    c->view_ud = view->ud;
    c->height = cp->height;
    snprintf(c->block_hash, sizeof c->block_hash, "%s", cp->block_hash);
    *out = c->f;
  }
  return st;
}

void cust_custody_cache_trim(cust_custody_cache *c) {
  if (c && c->f && cust_custody_facts_bytes(c->f) > CUST_CUSTODY_CACHE_BYTES) {
    cust_custody_facts_free(c->f);
    c->f = NULL;
  }
}

/* ---- running a query ------------------------------------------------------------------ */

cust_status cust_custody_with_view(const cust_graph_view *view, uint64_t height,
                                   cust_custody_facts_fn fn, void *ud, char *err, size_t errlen) {
  cust_custody_facts *f = NULL;
  cust_status st = cust_custody_facts_new(view, &f);
  if (st != CUST_OK) {
    if (err && errlen) {
      snprintf(err, errlen, "cannot read the store: %s", cust_strerror(st));
    }
    return st;
  }
  st = fn(ud, f, view, height, err, errlen);
  cust_custody_facts_free(f);
  return st;
}

/* cust_custody_with_store in the read transaction. */
static cust_status with_store_read(cust_custody_cache *cache, cust_store *s,
                                   cust_custody_facts_fn fn, void *ud, char *err, size_t errlen) {
  cust_checkpoint cp;
  cust_status st = cust_store_checkpoint(s, &cp);
  if (st != CUST_OK) {
    if (err && errlen) {
      snprintf(err, errlen, "cannot read the store's checkpoint: %s", cust_strerror(st));
    }
    return st;
  }
  cust_graph_view view = cust_store_view(s);
  if (cache == NULL) {
    return cust_custody_with_view(&view, cp.height, fn, ud, err, errlen);
  }
  cust_custody_facts *f = NULL;
  st = cust_custody_cache_facts(cache, &view, &cp, &f);
  if (st != CUST_OK) {
    if (err && errlen) {
      snprintf(err, errlen, "cannot read the store: %s", cust_strerror(st));
    }
    return st;
  }
  st = fn(ud, f, &view, cp.height, err, errlen);
  cust_custody_cache_trim(cache);
  return st;
}

cust_status cust_custody_with_store(cust_custody_cache *cache, cust_store *s,
                                    cust_custody_facts_fn fn, void *ud, char *err, size_t errlen) {
  int began = 0;
  cust_status st = cust_store_read_begin(s, &began);
  if (st != CUST_OK) {
    if (err && errlen) {
      snprintf(err, errlen, "cannot read the store: %s", cust_strerror(st));
    }
    return st;
  }
  st = with_store_read(cache, s, fn, ud, err, errlen);
  cust_store_read_end(s, began);
  return st;
}

void cust_custody_buf_truncate(cust_buf *b, size_t len) {
  if (len < b->len) {
    b->len = len;
  }
  if (b->data) {
    b->data[b->len] = '\0';
  }
}
