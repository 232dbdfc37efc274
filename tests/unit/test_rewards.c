/* Unit tests of the reward engine: the largest-remainder arithmetic, the
 * policies, the worked example of rewards.md to the unit, the custody walk's
 * special cases, and properties on random DAGs and amounts. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <unistd.h>

#include "memgraph.h"
#include "rewards/rewards.h"
#include "tap.h"

/* ---- the arithmetic ---------------------------------------------------------- */

static void test_split(void) {
  cust_rewards_share sh[4];
  const char *keys[4] = { "https://w3id.org/custodian/ns#DataProvider",
                          "https://w3id.org/custodian/ns#ProcessingProvider",
                          "https://w3id.org/custodian/ns#StorageProvider",
                          "https://w3id.org/custodian/ns#OrchestrationProvider" };
  unsigned w[4] = { 4000, 3000, 1000, 2000 };
  mpz_t a;
  mpz_init_set_ui(a, 1000003);
  for (int i = 0; i < 4; i++) {
    cust_rewards_share_init(&sh[i], keys[i]);
    mpz_set_ui(sh[i].weight, w[i]);
  }
  ok(cust_rewards_split(a, sh, 4) == CUST_OK, "split of the worked example");
  is_int(mpz_get_ui(sh[0].amount), 400001, "data 400001");
  is_int(mpz_get_ui(sh[1].amount), 300001, "processing 300001 (remainder .9)");
  is_int(mpz_get_ui(sh[2].amount), 100000, "storage 100000");
  is_int(mpz_get_ui(sh[3].amount), 200001, "orchestration 200001 (remainder .6)");

  /* equal remainders and weights: the key decides, byte by byte */
  mpz_set_ui(a, 1);
  cust_rewards_share t[3];
  cust_rewards_share_init(&t[0], "b");
  cust_rewards_share_init(&t[1], "a");
  cust_rewards_share_init(&t[2], "c");
  for (int i = 0; i < 3; i++) {
    mpz_set_ui(t[i].weight, 1);
  }
  ok(cust_rewards_split(a, t, 3) == CUST_OK && mpz_get_ui(t[1].amount) == 1 &&
         mpz_get_ui(t[0].amount) == 0 && mpz_get_ui(t[2].amount) == 0,
     "a tie goes to the smallest key");
  /* equal remainders: the larger weight wins before the key */
  mpz_set_ui(t[0].weight, 2);
  mpz_set_ui(t[1].weight, 1);
  mpz_set_ui(t[2].weight, 1);
  mpz_set_ui(a, 2); /* 2·2/4 = 1 r0, 2·1/4 = 0 r2, 0 r2: one unit left for a ("a" < "c") */
  ok(cust_rewards_split(a, t, 3) == CUST_OK && mpz_get_ui(t[0].amount) == 1 &&
         mpz_get_ui(t[1].amount) == 1 && mpz_get_ui(t[2].amount) == 0,
     "remainder first, then key");
  mpz_set_ui(t[0].weight, 0);
  mpz_set_ui(t[1].weight, 0);
  mpz_set_ui(t[2].weight, 0);
  ok(cust_rewards_split(a, t, 3) == CUST_ERR_INVALID, "all weights 0 is refused");
  mpz_set_ui(a, 0);
  ok(cust_rewards_split(a, t, 3) == CUST_OK && mpz_sgn(t[0].amount) == 0,
     "nothing to split is fine");
  mpz_set_si(a, -1);
  mpz_set_ui(t[0].weight, 1);
  ok(cust_rewards_split(a, t, 3) == CUST_ERR_INVALID, "a negative amount is refused");
  for (int i = 0; i < 3; i++) {
    cust_rewards_share_release(&t[i]);
  }
  for (int i = 0; i < 4; i++) {
    cust_rewards_share_release(&sh[i]);
  }
  mpz_clear(a);
}

static unsigned long long rng_state = 88172645463325252ULL;
static unsigned long long rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

/* Conservation and the quota rule on random lines, policies and amounts. */
static void test_allocate_properties(void) {
  int bad_sum = 0, bad_quota = 0, bad_call = 0;
  char *payees[40];
  for (int i = 0; i < 40; i++) {
    payees[i] = malloc(24);
    snprintf(payees[i], 24, "did:p%02d", i);
  }
  mpz_t total, sum, exact_lo, t, w;
  mpz_inits(total, sum, exact_lo, t, w, NULL);
  for (int round = 0; round < 2000; round++) {
    cust_rewards_policy p = *cust_rewards_policy_builtin();
    unsigned left = 10000;
    for (int r = 0; r < 3; r++) {
      p.weight_bps[r] = (unsigned)(rnd() % (left + 1));
      left -= p.weight_bps[r];
    }
    p.weight_bps[3] = left;
    p.tax_bps = round % 3 == 0 ? (unsigned)(rnd() % 10001) : 0;
    p.max_depth = (unsigned)(rnd() % 17);
    p.q = 1 + (unsigned)(rnd() % 16);
    p.p = 1 + (unsigned)(rnd() % p.q);
    /* amounts: small, 64-bit, and near 2^128 */
    switch (round % 4) {
      case 0:
        mpz_set_ui(total, rnd() % 1000);
        break;
      case 1:
        mpz_set_ui(total, rnd());
        break;
      case 2:
        mpz_ui_pow_ui(total, 2, 128);
        mpz_sub_ui(total, total, rnd() % 1000);
        break;
      default:
        mpz_ui_pow_ui(total, 2, 128);
        mpz_add_ui(total, total, rnd() % 1000);
        break;
    }
    size_t n = (size_t)(rnd() % 40);
    cust_rewards_line lines[40];
    for (size_t i = 0; i < n; i++) {
      cust_rewards_line_init(&lines[i], (cust_rewards_role)(rnd() % 4), payees[i]);
      unsigned d = (unsigned)(rnd() % (p.max_depth + 1));
      mpz_ui_pow_ui(lines[i].score, p.p, d);
      mpz_ui_pow_ui(t, p.q, p.max_depth - d);
      mpz_mul(lines[i].score, lines[i].score, t);
      if (rnd() % 3 == 0) {
        mpz_mul_ui(lines[i].score, lines[i].score, 1 + rnd() % 7);
      }
    }
    cust_rewards_alloc al;
    cust_rewards_alloc_init(&al);
    if (cust_rewards_allocate(&p, total, lines, n, &al) != CUST_OK) {
      bad_call++;
    }
    mpz_add(sum, al.tax, al.unassigned);
    for (size_t i = 0; i < n; i++) {
      mpz_add(sum, sum, lines[i].amount);
      if (mpz_sgn(lines[i].amount) < 0) {
        bad_sum++;
      }
    }
    if (mpz_cmp(sum, total) != 0) {
      bad_sum++;
    }
    /* level 1: each bucket is floor or ceil of pool·w/W */
    unsigned wsum = 0;
    for (int r = 0; r < 4; r++) {
      wsum += al.has_role[r] ? p.weight_bps[r] : 0;
    }
    for (int r = 0; r < 4 && wsum > 0; r++) {
      if (!al.has_role[r]) {
        continue;
      }
      mpz_mul_ui(t, al.pool, p.weight_bps[r]);
      mpz_fdiv_q_ui(exact_lo, t, wsum);
      mpz_sub(t, al.role_amount[r], exact_lo);
      if (mpz_sgn(t) < 0 || mpz_cmp_ui(t, 1) > 0) {
        bad_quota++;
      }
      /* level 2: each line of the role is floor or ceil of bucket·s/S */
      mpz_set_ui(w, 0);
      for (size_t i = 0; i < n; i++) {
        if (lines[i].role == (cust_rewards_role)r) {
          mpz_add(w, w, lines[i].score);
        }
      }
      for (size_t i = 0; i < n; i++) {
        if (lines[i].role != (cust_rewards_role)r) {
          continue;
        }
        mpz_mul(t, al.role_amount[r], lines[i].score);
        mpz_fdiv_q(exact_lo, t, w);
        mpz_sub(t, lines[i].amount, exact_lo);
        if (mpz_sgn(t) < 0 || mpz_cmp_ui(t, 1) > 0) {
          bad_quota++;
        }
      }
    }
    cust_rewards_alloc_release(&al);
    for (size_t i = 0; i < n; i++) {
      cust_rewards_line_release(&lines[i]);
    }
  }
  is_int(bad_call, 0, "2000 random splits succeed");
  is_int(bad_sum, 0, "tax + payouts (+ unassigned) = total, every payout >= 0");
  is_int(bad_quota, 0, "every bucket and payout is the floor or ceiling of its exact share");
  mpz_clears(total, sum, exact_lo, t, w, NULL);
  for (int i = 0; i < 40; i++) {
    free(payees[i]);
  }
}

/* ---- policies ---------------------------------------------------------------- */

static void add_policy(memgraph *g, const char *iri, const char *zone, const unsigned w[4],
                       unsigned p, unsigned q, unsigned depth, unsigned tax,
                       const char *recipient) {
  char buf[64];
  const char *gr = CUST_GRAPH_POLICIES;
  mg_add(g, iri, MG_RDF_TYPE, CUST_V_CUST "RewardPolicy", gr);
  if (zone) {
    mg_add(g, iri, CUST_V_CUST "appliesToZone", zone, gr);
  }
  for (int r = 0; r < 4; r++) {
    const char *b = cust_arena_printf(&g->arena, "_:%s-w%d", iri, r);
    mg_add(g, iri, CUST_V_CUST "roleWeight", b, gr);
    mg_add(g, b, CUST_V_CUST "role", cust_rewards_role_iri((cust_rewards_role)r), gr);
    snprintf(buf, sizeof buf, "\"%u", w[r]);
    mg_add(g, b, CUST_V_CUST "weightBps", buf, gr);
  }
  snprintf(buf, sizeof buf, "\"%u", p);
  mg_add(g, iri, CUST_V_CUST "decayNumerator", buf, gr);
  snprintf(buf, sizeof buf, "\"%u", q);
  mg_add(g, iri, CUST_V_CUST "decayDenominator", buf, gr);
  snprintf(buf, sizeof buf, "\"%u", depth);
  mg_add(g, iri, CUST_V_CUST "maxDepth", buf, gr);
  snprintf(buf, sizeof buf, "\"%u", tax);
  mg_add(g, iri, CUST_V_CUST "taxBps", buf, gr);
  if (recipient) {
    mg_add(g, iri, CUST_V_CUST "taxRecipient", recipient, gr);
  }
}

static cust_status parse_graph(memgraph *g, char *err, size_t errlen) {
  cust_rewards_policies ps;
  cust_rewards_policies_init(&ps);
  cust_status st = cust_rewards_policies_parse(&ps, g->q, NULL, g->len, "t", err, errlen);
  cust_rewards_policies_release(&ps);
  return st;
}

static void test_policy_rules(void) {
  static const unsigned good[4] = { 4000, 3000, 1000, 2000 };
  static const unsigned short_sum[4] = { 4000, 3000, 1000, 1000 };
  char err[400];
  struct {
    const unsigned *w;
    unsigned p, q, depth, tax;
    const char *recipient;
    const char *why;
    const char *name;
  } cases[] = {
    { good, 1, 2, 8, 0, NULL, NULL, "the default numbers are valid" },
    { short_sum, 1, 2, 8, 0, NULL, "sum to 9000", "weights must sum to 10000" },
    { good, 0, 2, 8, 0, NULL, "decay 0/2", "p = 0 is refused" },
    { good, 3, 2, 8, 0, NULL, "decay 3/2", "p > q is refused" },
    { good, 1, 17, 8, 0, NULL, "decay 1/17", "q > 16 is refused" },
    { good, 1, 2, 17, 0, NULL, "maxDepth 17", "maxDepth > 16 is refused" },
    { good, 1, 2, 8, 10001, "did:tax", "taxBps 10001", "taxBps > 10000 is refused" },
    { good, 1, 2, 8, 100, NULL, "no cust:taxRecipient", "tax without a recipient is refused" },
    { good, 16, 16, 16, 10000, "did:tax", NULL, "the extremes are valid" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    memgraph g;
    mg_init(&g);
    add_policy(&g, "urn:policy:p", NULL, cases[i].w, cases[i].p, cases[i].q, cases[i].depth,
               cases[i].tax, cases[i].recipient);
    err[0] = 0;
    cust_status st = parse_graph(&g, err, sizeof err);
    if (cases[i].why == NULL) {
      ok(st == CUST_OK, "%s", cases[i].name);
    } else {
      ok(st == CUST_ERR_INVALID && strstr(err, cases[i].why) && strstr(err, "urn:policy:p"), "%s",
         cases[i].name);
      if (!strstr(err, cases[i].why)) {
        tap_diag("message: %s", err);
      }
    }
    mg_release(&g);
  }
  /* an unknown role, two defaults, a policy named by a blank node */
  memgraph g;
  mg_init(&g);
  add_policy(&g, "urn:policy:a", NULL, good, 1, 2, 8, 0, NULL);
  for (size_t i = 0; i < g.len; i++) {
    if (strcmp(g.q[i].o.value, CUST_V_CUST "DataProvider") == 0) {
      g.q[i].o = mg_term(&g, CUST_V_CUST "Auditor");
    }
  }
  ok(parse_graph(&g, err, sizeof err) == CUST_ERR_INVALID && strstr(err, "Auditor"),
     "an unknown role is refused, named: %s", err);
  mg_release(&g);
  mg_init(&g);
  add_policy(&g, "urn:policy:a", NULL, good, 1, 2, 8, 0, NULL);
  add_policy(&g, "urn:policy:b", NULL, good, 1, 2, 8, 0, NULL);
  ok(parse_graph(&g, err, sizeof err) == CUST_ERR_INVALID && strstr(err, "default"),
     "two default policies are refused");
  mg_release(&g);
  mg_init(&g);
  add_policy(&g, "urn:policy:a", "did:zone", good, 1, 2, 8, 0, NULL);
  add_policy(&g, "urn:policy:b", "did:zone", good, 1, 2, 8, 0, NULL);
  ok(parse_graph(&g, err, sizeof err) == CUST_ERR_INVALID && strstr(err, "did:zone"),
     "two policies for one zone are refused");
  mg_release(&g);
  mg_init(&g);
  add_policy(&g, "_:anon", NULL, good, 1, 2, 8, 0, NULL);
  ok(parse_graph(&g, err, sizeof err) == CUST_ERR_INVALID && strstr(err, "IRI"),
     "a policy must have an IRI");
  mg_release(&g);
  mg_init(&g);
  add_policy(&g, "urn:policy:a", NULL, good, 1, 2, 8, 0, NULL);
  mg_add(&g, "urn:policy:a", CUST_V_CUST "maxDepth", "\"4", CUST_GRAPH_POLICIES);
  ok(parse_graph(&g, err, sizeof err) == CUST_ERR_INVALID && strstr(err, "exactly once"),
     "a property given twice is refused");
  mg_release(&g);
  mg_init(&g);
  add_policy(&g, "urn:policy:a", NULL, good, 1, 2, 8, 0, NULL);
  mg_add(&g, "urn:policy:a", CUST_V_CUST "taxBps", "\"-3", CUST_GRAPH_POLICIES);
  ok(parse_graph(&g, err, sizeof err) == CUST_ERR_INVALID && strstr(err, "-3"),
     "a negative number is refused");
  mg_release(&g);
}

static const char *write_file(const char *name, const char *text) {
  static char path[512];
  snprintf(path, sizeof path, "%s/%s", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", name);
  FILE *f = fopen(path, "w");
  if (f == NULL) {
    return NULL;
  }
  fputs(text, f);
  fclose(f);
  return path;
}

static void test_policy_file(void) {
  char err[400] = "";
  char name[64];
  snprintf(name, sizeof name, "test-rewards-%ld.ttl", (long)getpid());
  const char *bad =
      "@prefix cust: <https://w3id.org/custodian/ns#> .\n"
      "<urn:policy:z> a cust:RewardPolicy ;\n"
      "  cust:appliesToZone <did:key:zone> ;\n"
      "  cust:roleWeight [ cust:role cust:DataProvider ; cust:weightBps 4000 ] ,\n"
      "                  [ cust:role cust:ProcessingProvider ; cust:weightBps 3000 ] ;\n"
      "  cust:decayNumerator 1 ;\n"
      "  cust:decayDenominator 2 ;\n"
      "  cust:maxDepth 20 ;\n"
      "  cust:taxBps 0 .\n";
  const char *path = write_file(name, bad);
  cust_rewards_policies ps;
  cust_rewards_policies_init(&ps);
  cust_status st = cust_rewards_policies_read_file(&ps, path, err, sizeof err);
  ok(st == CUST_ERR_INVALID && strstr(err, "sum to 7000") && strstr(err, "line 2"),
     "a file's bad weights are refused with the policy's line: %s", err);
  ok(ps.len == 0, "nothing of a bad file is kept");
  const char *bad2 = "@prefix cust: <https://w3id.org/custodian/ns#> .\n"
                     "<urn:policy:z> a cust:RewardPolicy ;\n"
                     "  cust:roleWeight [ cust:role cust:DataProvider ; cust:weightBps 10000 ] ;\n"
                     "  cust:decayNumerator 1 ;\n"
                     "  cust:decayDenominator 2 ;\n"
                     "\n"
                     "  cust:maxDepth 20 ;\n"
                     "  cust:taxBps 0 .\n";
  path = write_file(name, bad2);
  st = cust_rewards_policies_read_file(&ps, path, err, sizeof err);
  ok(st == CUST_ERR_INVALID && strstr(err, "maxDepth 20") && strstr(err, "line 7"),
     "a bad maxDepth is refused with its line: %s", err);
  path = write_file(name, "@prefix cust: <https://w3id.org/custodian/ns#> .\n<a> <b> \n");
  st = cust_rewards_policies_read_file(&ps, path, err, sizeof err);
  ok(st != CUST_OK && err[0], "a syntax error is refused: %s", err);
  const char *good = "@prefix cust: <https://w3id.org/custodian/ns#> .\n"
                     "<urn:policy:z> a cust:RewardPolicy ;\n"
                     "  cust:roleWeight [ cust:role cust:DataProvider ; cust:weightBps 10000 ] ;\n"
                     "  cust:decayNumerator 1 ; cust:decayDenominator 1 ;\n"
                     "  cust:maxDepth 0 ; cust:taxBps 250 ; cust:taxRecipient <did:key:tax> .\n";
  path = write_file(name, good);
  st = cust_rewards_policies_read_file(&ps, path, err, sizeof err);
  ok(st == CUST_OK && ps.len == 1 && ps.items[0].weight_bps[CUST_ROLE_DATA] == 10000 &&
         ps.items[0].tax_bps == 250 && strcmp(ps.items[0].tax_recipient, "did:key:tax") == 0,
     "a good file is read");
  unlink(path);
  st = cust_rewards_policies_read_file(&ps, path, err, sizeof err);
  ok(st == CUST_ERR_NOTFOUND || st == CUST_ERR_IO, "a missing file is an error: %s", err);
  cust_rewards_policies_release(&ps);

  /* the shipped default policy is valid and has the numbers of rewards.md */
  char shipped[512];
  snprintf(shipped, sizeof shipped, "%s/ontology/policy-default.ttl", CUST_SRCDIR);
  if (access(shipped, R_OK) == 0) {
    cust_rewards_policies_init(&ps);
    st = cust_rewards_policies_read_file(&ps, shipped, err, sizeof err);
    const cust_rewards_policy *d = st == CUST_OK ? cust_rewards_policies_for_zone(&ps, NULL) : 0;
    err[0] = '\0';
    ok(d && d->weight_bps[0] == 4000 && d->weight_bps[1] == 3000 && d->weight_bps[2] == 1000 &&
           d->weight_bps[3] == 2000 && d->p == 1 && d->q == 2 && d->max_depth == 8,
       "ontology/policy-default.ttl is the default of rewards.md: %s", err);
    cust_rewards_policies_release(&ps);
  } else {
    ok(0, "ontology/policy-default.ttl is in the source tree (%s)", shipped);
  }
}

/* ---- the worked example ---------------------------------------------------------- */

#define ALICE "did:key:alice"
#define BOB "did:key:bob"
#define CAROL "did:key:carol"
#define STORECO "did:key:storeco"
#define OPZ "did:key:opz"
#define PAYER "did:key:payer"

static void worked_example(memgraph *g) {
  mg_dataset(g, "urn:d0", ALICE);
  mg_service(g, "urn:a1", BOB, "DataProcessing");
  mg_service(g, "urn:s1", STORECO, "Storage");
  mg_service(g, "urn:a2", CAROL, "DeepLearning");
  mg_service(g, "did:key:o", OPZ, "DataProcessing");
  mg_order(g, "urn:order1", "did:key:o", PAYER, NULL, "5");
  mg_order(g, "urn:order2", "did:key:o", PAYER, NULL, "1000003");
  const char *in1[] = { "urn:d0", "urn:a1", "urn:s1", NULL };
  const char *out1[] = { "urn:d1", NULL };
  mg_report(g, "urn:e1", "urn:order1", "did:key:o", NULL, NULL, "InExecution");
  mg_report(g, "urn:e1", "urn:order1", "did:key:o", in1, out1, "Delivered");
  const char *in2[] = { "urn:d1", "urn:a2", NULL };
  const char *out2[] = { "urn:out", NULL };
  mg_report(g, "urn:e2", "urn:order2", "did:key:o", in2, out2, "Delivered");
}

static cust_status rewards_req(memgraph *g, const cust_rewards_request *req, cust_buf *b, char *err,
                               size_t errlen) {
  cust_graph_view v = mg_view(g);
  cust_buf_reset(b);
  return cust_rewards_compute(&v, 1234, req, b, err, errlen);
}

/* Removes the account fields of the payees (",\"account\":…" up to the next
 * ",\"role\"", ",\"amount\"" or the end of the object), so that the walk's
 * cases read as in rewards.md; the accounts have tests of their own. */
static void strip_accounts(cust_buf *b) {
  char *p;
  while (b->data != NULL && (p = strstr(b->data, ",\"account\":")) != NULL) {
    char *q = p + 1;
    char *ends[3] = { strstr(q, ",\"role\""), strstr(q, ",\"amount\""), strchr(q, '}') };
    char *end = NULL;
    for (int i = 0; i < 3; i++) {
      if (ends[i] != NULL && (end == NULL || ends[i] < end)) {
        end = ends[i];
      }
    }
    if (end == NULL) {
      break;
    }
    memmove(p, end, strlen(end) + 1);
    b->len = strlen(b->data);
  }
}

static cust_status rewards(memgraph *g, const char *e, const char *amount, const char *policy,
                           cust_buf *b, char *err, size_t errlen) {
  cust_rewards_request req = { .execution = e, .amount = amount, .policy_iri = policy };
  cust_status st = rewards_req(g, &req, b, err, errlen);
  strip_accounts(b);
  return st;
}

static void test_worked_example(void) {
  memgraph g;
  cust_buf b;
  char err[300];
  mg_init(&g);
  cust_buf_init(&b);
  worked_example(&g);
  cust_status st = rewards(&g, "urn:e2", NULL, NULL, &b, err, sizeof err);
  ok(st == CUST_OK, "the worked example is answered: %s", st ? err : "");
  const char *want[] = {
    "\"execution\":\"urn:e2\",\"status\":\"Delivered\",\"eligible\":true,\"total\":\"1000003\","
    "\"denom\":\"uknow\"",
    "\"asOfHeight\":1234",
    "\"tax\":{\"recipient\":null,\"amount\":\"0\"}",
    "{\"role\":\"DataProvider\",\"weightBps\":4000,\"amount\":\"400001\"}",
    "{\"role\":\"ProcessingProvider\",\"weightBps\":3000,\"amount\":\"300001\"}",
    "{\"role\":\"StorageProvider\",\"weightBps\":1000,\"amount\":\"100000\"}",
    "{\"role\":\"OrchestrationProvider\",\"weightBps\":2000,\"amount\":\"200001\"}",
    "{\"payee\":\"did:key:alice\",\"role\":\"DataProvider\",\"amount\":\"400001\",\"score\":"
    "\"128\","
    "\"resources\":[{\"resource\":\"urn:d0\",\"depth\":1}]}",
    "{\"payee\":\"did:key:carol\",\"role\":\"ProcessingProvider\",\"amount\":\"200001\","
    "\"score\":\"256\",\"resources\":[{\"resource\":\"urn:a2\",\"depth\":0}]},"
    "{\"payee\":\"did:key:bob\",\"role\":\"ProcessingProvider\",\"amount\":\"100000\","
    "\"score\":\"128\"",
    "{\"payee\":\"did:key:storeco\",\"role\":\"StorageProvider\",\"amount\":\"100000\","
    "\"score\":\"128\",\"resources\":[{\"resource\":\"urn:s1\",\"depth\":1}]}",
    "{\"payee\":\"did:key:opz\",\"role\":\"OrchestrationProvider\",\"amount\":\"200001\","
    "\"score\":\"256\",\"resources\":[{\"resource\":\"did:key:o\",\"depth\":0}]}",
    "\"refund\":null}",
  };
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    if (!ok(b.data && strstr(b.data, want[i]), "worked example answer has %.60s", want[i])) {
      tap_diag("answer: %s", b.data ? b.data : "");
    }
  }
  ok(b.data && !strstr(b.data, "urn:d1\""), "the undescribed D1 earns nothing");
  /* an explicit amount overrides the locked funds */
  st = rewards(&g, "urn:e2", "10", NULL, &b, err, sizeof err);
  ok(st == CUST_OK && strstr(b.data, "\"total\":\"10\""), "an explicit amount is split");
  /* E1 alone */
  st = rewards(&g, "urn:e1", NULL, NULL, &b, err, sizeof err);
  ok(st == CUST_OK && strstr(b.data, "\"total\":\"5\"") &&
         strstr(b.data, "\"payee\":\"did:key:alice\",\"role\":\"DataProvider\",\"amount\":\"2\""),
     "the first execution's own split");
  mg_release(&g);
  cust_buf_release(&b);
}

/* ---- walk cases ------------------------------------------------------------------- */

/* Adds up the amounts of tax, payouts and refund of an answer and compares
 * them with its total; also counts payouts. */
static int conserves(const char *json, int *npayouts) {
  mpz_t sum, total, v;
  mpz_inits(sum, total, v, NULL);
  int is_ok = 0;
  *npayouts = 0;
  const char *t = strstr(json, "\"total\":\"");
  if (t && gmp_sscanf(t + 9, "%Zd", total) == 1) {
    for (const char *p = strstr(json, "\"amount\":\""); p; p = strstr(p + 1, "\"amount\":\"")) {
      const char *open = p;
      while (open > json && *open != '{') {
        open--;
      }
      size_t span = (size_t)(p - open);
      char ctx[512];
      snprintf(ctx, sizeof ctx, "%.*s", (int)(span < 500 ? span : 500), open);
      if (gmp_sscanf(p + 10, "%Zd", v) != 1) {
        break;
      }
      const char *end = strchr(p + 10, '"');
      int is_payout = end && strncmp(end, "\",\"score\"", 9) == 0;
      if (is_payout) {
        (*npayouts)++;
      }
      if (is_payout || strstr(ctx, "recipient") || strstr(ctx, "\"payee\"")) {
        mpz_add(sum, sum, v);
      }
    }
    is_ok = mpz_cmp(sum, total) == 0;
  }
  mpz_clears(sum, total, v, NULL);
  return is_ok;
}

static void test_cases(void) {
  memgraph g;
  cust_buf b;
  char err[300];
  int np = 0;
  cust_buf_init(&b);

  /* a diamond: D0 feeds E1 and E2, both feed E3: Alice is paid once */
  mg_init(&g);
  mg_dataset(&g, "urn:d0", ALICE);
  mg_order(&g, "urn:o", "did:key:orch", PAYER, NULL, "1000");
  const char *d0[] = { "urn:d0", NULL };
  const char *x1[] = { "urn:x1", NULL }, *x2[] = { "urn:x2", NULL };
  const char *both[] = { "urn:x1", "urn:x2", NULL };
  mg_report(&g, "urn:e1", "urn:o", "did:key:orch", d0, x1, "Delivered");
  mg_report(&g, "urn:e2", "urn:o", "did:key:orch", d0, x2, "Delivered");
  mg_report(&g, "urn:e3", "urn:o", "did:key:orch", both, NULL, "Delivered");
  ok(rewards(&g, "urn:e3", NULL, NULL, &b, err, sizeof err) == CUST_OK &&
         strstr(b.data, "\"score\":\"128\",\"resources\":[{\"resource\":\"urn:d0\",\"depth\":1}]}"),
     "a diamond pays its shared ancestor once, at its depth");
  ok(strstr(b.data, "\"payee\":\"did:key:orch\",\"role\":\"OrchestrationProvider\",\"amount\":"
                    "\"333\",\"score\":\"256\""),
     "an undescribed orchestration service is its own payee");
  ok(conserves(b.data, &np) && np == 2, "diamond: conservation, two payouts");
  mg_release(&g);

  /* a cycle: E1 uses what E2 made and E2 uses what E1 made */
  mg_init(&g);
  mg_dataset(&g, "urn:c1", ALICE);
  mg_dataset(&g, "urn:c2", BOB);
  mg_order(&g, "urn:o", "did:key:orch", PAYER, NULL, "77");
  const char *c1[] = { "urn:c1", NULL }, *c2[] = { "urn:c2", NULL };
  mg_report(&g, "urn:e1", "urn:o", "did:key:orch", c2, c1, "Delivered");
  mg_report(&g, "urn:e2", "urn:o", "did:key:orch", c1, c2, "Delivered");
  ok(rewards(&g, "urn:e1", NULL, NULL, &b, err, sizeof err) == CUST_OK &&
         strstr(b.data, "\"resources\":[{\"resource\":\"urn:c2\",\"depth\":0}]") &&
         strstr(b.data, "\"resources\":[{\"resource\":\"urn:c1\",\"depth\":1}]") &&
         conserves(b.data, &np),
     "a cycle ends the walk, each resource at its smallest depth");
  mg_release(&g);

  /* a deep chain: only maxDepth (8) steps count */
  mg_init(&g);
  mg_order(&g, "urn:o", "did:key:orch", PAYER, NULL, "1000000");
  char names[32][32];
  for (int i = 0; i < 30; i++) {
    snprintf(names[i], sizeof names[i], "urn:chain:%02d", i);
    mg_dataset(&g, names[i], cust_arena_printf(&g.arena, "did:key:p%02d", i));
  }
  for (int i = 1; i < 30; i++) {
    const char *in[] = { names[i - 1], NULL }, *out[] = { names[i], NULL };
    const char *e = cust_arena_printf(&g.arena, "urn:ce:%02d", i);
    mg_report(&g, e, "urn:o", "did:key:orch", in, out, "Delivered");
  }
  ok(rewards(&g, "urn:ce:29", NULL, NULL, &b, err, sizeof err) == CUST_OK &&
         strstr(b.data, "\"resource\":\"urn:chain:20\",\"depth\":8") &&
         !strstr(b.data, "urn:chain:19") && conserves(b.data, &np) && np == 10,
     "a deep chain stops at maxDepth (9 data lines and the orchestrator)");
  mg_release(&g);

  /* revoked inputs: a revoked description earns nothing; a revoked report
     does not count */
  mg_init(&g);
  const char *dc = mg_dataset(&g, "urn:r0", ALICE);
  mg_dataset(&g, "urn:r1", BOB);
  mg_dataset(&g, "urn:r2", CAROL);
  mg_order(&g, "urn:o", "did:key:orch", PAYER, NULL, "90");
  const char *r01[] = { "urn:r0", "urn:r1", NULL }, *r2[] = { "urn:r2", NULL };
  mg_report(&g, "urn:e", "urn:o", "did:key:orch", r01, NULL, "Delivered");
  const char *bad = mg_report(&g, "urn:e", "urn:o", "did:key:orch", r2, NULL, "Delivered");
  mg_revoke(&g, dc);
  mg_revoke(&g, bad);
  ok(rewards(&g, "urn:e", NULL, NULL, &b, err, sizeof err) == CUST_OK && !strstr(b.data, ALICE) &&
         strstr(b.data, BOB) && !strstr(b.data, CAROL) && conserves(b.data, &np),
     "revoked descriptions and reports are ignored");
  /* a newer description replaces the payee */
  mg_dataset(&g, "urn:r1", CAROL);
  ok(rewards(&g, "urn:e", NULL, NULL, &b, err, sizeof err) == CUST_OK && strstr(b.data, CAROL) &&
         !strstr(b.data, BOB),
     "the payee is the issuer of the latest description");
  mg_release(&g);

  /* sub-executions count at their parent's depth; undelivered ones do not */
  mg_init(&g);
  mg_dataset(&g, "urn:s0", ALICE);
  mg_dataset(&g, "urn:s9", BOB);
  mg_order(&g, "urn:o", "did:key:orch", PAYER, NULL, "100");
  const char *s0[] = { "urn:s0", NULL }, *s9[] = { "urn:s9", NULL };
  mg_report(&g, "urn:parent", "urn:o", "did:key:orch", NULL, NULL, "Delivered");
  mg_report(&g, "urn:child", "urn:o", "did:key:orch", s0, NULL, "Delivered");
  mg_add(&g, "urn:child", CUST_V_PART_OF, "urn:parent", "urn:cred:subs");
  mg_report(&g, "urn:child2", "urn:o", "did:key:orch", s9, NULL, "Failed");
  mg_add(&g, "urn:child2", CUST_V_PART_OF, "urn:parent", "urn:cred:subs");
  ok(rewards(&g, "urn:parent", NULL, NULL, &b, err, sizeof err) == CUST_OK &&
         strstr(b.data, "{\"resource\":\"urn:s0\",\"depth\":0}") && !strstr(b.data, BOB),
     "a delivered sub-execution counts at its parent's depth, a failed one does not");
  mg_release(&g);

  /* storage through a publication; a policy of the zone with tax */
  mg_init(&g);
  mg_dataset(&g, "urn:p0", ALICE);
  mg_service(&g, "did:key:ipfs", STORECO, "Storage");
  mg_publication(&g, "urn:p0", "did:key:ipfs", ALICE);
  mg_order(&g, "urn:o", "did:key:orch", PAYER, "did:key:zone", "999");
  const char *p0[] = { "urn:p0", NULL };
  mg_report(&g, "urn:e", "urn:o", "did:key:orch", p0, NULL, "Delivered");
  static const unsigned zw[4] = { 5000, 0, 5000, 0 };
  static const unsigned dw[4] = { 10000, 0, 0, 0 };
  add_policy(&g, "urn:policy:zone", "did:key:zone", zw, 1, 1, 4, 1000, "did:key:treasury");
  add_policy(&g, "urn:policy:dflt", NULL, dw, 1, 2, 8, 0, NULL);
  ok(rewards(&g, "urn:e", NULL, NULL, &b, err, sizeof err) == CUST_OK &&
         strstr(b.data, "\"policy\":\"urn:policy:zone\"") &&
         strstr(b.data, "\"tax\":{\"recipient\":\"did:key:treasury\",\"amount\":\"99\"}") &&
         strstr(b.data, "\"payee\":\"did:key:storeco\",\"role\":\"StorageProvider\",\"amount\":"
                        "\"450\"") &&
         strstr(b.data,
                "\"payee\":\"did:key:alice\",\"role\":\"DataProvider\",\"amount\":\"450\"") &&
         !strstr(b.data, "OrchestrationProvider") && conserves(b.data, &np),
     "the zone's policy applies: tax, storage via publication, roles of weight 0 left out");
  ok(rewards(&g, "urn:e", NULL, "urn:policy:dflt", &b, err, sizeof err) == CUST_OK &&
         strstr(b.data, "\"policy\":\"urn:policy:dflt\"") &&
         strstr(b.data, "\"role\":\"DataProvider\",\"amount\":\"999\""),
     "a named policy overrides the zone's");
  ok(rewards(&g, "urn:e", NULL, "urn:policy:nope", &b, err, sizeof err) == CUST_ERR_INVALID &&
         strstr(err, "urn:policy:nope") && b.len == 0,
     "an unknown policy is refused: %s", err);
  mg_release(&g);

  /* not delivered: a refund; unknown execution; bad amount */
  mg_init(&g);
  worked_example(&g);
  mg_report(&g, "urn:e3", "urn:order2", "did:key:o", NULL, NULL, "Failed");
  ok(rewards(&g, "urn:e3", NULL, NULL, &b, err, sizeof err) == CUST_OK &&
         strstr(b.data, "\"status\":\"Failed\",\"eligible\":false") &&
         strstr(b.data, "\"payouts\":[]") &&
         strstr(b.data, "\"refund\":{\"payee\":\"did:key:payer\",\"amount\":\"1000003\"}"),
     "an execution that failed refunds the payer");
  ok(rewards(&g, "urn:nope", NULL, NULL, &b, err, sizeof err) == CUST_ERR_NOTFOUND &&
         strstr(err, "urn:nope"),
     "an unknown execution is not found: %s", err);
  ok(rewards(&g, "urn:e2", "12x", NULL, &b, err, sizeof err) == CUST_ERR_INVALID &&
         strstr(err, "12x"),
     "a bad amount is refused: %s", err);
  ok(rewards(&g, "urn:e2", "-5", NULL, &b, err, sizeof err) == CUST_ERR_INVALID,
     "a negative amount is refused");
  ok(rewards(&g, "urn:e2", "340282366920938463463374607431768211457", NULL, &b, err, sizeof err) ==
             CUST_OK &&
         conserves(b.data, &np) && np == 5,
     "an amount above 2^128 is split exactly");
  mg_release(&g);

  /* nothing registered took part: the pool goes back to the payer */
  mg_init(&g);
  mg_order(&g, "urn:o", "did:key:orch", PAYER, NULL, "50");
  mg_report(&g, "urn:e", "urn:o", "did:key:orch", NULL, NULL, "Delivered");
  static const unsigned only_data[4] = { 10000, 0, 0, 0 };
  add_policy(&g, "urn:policy:d", NULL, only_data, 1, 2, 8, 0, NULL);
  ok(rewards(&g, "urn:e", NULL, NULL, &b, err, sizeof err) == CUST_OK &&
         strstr(b.data, "\"payouts\":[]") &&
         strstr(b.data, "\"refund\":{\"payee\":\"did:key:payer\",\"amount\":\"50\"}"),
     "with no line to pay, the pool is refunded");
  mg_release(&g);
  cust_buf_release(&b);
}

/* ---- random DAGs ---------------------------------------------------------------- */

/* A random DAG of executions over datasets and services, with sharing,
 * failures, revocations and sub-executions. */
static void random_dag(memgraph *g, unsigned seed, int nexec, const char **last) {
  rng_state = seed * 2654435761ULL + 1;
  int nres = nexec * 2 + 5;
  const char **res = calloc((size_t)nres + (size_t)nexec, sizeof *res);
  int have = 0;
  for (int i = 0; i < 5; i++) {
    res[have] = cust_arena_printf(&g->arena, "urn:res:%d", have);
    unsigned k = (unsigned)(rnd() % 4);
    const char *issuer = cust_arena_printf(&g->arena, "did:key:prov%u", (unsigned)(rnd() % 6));
    const char *c = NULL;
    if (k == 0) {
      c = mg_service(g, res[have], issuer, "Storage");
    } else if (k == 1) {
      c = mg_service(g, res[have], issuer, "DataCleaning");
    } else {
      c = mg_dataset(g, res[have], issuer);
    }
    if (rnd() % 7 == 0) {
      mg_revoke(g, c);
    }
    have++;
  }
  mg_order(g, "urn:order", "did:key:orch", PAYER, NULL, "340282366920938463463374607431768211455");
  mg_service(g, "did:key:orch", "did:key:opz", "DataProcessing");
  for (int e = 0; e < nexec; e++) {
    const char *in[5] = { NULL };
    int nin = 1 + (int)(rnd() % 4);
    for (int i = 0; i < nin; i++) {
      in[i] = res[rnd() % (unsigned)have];
    }
    const char *out[2] = { cust_arena_printf(&g->arena, "urn:res:%d", have), NULL };
    res[have++] = out[0];
    if (rnd() % 3 == 0) {
      mg_dataset(g, out[0], cust_arena_printf(&g->arena, "did:key:prov%u", (unsigned)(rnd() % 6)));
    }
    const char *x = cust_arena_printf(&g->arena, "urn:exec:%d", e);
    mg_report(g, x, "urn:order", "did:key:orch", in, out, rnd() % 9 == 0 ? "Failed" : "Delivered");
    if (e > 0 && rnd() % 10 == 0) {
      mg_add(g, x, CUST_V_PART_OF,
             cust_arena_printf(&g->arena, "urn:exec:%d", (int)(rnd() % (unsigned)e)),
             "urn:cred:subs");
    }
    *last = x;
  }
  mg_report(g, *last, "urn:order", "did:key:orch", NULL, NULL, "Delivered");
  free(res);
}

static void test_random_dags(void) {
  int bad_conserve = 0, bad_determinism = 0, bad_call = 0;
  cust_buf a, b;
  char err[300];
  cust_buf_init(&a);
  cust_buf_init(&b);
  for (unsigned seed = 1; seed <= 40; seed++) {
    memgraph g;
    const char *last = NULL;
    int np = 0;
    mg_init(&g);
    random_dag(&g, seed, 20 + (int)(seed % 30), &last);
    const char *amounts[] = { NULL, "0", "1", "7", "1000003", "18446744073709551617" };
    const char *amount = amounts[seed % 6];
    if (rewards(&g, last, amount, NULL, &a, err, sizeof err) != CUST_OK) {
      bad_call++;
      tap_diag("seed %u: %s", seed, err);
    } else if (!conserves(a.data, &np)) {
      bad_conserve++;
      tap_diag("seed %u: %s", seed, a.data);
    }
    mg_shuffle(&g, seed);
    if (rewards(&g, last, amount, NULL, &b, err, sizeof err) != CUST_OK ||
        strcmp(a.data, b.data) != 0) {
      bad_determinism++;
    }
    mg_release(&g);
  }
  is_int(bad_call, 0, "40 random DAGs are answered");
  is_int(bad_conserve, 0, "random DAGs: tax + payouts + refund = total");
  is_int(bad_determinism, 0, "random DAGs: the same answer whatever the insertion order");
  cust_buf_release(&a);
  cust_buf_release(&b);
}

/* ---- accounts, amounts and the csv and msg forms ------------------------------------ */

/* The pairs of the dataverse contract's own tests (axone-dataverse v7/v8
 * vc.rs is_issued_by; okp4-dataverse v5 and axone-dataverse v8 senders). */
#define KEY_A "did:key:zQ3shsoarhrw7SoyUyoCbwv8k2BRRLeqkjRkffGqx7WNpMQgw"
#define KEY_A_AXONE "axone178mjppxcf3n9q3q7utdwrajdal0tsqvymz0900"
#define KEY_A_OKP4 "okp4178mjppxcf3n9q3q7utdwrajdal0tsqvy4cx68f"
#define KEY_ED "did:key:z6MkvMXwgwJTJacfBGk5fxr3d4k3uzh4eHTi3oFagNyK55Tt"
#define SENDER_OKP4 "okp41072nc6egexqr2v6vpp7yxwm68plvqnkf6xsytf"
#define SENDER_AXONE "axone1072nc6egexqr2v6vpp7yxwm68plvqnkf5uemr0"

static int account_is(const char *did, const char *prefix, const char *want, const char *why) {
  cust_buf b;
  const char *reason = NULL;
  cust_buf_init(&b);
  cust_status st = cust_rewards_account(did, prefix, &b, &reason);
  int is_ok =
      st == CUST_OK && (want != NULL ? reason == NULL && b.data && strcmp(b.data, want) == 0
                                     : reason != NULL && b.len == 0 && strstr(reason, why) != NULL);
  if (!is_ok) {
    tap_diag("%s -> %s (%s)", did, b.data ? b.data : "(none)", reason ? reason : "");
  }
  cust_buf_release(&b);
  return is_ok;
}

static void test_accounts(void) {
  ok(account_is(KEY_A, "axone", KEY_A_AXONE, NULL),
     "did:key secp256k1 -> the axone account the dataverse contract matches");
  ok(account_is(KEY_A, "okp4", KEY_A_OKP4, NULL), "the same key on an okp4 chain");
  ok(account_is(KEY_A "#zQ3shsoarhrw7SoyUyoCbwv8k2BRRLeqkjRkffGqx7WNpMQgw", "axone", KEY_A_AXONE,
                NULL),
     "a did:key URL with its fragment");
  ok(account_is(KEY_ED, "axone", NULL, "Ed25519"), "an Ed25519 did:key has no Cosmos account");
  ok(account_is(KEY_A, NULL, NULL, "prefix"), "no prefix known: no account, and why");
  ok(account_is("did:key:zQ3shsoarhrw7SoyUyoCbwv8k2BRRLeqkjRkffGqx7WNpMQg0", "axone", NULL,
                "base58"),
     "a did:key outside the base58 alphabet");
  ok(account_is("did:key:z5mjSE3uQELxsrYrfhTcNVqzVEHcymkwD", "axone", NULL, "compressed"),
     "a secp256k1 key of 21 bytes is not a compressed key");
  ok(account_is("did:pkh:cosmos:okp4-nemeton-1:" SENDER_OKP4, "axone", SENDER_OKP4, NULL),
     "did:pkh:cosmos names its account (whatever the prefix asked)");
  ok(account_is("did:pkh:cosmos:axone-1:axone1072nc6egexqr2v6vpp7yxwm68plvqnkf5uemr9", "axone",
                NULL, "bech32"),
     "a did:pkh whose checksum is wrong has no account");
  ok(account_is("did:pkh:eip155:1:0xab16a96D359eC26a11e2C2b3d8f8B8942d5Bfcdb", "axone", NULL,
                "cosmos"),
     "a did:pkh of another namespace");
  ok(account_is("did:web:example.com", "axone", NULL, "did:key"), "did:web has no account");
}

/* Sums the coins of a MsgMultiSend's inputs or outputs; -1 when malformed. */
static long long msg_sum(json_t *msg, const char *side, const char *denom, size_t *n) {
  json_t *arr = json_object_get(msg, side), *io;
  size_t i;
  long long sum = 0;
  *n = 0;
  if (!json_is_array(arr)) {
    return -1;
  }
  json_array_foreach(arr, i, io) {
    json_t *coins = json_object_get(io, "coins");
    const char *addr = json_string_value(json_object_get(io, "address"));
    char hrp[84], why[200];
    if (addr == NULL ||
        cust_bech32_check_address(addr, NULL, hrp, sizeof hrp, why, sizeof why) != CUST_OK ||
        json_array_size(coins) != 1 ||
        strcmp(json_string_value(json_object_get(json_array_get(coins, 0), "denom")), denom) != 0) {
      return -1;
    }
    sum += atoll(json_string_value(json_object_get(json_array_get(coins, 0), "amount")));
    (*n)++;
  }
  return sum;
}

static void test_forms(void) {
  memgraph g;
  cust_buf b;
  char err[300];
  size_t nin = 0, nout = 0;
  cust_buf_init(&b);
  mg_init(&g);
  mg_dataset(&g, "urn:d0", KEY_A);
  mg_dataset(&g, "urn:d1", KEY_ED);
  mg_service(&g, "did:key:o", "did:pkh:cosmos:okp4-nemeton-1:" SENDER_OKP4, "DataProcessing");
  mg_order(&g, "urn:o", "did:key:o", "did:pkh:cosmos:axone-1:" SENDER_AXONE, NULL, NULL);
  const char *in[] = { "urn:d0", "urn:d1", NULL };
  mg_report(&g, "urn:e", "urn:o", "did:key:o", in, NULL, "Delivered");
  cust_rewards_request req = { .execution = "urn:e", .prefix = "axone" };

  /* no funds, no price, no amount: the walk, but no total */
  ok(rewards_req(&g, &req, &b, err, sizeof err) == CUST_OK &&
         strstr(b.data, "\"total\":null,\"denom\":\"uaxone\",\"amountSource\":null"),
     "no amount known: total null, denom of the prefix");
  req.format = CUST_REWARDS_CSV;
  ok(rewards_req(&g, &req, &b, err, sizeof err) == CUST_ERR_INVALID && strstr(err, "no amount") &&
         b.len == 0,
     "csv without a known amount is refused: %s", err);

  /* the caller's amount: data 4000 and orchestration 2000 of 1001 */
  req.amount = "1001";
  req.format = CUST_REWARDS_JSON;
  ok(rewards_req(&g, &req, &b, err, sizeof err) == CUST_OK &&
         strstr(b.data, "\"total\":\"1001\",\"denom\":\"uaxone\",\"amountSource\":\"caller\"") &&
         strstr(b.data, "\"payee\":\"" KEY_A "\",\"account\":\"" KEY_A_AXONE "\"") &&
         strstr(b.data,
                "\"payee\":\"" KEY_ED "\",\"account\":null,\"accountReason\":\"an Ed25519") &&
         strstr(b.data, "\"account\":\"" SENDER_OKP4 "\",\"role\":\"OrchestrationProvider\""),
     "payouts carry their accounts, or null and why");
  req.format = CUST_REWARDS_CSV;
  ok(rewards_req(&g, &req, &b, err, sizeof err) == CUST_OK &&
         strcmp(b.data, "account,amount,denom\n,334,uaxone\n" KEY_A_AXONE
                        ",333,uaxone\n" SENDER_OKP4 ",334,uaxone") == 0,
     "csv: one row per account, the Ed25519 payee without one, rows sum to the total");
  if (b.data) {
    tap_diag("csv: %s", b.data);
  }
  req.format = CUST_REWARDS_MSG;
  ok(rewards_req(&g, &req, &b, err, sizeof err) == CUST_OK, "msg answered: %s", err);
  json_error_t je;
  json_t *msg = json_loads(b.data ? b.data : "", 0, &je);
  long long sin = msg_sum(msg, "inputs", "uaxone", &nin);
  long long sout = msg_sum(msg, "outputs", "uaxone", &nout);
  ok(msg != NULL &&
         strcmp(json_string_value(json_object_get(msg, "@type")),
                "/cosmos.bank.v1beta1.MsgMultiSend") == 0 &&
         nin == 1 && nout == 2 && sin == sout && sout == 667 &&
         strcmp(json_string_value(
                    json_object_get(json_array_get(json_object_get(msg, "inputs"), 0), "address")),
                SENDER_AXONE) == 0,
     "msg: a MsgMultiSend from the payer's account, inputs = outputs (%lld = %lld)", sin, sout);
  json_decref(msg);
  req.from = SENDER_OKP4;
  ok(rewards_req(&g, &req, &b, err, sizeof err) == CUST_OK &&
         strstr(b.data, "\"inputs\":[{\"address\":\"" SENDER_OKP4 "\""),
     "msg: from names the paying account");
  req.from = NULL;

  /* the payer has no account: msg needs one to pay from */
  mg_order(&g, "urn:o2", "did:key:o", KEY_ED, NULL, NULL);
  mg_report(&g, "urn:e2", "urn:o2", "did:key:o", in, NULL, "Delivered");
  req.execution = "urn:e2";
  ok(rewards_req(&g, &req, &b, err, sizeof err) == CUST_ERR_INVALID &&
         strstr(err, "no account to pay from") && b.len == 0,
     "msg without an account to pay from is refused: %s", err);

  /* the zone policy's price, when nothing else gives the amount */
  mg_order(&g, "urn:o3", "did:key:o", "did:pkh:cosmos:axone-1:" SENDER_AXONE, "did:key:zone", NULL);
  mg_report(&g, "urn:e3", "urn:o3", "did:key:o", in, NULL, "Delivered");
  static const unsigned w[4] = { 4000, 3000, 1000, 2000 };
  add_policy(&g, "urn:policy:priced", "did:key:zone", w, 1, 2, 8, 0, NULL);
  const char *price = "_:priced-price";
  mg_add(&g, "urn:policy:priced", CUST_V_CUST "price", price, CUST_GRAPH_POLICIES);
  mg_add(&g, price, CUST_V_CUST "amount", "\"600000", CUST_GRAPH_POLICIES);
  mg_add(&g, price, CUST_V_CUST "denom", "\"uaxone", CUST_GRAPH_POLICIES);
  req.execution = "urn:e3";
  req.amount = NULL;
  req.format = CUST_REWARDS_JSON;
  ok(rewards_req(&g, &req, &b, err, sizeof err) == CUST_OK &&
         strstr(b.data, "\"total\":\"600000\",\"denom\":\"uaxone\",\"amountSource\":\"policy\"") &&
         strstr(b.data, "\"policy\":\"urn:policy:priced\""),
     "no funds: the zone policy's cust:price is the amount");
  req.amount = "7";
  ok(rewards_req(&g, &req, &b, err, sizeof err) == CUST_OK &&
         strstr(b.data, "\"total\":\"7\",\"denom\":\"uaxone\",\"amountSource\":\"caller\""),
     "the caller's amount wins over the price");
  mg_release(&g);

  /* funds locked by an okp4-dataverse v5 order win over the price */
  mg_init(&g);
  worked_example(&g);
  req = (cust_rewards_request){ .execution = "urn:e2", .format = CUST_REWARDS_JSON };
  ok(rewards_req(&g, &req, &b, err, sizeof err) == CUST_OK &&
         strstr(b.data, "\"total\":\"1000003\",\"denom\":\"uknow\",\"amountSource\":\"funds\""),
     "the order's funds are the amount");
  mg_release(&g);

  /* a price that breaks the rules is refused with its line */
  mg_init(&g);
  add_policy(&g, "urn:policy:bad", NULL, w, 1, 2, 8, 0, NULL);
  mg_add(&g, "urn:policy:bad", CUST_V_CUST "price", "_:bp", CUST_GRAPH_POLICIES);
  mg_add(&g, "_:bp", CUST_V_CUST "amount", "\"12.5", CUST_GRAPH_POLICIES);
  mg_add(&g, "_:bp", CUST_V_CUST "denom", "\"uaxone", CUST_GRAPH_POLICIES);
  ok(parse_graph(&g, err, sizeof err) == CUST_ERR_INVALID && strstr(err, "cust:price"),
     "a price that is not an integer is refused: %s", err);
  mg_release(&g);
  cust_buf_release(&b);
}

int main(void) {
  test_split();
  test_allocate_properties();
  test_policy_rules();
  test_policy_file();
  test_worked_example();
  test_cases();
  test_random_dags();
  test_accounts();
  test_forms();
  return done_testing();
}
