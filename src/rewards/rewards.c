/* The reward query: the MinDepth custody walk of rewards.md over the fact
 * layer, the lines it earns, the exact split, and the JSON answer:
 *
 *   {"execution", "status" (local name or null), "eligible", "total", "denom",
 *    "policy", "zone", "asOfHeight", "tax":{"recipient","amount"},
 *    "roles":[{"role","weightBps","amount"}]      (roles that have lines),
 *    "payouts":[{"payee","role","amount","score",
 *                "resources":[{"resource","depth"}]}]
 *                 (by role, then amount descending, then payee),
 *    "refund": null or {"payee","amount"}}
 *
 * The refund is T for an execution that did not deliver, and the pool when no
 * role has a line (nothing registered took part): the payer gets it back. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "custody/custody.h"
#include "rewards.h"

typedef struct earned {
  cust_rewards_role role;
  const char *resource;
  const char *payee;
  unsigned depth;
} earned;

typedef struct strvec {
  const char **items;
  size_t len, cap;
} strvec;

typedef struct walk {
  cust_custody_facts *f;
  const cust_rewards_policy *pol;
  cust_arena arena;
  cust_custody_map visited;   /* execution -> non-NULL */
  cust_custody_map earned_by; /* "role resource" -> earned */
  earned **earned;
  size_t nearned, capearned;
  strvec cur, next;
} walk;

static cust_status strvec_push(strvec *v, const char *s) {
  if (v->len == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 16;
    const char **items = realloc(v->items, cap * sizeof *items);
    if (items == NULL) {
      return CUST_ERR_NOMEM;
    }
    v->items = items;
    v->cap = cap;
  }
  v->items[v->len++] = s;
  return CUST_OK;
}

static cust_status add_line(walk *w, cust_rewards_role role, const char *resource,
                            const char *payee, unsigned depth) {
  if (payee == NULL) {
    return CUST_OK;
  }
  char *key = cust_arena_printf(&w->arena, "%d\x1f%s", (int)role, resource);
  if (key == NULL) {
    return CUST_ERR_NOMEM;
  }
  if (cust_custody_map_get(&w->earned_by, key)) {
    return CUST_OK; /* reached before, at a depth no larger */
  }
  earned *e = cust_arena_alloc(&w->arena, sizeof *e);
  if (e == NULL) {
    return CUST_ERR_NOMEM;
  }
  e->role = role;
  e->resource = resource;
  e->payee = payee;
  e->depth = depth;
  if (w->nearned == w->capearned) {
    size_t cap = w->capearned ? w->capearned * 2 : 16;
    earned **items = realloc(w->earned, cap * sizeof *items);
    if (items == NULL) {
      return CUST_ERR_NOMEM;
    }
    w->earned = items;
    w->capearned = cap;
  }
  w->earned[w->nearned++] = e;
  return cust_custody_map_put(&w->earned_by, key, e);
}

static cust_status is_delivered(walk *w, const char *x, int *out) {
  const char *status = NULL;
  cust_status st = cust_custody_facts_status(w->f, x, &status);
  *out = st == CUST_OK && status && strcmp(status, CUST_V_DELIVERED) == 0;
  return st;
}

static cust_status classify(walk *w, const char *r, unsigned d) {
  const cust_custody_cred *desc = NULL;
  cust_custody_values vs;
  cust_status st = cust_custody_facts_description(w->f, r, &desc);
  if (st != CUST_OK || desc == NULL) {
    return st;
  }
  int kind = 0;
  st = cust_custody_facts_kind(w->f, r, &kind);
  if (st != CUST_OK || kind == 0) {
    return st; /* described, but neither a dataset nor a service */
  }
  if (kind & CUST_CUSTODY_IS_DATASET) {
    st = add_line(w, CUST_ROLE_DATA, r, desc->issuer, d);
    if (st == CUST_OK) {
      st = cust_custody_facts_objects(w->f, r, CUST_V_SERVED_BY, NULL, &vs);
    }
    for (size_t i = 0; st == CUST_OK && i < vs.len; i++) {
      const cust_custody_cred *sd = NULL;
      if (vs.items[i].kind != CUST_TERM_IRI) {
        continue;
      }
      st = cust_custody_facts_description(w->f, vs.items[i].value, &sd);
      if (st == CUST_OK && sd) {
        st = add_line(w, CUST_ROLE_STORAGE, vs.items[i].value, sd->issuer, d);
      }
    }
    return st;
  }
  int is_storage = (kind & CUST_CUSTODY_IS_STORAGE) != 0;
  return add_line(w, is_storage ? CUST_ROLE_STORAGE : CUST_ROLE_PROCESSING, r, desc->issuer, d);
}

static cust_status visit(walk *w, const char *x, unsigned d) {
  const char *service = NULL;
  cust_custody_values vs;
  cust_status st = cust_custody_facts_service(w->f, x, &service);
  if (st == CUST_OK && service) {
    const cust_custody_cred *desc = NULL;
    st = cust_custody_facts_description(w->f, service, &desc);
    if (st == CUST_OK) {
      st = add_line(w, CUST_ROLE_ORCHESTRATION, service,
                    desc && desc->issuer ? desc->issuer : service, d);
    }
  }
  if (st == CUST_OK) {
    st = cust_custody_facts_subjects(w->f, CUST_V_PART_OF, x, NULL, &vs);
  }
  for (size_t i = 0; st == CUST_OK && i < vs.len; i++) {
    const char *y = vs.items[i].value;
    int ok = 0;
    if (cust_custody_map_get(&w->visited, y)) {
      continue;
    }
    st = is_delivered(w, y, &ok);
    if (st == CUST_OK && ok) {
      st = cust_custody_map_put(&w->visited, y, (void *)y);
      if (st == CUST_OK) {
        st = strvec_push(&w->cur, y);
      }
    }
  }
  if (st == CUST_OK) {
    st = cust_custody_facts_objects(w->f, x, CUST_V_USED, NULL, &vs);
  }
  for (size_t i = 0; st == CUST_OK && i < vs.len; i++) {
    const char *r = vs.items[i].value;
    cust_custody_values producers;
    if (vs.items[i].kind == CUST_TERM_LITERAL) {
      continue;
    }
    st = classify(w, r, d);
    if (st != CUST_OK || d + 1 > w->pol->max_depth) {
      continue;
    }
    st = cust_custody_facts_subjects(w->f, CUST_V_GENERATED, r, NULL, &producers);
    for (size_t j = 0; st == CUST_OK && j < producers.len; j++) {
      if (!cust_custody_map_get(&w->visited, producers.items[j].value)) {
        st = strvec_push(&w->next, producers.items[j].value);
      }
    }
  }
  return st;
}

static const char *const sparse_predicates[] = {
  CUST_V_PART_OF,
  CUST_V_SERVED_BY,
};
#define BULK_AFTER 64

/* Breadth first, one depth at a time, so that each (role, resource) and each
 * execution is first reached at its smallest depth; sub-executions join the
 * depth of their parent before the next depth starts. */
static cust_status run_walk(walk *w, const char *execution) {
  cust_status st = cust_custody_map_put(&w->visited, execution, (void *)execution);
  if (st == CUST_OK) {
    st = strvec_push(&w->cur, execution);
  }
  for (unsigned d = 0; st == CUST_OK && w->cur.len > 0; d++) {
    for (size_t i = 0; st == CUST_OK && i < w->cur.len; i++) {
      st = visit(w, w->cur.items[i], d);
    }
    /* a large walk reads the sparse predicates (one fact per sub-execution or
       publication) in one lookup each rather than node by node, when they
       are few enough */
    for (size_t i = 0; st == CUST_OK && w->visited.len > BULK_AFTER &&
                       i < sizeof sparse_predicates / sizeof *sparse_predicates;
         i++) {
      st = cust_custody_facts_prefetch(w->f, sparse_predicates[i], NULL, 32 * w->visited.len);
      st = st == CUST_ERR_LIMIT ? CUST_OK : st;
    }
    w->cur.len = 0;
    for (size_t i = 0; st == CUST_OK && i < w->next.len; i++) {
      const char *x = w->next.items[i];
      int ok = 0;
      if (cust_custody_map_get(&w->visited, x)) {
        continue;
      }
      st = is_delivered(w, x, &ok);
      if (st == CUST_OK && ok) {
        st = cust_custody_map_put(&w->visited, x, (void *)x);
        if (st == CUST_OK) {
          st = strvec_push(&w->cur, x);
        }
      }
    }
    w->next.len = 0;
  }
  return st;
}

/* ---- lines and the answer -------------------------------------------------------- */

typedef struct group {
  cust_rewards_role role;
  const char *payee;
  earned **res;
  size_t nres;
} group;

static int earned_cmp(const void *pa, const void *pb) {
  const earned *a = *(earned *const *)pa, *b = *(earned *const *)pb;
  if (a->role != b->role) {
    return a->role < b->role ? -1 : 1;
  }
  int c = strcmp(a->payee, b->payee);
  if (c != 0) {
    return c;
  }
  if (a->depth != b->depth) {
    return a->depth < b->depth ? -1 : 1;
  }
  return strcmp(a->resource, b->resource);
}

typedef struct payout_ref {
  const group *g;
  const cust_rewards_line *line;
} payout_ref;

static int payout_cmp(const void *pa, const void *pb) {
  const payout_ref *a = pa, *b = pb;
  if (a->g->role != b->g->role) {
    return a->g->role < b->g->role ? -1 : 1;
  }
  int c = mpz_cmp(b->line->amount, a->line->amount);
  if (c != 0) {
    return c < 0 ? -1 : 1;
  }
  return strcmp(a->g->payee, b->g->payee);
}

static cust_status put_mpz(cust_buf *b, const mpz_t v) {
  char *s = mpz_get_str(NULL, 10, v);
  if (s == NULL) {
    return CUST_ERR_NOMEM;
  }
  cust_status st = cust_buf_printf(b, "\"%s\"", s);
  void (*freefn)(void *, size_t);
  mp_get_memory_functions(NULL, NULL, &freefn);
  freefn(s, strlen(s) + 1);
  return st;
}

static cust_status put_head(cust_buf *b, const char *execution, const char *status, int is_eligible,
                            const mpz_t total, const char *denom, const cust_rewards_policy *pol,
                            const char *zone, uint64_t height) {
  cust_status st = cust_buf_puts(b, "{\"execution\":");
  if (st == CUST_OK) {
    st = cust_json_cstr(b, execution);
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(b, ",\"status\":");
  }
  if (st == CUST_OK) {
    st = cust_json_cstr(b, cust_custody_local_name(status));
  }
  if (st == CUST_OK) {
    st = cust_buf_printf(b, ",\"eligible\":%s,\"total\":", is_eligible ? "true" : "false");
  }
  if (st == CUST_OK) {
    st = put_mpz(b, total);
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(b, ",\"denom\":");
  }
  if (st == CUST_OK) {
    st = cust_json_cstr(b, denom);
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(b, ",\"policy\":");
  }
  if (st == CUST_OK) {
    st = cust_json_cstr(b, pol->iri);
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(b, ",\"zone\":");
  }
  if (st == CUST_OK) {
    st = cust_json_cstr(b, zone);
  }
  if (st == CUST_OK) {
    st = cust_buf_printf(b, ",\"asOfHeight\":%llu", (unsigned long long)height);
  }
  return st;
}

static cust_status put_refund(cust_buf *b, const char *payer, const mpz_t amount) {
  cust_status st = cust_buf_puts(b, ",\"refund\":{\"payee\":");
  if (st == CUST_OK) {
    st = cust_json_cstr(b, payer);
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(b, ",\"amount\":");
  }
  if (st == CUST_OK) {
    st = put_mpz(b, amount);
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(b, "}}");
  }
  return st;
}

static cust_status put_payout(cust_buf *b, const group *g, const cust_rewards_line *l) {
  cust_status st = cust_buf_puts(b, "{\"payee\":");
  if (st == CUST_OK) {
    st = cust_json_cstr(b, g->payee);
  }
  if (st == CUST_OK) {
    st = cust_buf_printf(b, ",\"role\":\"%s\",\"amount\":", cust_rewards_role_name(g->role));
  }
  if (st == CUST_OK) {
    st = put_mpz(b, l->amount);
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(b, ",\"score\":");
  }
  if (st == CUST_OK) {
    st = put_mpz(b, l->score);
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(b, ",\"resources\":[");
  }
  for (size_t k = 0; st == CUST_OK && k < g->nres; k++) {
    st = cust_buf_puts(b, k ? ",{\"resource\":" : "{\"resource\":");
    if (st == CUST_OK) {
      st = cust_json_cstr(b, g->res[k]->resource);
    }
    if (st == CUST_OK) {
      st = cust_buf_printf(b, ",\"depth\":%u}", g->res[k]->depth);
    }
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(b, "]}");
  }
  return st;
}

/* Splits `total` among the lines of the walk and writes the rest of the
 * answer. */
static cust_status answer_split(walk *w, const mpz_t total, const char *payer, cust_buf *b) {
  cust_status st = CUST_OK;
  const cust_rewards_policy *pol = w->pol;
  group *groups = NULL;
  cust_rewards_line *lines = NULL;
  payout_ref *refs = NULL;
  size_t ngroups = 0;
  cust_rewards_alloc alloc;
  cust_rewards_alloc_init(&alloc);
  mpz_t t, qpow;
  mpz_inits(t, qpow, NULL);
  if (w->nearned > 1) {
    qsort(w->earned, w->nearned, sizeof *w->earned, earned_cmp);
  }
  groups = calloc(w->nearned ? w->nearned : 1, sizeof *groups);
  lines = calloc(w->nearned ? w->nearned : 1, sizeof *lines);
  refs = calloc(w->nearned ? w->nearned : 1, sizeof *refs);
  if (groups == NULL || lines == NULL || refs == NULL) {
    st = CUST_ERR_NOMEM;
    goto done;
  }
  for (size_t i = 0; i < w->nearned; i++) {
    earned *e = w->earned[i];
    if (ngroups == 0 || groups[ngroups - 1].role != e->role ||
        strcmp(groups[ngroups - 1].payee, e->payee) != 0) {
      group *g = &groups[ngroups];
      g->role = e->role;
      g->payee = e->payee;
      g->res = &w->earned[i];
      cust_rewards_line_init(&lines[ngroups], e->role, e->payee);
      ngroups++;
    }
    group *g = &groups[ngroups - 1];
    g->nres++;
    mpz_ui_pow_ui(t, pol->p, e->depth);
    mpz_ui_pow_ui(qpow, pol->q, pol->max_depth - e->depth);
    mpz_mul(t, t, qpow);
    mpz_add(lines[ngroups - 1].score, lines[ngroups - 1].score, t);
  }
  st = cust_rewards_allocate(pol, total, lines, ngroups, &alloc);
  if (st != CUST_OK) {
    goto done;
  }
  st = cust_buf_puts(b, ",\"tax\":{\"recipient\":");
  if (st == CUST_OK) {
    st = cust_json_cstr(b, pol->tax_recipient);
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(b, ",\"amount\":");
  }
  if (st == CUST_OK) {
    st = put_mpz(b, alloc.tax);
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(b, "},\"roles\":[");
  }
  int is_first = 1;
  for (int r = 0; st == CUST_OK && r < CUST_ROLE_COUNT; r++) {
    if (!alloc.has_role[r]) {
      continue;
    }
    st = cust_buf_printf(b, "%s{\"role\":\"%s\",\"weightBps\":%u,\"amount\":", is_first ? "" : ",",
                         cust_rewards_role_name((cust_rewards_role)r), pol->weight_bps[r]);
    if (st == CUST_OK) {
      st = put_mpz(b, alloc.role_amount[r]);
    }
    if (st == CUST_OK) {
      st = cust_buf_putc(b, '}');
    }
    is_first = 0;
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(b, "],\"payouts\":[");
  }
  size_t nrefs = 0;
  for (size_t i = 0; i < ngroups; i++) {
    if (alloc.has_role[groups[i].role]) {
      refs[nrefs].g = &groups[i];
      refs[nrefs].line = &lines[i];
      nrefs++;
    }
  }
  if (nrefs > 1) {
    qsort(refs, nrefs, sizeof *refs, payout_cmp);
  }
  for (size_t i = 0; st == CUST_OK && i < nrefs; i++) {
    st = i ? cust_buf_putc(b, ',') : CUST_OK;
    if (st == CUST_OK) {
      st = put_payout(b, refs[i].g, refs[i].line);
    }
  }
  if (st == CUST_OK) {
    st = cust_buf_putc(b, ']');
  }
  if (st == CUST_OK && mpz_sgn(alloc.unassigned) > 0) {
    st = put_refund(b, payer, alloc.unassigned);
  } else if (st == CUST_OK) {
    st = cust_buf_puts(b, ",\"refund\":null}");
  }
done:
  for (size_t i = 0; lines && i < ngroups; i++) {
    cust_rewards_line_release(&lines[i]);
  }
  free(lines);
  free(groups);
  free(refs);
  mpz_clears(t, qpow, NULL);
  cust_rewards_alloc_release(&alloc);
  return st;
}

/* ---- policies of the store ----------------------------------------------------------- */

static cust_status read_policies(const cust_graph_view *view, cust_rewards_policies *ps, char *err,
                                 size_t errlen) {
  cust_arena a;
  cust_arena_init(&a, 16 * 1024);
  cust_rewards_quads v = { NULL, 0, 0, &a, CUST_OK };
  cust_quad pat;
  memset(&pat, 0, sizeof pat);
  pat.g = cust_term_iri(CUST_GRAPH_POLICIES);
  cust_status st = view->find(view->ud, &pat, cust_rewards_quads_collect, &v);
  if (st == CUST_OK) {
    st = v.st;
  }
  if (st == CUST_OK) {
    char why[400];
    st = cust_rewards_policies_parse(ps, v.items, NULL, v.len, "policies graph", why, sizeof why);
    if (st == CUST_ERR_INVALID) {
      snprintf(err, errlen, "the store holds a bad reward policy: %s; load valid policies", why);
      st = CUST_ERR_FORMAT;
    }
  }
  free(v.items);
  cust_arena_release(&a);
  return st;
}

/* ---- the query ----------------------------------------------------------------------- */

static int is_amount(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 200) {
    return 0;
  }
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') {
      return 0;
    }
  }
  return 1;
}

/* The funds locked with `order` (cust:lockedAmount and cust:lockedDenom, in
 * the ledger graph: the indexer locks the first coin once). */
static cust_status locked_funds(cust_custody_facts *f, const char *order, mpz_t total,
                                const char **denom) {
  cust_custody_values vs, ds;
  cust_status st =
      cust_custody_facts_objects(f, order, CUST_V_CUST "lockedAmount", CUST_GRAPH_LEDGER, &vs);
  const char *amount = NULL;
  for (size_t i = 0; st == CUST_OK && i < vs.len; i++) {
    if (is_amount(vs.items[i].value) && (amount == NULL || strcmp(vs.items[i].value, amount) < 0)) {
      amount = vs.items[i].value;
    }
  }
  if (st == CUST_OK && amount) {
    mpz_set_str(total, amount, 10);
    st = cust_custody_facts_objects(f, order, CUST_V_CUST "lockedDenom", CUST_GRAPH_LEDGER, &ds);
    if (st == CUST_OK && ds.len > 0) {
      *denom = ds.items[0].value;
    }
  }
  return st;
}

typedef struct rewards_args {
  const char *execution, *amount, *policy_iri;
  cust_buf *json_out;
} rewards_args;

static cust_status rewards_fn(void *ud, cust_custody_facts *f, const cust_graph_view *view,
                              uint64_t height, char *err, size_t errlen) {
  const rewards_args *a = ud;
  return cust_rewards_compute_facts(f, view, height, a->execution, a->amount, a->policy_iri,
                                    a->json_out, err, errlen);
}

cust_status cust_rewards_compute(const cust_graph_view *view, uint64_t height,
                                 const char *execution, const char *amount, const char *policy_iri,
                                 cust_buf *json_out, char *err, size_t errlen) {
  rewards_args a = { execution, amount, policy_iri, json_out };
  return cust_custody_with_view(view, height, rewards_fn, &a, err, errlen);
}

cust_status cust_rewards_compute_facts(cust_custody_facts *f, const cust_graph_view *view,
                                       uint64_t height, const char *execution, const char *amount,
                                       const char *policy_iri, cust_buf *json_out, char *err,
                                       size_t errlen) {
  cust_status st = CUST_OK;
  cust_rewards_policies ps;
  walk w;
  mpz_t total;
  const char *denom = "uknow";
  const char *status = NULL;
  cust_custody_order order;
  cust_custody_values consumed;
  char tmp[16];
  int is_eligible = 0;
  size_t mark = json_out->len;
  cust_rewards_policies_init(&ps);
  memset(&w, 0, sizeof w);
  cust_arena_init(&w.arena, 16 * 1024);
  cust_custody_map_init(&w.visited);
  cust_custody_map_init(&w.earned_by);
  mpz_init(total);
  if (err == NULL || errlen == 0) {
    err = tmp;
    errlen = sizeof tmp;
  }
  err[0] = '\0';
  if (execution == NULL || execution[0] == '\0') {
    snprintf(err, errlen, "no execution given: name one by its IRI");
    st = CUST_ERR_INVALID;
    goto done;
  }
  if (amount && !is_amount(amount)) {
    snprintf(err, errlen, "amount \"%s\" is not a non-negative integer (smallest unit)", amount);
    st = CUST_ERR_INVALID;
    goto done;
  }
  st = read_policies(view, &ps, err, errlen);
  if (st != CUST_OK) {
    goto done;
  }
  st = cust_custody_facts_status(f, execution, &status);
  if (st == CUST_OK) {
    st = cust_custody_facts_order(f, execution, &order);
  }
  if (st == CUST_OK) {
    st = cust_custody_facts_objects(f, execution, CUST_V_USED, NULL, &consumed);
  }
  if (st != CUST_OK) {
    snprintf(err, errlen, "cannot read the store: %s", cust_strerror(st));
    goto done;
  }
  if (status == NULL && order.order == NULL && order.service == NULL && consumed.len == 0) {
    snprintf(err, errlen, "unknown execution \"%s\": no report of it is indexed", execution);
    st = CUST_ERR_NOTFOUND;
    goto done;
  }
  w.f = f;
  if (policy_iri) {
    w.pol = cust_rewards_policies_find(&ps, policy_iri);
    if (w.pol == NULL && strcmp(policy_iri, CUST_REWARDS_BUILTIN_POLICY) == 0) {
      w.pol = cust_rewards_policy_builtin();
    }
    if (w.pol == NULL) {
      snprintf(err, errlen, "unknown policy \"%s\": name a cust:RewardPolicy of the policies graph",
               policy_iri);
      st = CUST_ERR_INVALID;
      goto done;
    }
  } else {
    w.pol = order.zone ? cust_rewards_policies_for_zone(&ps, order.zone) : NULL;
    if (w.pol == NULL) {
      w.pol = cust_rewards_policies_for_zone(&ps, NULL);
    }
    if (w.pol == NULL) {
      w.pol = cust_rewards_policy_builtin();
    }
  }
  if (amount) {
    mpz_set_str(total, amount, 10);
  } else if (order.order) {
    st = locked_funds(f, order.order, total, &denom);
  }
  is_eligible = status && strcmp(status, CUST_V_DELIVERED) == 0;
  if (st == CUST_OK) {
    st =
        put_head(json_out, execution, status, is_eligible, total, denom, w.pol, order.zone, height);
  }
  if (st == CUST_OK && !is_eligible) {
    st = cust_buf_puts(json_out, ",\"tax\":{\"recipient\":null,\"amount\":\"0\"},\"roles\":[],"
                                 "\"payouts\":[]");
    if (st == CUST_OK) {
      st = put_refund(json_out, order.payer, total);
    }
  } else if (st == CUST_OK) {
    st = run_walk(&w, execution);
    if (st == CUST_OK) {
      st = answer_split(&w, total, order.payer, json_out);
    }
  }
  if (st != CUST_OK && err[0] == '\0') {
    snprintf(err, errlen, "cannot compute the rewards of \"%s\": %s", execution, cust_strerror(st));
  }
done:
  if (st != CUST_OK) {
    cust_custody_buf_truncate(json_out, mark);
  }
  free(w.earned);
  free(w.cur.items);
  free(w.next.items);
  cust_custody_map_release(&w.visited);
  cust_custody_map_release(&w.earned_by);
  cust_arena_release(&w.arena);
  cust_rewards_policies_release(&ps);
  mpz_clear(total);
  return st;
}

cust_status cust_rewards_query(cust_store *s, const char *execution, const char *amount,
                               const char *policy_iri, cust_buf *json_out, char *err,
                               size_t errlen) {
  return cust_rewards_query_cached(NULL, s, execution, amount, policy_iri, json_out, err, errlen);
}

cust_status cust_rewards_query_cached(cust_custody_cache *cache, cust_store *s,
                                      const char *execution, const char *amount,
                                      const char *policy_iri, cust_buf *json_out, char *err,
                                      size_t errlen) {
  rewards_args a = { execution, amount, policy_iri, json_out };
  return cust_custody_with_store(cache, s, rewards_fn, &a, err, errlen);
}
