/* An in-memory graph view for the custody and reward tests, and helpers that
 * write the shapes of mapping.md: credentials as named graphs with their
 * ledger records, orders, execution reports, current status, revocations. */
#ifndef CUST_TEST_MEMGRAPH_H
#define CUST_TEST_MEMGRAPH_H

#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "custody/custody.h"
#include "store/store.h"

typedef struct memgraph {
  cust_quad *q;
  size_t len, cap;
  cust_arena arena;
  unsigned height; /* the next transaction's height */
  unsigned ncred;
  int finds; /* calls of find, to check the memo */
} memgraph;

__attribute__((unused)) static void mg_init(memgraph *g) {
  memset(g, 0, sizeof *g);
  cust_arena_init(&g->arena, 64 * 1024);
  g->height = 1;
}

__attribute__((unused)) static void mg_release(memgraph *g) {
  free(g->q);
  cust_arena_release(&g->arena);
}

__attribute__((unused)) static cust_term mg_term(memgraph *g, const char *v) {
  if (v == NULL) {
    cust_term t = { CUST_TERM_NONE, NULL, 0, NULL, NULL };
    return t;
  }
  if (v[0] == '"') {
    return cust_term_literal(cust_arena_strdup(&g->arena, v + 1), NULL, NULL);
  }
  if (v[0] == '_' && v[1] == ':') {
    return cust_term_blank(cust_arena_strdup(&g->arena, v + 2));
  }
  return cust_term_iri(cust_arena_strdup(&g->arena, v));
}

/* Adds (s, p, o, g); an object starting with '"' is a literal, "_:x" a blank. */
__attribute__((unused)) static void mg_add(memgraph *g, const char *s, const char *p, const char *o,
                                           const char *gr) {
  if (g->len == g->cap) {
    g->cap = g->cap ? g->cap * 2 : 256;
    g->q = realloc(g->q, g->cap * sizeof *g->q);
    if (g->q == NULL) {
      abort();
    }
  }
  cust_quad *q = &g->q[g->len++];
  q->s = mg_term(g, s);
  q->p = mg_term(g, p);
  q->o = mg_term(g, o);
  q->g = mg_term(g, gr);
}

__attribute__((unused)) static int mg_match(const cust_term *pat, const cust_term *t) {
  return pat->kind == CUST_TERM_NONE || (pat->kind == t->kind && strcmp(pat->value, t->value) == 0);
}

__attribute__((unused)) static cust_status mg_find(void *ud, const cust_quad *pat, cust_quad_fn fn,
                                                   void *fn_ud) {
  memgraph *g = ud;
  g->finds++;
  for (size_t i = 0; i < g->len; i++) {
    const cust_quad *q = &g->q[i];
    if (mg_match(&pat->s, &q->s) && mg_match(&pat->p, &q->p) && mg_match(&pat->o, &q->o) &&
        mg_match(&pat->g, &q->g)) {
      if (fn(fn_ud, q)) {
        break;
      }
    }
  }
  return CUST_OK;
}

__attribute__((unused)) static cust_graph_view mg_view(memgraph *g) {
  cust_graph_view v = { g, mg_find };
  return v;
}

/* Shuffles the quads (a fixed permutation for a seed). */
__attribute__((unused)) static void mg_shuffle(memgraph *g, unsigned seed) {
  for (size_t i = g->len; i > 1; i--) {
    seed = seed * 1103515245u + 12345u;
    size_t j = (seed >> 8) % i;
    cust_quad t = g->q[i - 1];
    g->q[i - 1] = g->q[j];
    g->q[j] = t;
  }
}

#define MG_RDF_TYPE "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
#define MG_CRED "https://www.w3.org/2018/credentials#"
#define MG_LEDGER CUST_GRAPH_LEDGER

__attribute__((unused)) static const char *mg_str(memgraph *g, const char *fmt, const char *a) {
  return cust_arena_printf(&g->arena, fmt, a);
}

/* A new credential graph of `type` about `subject` by `issuer`, recorded in
 * the ledger at the next height. Returns its IRI. */
__attribute__((unused)) static const char *mg_cred(memgraph *g, const char *type,
                                                   const char *subject, const char *issuer) {
  const char *c = cust_arena_printf(&g->arena, "urn:cred:%u", ++g->ncred);
  const char *tx = cust_arena_printf(&g->arena, "urn:cosmos:test:tx:%u", g->ncred);
  const char *h = cust_arena_printf(&g->arena, "\"%u", g->height++);
  mg_add(g, c, MG_RDF_TYPE, MG_CRED "VerifiableCredential", c);
  mg_add(g, c, MG_RDF_TYPE, type, c);
  mg_add(g, c, MG_CRED "credentialSubject", subject, c);
  mg_add(g, c, MG_CRED "issuer", issuer, c);
  mg_add(g, c, CUST_V_CUST "submittedIn", tx, MG_LEDGER);
  mg_add(g, tx, CUST_V_CUST "height", h, MG_LEDGER);
  mg_add(g, tx, CUST_V_CUST "txIndex", "\"0", MG_LEDGER);
  mg_add(g, c, CUST_V_CUST "msgIndex", "\"0", MG_LEDGER);
  mg_add(g, tx, CUST_V_CUST "blockTime", "\"2024-01-01T00:00:00Z", MG_LEDGER);
  return c;
}

/* The helpers below write what the mapper derives for every profile (the
 * normalised cust:/prov: terms), beside a few axone-v4 terms of the source. */
#define MG_V4 "https://w3id.org/axone/ontology/v4/schema/credential/"

__attribute__((unused)) static const char *mg_dataset(memgraph *g, const char *r,
                                                      const char *issuer) {
  const char *c = mg_cred(g, MG_V4 "dataset/description/DatasetDescriptionCredential", r, issuer);
  mg_add(g, r, CUST_V_TYPE, CUST_V_DATASET, c);
  mg_add(g, r, CUST_V_ATTRIBUTED, issuer, c);
  mg_add(g, r, CUST_V_TITLE, mg_str(g, "\"title of %s", r), c);
  return c;
}

__attribute__((unused)) static const char *mg_service(memgraph *g, const char *r,
                                                      const char *issuer, const char *category) {
  const char *c = mg_cred(
      g, MG_V4 "digital-service/description/DigitalServiceDescriptionCredential", r, issuer);
  mg_add(g, r, CUST_V_TYPE, CUST_V_SERVICE, c);
  if (strcmp(category, "Storage") == 0) {
    mg_add(g, r, CUST_V_TYPE, CUST_V_STORAGE_SERVICE, c);
  }
  mg_add(g, r, CUST_V_ATTRIBUTED, issuer, c);
  mg_add(g, r, CUST_V_CATEGORY,
         mg_str(g, "https://w3id.org/axone/ontology/v4/thesaurus/digital-service-category/%s",
                category),
         c);
  mg_add(g, r, CUST_V_TITLE, mg_str(g, "\"service %s", r), c);
  return c;
}

__attribute__((unused)) static const char *mg_publication(memgraph *g, const char *r,
                                                          const char *storage, const char *issuer) {
  const char *c = mg_cred(
      g, MG_V4 "digital-resource/publication/DigitalResourcePublicationCredential", r, issuer);
  mg_add(g, r, CUST_V_SERVED_BY, storage, c);
  return c;
}

/* An order by `payer` to orchestration service `service`, in `zone` (may be
 * NULL), with `locked` funds (may be NULL). */
__attribute__((unused)) static const char *mg_order(memgraph *g, const char *order,
                                                    const char *service, const char *payer,
                                                    const char *zone, const char *locked) {
  const char *c = mg_cred(
      g, MG_V4 "orchestration-service/execution-order/OrchestrationServiceExecutionOrderCredential",
      service, payer);
  mg_add(g, order, CUST_V_TYPE, CUST_V_ORDER, c);
  mg_add(g, order, CUST_V_PAYER, payer, c);
  if (zone) {
    mg_add(g, order, CUST_V_IN_ZONE, zone, c);
  }
  if (locked) {
    mg_add(g, order, CUST_V_LOCKED_AMOUNT, mg_str(g, "\"%s", locked), MG_LEDGER);
    mg_add(g, order, CUST_V_LOCKED_DENOM, "\"uknow", MG_LEDGER);
  }
  return c;
}

/* An execution report: `inputs` and `outputs` are NULL-terminated lists
 * (may be NULL); `status` a local name ("Delivered"), also made current. */
__attribute__((unused)) static const char *
mg_report(memgraph *g, const char *exec, const char *order, const char *service,
          const char *const *inputs, const char *const *outputs, const char *status) {
  const char *c =
      mg_cred(g, MG_V4 "orchestration-service/execution/OrchestrationServiceExecutionCredential",
              service, service);
  const char *st = mg_str(g, CUST_V_CUST "%s", status);
  mg_add(g, exec, CUST_V_TYPE, CUST_V_EXECUTION, c);
  mg_add(g, exec, CUST_V_ASSOCIATED, service, c);
  mg_add(g, exec, CUST_V_EXECUTION_OF, order, c);
  mg_add(g, exec, CUST_V_REPORTED_STATUS, st, c);
  for (size_t i = 0; inputs && inputs[i]; i++) {
    mg_add(g, exec, CUST_V_USED, inputs[i], c);
  }
  for (size_t i = 0; outputs && outputs[i]; i++) {
    mg_add(g, exec, CUST_V_GENERATED, outputs[i], c);
  }
  /* the current status: replace the previous one */
  for (size_t i = 0; i < g->len; i++) {
    cust_quad *q = &g->q[i];
    if (q->g.kind == CUST_TERM_IRI && strcmp(q->g.value, CUST_GRAPH_CURRENT) == 0 &&
        strcmp(q->s.value, exec) == 0) {
      q->o = mg_term(g, st);
      return c;
    }
  }
  mg_add(g, exec, CUST_V_STATUS, st, CUST_GRAPH_CURRENT);
  return c;
}

__attribute__((unused)) static void mg_revoke(memgraph *g, const char *cred) {
  const char *tx = cust_arena_printf(&g->arena, "urn:cosmos:test:tx:r%u", g->height);
  mg_add(g, cred, CUST_V_CUST "revokedIn", tx, MG_LEDGER);
  mg_add(g, tx, CUST_V_CUST "height", mg_str(g, "\"%s", "99"), MG_LEDGER);
}

#endif
