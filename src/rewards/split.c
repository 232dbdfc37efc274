/* The reward arithmetic of rewards.md: the largest-remainder method over
 * arbitrary-precision integers, and the tax / roles / lines split built on
 * it. Pure: values in, values out. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "rewards.h"

static const char *const role_names[CUST_ROLE_COUNT] = {
  "DataProvider",
  "ProcessingProvider",
  "StorageProvider",
  "OrchestrationProvider",
};

static const char *const role_iris[CUST_ROLE_COUNT] = {
  "https://w3id.org/custodian/ns#DataProvider",
  "https://w3id.org/custodian/ns#ProcessingProvider",
  "https://w3id.org/custodian/ns#StorageProvider",
  "https://w3id.org/custodian/ns#OrchestrationProvider",
};

const char *cust_rewards_role_iri(cust_rewards_role r) {
  return (unsigned)r < CUST_ROLE_COUNT ? role_iris[r] : "";
}

const char *cust_rewards_role_name(cust_rewards_role r) {
  return (unsigned)r < CUST_ROLE_COUNT ? role_names[r] : "";
}

void cust_rewards_share_init(cust_rewards_share *sh, const char *key) {
  sh->key = key;
  mpz_init(sh->weight);
  mpz_init(sh->amount);
}

void cust_rewards_share_release(cust_rewards_share *sh) {
  if (sh == NULL) {
    return;
  }
  mpz_clear(sh->weight);
  mpz_clear(sh->amount);
}

typedef struct rank {
  const cust_rewards_share *sh;
  mpz_t rem;
  size_t index;
} rank;

static int rank_cmp(const void *pa, const void *pb) {
  const rank *a = pa, *b = pb;
  int c = mpz_cmp(b->rem, a->rem);
  if (c == 0) {
    c = mpz_cmp(b->sh->weight, a->sh->weight);
  }
  if (c == 0) {
    c = strcmp(a->sh->key ? a->sh->key : "", b->sh->key ? b->sh->key : "");
  }
  if (c == 0) {
    c = a->index < b->index ? -1 : a->index > b->index;
  }
  return c < 0 ? -1 : c > 0;
}

cust_status cust_rewards_split(const mpz_t amount, cust_rewards_share *shares, size_t n) {
  cust_status st = CUST_OK;
  rank *ranks = NULL;
  size_t nranks = 0;
  mpz_t total_w, left, t;
  mpz_inits(total_w, left, t, NULL);
  for (size_t i = 0; i < n; i++) {
    mpz_set_ui(shares[i].amount, 0);
    if (mpz_sgn(shares[i].weight) < 0) {
      st = CUST_ERR_INVALID;
      goto done;
    }
    mpz_add(total_w, total_w, shares[i].weight);
  }
  if (mpz_sgn(amount) < 0 || (mpz_sgn(amount) > 0 && mpz_sgn(total_w) == 0)) {
    st = CUST_ERR_INVALID;
    goto done;
  }
  if (mpz_sgn(amount) == 0) {
    goto done;
  }
  ranks = calloc(n ? n : 1, sizeof *ranks);
  if (ranks == NULL) {
    st = CUST_ERR_NOMEM;
    goto done;
  }
  mpz_set(left, amount);
  for (size_t i = 0; i < n; i++) {
    if (mpz_sgn(shares[i].weight) == 0) {
      continue;
    }
    rank *r = &ranks[nranks++];
    r->sh = &shares[i];
    r->index = i;
    mpz_init(r->rem);
    mpz_mul(t, amount, shares[i].weight);
    mpz_fdiv_qr(shares[i].amount, r->rem, t, total_w);
    mpz_sub(left, left, shares[i].amount);
  }
  if (nranks > 1) {
    qsort(ranks, nranks, sizeof *ranks, rank_cmp);
  }
  /* fewer units are left than items of positive weight */
  for (size_t i = 0; i < nranks && mpz_sgn(left) > 0; i++) {
    cust_rewards_share *sh = &shares[ranks[i].index];
    mpz_add_ui(sh->amount, sh->amount, 1);
    mpz_sub_ui(left, left, 1);
  }
done:
  for (size_t i = 0; i < nranks; i++) {
    mpz_clear(ranks[i].rem);
  }
  free(ranks);
  mpz_clears(total_w, left, t, NULL);
  return st;
}

void cust_rewards_line_init(cust_rewards_line *l, cust_rewards_role role, const char *payee) {
  l->role = role;
  l->payee = payee;
  mpz_init(l->score);
  mpz_init(l->amount);
}

void cust_rewards_line_release(cust_rewards_line *l) {
  if (l == NULL) {
    return;
  }
  mpz_clear(l->score);
  mpz_clear(l->amount);
}

void cust_rewards_alloc_init(cust_rewards_alloc *a) {
  mpz_init(a->tax);
  mpz_init(a->pool);
  mpz_init(a->unassigned);
  for (int r = 0; r < CUST_ROLE_COUNT; r++) {
    mpz_init(a->role_amount[r]);
    a->has_role[r] = 0;
  }
}

void cust_rewards_alloc_release(cust_rewards_alloc *a) {
  if (a == NULL) {
    return;
  }
  mpz_clear(a->tax);
  mpz_clear(a->pool);
  mpz_clear(a->unassigned);
  for (int r = 0; r < CUST_ROLE_COUNT; r++) {
    mpz_clear(a->role_amount[r]);
  }
}

cust_status cust_rewards_allocate(const cust_rewards_policy *policy, const mpz_t total,
                                  cust_rewards_line *lines, size_t n, cust_rewards_alloc *out) {
  cust_status st = CUST_OK;
  cust_rewards_share roles[CUST_ROLE_COUNT];
  cust_rewards_share *level2 = NULL;
  for (int r = 0; r < CUST_ROLE_COUNT; r++) {
    cust_rewards_share_init(&roles[r], role_iris[r]);
    out->has_role[r] = 0;
    mpz_set_ui(out->role_amount[r], 0);
  }
  mpz_set_ui(out->unassigned, 0);
  if (mpz_sgn(total) < 0 || policy->tax_bps > 10000) {
    st = CUST_ERR_INVALID;
    goto done;
  }
  mpz_mul_ui(out->tax, total, policy->tax_bps);
  mpz_fdiv_q_ui(out->tax, out->tax, 10000);
  mpz_sub(out->pool, total, out->tax);
  for (size_t i = 0; i < n; i++) {
    mpz_set_ui(lines[i].amount, 0);
    if ((unsigned)lines[i].role >= CUST_ROLE_COUNT || mpz_sgn(lines[i].score) <= 0) {
      st = CUST_ERR_INVALID;
      goto done;
    }
    if (policy->weight_bps[lines[i].role] > 0) {
      out->has_role[lines[i].role] = 1;
    }
  }
  int has_any = 0;
  for (int r = 0; r < CUST_ROLE_COUNT; r++) {
    if (out->has_role[r]) {
      mpz_set_ui(roles[r].weight, policy->weight_bps[r]);
      has_any = 1;
    }
  }
  if (!has_any) {
    mpz_set(out->unassigned, out->pool);
    goto done;
  }
  st = cust_rewards_split(out->pool, roles, CUST_ROLE_COUNT);
  if (st != CUST_OK) {
    goto done;
  }
  level2 = calloc(n ? n : 1, sizeof *level2);
  if (level2 == NULL) {
    st = CUST_ERR_NOMEM;
    goto done;
  }
  for (int r = 0; r < CUST_ROLE_COUNT; r++) {
    mpz_set(out->role_amount[r], roles[r].amount);
    if (!out->has_role[r]) {
      continue;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
      if (lines[i].role == (cust_rewards_role)r) {
        cust_rewards_share_init(&level2[m], lines[i].payee);
        mpz_set(level2[m].weight, lines[i].score);
        m++;
      }
    }
    st = cust_rewards_split(roles[r].amount, level2, m);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
      if (lines[i].role == (cust_rewards_role)r) {
        mpz_set(lines[i].amount, level2[k].amount);
        cust_rewards_share_release(&level2[k]);
        k++;
      }
    }
    if (st != CUST_OK) {
      goto done;
    }
  }
done:
  free(level2);
  for (int r = 0; r < CUST_ROLE_COUNT; r++) {
    cust_rewards_share_release(&roles[r]);
  }
  return st;
}
