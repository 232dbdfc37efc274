/* Reward policies: read from RDF quads (the policies graph, or a Turtle file
 * with line numbers), validated against the rules of rewards.md. Pure. */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/vocab.h"
#include "rewards.h"

#define NS CUST_V_CUST
#define RDF_TYPE CUST_V_TYPE

static const cust_rewards_policy builtin = {
  .iri = CUST_REWARDS_BUILTIN_POLICY,
  .zone = NULL,
  .weight_bps = { 4000, 3000, 1000, 2000 },
  .p = 1,
  .q = 2,
  .max_depth = 8,
  .tax_bps = 0,
  .tax_recipient = NULL,
  .source = "built-in",
  .line = 0,
};

const cust_rewards_policy *cust_rewards_policy_builtin(void) {
  return &builtin;
}

void cust_rewards_policies_init(cust_rewards_policies *ps) {
  ps->items = NULL;
  ps->len = 0;
  ps->cap = 0;
  cust_arena_init(&ps->arena, 4096);
}

void cust_rewards_policies_release(cust_rewards_policies *ps) {
  if (ps == NULL) {
    return;
  }
  free(ps->items);
  ps->items = NULL;
  ps->len = ps->cap = 0;
  cust_arena_release(&ps->arena);
}

const cust_rewards_policy *cust_rewards_policies_find(const cust_rewards_policies *ps,
                                                      const char *iri) {
  for (size_t i = 0; i < ps->len; i++) {
    if (strcmp(ps->items[i].iri, iri) == 0) {
      return &ps->items[i];
    }
  }
  return NULL;
}

const cust_rewards_policy *cust_rewards_policies_for_zone(const cust_rewards_policies *ps,
                                                          const char *zone) {
  for (size_t i = 0; i < ps->len; i++) {
    const char *z = ps->items[i].zone;
    if ((zone == NULL && z == NULL) || (zone && z && strcmp(z, zone) == 0)) {
      return &ps->items[i];
    }
  }
  return NULL;
}

static void say(char *err, size_t errlen, const char *source, unsigned line, const char *policy,
                const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void say(char *err, size_t errlen, const char *source, unsigned line, const char *policy,
                const char *fmt, ...) {
  if (err == NULL || errlen == 0) {
    return;
  }
  size_t off = 0;
  int k;
  if (line > 0) {
    k = snprintf(err, errlen, "\"%s\" line %u: ", source ? source : "policies", line);
  } else {
    k = snprintf(err, errlen, "\"%s\": ", source ? source : "policies");
  }
  off = k > 0 && (size_t)k < errlen ? (size_t)k : errlen - 1;
  if (policy && off < errlen - 1) {
    k = snprintf(err + off, errlen - off, "policy \"%s\": ", policy);
    off += k > 0 && (size_t)k < errlen - off ? (size_t)k : errlen - off - 1;
  }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err + off, errlen - off, fmt, ap);
  va_end(ap);
}

cust_status cust_rewards_policy_validate(const cust_rewards_policy *p, char *err, size_t errlen) {
  unsigned sum = 0;
  for (int r = 0; r < CUST_ROLE_COUNT; r++) {
    sum += p->weight_bps[r];
  }
  if (sum != 10000) {
    snprintf(err, errlen, "role weights sum to %u, not 10000", sum);
  } else if (!(p->p > 0 && p->p <= p->q && p->q <= 16)) {
    snprintf(err, errlen, "decay %u/%u breaks 0 < numerator <= denominator <= 16", p->p, p->q);
  } else if (p->max_depth > 16) {
    snprintf(err, errlen, "cust:maxDepth %u is not between 0 and 16", p->max_depth);
  } else if (p->tax_bps > 10000) {
    snprintf(err, errlen, "cust:taxBps %u is not between 0 and 10000", p->tax_bps);
  } else if (p->tax_bps > 0 && p->tax_recipient == NULL) {
    snprintf(err, errlen, "cust:taxBps is %u but there is no cust:taxRecipient", p->tax_bps);
  } else {
    return CUST_OK;
  }
  return CUST_ERR_INVALID;
}

static int is_term(const cust_term *t, cust_term_kind kind, const char *value) {
  return t->kind == kind && strcmp(t->value, value) == 0;
}

static int same_node(const cust_term *a, const cust_term *b) {
  return a->kind == b->kind && a->kind != CUST_TERM_LITERAL && strcmp(a->value, b->value) == 0;
}

/* A small non-negative integer literal; -1 when it is not one. */
static long small_uint(const cust_term *t) {
  if (t->kind != CUST_TERM_LITERAL || t->value[0] == 0 || strlen(t->value) > 9) {
    return -1;
  }
  long v = 0;
  for (const char *c = t->value; *c; c++) {
    if (*c < '0' || *c > '9') {
      return -1;
    }
    v = v * 10 + (*c - '0');
  }
  return v;
}

typedef struct reader {
  const cust_quad *quads;
  const unsigned *lines;
  size_t n;
  const char *source;
  char *err;
  size_t errlen;
  unsigned policy_line; /* the line of the policy being read */
} reader;

static unsigned line_of(const reader *rd, size_t i) {
  return rd->lines ? rd->lines[i] : 0;
}

/* Reads the integer property `pred` of `subject`, exactly once unless
 * `is_optional`; *line is the line of its triple. */
static cust_status read_uint(const reader *rd, const cust_term *subject, const char *policy,
                             const char *pred, int is_optional, unsigned *out, unsigned *line) {
  size_t count = 0;
  unsigned at = 0;
  for (size_t i = 0; i < rd->n; i++) {
    const cust_quad *q = &rd->quads[i];
    if (!same_node(&q->s, subject) || !is_term(&q->p, CUST_TERM_IRI, pred)) {
      continue;
    }
    at = line_of(rd, i);
    long v = small_uint(&q->o);
    if (v < 0) {
      say(rd->err, rd->errlen, rd->source, at, policy,
          "<%s> must be a non-negative integer, not \"%s\"", pred, q->o.value);
      return CUST_ERR_INVALID;
    }
    *out = (unsigned)v;
    count++;
  }
  if (count > 1 || (count == 0 && !is_optional)) {
    say(rd->err, rd->errlen, rd->source, count ? at : rd->policy_line, policy,
        "<%s> must be given exactly once (found %zu)", pred, count);
    return CUST_ERR_INVALID;
  }
  if (line) {
    *line = at;
  }
  return CUST_OK;
}

/* Reads the one `kind` object of `pred` on `subject` into *out (an arena
 * copy; NULL when there is none). */
static cust_status read_one(const reader *rd, const cust_term *subject, const char *policy,
                            const char *pred, cust_term_kind kind, const char **out, unsigned *line,
                            cust_arena *a) {
  size_t count = 0;
  *out = NULL;
  for (size_t i = 0; i < rd->n; i++) {
    const cust_quad *q = &rd->quads[i];
    if (!same_node(&q->s, subject) || !is_term(&q->p, CUST_TERM_IRI, pred)) {
      continue;
    }
    *line = line_of(rd, i);
    if (q->o.kind != kind || count++ > 0) {
      say(rd->err, rd->errlen, rd->source, *line, policy, "<%s> must be one %s", pred,
          kind == CUST_TERM_IRI ? "IRI" : "literal");
      return CUST_ERR_INVALID;
    }
    *out = cust_arena_strdup(a, q->o.value);
    if (*out == NULL) {
      return CUST_ERR_NOMEM;
    }
  }
  return CUST_OK;
}

static cust_status read_iri(const reader *rd, const cust_term *subject, const char *policy,
                            const char *pred, const char **out, unsigned *line, cust_arena *a) {
  return read_one(rd, subject, policy, pred, CUST_TERM_IRI, out, line, a);
}

static cust_status read_weights(const reader *rd, const cust_term *subject,
                                cust_rewards_policy *p) {
  size_t count = 0;
  int seen[CUST_ROLE_COUNT] = { 0 };
  for (size_t i = 0; i < rd->n; i++) {
    const cust_quad *q = &rd->quads[i];
    if (!same_node(&q->s, subject) || !is_term(&q->p, CUST_TERM_IRI, NS "roleWeight")) {
      continue;
    }
    count++;
    unsigned at = line_of(rd, i);
    if (q->o.kind == CUST_TERM_LITERAL) {
      say(rd->err, rd->errlen, rd->source, at, p->iri,
          "cust:roleWeight must be a node with cust:role and cust:weightBps");
      return CUST_ERR_INVALID;
    }
    const char *role = NULL;
    unsigned role_line = at, w = 0, w_line = at;
    cust_arena scratch;
    cust_arena_init(&scratch, 1024);
    cust_status st = read_iri(rd, &q->o, p->iri, NS "role", &role, &role_line, &scratch);
    if (st == CUST_OK && role == NULL) {
      say(rd->err, rd->errlen, rd->source, at, p->iri, "a cust:roleWeight has no cust:role");
      st = CUST_ERR_INVALID;
    }
    if (st == CUST_OK) {
      st = read_uint(rd, &q->o, p->iri, NS "weightBps", 0, &w, &w_line);
    }
    int r = 0;
    while (st == CUST_OK && r < CUST_ROLE_COUNT &&
           strcmp(role, cust_rewards_role_iri((cust_rewards_role)r)) != 0) {
      r++;
    }
    if (st == CUST_OK && r == CUST_ROLE_COUNT) {
      say(rd->err, rd->errlen, rd->source, role_line, p->iri,
          "unknown role <%s> (the roles are cust:DataProvider, cust:ProcessingProvider, "
          "cust:StorageProvider, cust:OrchestrationProvider)",
          role);
      st = CUST_ERR_INVALID;
    } else if (st == CUST_OK && seen[r]) {
      say(rd->err, rd->errlen, rd->source, role_line, p->iri, "role cust:%s is weighted twice",
          cust_rewards_role_name((cust_rewards_role)r));
      st = CUST_ERR_INVALID;
    } else if (st == CUST_OK && w > 10000) {
      say(rd->err, rd->errlen, rd->source, w_line, p->iri, "cust:weightBps %u is more than 10000",
          w);
      st = CUST_ERR_INVALID;
    }
    cust_arena_release(&scratch);
    if (st != CUST_OK) {
      return st;
    }
    seen[r] = 1;
    p->weight_bps[r] = w;
  }
  if (count == 0) {
    say(rd->err, rd->errlen, rd->source, p->line, p->iri, "it has no cust:roleWeight");
    return CUST_ERR_INVALID;
  }
  return CUST_OK;
}

/* Reads the one literal `pred` of `subject` into *out (arena copy). */
static cust_status read_literal(const reader *rd, const cust_term *subject, const char *policy,
                                const char *pred, const char **out, unsigned *line, cust_arena *a) {
  return read_one(rd, subject, policy, pred, CUST_TERM_LITERAL, out, line, a);
}

/* A Cosmos denom: a letter, then 2 to 127 of letters, digits and / : . _ - */
static int is_denom(const char *d) {
  size_t n = strlen(d);
  if (n < 3 || n > 128 || !((d[0] >= 'a' && d[0] <= 'z') || (d[0] >= 'A' && d[0] <= 'Z'))) {
    return 0;
  }
  for (size_t i = 1; i < n; i++) {
    char c = d[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          strchr("/:._-", c) != NULL)) {
      return 0;
    }
  }
  return 1;
}

/* cust:price [ cust:amount "N" ; cust:denom "uaxone" ]: optional, once. */
static cust_status read_price(const reader *rd, const cust_term *subject, cust_rewards_policy *p,
                              cust_arena *a) {
  const cust_term *node = NULL;
  unsigned at = 0;
  for (size_t i = 0; i < rd->n; i++) {
    const cust_quad *q = &rd->quads[i];
    if (!same_node(&q->s, subject) || !is_term(&q->p, CUST_TERM_IRI, NS "price")) {
      continue;
    }
    at = line_of(rd, i);
    if (node != NULL || q->o.kind == CUST_TERM_LITERAL) {
      say(rd->err, rd->errlen, rd->source, at, p->iri,
          "cust:price must be one node with cust:amount and cust:denom");
      return CUST_ERR_INVALID;
    }
    node = &q->o;
  }
  if (node == NULL) {
    return CUST_OK;
  }
  unsigned amount_line = at, denom_line = at;
  cust_status st = read_literal(rd, node, p->iri, NS "amount", &p->price_amount, &amount_line, a);
  if (st == CUST_OK) {
    st = read_literal(rd, node, p->iri, NS "denom", &p->price_denom, &denom_line, a);
  }
  if (st != CUST_OK) {
    return st;
  }
  const char *d = p->price_amount;
  size_t nd = d ? strspn(d, "0123456789") : 0;
  if (d == NULL || nd == 0 || d[nd] != '\0' || nd > 78) {
    say(rd->err, rd->errlen, rd->source, amount_line, p->iri,
        "cust:price needs a cust:amount of decimal digits (the smallest unit), not \"%s\"",
        d ? d : "");
    return CUST_ERR_INVALID;
  }
  if (p->price_denom == NULL || !is_denom(p->price_denom)) {
    say(rd->err, rd->errlen, rd->source, denom_line, p->iri,
        "cust:price needs a cust:denom such as \"uaxone\", not \"%s\"",
        p->price_denom ? p->price_denom : "");
    return CUST_ERR_INVALID;
  }
  return CUST_OK;
}

static cust_status read_policy(const reader *outer, size_t type_index, cust_rewards_policy *p,
                               cust_arena *a) {
  reader inner = *outer;
  const reader *rd = &inner;
  const cust_term *subject = &rd->quads[type_index].s;
  memset(p, 0, sizeof *p);
  p->line = line_of(rd, type_index);
  inner.policy_line = p->line;
  p->source = rd->source ? cust_arena_strdup(a, rd->source) : NULL;
  if (rd->source != NULL && p->source == NULL) {
    return CUST_ERR_NOMEM;
  }
  if (subject->kind != CUST_TERM_IRI) {
    say(rd->err, rd->errlen, rd->source, p->line, NULL,
        "a cust:RewardPolicy must be named by an IRI, not a blank node");
    return CUST_ERR_INVALID;
  }
  p->iri = cust_arena_strdup(a, subject->value);
  if (p->iri == NULL) {
    return CUST_ERR_NOMEM;
  }
  unsigned zone_line = 0, tax_line = 0, decay_line = 0, depth_line = 0, recip_line = 0;
  cust_status st = read_iri(rd, subject, p->iri, NS "appliesToZone", &p->zone, &zone_line, a);
  if (st == CUST_OK) {
    st = read_weights(rd, subject, p);
  }
  if (st == CUST_OK) {
    st = read_uint(rd, subject, p->iri, NS "decayNumerator", 0, &p->p, &decay_line);
  }
  if (st == CUST_OK) {
    st = read_uint(rd, subject, p->iri, NS "decayDenominator", 0, &p->q, &decay_line);
  }
  if (st == CUST_OK) {
    st = read_uint(rd, subject, p->iri, NS "maxDepth", 0, &p->max_depth, &depth_line);
  }
  if (st == CUST_OK) {
    st = read_uint(rd, subject, p->iri, NS "taxBps", 1, &p->tax_bps, &tax_line);
  }
  if (st == CUST_OK) {
    st = read_iri(rd, subject, p->iri, NS "taxRecipient", &p->tax_recipient, &recip_line, a);
  }
  if (st == CUST_OK) {
    st = read_price(rd, subject, p, a);
  }
  if (st != CUST_OK) {
    return st;
  }
  char why[200];
  if (cust_rewards_policy_validate(p, why, sizeof why) != CUST_OK) {
    unsigned at = p->line;
    if (strstr(why, "decay")) {
      at = decay_line;
    } else if (strstr(why, "maxDepth")) {
      at = depth_line;
    } else if (strstr(why, "taxBps")) {
      at = tax_line;
    }
    say(rd->err, rd->errlen, rd->source, at, p->iri, "%s", why);
    return CUST_ERR_INVALID;
  }
  return CUST_OK;
}

cust_status cust_rewards_policies_parse(cust_rewards_policies *ps, const cust_quad *quads,
                                        const unsigned *lines, size_t n, const char *source,
                                        char *err, size_t errlen) {
  reader rd = { quads, lines, n, source, err, errlen, 0 };
  size_t start = ps->len;
  cust_status st = CUST_OK;
  for (size_t i = 0; st == CUST_OK && i < n; i++) {
    const cust_quad *q = &quads[i];
    if (!is_term(&q->p, CUST_TERM_IRI, RDF_TYPE) ||
        !is_term(&q->o, CUST_TERM_IRI, NS "RewardPolicy")) {
      continue;
    }
    int is_dup = 0;
    for (size_t j = 0; j < i && !is_dup; j++) {
      is_dup = is_term(&quads[j].p, CUST_TERM_IRI, RDF_TYPE) &&
               is_term(&quads[j].o, CUST_TERM_IRI, NS "RewardPolicy") &&
               same_node(&quads[j].s, &q->s);
    }
    if (is_dup) {
      continue;
    }
    if (ps->len == ps->cap) {
      size_t cap = ps->cap ? ps->cap * 2 : 4;
      cust_rewards_policy *items = realloc(ps->items, cap * sizeof *items);
      if (items == NULL) {
        st = CUST_ERR_NOMEM;
        break;
      }
      ps->items = items;
      ps->cap = cap;
    }
    cust_rewards_policy *p = &ps->items[ps->len];
    st = read_policy(&rd, i, p, &ps->arena);
    if (st != CUST_OK) {
      break;
    }
    for (size_t j = 0; j < ps->len; j++) {
      const cust_rewards_policy *o = &ps->items[j];
      if (strcmp(o->iri, p->iri) == 0) {
        say(err, errlen, source, p->line, p->iri, "it is defined twice");
        st = CUST_ERR_INVALID;
      } else if ((o->zone == NULL && p->zone == NULL) ||
                 (o->zone && p->zone && strcmp(o->zone, p->zone) == 0)) {
        if (p->zone) {
          say(err, errlen, source, p->line, p->iri, "zone <%s> already has policy <%s>", p->zone,
              o->iri);
        } else {
          say(err, errlen, source, p->line, p->iri,
              "<%s> is already the default policy (give one of them cust:appliesToZone)", o->iri);
        }
        st = CUST_ERR_INVALID;
      }
      if (st != CUST_OK) {
        break;
      }
    }
    if (st == CUST_OK) {
      ps->len++;
    }
  }
  if (st != CUST_OK) {
    ps->len = start;
  }
  return st;
}
