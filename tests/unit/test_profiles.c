/* Every shipped ontology profile, end to end: the worked example of
 * rewards.md (D0 -> E1 -> D1 -> E2 -> OUT, a two-level custody chain)
 * written as real credentials of okp4-v3, axone-v4 and axone-v5, mapped
 * by the mapper with the shipped profiles, then walked by custody and split
 * by the reward engine: the same walk and the same split, to the unit. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "custody/custody.h"
#include "mapper/mapper.h"
#include "memgraph.h"
#include "rewards/rewards.h"
#include "tap.h"

#define VC "https://www.w3.org/2018/credentials#"
#define XSD_DT "http://www.w3.org/2001/XMLSchema#dateTime"
#define ALICE "did:key:alice"
#define BOB "did:key:bob"
#define CAROL "did:key:carol"
#define STORECO "did:key:storeco"
#define OPZ "did:key:opz"
#define PAYER "did:key:payer"

/* ---- credentials -------------------------------------------------------------- */

typedef struct creds {
  char *nq[16];
  size_t n;
} creds;

/* A credential `id` of `type` about `subject` by `issuer` with `body`. */
static void cred(creds *c, const char *id, const char *type, const char *subject,
                 const char *issuer, const char *body) {
  cust_buf b;
  cust_buf_init(&b);
  cust_buf_printf(&b,
                  "<%s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <%s> .\n"
                  "<%s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <" VC
                  "VerifiableCredential> .\n"
                  "<%s> <" VC "credentialSubject> <%s> .\n<%s> <" VC "issuer> <%s> .\n"
                  "<%s> <" VC "issuanceDate> \"2024-05-01T00:00:00Z\"^^<" XSD_DT "> .\n%s",
                  id, type, id, id, subject, id, issuer, id, body);
  c->nq[c->n++] = cust_buf_steal(&b, NULL);
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...) {
  static char bufs[8][2048];
  static int i;
  char *b = bufs[i++ % 8];
  va_list ap;
  va_start(ap, f);
  vsnprintf(b, sizeof bufs[0], f, ap);
  va_end(ap);
  return b;
}

/* axone v4 (and okp4 vnext): descriptions, orders, executions. */
static void example_v4(creds *c) {
#define A4 "https://w3id.org/axone/ontology/v4/"
#define S4 A4 "schema/credential/"
#define CAT4 A4 "thesaurus/digital-service-category/"
#define ST4 A4 "thesaurus/digital-service-execution-status/"
  const char *dsd = S4 "dataset/description/", *svc = S4 "digital-service/description/";
  const char *ord = S4 "orchestration-service/execution-order/";
  const char *ex = S4 "orchestration-service/execution/";
  cred(c, "urn:c:d0", fmt("%sDatasetDescriptionCredential", dsd), "urn:d0", ALICE,
       fmt("<urn:d0> <%shasTitle> \"D0\" .\n", dsd));
  static const char *const svcs[][3] = { { "urn:a1", BOB, "DataTransformation" },
                                         { "urn:s1", STORECO, "Storage" },
                                         { "urn:a2", CAROL, "DeepLearning" },
                                         { "did:key:o", OPZ, "DataIntegration" } };
  for (size_t i = 0; i < 4; i++) {
    cred(c, fmt("urn:c:svc%zu", i), fmt("%sDigitalServiceDescriptionCredential", svc), svcs[i][0],
         svcs[i][1], fmt("<%s> <%shasCategory> <" CAT4 "%s> .\n", svcs[i][0], svc, svcs[i][2]));
  }
  for (int o = 1; o <= 2; o++) {
    cred(c, fmt("urn:c:order%d", o), fmt("%sOrchestrationServiceExecutionOrderCredential", ord),
         "did:key:o", PAYER, fmt("<did:key:o> <%shasExecutionOrder> <urn:order%d> .\n", ord, o));
  }
  cred(c, "urn:c:e1", fmt("%sOrchestrationServiceExecutionCredential", ex), "did:key:o",
       "did:key:o",
       fmt("<did:key:o> <%shasExecution> <urn:e1> .\n<urn:e1> <%sexecutionOf> <urn:order1> .\n"
           "<urn:e1> <%shasConsumedResource> <urn:d0> .\n"
           "<urn:e1> <%shasConsumedResource> <urn:a1> .\n"
           "<urn:e1> <%shasConsumedResource> <urn:s1> .\n"
           "<urn:e1> <%shasProducedResource> <urn:d1> .\n"
           "<urn:e1> <%shasExecutionStatus> <" ST4 "Delivered> .\n",
           ex, ex, ex, ex, ex, ex, ex));
  cred(c, "urn:c:e2", fmt("%sOrchestrationServiceExecutionCredential", ex), "did:key:o",
       "did:key:o",
       fmt("<did:key:o> <%shasExecution> <urn:e2> .\n<urn:e2> <%sexecutionOf> <urn:order2> .\n"
           "<urn:e2> <%shasConsumedResource> <urn:d1> .\n"
           "<urn:e2> <%shasConsumedResource> <urn:a2> .\n"
           "<urn:e2> <%shasProducedResource> <urn:out> .\n"
           "<urn:e2> <%shasExecutionStatus> <" ST4 "Delivered> .\n",
           ex, ex, ex, ex, ex, ex));
}

/* okp4 v3: the result is about the executed service, the other inputs are
 * parameters, the output an outcome; the orchestrator operates it. */
static void example_v3(creds *c) {
#define O3 "https://w3id.org/okp4/ontology/v3/"
#define S3 O3 "schema/credential/"
#define CAT3 O3 "thesaurus/digital-service-category/"
#define ST3 O3 "thesaurus/digital-service-execution-status/"
#define SV "http://schema.org/value"
  const char *dsd = S3 "dataset/description/", *svc = S3 "digital-service/description/";
  const char *ord = S3 "digital-service/execution-order/";
  const char *res = S3 "digital-service/execution-result/";
  cred(c, "urn:c:d0", fmt("%sDatasetDescriptionCredential", dsd), "urn:d0", ALICE,
       fmt("<urn:d0> <%shasTitle> \"D0\" .\n", dsd));
  static const char *const svcs[][3] = { { "urn:a1", BOB, "DataTransformation" },
                                         { "urn:s1", STORECO, "Storage" },
                                         { "urn:a2", CAROL, "DeepLearning" },
                                         { "did:key:o", OPZ, "DataIntegration" } };
  for (size_t i = 0; i < 4; i++) {
    cred(c, fmt("urn:c:svc%zu", i), fmt("%sDigitalServiceDescriptionCredential", svc), svcs[i][0],
         svcs[i][1], fmt("<%s> <%shasCategory> <" CAT3 "%s> .\n", svcs[i][0], svc, svcs[i][2]));
  }
  cred(c, "urn:c:order1", fmt("%sDigitalServiceExecutionOrderCredential", ord), "urn:a1", PAYER,
       fmt("<urn:a1> <%sexecutedBy> <urn:order1> .\n", ord));
  cred(c, "urn:c:order2", fmt("%sDigitalServiceExecutionOrderCredential", ord), "urn:a2", PAYER,
       fmt("<urn:a2> <%sexecutedBy> <urn:order2> .\n", ord));
  cred(c, "urn:c:e1", fmt("%sDigitalServiceExecutionResultCredential", res), "urn:a1", "did:key:o",
       fmt("<urn:a1> <%shasExecutionResult> <urn:e1> .\n"
           "<urn:a1> <%shasExecutionStatus> <" ST3 "Delivered> .\n"
           "<urn:e1> <%soperatedBy> <did:key:o> .\n"
           "<urn:e1> <%srelatedToExecutionOrder> <urn:order1> .\n"
           "<urn:e1> <%swithParameter> _:p1 .\n_:p1 <" SV "> <urn:d0> .\n"
           "<urn:e1> <%swithParameter> _:p2 .\n_:p2 <" SV "> <urn:s1> .\n"
           "<urn:e1> <%swithParameter> _:p3 .\n_:p3 <" SV "> \"epochs=3\" .\n"
           "<urn:e1> <%swithOutcome> _:o1 .\n_:o1 <" SV "> <urn:d1> .\n",
           res, res, res, res, res, res, res, res));
  cred(c, "urn:c:e2", fmt("%sDigitalServiceExecutionResultCredential", res), "urn:a2", "did:key:o",
       fmt("<urn:a2> <%shasExecutionResult> <urn:e2> .\n"
           "<urn:a2> <%shasExecutionStatus> <" ST3 "Delivered> .\n"
           "<urn:e2> <%soperatedBy> <did:key:o> .\n"
           "<urn:e2> <%srelatedToExecutionOrder> <urn:order2> .\n"
           "<urn:e2> <%swithParameter> _:p1 .\n_:p1 <" SV "> <urn:d1> .\n"
           "<urn:e2> <%swithOutcome> _:o1 .\n_:o1 <" SV "> <urn:out> .\n",
           res, res, res, res, res, res));
}

/* axone v5: one statement per credential, as JSON-LD without @id gives
 * them (plain literals), scoped to the zone. */
static void assertion(creds *c, const char *issuer, const char *s, const char *p, const char *o) {
#define A5 "https://w3id.org/axone/ontology/v5/schema/core/assertion/"
  char id[32], node[32];
  snprintf(id, sizeof id, "urn:c:a%zu", c->n);
  snprintf(node, sizeof node, "urn:stmt:%zu", c->n);
  cred(c, id, A5 "AssertionCredential", node, issuer,
       fmt("<%s> <" A5 "subject> \"%s\" .\n<%s> <" A5 "predicate> \"%s\" .\n"
           "<%s> <" A5 "object> \"%s\" .\n<%s> <" A5 "scope> \"did:key:zone\" .\n",
           node, s, node, p, node, o, node));
}

static void example_v5(creds *c) {
#define PROV "http://www.w3.org/ns/prov#"
#define TYPE "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
  assertion(c, ALICE, "urn:d0", TYPE, "http://www.w3.org/ns/dcat#Dataset");
  assertion(c, BOB, "urn:a1", TYPE, "http://schema.org/SoftwareApplication");
  assertion(c, STORECO, "urn:s1", TYPE, "http://schema.org/DataCatalog");
  assertion(c, CAROL, "urn:a2", TYPE, "http://schema.org/SoftwareApplication");
  assertion(c, OPZ, "did:key:o", TYPE, "http://schema.org/SoftwareApplication");
  assertion(c, "did:key:o", "urn:e1", PROV "used", "urn:d0");
  assertion(c, "did:key:o", "urn:e1", PROV "used", "urn:a1");
  assertion(c, "did:key:o", "urn:e1", PROV "used", "urn:s1");
  assertion(c, PAYER, "urn:e1", PROV "wasAssociatedWith", "did:key:o");
  assertion(c, "did:key:o", "urn:e1", PROV "generated", "urn:d1");
  assertion(c, "did:key:o", "urn:e2", PROV "used", "urn:d1");
  assertion(c, "did:key:o", "urn:e2", PROV "used", "urn:a2");
  assertion(c, PAYER, "urn:e2", PROV "wasAssociatedWith", "did:key:o");
  assertion(c, "did:key:o", "urn:e2", PROV "generated", "urn:out");
}

/* ---- mapping into a memgraph ---------------------------------------------------- */

static void apply(memgraph *g, const cust_changes *ch) {
  for (size_t i = 0; i < ch->len; i++) {
    const cust_change *c = &ch->items[i];
    if (c->kind == CUST_CHANGE_REMOVE_SP) {
      size_t w = 0;
      for (size_t r = 0; r < g->len; r++) {
        const cust_quad *q = &g->q[r];
        int hit = cust_term_equal(&q->s, &c->q.s) && cust_term_equal(&q->p, &c->q.p) &&
                  cust_term_equal(&q->g, &c->q.g);
        if (!hit) {
          g->q[w++] = *q;
        }
      }
      g->len = w;
      continue;
    }
    const cust_quad *q = &c->q;
    cust_quad copy = { mg_term(g, NULL), mg_term(g, NULL), mg_term(g, NULL), mg_term(g, NULL) };
    const cust_term *src[4] = { &q->s, &q->p, &q->o, &q->g };
    cust_term *dst[4] = { &copy.s, &copy.p, &copy.o, &copy.g };
    for (int k = 0; k < 4; k++) {
      *dst[k] = *src[k];
      if (src[k]->kind != CUST_TERM_NONE) {
        dst[k]->value = cust_arena_strndup(&g->arena, src[k]->value, src[k]->len);
        dst[k]->datatype = src[k]->datatype ? cust_arena_strdup(&g->arena, src[k]->datatype) : NULL;
        dst[k]->lang = src[k]->lang ? cust_arena_strdup(&g->arena, src[k]->lang) : NULL;
      }
    }
    if (g->len == g->cap) {
      g->cap = g->cap ? g->cap * 2 : 256;
      g->q = realloc(g->q, g->cap * sizeof *g->q);
    }
    g->q[g->len++] = copy;
  }
}

/* One block per credential, in order, each through the mapper. */
static int map_all(memgraph *g, creds *c) {
  cust_mapper_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.chain_id = "okp4-test-1";
  cust_mapper *m = NULL;
  if (cust_mapper_new(&cfg, NULL, &m) != CUST_OK) {
    return -1;
  }
  int rc = 0;
  for (size_t i = 0; i < c->n && rc == 0; i++) {
    cust_block b;
    cust_tx tx;
    cust_msg msg;
    memset(&b, 0, sizeof b);
    memset(&tx, 0, sizeof tx);
    memset(&msg, 0, sizeof msg);
    cust_arena_init(&b.arena, 4096);
    b.chain_id = "okp4-test-1";
    b.height = 10 + i;
    b.time = fmt("2024-05-01T00:%02zu:00Z", i);
    b.hash = "H";
    b.last_hash = "";
    b.txs = &tx;
    b.ntxs = 1;
    snprintf(tx.hash, sizeof tx.hash, "%064zu", i + 1);
    tx.msgs = &msg;
    tx.nmsgs = 1;
    msg.type_url = "/cosmwasm.wasm.v1.MsgExecuteContract";
    msg.contract = "okp41dataverse";
    msg.sender = "okp41sender";
    cust_buf j;
    cust_buf_init(&j);
    cust_buf_puts(&j, "{\"submit_claims\":{\"claims\":\"");
    cust_base64_encode(&j, (const unsigned char *)c->nq[i], strlen(c->nq[i]));
    cust_buf_puts(&j, "\",\"format\":\"n_quads\"}}");
    msg.json = j.data;
    msg.json_len = j.len;
    cust_changes ch;
    cust_changes_init(&ch);
    cust_graph_view v = mg_view(g);
    cust_mapper_stats st = { 0 };
    if (cust_mapper_map_block(m, &b, &v, &ch, &st) != CUST_OK || st.credentials != 1) {
      tap_diag("credential %zu not accepted (%llu rejections)", i,
               (unsigned long long)st.rejections);
      rc = -1;
    }
    apply(g, &ch);
    cust_changes_release(&ch);
    cust_buf_release(&j);
    cust_arena_release(&b.arena);
  }
  cust_mapper_free(m);
  return rc;
}

/* ---- the checks ------------------------------------------------------------------ */

static void check_profile(const char *name, void (*example)(creds *)) {
  memgraph g;
  creds c = { { NULL }, 0 };
  mg_init(&g);
  example(&c);
  ok(map_all(&g, &c) == 0, "%s: the %zu credentials of the worked example map", name, c.n);
  cust_graph_view v = mg_view(&g);
  cust_buf b;
  char err[300];
  cust_buf_init(&b);

  /* custody: upstream of the output, two levels */
  cust_status st = cust_custody_walk(&v, 42, "urn:out", 1, 8, 1000, &b, err, sizeof err);
  ok(st == CUST_OK, "%s: custody of urn:out: %s", name, st ? err : "");
  static const char *const want_nodes[] = { "\"urn:e2\"", "\"urn:e1\"", "\"urn:d1\"", "\"urn:d0\"",
                                            "\"urn:a1\"", "\"urn:s1\"", "\"urn:a2\"" };
  int all = b.data != NULL;
  for (size_t i = 0; all && i < sizeof want_nodes / sizeof *want_nodes; i++) {
    all = strstr(b.data, want_nodes[i]) != NULL;
  }
  if (!ok(all, "%s: custody walks out <- e2 <- d1, a2 <- e1 <- d0, a1, s1", name)) {
    tap_diag("%s", b.data ? b.data : "");
  }

  /* rewards: the split of rewards.md's worked example, to the unit */
  cust_buf_reset(&b);
  cust_rewards_request rq;
  memset(&rq, 0, sizeof rq);
  rq.execution = "urn:e2";
  rq.amount = "1000003";
  rq.format = CUST_REWARDS_JSON;
  st = cust_rewards_compute(&v, 42, &rq, &b, err, sizeof err);
  ok(st == CUST_OK, "%s: rewards of urn:e2: %s", name, st ? err : "");
  static const char *const want[] = {
    "\"status\":\"Delivered\",\"eligible\":true,\"total\":\"1000003\"",
    "{\"role\":\"DataProvider\",\"weightBps\":4000,\"amount\":\"400001\"}",
    "{\"role\":\"ProcessingProvider\",\"weightBps\":3000,\"amount\":\"300001\"}",
    "{\"role\":\"StorageProvider\",\"weightBps\":1000,\"amount\":\"100000\"}",
    "{\"role\":\"OrchestrationProvider\",\"weightBps\":2000,\"amount\":\"200001\"}",
    "{\"payee\":\"did:key:alice\",\"account\":null,\"accountReason\":\"the did:key is not a "
    "base58btc (\\\"z\\\") multibase key\",\"role\":\"DataProvider\",\"amount\":\"400001\"",
    "{\"payee\":\"did:key:carol\",\"account\":null,\"accountReason\":\"the did:key is not a "
    "base58btc (\\\"z\\\") multibase key\",\"role\":\"ProcessingProvider\",\"amount\":\"200001\"",
    "{\"payee\":\"did:key:bob\",\"account\":null,\"accountReason\":\"the did:key is not a "
    "base58btc (\\\"z\\\") multibase key\",\"role\":\"ProcessingProvider\",\"amount\":\"100000\"",
    "{\"payee\":\"did:key:storeco\",\"account\":null,\"accountReason\":\"the did:key is not a "
    "base58btc (\\\"z\\\") multibase key\",\"role\":\"StorageProvider\",\"amount\":\"100000\"",
    "{\"payee\":\"did:key:opz\",\"account\":null,\"accountReason\":\"the did:key is not a "
    "base58btc (\\\"z\\\") multibase "
    "key\",\"role\":\"OrchestrationProvider\",\"amount\":\"200001\"",
  };
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    if (!ok(b.data && strstr(b.data, want[i]), "%s: the split has %.70s", name, want[i])) {
      tap_diag("answer: %s", b.data ? b.data : "");
    }
  }
  cust_buf_release(&b);
  for (size_t i = 0; i < c.n; i++) {
    free(c.nq[i]);
  }
  mg_release(&g);
}

int main(void) {
  check_profile("okp4-v3", example_v3);
  check_profile("axone-v4", example_v4);
  check_profile("axone-v5", example_v5);
  return done_testing();
}
