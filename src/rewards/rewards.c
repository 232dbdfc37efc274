/* The reward query: the MinDepth custody walk of rewards.md over the fact
 * layer, the lines it earns, the exact split, and the answer. JSON:
 *
 *   {"execution", "status" (local name or null), "eligible",
 *    "total" (null when no amount is known), "denom",
 *    "amountSource": "caller" | "funds" | "policy" | null,
 *    "policy", "zone", "asOfHeight", "accountPrefix",
 *    "tax":{"recipient",ACCOUNT,"amount"},
 *    "roles":[{"role","weightBps","amount"}]      (roles that have lines),
 *    "payouts":[{"payee",ACCOUNT,"role","amount","score",
 *                "resources":[{"resource","depth"}]}]
 *                 (by role, then amount descending, then payee),
 *    "refund": null or {"payee",ACCOUNT,"amount"}}
 *
 * where ACCOUNT is "account":"axone1…" or "account":null,"accountReason":"…".
 * The refund is T for an execution that did not deliver, and the pool when no
 * role has a line (nothing registered took part): the payer gets it back.
 * With no known amount the walk is still answered, every amount "0".
 *
 * CSV: "account,amount,denom" then one row per account (amounts of one
 * account summed, in the order of the JSON: tax, payouts, refund; rows of
 * amount 0 left out); a payee without an account keeps its own row with an
 * empty account, so that the rows always sum to the total.
 * MSG: {"@type":"/cosmos.bank.v1beta1.MsgMultiSend","inputs":[{"address":FROM,
 * "coins":[{"denom","amount":SUM}]}],"outputs":[{"address","coins":[…]}…]}
 * over the same accounts; payees without an account are left out of it and
 * SUM is what the outputs add up to, so the message always balances. */
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
  *out = st == CUST_OK && status && strcmp(status, CUST_STATUS_DELIVERED) == 0;
  return st;
}

static cust_status classify(walk *w, const char *r, unsigned d) {
  const cust_custody_cred *desc = NULL;
  cust_custody_values vs;
  cust_status st = cust_custody_facts_description(w->f, r, &desc);
  if (st != CUST_OK || desc == NULL) {
    return st;
  }
  if (strcmp(desc->type, CUST_DSD "DatasetDescriptionCredential") == 0) {
    st = add_line(w, CUST_ROLE_DATA, r, desc->issuer, d);
    if (st == CUST_OK) {
      st = cust_custody_facts_objects(w->f, r, CUST_PUB "servedBy", NULL, &vs);
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
  st = cust_custody_facts_objects(w->f, r, CUST_SVC "hasCategory", desc->iri, &vs);
  int is_storage = 0;
  for (size_t i = 0; st == CUST_OK && i < vs.len; i++) {
    is_storage |= strcmp(vs.items[i].value, CUST_CATEGORY_STORAGE) == 0;
  }
  if (st == CUST_OK) {
    st = add_line(w, is_storage ? CUST_ROLE_STORAGE : CUST_ROLE_PROCESSING, r, desc->issuer, d);
  }
  return st;
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
    st = cust_custody_facts_subjects(w->f, CUST_EXEC "partOfExecution", x, NULL, &vs);
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
    st = cust_custody_facts_objects(w->f, x, CUST_EXEC "hasConsumedResource", NULL, &vs);
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
    st = cust_custody_facts_subjects(w->f, CUST_EXEC "hasProducedResource", r, NULL, &producers);
    for (size_t j = 0; st == CUST_OK && j < producers.len; j++) {
      if (!cust_custody_map_get(&w->visited, producers.items[j].value)) {
        st = strvec_push(&w->next, producers.items[j].value);
      }
    }
  }
  return st;
}

static const char *const sparse_predicates[] = {
  CUST_EXEC "partOfExecution",
  CUST_PUB "servedBy",
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

/* The payments of an answer, for the CSV and MSG forms. */
typedef struct payment {
  const char *account; /* NULL: none */
  mpz_t amount;
} payment;

typedef struct payments {
  cust_arena *arena;
  const char *prefix; /* account prefix, or NULL */
  payment *items;
  size_t len, cap;
} payments;

static void payments_release(payments *ps) {
  for (size_t i = 0; i < ps->len; i++) {
    mpz_clear(ps->items[i].amount);
  }
  free(ps->items);
}

/* Records that `did` gets `amount` and writes its account fields. */
static cust_status put_account(cust_buf *b, payments *ps, const char *did, const mpz_t amount) {
  cust_buf acc;
  const char *reason = NULL;
  cust_buf_init(&acc);
  cust_status st = cust_rewards_account(did, ps->prefix, &acc, &reason);
  const char *account = NULL;
  if (st == CUST_OK && reason == NULL) {
    account = cust_arena_strdup(ps->arena, acc.data);
    st = account == NULL ? CUST_ERR_NOMEM : CUST_OK;
  }
  cust_buf_release(&acc);
  if (st == CUST_OK && ps->len == ps->cap) {
    size_t cap = ps->cap ? ps->cap * 2 : 16;
    payment *items = realloc(ps->items, cap * sizeof *items);
    if (items == NULL) {
      st = CUST_ERR_NOMEM;
    } else {
      ps->items = items;
      ps->cap = cap;
    }
  }
  if (st == CUST_OK) {
    payment *p = &ps->items[ps->len++];
    p->account = account;
    mpz_init_set(p->amount, amount);
    st = cust_buf_puts(b, ",\"account\":");
  }
  if (st == CUST_OK) {
    st = cust_json_cstr(b, account);
  }
  if (st == CUST_OK && account == NULL) {
    st = cust_buf_puts(b, ",\"accountReason\":");
    if (st == CUST_OK) {
      st = cust_json_cstr(b, reason);
    }
  }
  return st;
}

static cust_status put_head(cust_buf *b, const char *execution, const char *status, int is_eligible,
                            const mpz_t total, const char *source, const char *denom,
                            const cust_rewards_policy *pol, const char *zone, uint64_t height,
                            const char *prefix) {
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
    st = source != NULL ? put_mpz(b, total) : cust_buf_puts(b, "null");
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(b, ",\"denom\":");
  }
  if (st == CUST_OK) {
    st = cust_json_cstr(b, denom);
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(b, ",\"amountSource\":");
  }
  if (st == CUST_OK) {
    st = cust_json_cstr(b, source);
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
    st = cust_buf_printf(b, ",\"asOfHeight\":%llu,\"accountPrefix\":", (unsigned long long)height);
  }
  if (st == CUST_OK) {
    st = cust_json_cstr(b, prefix);
  }
  return st;
}

static cust_status put_refund(cust_buf *b, payments *ps, const char *payer, const mpz_t amount) {
  cust_status st = cust_buf_puts(b, ",\"refund\":{\"payee\":");
  if (st == CUST_OK) {
    st = cust_json_cstr(b, payer);
  }
  if (st == CUST_OK) {
    st = put_account(b, ps, payer, amount);
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

static cust_status put_payout(cust_buf *b, payments *ps, const group *g,
                              const cust_rewards_line *l) {
  cust_status st = cust_buf_puts(b, "{\"payee\":");
  if (st == CUST_OK) {
    st = cust_json_cstr(b, g->payee);
  }
  if (st == CUST_OK) {
    st = put_account(b, ps, g->payee, l->amount);
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
static cust_status answer_split(walk *w, const mpz_t total, const char *payer, payments *ps,
                                cust_buf *b) {
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
  if (st == CUST_OK && pol->tax_recipient != NULL) {
    st = put_account(b, ps, pol->tax_recipient, alloc.tax);
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
      st = put_payout(b, ps, refs[i].g, refs[i].line);
    }
  }
  if (st == CUST_OK) {
    st = cust_buf_putc(b, ']');
  }
  if (st == CUST_OK && mpz_sgn(alloc.unassigned) > 0) {
    st = put_refund(b, ps, payer, alloc.unassigned);
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
      cust_custody_facts_objects(f, order, CUST_NS "lockedAmount", CUST_GRAPH_LEDGER, &vs);
  const char *amount = NULL;
  for (size_t i = 0; st == CUST_OK && i < vs.len; i++) {
    if (is_amount(vs.items[i].value) && (amount == NULL || strcmp(vs.items[i].value, amount) < 0)) {
      amount = vs.items[i].value;
    }
  }
  if (st == CUST_OK && amount) {
    mpz_set_str(total, amount, 10);
    st = cust_custody_facts_objects(f, order, CUST_NS "lockedDenom", CUST_GRAPH_LEDGER, &ds);
    if (st == CUST_OK && ds.len > 0) {
      *denom = ds.items[0].value;
    }
  }
  return st;
}

/* ---- accounts, amounts and the CSV and MSG forms ------------------------------------------ */

typedef struct first_value {
  char value[100];
} first_value;

static int take_first(void *ud, const cust_quad *q) {
  first_value *fv = ud;
  snprintf(fv->value, sizeof fv->value, "%s", q->o.value ? q->o.value : "");
  return 1;
}

/* The account prefix of the indexed chain: the bech32 prefix of the first
 * contract address of the ledger (a dataverse), else of the first sender. */
static cust_status chain_prefix(const cust_graph_view *view, char *out, size_t outlen) {
  static const char *const preds[] = { CUST_NS "contract", CUST_NS "sender" };
  out[0] = '\0';
  for (size_t i = 0; i < sizeof preds / sizeof *preds && out[0] == '\0'; i++) {
    cust_quad pat;
    first_value fv;
    unsigned char data[64];
    char why[120];
    size_t n = 0;
    memset(&pat, 0, sizeof pat);
    fv.value[0] = '\0';
    pat.p = cust_term_iri(preds[i]);
    pat.g = cust_term_iri(CUST_GRAPH_LEDGER);
    cust_status st = view->find(view->ud, &pat, take_first, &fv);
    if (st != CUST_OK) {
      return st;
    }
    if (fv.value[0] != '\0' && cust_bech32_decode(fv.value, out, outlen, data, sizeof data, &n, why,
                                                  sizeof why) != CUST_OK) {
      out[0] = '\0';
    }
  }
  return CUST_OK;
}

/* The smallest unit of the chain's staking coin, by its account prefix. */
static const char *chain_denom(const char *prefix) {
  if (prefix != NULL && strcmp(prefix, "okp4") == 0) {
    return "uknow";
  }
  if (prefix != NULL && strcmp(prefix, "axone") == 0) {
    return "uaxone";
  }
  return NULL;
}

cust_status cust_rewards_format_parse(const char *name, cust_rewards_format *out) {
  static const char *const names[] = { "json", "csv", "msg" };
  for (int i = 0; i < 3; i++) {
    if (name != NULL && strcmp(name, names[i]) == 0) {
      *out = (cust_rewards_format)i;
      return CUST_OK;
    }
  }
  return CUST_ERR_INVALID;
}

/* The payments summed by account, in order of first appearance; those
 * without an account stay one each (account NULL); amounts of 0 are left out. */
static cust_status merge_payments(const payments *ps, payments *out) {
  for (size_t i = 0; i < ps->len; i++) {
    const payment *p = &ps->items[i];
    if (mpz_sgn(p->amount) <= 0) {
      continue;
    }
    size_t j = 0;
    while (p->account != NULL && j < out->len &&
           (out->items[j].account == NULL || strcmp(out->items[j].account, p->account) != 0)) {
      j++;
    }
    if (p->account != NULL && j < out->len) {
      mpz_add(out->items[j].amount, out->items[j].amount, p->amount);
      continue;
    }
    if (out->len == out->cap) {
      size_t cap = out->cap ? out->cap * 2 : 16;
      payment *items = realloc(out->items, cap * sizeof *items);
      if (items == NULL) {
        return CUST_ERR_NOMEM;
      }
      out->items = items;
      out->cap = cap;
    }
    out->items[out->len].account = p->account;
    mpz_init_set(out->items[out->len].amount, p->amount);
    out->len++;
  }
  return CUST_OK;
}

static cust_status put_coins(cust_buf *b, const char *denom, const mpz_t amount) {
  cust_status st = cust_buf_puts(b, "\"coins\":[{\"denom\":");
  if (st == CUST_OK) {
    st = cust_json_cstr(b, denom);
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(b, ",\"amount\":");
  }
  if (st == CUST_OK) {
    st = put_mpz(b, amount);
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(b, "}]}");
  }
  return st;
}

static cust_status write_csv(cust_buf *b, const payments *merged, const char *denom) {
  cust_status st = cust_buf_puts(b, "account,amount,denom");
  for (size_t i = 0; st == CUST_OK && i < merged->len; i++) {
    char *amount = mpz_get_str(NULL, 10, merged->items[i].amount);
    if (amount == NULL) {
      return CUST_ERR_NOMEM;
    }
    st = cust_buf_printf(b, "\n%s,%s,%s", merged->items[i].account ? merged->items[i].account : "",
                         amount, denom);
    void (*freefn)(void *, size_t);
    mp_get_memory_functions(NULL, NULL, &freefn);
    freefn(amount, strlen(amount) + 1);
  }
  return st;
}

static cust_status write_msg(cust_buf *b, const payments *merged, const char *from,
                             const char *denom, char *err, size_t errlen) {
  mpz_t sum;
  mpz_init(sum);
  for (size_t i = 0; i < merged->len; i++) {
    if (merged->items[i].account != NULL) {
      mpz_add(sum, sum, merged->items[i].amount);
    }
  }
  cust_status st = CUST_OK;
  if (mpz_sgn(sum) == 0) {
    snprintf(err, errlen, "nothing to send: no account of this answer is owed a positive amount");
    st = CUST_ERR_INVALID;
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(b, "{\"@type\":\"/cosmos.bank.v1beta1.MsgMultiSend\",\"inputs\":[{"
                          "\"address\":");
  }
  if (st == CUST_OK) {
    st = cust_json_cstr(b, from);
  }
  if (st == CUST_OK) {
    st = cust_buf_putc(b, ',');
  }
  if (st == CUST_OK) {
    st = put_coins(b, denom, sum);
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(b, "],\"outputs\":[");
  }
  int is_first = 1;
  for (size_t i = 0; st == CUST_OK && i < merged->len; i++) {
    if (merged->items[i].account == NULL) {
      continue;
    }
    st = cust_buf_puts(b, is_first ? "{\"address\":" : ",{\"address\":");
    is_first = 0;
    if (st == CUST_OK) {
      st = cust_json_cstr(b, merged->items[i].account);
    }
    if (st == CUST_OK) {
      st = cust_buf_putc(b, ',');
    }
    if (st == CUST_OK) {
      st = put_coins(b, denom, merged->items[i].amount);
    }
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(b, "]}");
  }
  mpz_clear(sum);
  return st;
}

/* The CSV or MSG form of an answer whose payments are `ps`. */
static cust_status write_form(const cust_rewards_request *req, const payments *ps,
                              const char *source, const char *denom, const char *payer,
                              cust_buf *out, char *err, size_t errlen) {
  payments merged;
  memset(&merged, 0, sizeof merged);
  cust_status st = CUST_OK;
  char from_acc[100] = "";
  if (source == NULL) {
    snprintf(err, errlen,
             "no amount is known for \"%s\": give an amount, or a cust:price to the zone's policy",
             req->execution);
    return CUST_ERR_INVALID;
  }
  if (denom == NULL) {
    snprintf(err, errlen, "no denom is known for this chain: give a policy with a cust:price");
    return CUST_ERR_INVALID;
  }
  if (req->format == CUST_REWARDS_MSG && req->from != NULL) {
    snprintf(from_acc, sizeof from_acc, "%s", req->from);
  } else if (req->format == CUST_REWARDS_MSG) {
    cust_buf acc;
    const char *reason = NULL;
    cust_buf_init(&acc);
    st = cust_rewards_account(payer, ps->prefix, &acc, &reason);
    if (st == CUST_OK && reason == NULL) {
      snprintf(from_acc, sizeof from_acc, "%s", acc.data);
    }
    cust_buf_release(&acc);
    if (st == CUST_OK && from_acc[0] == '\0') {
      snprintf(err, errlen,
               "no account to pay from: the payer %s%s%s has none (%s); give one (from)",
               payer ? "\"" : "", payer ? payer : "is unknown", payer ? "\"" : "",
               reason ? reason : "no payer");
      st = CUST_ERR_INVALID;
    }
  }
  if (st == CUST_OK) {
    st = merge_payments(ps, &merged);
  }
  if (st == CUST_OK) {
    st = req->format == CUST_REWARDS_CSV ? write_csv(out, &merged, denom)
                                         : write_msg(out, &merged, from_acc, denom, err, errlen);
  }
  payments_release(&merged);
  return st;
}

typedef struct rewards_args {
  const cust_rewards_request *req;
  cust_buf *out;
} rewards_args;

static cust_status rewards_fn(void *ud, cust_custody_facts *f, const cust_graph_view *view,
                              uint64_t height, char *err, size_t errlen) {
  const rewards_args *a = ud;
  return cust_rewards_compute_facts(f, view, height, a->req, a->out, err, errlen);
}

cust_status cust_rewards_compute(const cust_graph_view *view, uint64_t height,
                                 const cust_rewards_request *req, cust_buf *out, char *err,
                                 size_t errlen) {
  rewards_args a = { req, out };
  return cust_custody_with_view(view, height, rewards_fn, &a, err, errlen);
}

cust_status cust_rewards_compute_facts(cust_custody_facts *f, const cust_graph_view *view,
                                       uint64_t height, const cust_rewards_request *req,
                                       cust_buf *out, char *err, size_t errlen) {
  cust_status st = CUST_OK;
  cust_rewards_policies ps;
  walk w;
  payments pays;
  mpz_t total;
  const char *execution = req->execution, *amount = req->amount, *policy_iri = req->policy_iri;
  const char *denom = NULL, *source = NULL;
  const char *status = NULL;
  char prefix[84] = "";
  cust_custody_order order;
  cust_custody_values consumed;
  cust_buf json;
  char tmp[16];
  int is_eligible = 0;
  cust_rewards_policies_init(&ps);
  memset(&w, 0, sizeof w);
  memset(&pays, 0, sizeof pays);
  cust_buf_init(&json);
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
    st = cust_custody_facts_objects(f, execution, CUST_EXEC "hasConsumedResource", NULL, &consumed);
  }
  if (st == CUST_OK && req->prefix != NULL) {
    snprintf(prefix, sizeof prefix, "%s", req->prefix);
  } else if (st == CUST_OK) {
    st = chain_prefix(view, prefix, sizeof prefix);
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
  /* the amount: the caller's, else the order's funds (okp4-dataverse v4-v5
     only: later contracts refuse funds), else the policy's price */
  if (order.order) {
    st = locked_funds(f, order.order, total, &denom);
    source = st == CUST_OK && denom != NULL ? "funds" : NULL;
  }
  if (st == CUST_OK && amount) {
    mpz_set_str(total, amount, 10);
    source = "caller";
    if (w.pol->price_denom != NULL && denom == NULL) {
      denom = w.pol->price_denom;
    }
  } else if (st == CUST_OK && source == NULL && w.pol->price_amount != NULL) {
    mpz_set_str(total, w.pol->price_amount, 10);
    denom = w.pol->price_denom;
    source = "policy";
  }
  if (source == NULL) {
    mpz_set_ui(total, 0);
  }
  if (denom == NULL) {
    denom = chain_denom(prefix);
  }
  pays.arena = &w.arena;
  pays.prefix = prefix[0] ? prefix : NULL;
  is_eligible = status && strcmp(status, CUST_STATUS_DELIVERED) == 0;
  if (st == CUST_OK) {
    st = put_head(&json, execution, status, is_eligible, total, source, denom, w.pol, order.zone,
                  height, pays.prefix);
  }
  if (st == CUST_OK && !is_eligible) {
    st = cust_buf_puts(&json, ",\"tax\":{\"recipient\":null,\"amount\":\"0\"},\"roles\":[],"
                              "\"payouts\":[]");
    if (st == CUST_OK) {
      st = put_refund(&json, &pays, order.payer, total);
    }
  } else if (st == CUST_OK) {
    st = run_walk(&w, execution);
    if (st == CUST_OK) {
      st = answer_split(&w, total, order.payer, &pays, &json);
    }
  }
  if (st == CUST_OK && req->format == CUST_REWARDS_JSON) {
    st = cust_buf_append(out, json.data, json.len);
  } else if (st == CUST_OK) {
    size_t mark = out->len;
    st = write_form(req, &pays, source, denom, order.payer, out, err, errlen);
    if (st != CUST_OK) {
      cust_custody_buf_truncate(out, mark);
    }
  }
  if (st != CUST_OK && err[0] == '\0') {
    snprintf(err, errlen, "cannot compute the rewards of \"%s\": %s", execution, cust_strerror(st));
  }
done:
  payments_release(&pays);
  cust_buf_release(&json);
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

cust_status cust_rewards_query(cust_store *s, const cust_rewards_request *req, cust_buf *out,
                               char *err, size_t errlen) {
  return cust_rewards_query_cached(NULL, s, req, out, err, errlen);
}

cust_status cust_rewards_query_cached(cust_custody_cache *cache, cust_store *s,
                                      const cust_rewards_request *req, cust_buf *out, char *err,
                                      size_t errlen) {
  rewards_args a = { req, out };
  return cust_custody_with_store(cache, s, rewards_fn, &a, err, errlen);
}
