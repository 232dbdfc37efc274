/* The custody walk alone, by term id: the few predicates it follows are read
 * with one indexed scan each into sorted arrays of ids, the walk runs over
 * integers, and only the nodes reached are turned into text at the end. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "custody.h"

/* A term as one integer: its row id, and its kind in the low two bits. */
#define TERM(id, kind)                                                                             \
  (((id) << 2) | ((kind) == CUST_TERM_IRI ? 1 : (kind) == CUST_TERM_BLANK ? 2 : 3))
#define TERM_ID(t) ((t) >> 2)
#define TERM_IS_LITERAL(t) (((t)&3) == 3)
#define TERM_IS_BLANK(t) (((t)&3) == 2)

typedef struct pair {
  int64_t key, val;
} pair;

/* Pairs sorted by key: the values of a key are a run. */
typedef struct adj {
  pair *items;
  size_t len, cap;
} adj;

typedef struct rnode {
  int64_t term;
  unsigned depth;
  unsigned char is_execution, is_expanded;
} rnode;

typedef struct reach {
  cust_store *s;
  int64_t *revoked; /* sorted graph ids of revoked credentials */
  size_t nrevoked, caprevoked;
  adj near, far, parts; /* execution -> resources, resource -> executions, parts */
  int is_upstream;
  unsigned max_depth, depth_now;
  size_t max_nodes;
  int is_truncated, is_depth_reached;
  rnode *nodes;
  size_t nnodes, capnodes;
  size_t *slots; /* open addressing: node index + 1, 0 empty */
  size_t capslots;
  size_t *cur, *next;
  size_t ncur, capcur, nnext, capnext;
} reach;

static int pair_cmp(const void *pa, const void *pb) {
  const pair *a = pa, *b = pb;
  if (a->key != b->key) {
    return a->key < b->key ? -1 : 1;
  }
  return a->val < b->val ? -1 : a->val > b->val;
}

static int is_revoked(const reach *r, int64_t g) {
  return g && r->nrevoked &&
         bsearch(&g, r->revoked, r->nrevoked, sizeof *r->revoked, cust_custody_i64_cmp) != NULL;
}

/* ---- reading ---------------------------------------------------------------- */

typedef struct load_ctx {
  reach *r;
  adj *a;
  int by_object; /* key the pairs by object (else by subject) */
  cust_status st;
} load_ctx;

static int revoked_cb(void *ud, const cust_store_id_quad *q) {
  load_ctx *c = ud;
  reach *r = c->r;
  if (q->s_kind != CUST_TERM_IRI) {
    return 0;
  }
  c->st = cust_custody_grow((void **)&r->revoked, &r->caprevoked, r->nrevoked, sizeof *r->revoked);
  if (c->st == CUST_OK) {
    r->revoked[r->nrevoked++] = q->s;
  }
  return c->st != CUST_OK;
}

static int load_cb(void *ud, const cust_store_id_quad *q) {
  load_ctx *c = ud;
  if (q->o_kind == CUST_TERM_LITERAL || is_revoked(c->r, q->g)) {
    return 0;
  }
  c->st = cust_custody_grow((void **)&c->a->items, &c->a->cap, c->a->len, sizeof *c->a->items);
  if (c->st != CUST_OK) {
    return 1;
  }
  int64_t s = TERM(q->s, q->s_kind), o = TERM(q->o, q->o_kind);
  pair *p = &c->a->items[c->a->len++];
  p->key = c->by_object ? o : s;
  p->val = c->by_object ? s : o;
  return 0;
}

static cust_status iri_id(cust_store *s, const char *iri, int64_t *id) {
  cust_term t = cust_term_iri(iri);
  return cust_store_term_id(s, &t, id);
}

static cust_status load(reach *r, const char *pred, adj *a, int by_object) {
  int64_t p = 0;
  load_ctx c = { r, a, by_object, CUST_OK };
  cust_status st = iri_id(r->s, pred, &p);
  if (st == CUST_OK && p) {
    st = cust_store_find_ids(r->s, p, 0, load_cb, &c);
  }
  if (st == CUST_OK) {
    st = c.st;
  }
  if (st == CUST_OK && a->len > 1) {
    qsort(a->items, a->len, sizeof *a->items, pair_cmp);
  }
  return st;
}

/* The values of `key` in `a` (a run of sorted pairs, de-duplicated by the
 * caller's visited set). */
static const pair *values(const adj *a, int64_t key, size_t *n) {
  size_t lo = 0, hi = a->len;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (a->items[mid].key < key) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  size_t end = lo;
  while (end < a->len && a->items[end].key == key) {
    end++;
  }
  *n = end - lo;
  return a->items + lo;
}

/* ---- the walk ---------------------------------------------------------------- */

static uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

static size_t *slot_of(reach *r, int64_t term, int is_execution) {
  uint64_t k = ((uint64_t)term << 1) | (unsigned)is_execution;
  size_t mask = r->capslots - 1;
  for (size_t i = (size_t)mix(k) & mask;; i = (i + 1) & mask) {
    size_t v = r->slots[i];
    if (v == 0 || (r->nodes[v - 1].term == term && r->nodes[v - 1].is_execution == is_execution)) {
      return &r->slots[i];
    }
  }
}

static cust_status push(size_t **list, size_t *n, size_t *cap, size_t v) {
  cust_status st = cust_custody_grow((void **)list, cap, *n, sizeof **list);
  if (st == CUST_OK) {
    (*list)[(*n)++] = v;
  }
  return st;
}

/* Adds a node unless known (the rules of the full walk: an execution queued
 * for the next depth that turns out to be part of one at this depth moves
 * up); *is_new (may be NULL) tells which. */
static cust_status add(reach *r, int64_t term, int is_execution, unsigned depth, int *is_new) {
  if (is_new) {
    *is_new = 0;
  }
  size_t *sl = slot_of(r, term, is_execution);
  if (*sl) {
    rnode *k = &r->nodes[*sl - 1];
    if (k->is_execution && !k->is_expanded && depth < k->depth && depth == r->depth_now) {
      k->depth = depth;
      return push(&r->cur, &r->ncur, &r->capcur, *sl - 1);
    }
    return CUST_OK;
  }
  if (r->nnodes >= r->max_nodes) {
    r->is_truncated = 1;
    return CUST_OK;
  }
  cust_status st = cust_custody_grow((void **)&r->nodes, &r->capnodes, r->nnodes, sizeof *r->nodes);
  if (st != CUST_OK) {
    return st;
  }
  size_t i = r->nnodes++;
  r->nodes[i].term = term;
  r->nodes[i].depth = depth;
  r->nodes[i].is_execution = (unsigned char)is_execution;
  r->nodes[i].is_expanded = 0;
  *sl = i + 1;
  if (is_execution) {
    st = depth == r->depth_now ? push(&r->cur, &r->ncur, &r->capcur, i)
                               : push(&r->next, &r->nnext, &r->capnext, i);
  }
  if (st == CUST_OK && is_new) {
    *is_new = 1;
  }
  return st;
}

static cust_status expand(reach *r, size_t xi) {
  int64_t x = r->nodes[xi].term;
  unsigned d = r->nodes[xi].depth;
  size_t n, m;
  const pair *res = values(&r->near, x, &n);
  cust_status st = CUST_OK;
  for (size_t i = 0; st == CUST_OK && i < n && !r->is_truncated; i++) {
    int is_new = 0;
    st = add(r, res[i].val, 0, d, &is_new);
    if (st != CUST_OK || !is_new) {
      continue;
    }
    const pair *others = values(&r->far, res[i].val, &m);
    if (d + 1 > r->max_depth) {
      r->is_depth_reached |= m > 0;
      continue;
    }
    for (size_t j = 0; st == CUST_OK && j < m && !r->is_truncated; j++) {
      st = add(r, others[j].val, 1, d + 1, NULL);
    }
  }
  const pair *parts = values(&r->parts, x, &n);
  for (size_t i = 0; st == CUST_OK && i < n && !r->is_truncated; i++) {
    st = add(r, parts[i].val, 1, d, NULL);
  }
  return st;
}

typedef struct text_ctx {
  reach *r;
  const size_t *idx; /* node index of each id asked for */
  cust_custody_reach_fn fn;
  void *ud;
  int is_blank;
  cust_buf name;
  cust_status st;
  int is_stopped;
} text_ctx;

static int text_cb(void *ud, size_t i, const char *text, size_t len) {
  text_ctx *c = ud;
  const rnode *n = &c->r->nodes[c->idx[i]];
  if (text == NULL) {
    return 0;
  }
  cust_buf_reset(&c->name);
  c->st = cust_buf_puts(&c->name, c->is_blank ? "_:" : "");
  if (c->st == CUST_OK) {
    c->st = cust_buf_append(&c->name, text, len);
  }
  if (c->st != CUST_OK) {
    return 1;
  }
  if (c->fn(c->ud, c->name.data, n->is_execution, n->depth) != 0) {
    c->is_stopped = 1;
    return 1;
  }
  return 0;
}

/* Calls fn with the text of each node, IRIs then blank nodes. */
static cust_status name_nodes(reach *r, cust_custody_reach_fn fn, void *ud) {
  int64_t *ids = malloc((r->nnodes + 1) * sizeof *ids);
  size_t *idx = malloc((r->nnodes + 1) * sizeof *idx);
  text_ctx c;
  memset(&c, 0, sizeof c);
  c.r = r;
  c.idx = idx;
  c.fn = fn;
  c.ud = ud;
  cust_buf_init(&c.name);
  /* in id order, so that the term tables are read front to back */
  pair *order = malloc((r->nnodes + 1) * sizeof *order);
  cust_status st = ids && idx && order ? CUST_OK : CUST_ERR_NOMEM;
  for (size_t i = 0; st == CUST_OK && i < r->nnodes; i++) {
    order[i].key = r->nodes[i].term;
    order[i].val = (int64_t)i;
  }
  if (st == CUST_OK && r->nnodes > 1) {
    qsort(order, r->nnodes, sizeof *order, pair_cmp);
  }
  for (int blank = 0; st == CUST_OK && blank < 2 && !c.is_stopped; blank++) {
    size_t n = 0;
    for (size_t i = 0; i < r->nnodes; i++) {
      if (TERM_IS_BLANK(order[i].key) == blank) {
        ids[n] = TERM_ID(order[i].key);
        idx[n++] = (size_t)order[i].val;
      }
    }
    c.is_blank = blank;
    st = cust_store_id_texts(r->s, blank ? CUST_TERM_BLANK : CUST_TERM_IRI, ids, n, text_cb, &c);
    if (st == CUST_OK) {
      st = c.st;
    }
  }
  cust_buf_release(&c.name);
  free(order);
  free(ids);
  free(idx);
  return st;
}

static int has_key(const adj *a, int64_t key) {
  size_t n;
  values(a, key, &n);
  return n > 0;
}

cust_status cust_custody_reach(cust_store *s, const char *iri, int is_upstream, unsigned depth,
                               size_t max_nodes, cust_custody_reach_fn fn, void *ud,
                               cust_custody_reach_info *info, char *err, size_t errlen) {
  reach r;
  char tmp[16];
  int began = 0;
  cust_custody_reach_info own;
  if (info == NULL) {
    info = &own;
  }
  memset(&r, 0, sizeof r);
  memset(info, 0, sizeof *info);
  r.s = s;
  r.is_upstream = is_upstream;
  r.max_depth = depth;
  r.max_nodes = max_nodes ? max_nodes : CUST_CUSTODY_MAX_NODES;
  if (err == NULL || errlen == 0) {
    err = tmp;
    errlen = sizeof tmp;
  }
  err[0] = '\0';
  if (iri == NULL || iri[0] == '\0' || depth > CUST_CUSTODY_MAX_DEPTH) {
    snprintf(err, errlen, "%s",
             iri == NULL || iri[0] == '\0' ? "no resource given: name one by its IRI"
                                           : "depth is too large");
    return CUST_ERR_INVALID;
  }
  int is_blank = iri[0] == '_' && iri[1] == ':';
  cust_term t = is_blank ? cust_term_blank(iri + 2) : cust_term_iri(iri);
  int64_t start = 0, revoked_in = 0, ledger = 0;
  cust_status st = cust_store_read_begin(s, &began);
  if (st == CUST_OK) {
    st = cust_store_term_id(s, &t, &start);
  }
  if (st == CUST_OK) {
    st = iri_id(s, CUST_V_CUST "revokedIn", &revoked_in);
  }
  if (st == CUST_OK) {
    st = iri_id(s, CUST_GRAPH_LEDGER, &ledger);
  }
  load_ctx c = { &r, NULL, 0, CUST_OK };
  if (st == CUST_OK && revoked_in && ledger) {
    st = cust_store_find_ids(s, revoked_in, ledger, revoked_cb, &c);
    st = st == CUST_OK ? c.st : st;
    if (st == CUST_OK && r.nrevoked > 1) {
      qsort(r.revoked, r.nrevoked, sizeof *r.revoked, cust_custody_i64_cmp);
    }
  }
  const char *consumed = CUST_V_USED, *produced = CUST_V_GENERATED;
  if (st == CUST_OK) {
    st = load(&r, is_upstream ? consumed : produced, &r.near, 0);
  }
  if (st == CUST_OK) {
    st = load(&r, is_upstream ? produced : consumed, &r.far, 1);
  }
  if (st == CUST_OK) {
    st = load(&r, CUST_V_PART_OF, &r.parts, is_upstream);
  }
  r.capslots = 1024;
  while (st == CUST_OK && r.capslots < 2 * r.max_nodes + 2) {
    r.capslots *= 2;
  }
  r.slots = st == CUST_OK ? calloc(r.capslots, sizeof *r.slots) : NULL;
  if (st == CUST_OK && r.slots == NULL) {
    st = CUST_ERR_NOMEM;
  }
  if (st != CUST_OK) {
    snprintf(err, errlen, "cannot read the store: %s", cust_strerror(st));
    goto done;
  }
  if (start == 0) {
    snprintf(err, errlen, "unknown resource \"%s\": no credential or execution names it", iri);
    st = CUST_ERR_NOTFOUND;
    goto done;
  }
  int64_t st_term = TERM(start, t.kind);
  /* an execution uses or makes something; the far side names its inputs and
     outputs by the other predicate */
  int is_execution = has_key(&r.near, st_term);
  if (!is_execution) {
    for (size_t i = 0; i < r.far.len && !is_execution; i++) {
      is_execution = r.far.items[i].val == st_term;
    }
  }
  st = add(&r, st_term, is_execution, 0, NULL);
  if (st == CUST_OK && !is_execution) {
    size_t n;
    const pair *xs = values(&r.far, st_term, &n);
    if (depth < 1) {
      r.is_depth_reached = n > 0;
    }
    for (size_t i = 0; st == CUST_OK && depth >= 1 && i < n && !r.is_truncated; i++) {
      st = add(&r, xs[i].val, 1, 1, NULL);
    }
  }
  while (st == CUST_OK && !r.is_truncated && (r.ncur > 0 || r.nnext > 0)) {
    for (size_t i = 0; st == CUST_OK && i < r.ncur && !r.is_truncated; i++) {
      if (!r.nodes[r.cur[i]].is_expanded) {
        r.nodes[r.cur[i]].is_expanded = 1;
        st = expand(&r, r.cur[i]);
      }
    }
    size_t *tl = r.cur, tcap = r.capcur;
    r.cur = r.next;
    r.ncur = r.nnext;
    r.capcur = r.capnext;
    r.next = tl;
    r.nnext = 0;
    r.capnext = tcap;
    r.depth_now++;
  }
  for (size_t i = 0; i < r.nnodes; i++) {
    if (r.nodes[i].is_execution) {
      info->executions++;
    } else {
      info->resources++;
    }
  }
  info->is_truncated = r.is_truncated;
  info->is_depth_reached = r.is_depth_reached;
  if (st == CUST_OK && fn) {
    st = name_nodes(&r, fn, ud);
  }
  if (st != CUST_OK) {
    snprintf(err, errlen, "cannot walk the custody of \"%s\": %s", iri, cust_strerror(st));
  }
done:
  cust_store_read_end(s, began);
  free(r.revoked);
  free(r.near.items);
  free(r.far.items);
  free(r.parts.items);
  free(r.nodes);
  free(r.slots);
  free(r.cur);
  free(r.next);
  return st;
}
