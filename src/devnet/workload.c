/* The devnet's workload: what block N holds, computed from (seed, scale, N)
 * alone, so any height can be served in any order with bounded memory.
 *
 * Heights 1..9 are the prologue: the five OKP4 example credentials at heights
 * 2 and 3. From height 10 on, the chain is a sequence of cycles of 40 blocks;
 * cycle k starts at height 10 + 40k and every fifth cycle (k % 5 == 4) is
 * empty. A cycle runs `scale` independent lanes (workflows) side by side, all
 * on the same offsets; the script of one lane, by offset in the cycle:
 *
 *    0  zone description + zone governance text (one tx, two messages)
 *    1  services: storage S, processing A1 + A2 (one tx), A3, orchestration O
 *    2  dataset DA (description, publication served by S, rights); dataset DB
 *       (description v1, publication served by the IPFS example service)
 *    3  DA governance text; noise: a bank send, a cw20 transfer; malformed
 *       submission #1; every 4th cycle (k % 4 == 1, lane 0) an undecodable tx
 *    4  order 1 (through an authz MsgExec)
 *    5  X1 InExecution: DA, A1, S, the example crime dataset, and the D5 of the
 *       previous busy cycle (so custody chains grow across cycles)
 *    6  X1 Delivered -> D1; orders 2 and 3 (one tx, two messages)
 *    7  X2 InExecution (D1, A2); X3 InExecution (D1, DB, A3): a diamond on D1
 *    8  failed: DA's description submitted again; X2 Delivered -> D2
 *    9  X3 Delivered -> D3; failed: revocation of DB description v1
 *   10  DB description v2 (another issuer); order 4 (from axone-dataverse v6
 *       first tried with funds, which fails); malformed submission #2
 *   11  X4 InExecution (D2, D3, A1); order 6 (in the example zone)
 *   12  X4 Delivered -> D4; X6 InExecution (DB, A2)
 *   13  order 5; X6 Failed or Cancelled
 *   14  X5 InExecution (D4, A2, S); X5b InExecution (D4, A3), part of X5
 *   15  X5b Delivered -> D5p; failed: out of gas
 *   16  X5 Delivered -> D5; a credential sent to another dataverse contract
 *   17  order 7
 *   18  X7 InExecution (DA, the crime dataset, A1)
 *   19  X7 Cancelled; failed: revocations of DA rights and of an unknown IRI
 *   20  DB rights and a cw20 transfer in one tx
 *   21..39 empty
 *
 * Malformed submissions rotate through eight kinds, (2(k + lane) + i) % 8;
 * the oversized kind (1.1 MB) only in lane 0, others get "no_vc" instead.
 * The contract version (world.c) decides what the chain's dataverse does:
 * the field is "metadata" (okp4-dataverse v5, axone-dataverse v6) or "claims"
 * (axone-dataverse v8); orders carry funds, which okp4 v5 keeps, and from v6
 * carry none; every revoke_claims fails ("Not implemented", as on every
 * released contract). One submission in five leaves "format" out, one tx in
 * seven pays no fee.
 *
 * A sparse chain (--empty-blocks N) spreads this script out: height H holds
 * the workload of height (H - 1) / (N + 1) + 1 when (H - 1) % (N + 1) == 0
 * and nothing otherwise; headers (time, hash, link) stay those of H. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/vocab.h"
#include "devnet_int.h"

#define PROLOGUE 10
#define CYCLE_LEN 40
#define QUIET_CYCLE 5

/* What the chain carries is each version's own vocabulary, the data the
 * profiles (ontology/\*.profile) read; the W3C terms come from core/vocab.h.
 * The credentials are written under the axone v4 base and moved to the
 * base of the chosen version as they are sealed (rebase()); the shapes that
 * differ (okp4 v3's orders and results) have their own builders. */
#define NS_SRC "https://w3id.org/axone/ontology/v4/"
#define NS_OKP4_V3 "https://w3id.org/okp4/ontology/v3/"
#define NS_CRED NS_SRC "schema/credential/"
#define V3_ORDER NS_CRED "digital-service/execution-order/"
#define V3_RESULT NS_CRED "digital-service/execution-result/"
#define SCHEMA_VALUE "http://schema.org/value"
#define V5_CORE "https://w3id.org/axone/ontology/v5/schema/core/"
#define V5_ASSERT V5_CORE "assertion/"
#define V5_PROFILE V5_CORE "profile/"
#define PROV_NS CUST_V_PROV
#define DSD NS_CRED "dataset/description/"
#define SVC NS_CRED "digital-service/description/"
#define PUB NS_CRED "digital-resource/publication/"
#define RIGHTS NS_CRED "digital-resource/rights/"
#define ZONE NS_CRED "zone/description/"
#define GOV NS_CRED "governance/text/"
#define ORDER NS_CRED "orchestration-service/execution-order/"
#define EXEC NS_CRED "orchestration-service/execution/"
#define THES NS_SRC "thesaurus/"
#define VC CUST_V_CRED
#define SEC CUST_V_SEC
#define RDF_TYPE CUST_V_TYPE
#define XSD_DT CUST_V_XSD_DATETIME
#define DCT_CREATED CUST_V_DCT "created"

#define TYPE_EXECUTE "/cosmwasm.wasm.v1.MsgExecuteContract"
#define TYPE_AUTHZ "/cosmos.authz.v1beta1.MsgExec"
#define TYPE_SEND "/cosmos.bank.v1beta1.MsgSend"

static const char *const ontology_names[] = { "axone-v4", "okp4-v3", "axone-v5" };

const char *cust_devnet_ontology_name(cust_devnet_ontology o) {
  return (unsigned)o < 3 ? ontology_names[o] : "axone-v4";
}

int cust_devnet_ontology_parse(const char *name) {
  for (int i = 0; i < 3; i++) {
    if (strcmp(name, ontology_names[i]) == 0) {
      return i;
    }
  }
  return -1;
}

/* ---- the cast of a lane ---------------------------------------------------- */

enum ent {
  E_NONE = -1,
  E_ZONE = 0,
  E_STORAGE,
  E_ALGO1,
  E_ALGO2,
  E_ALGO3,
  E_ORCH,
  E_DSA,
  E_DSB,
  E_D1,
  E_D2,
  E_D3,
  E_D4,
  E_D5,
  E_D5P,
  E_DS_OOG,
  E_DS_DECOY,
  E_DS_BAD,
  /* people and organisations */
  E_ZONE_OWNER,
  E_ALICE,
  E_XAVIER,
  E_YOLANDA,
  E_BOB,
  E_CAROL,
  E_STORECO,
  E_OPZ,
  E_PAYER,
  E_RELAYER,
  E_TRADER,
  E_RECIPIENT,
  /* references outside the lane */
  E_FIX_DATASET,
  E_FIX_STORAGE,
  E_FIX_ZONE,
  E_PREV_D5,
  E_NENT
};

/* Credential slots of a lane; executions' reports follow C_EXEC. */
enum slot {
  C_ZONE = 0,
  C_ZONE_GOV,
  C_STORAGE,
  C_ALGO1,
  C_ALGO2,
  C_ALGO3,
  C_ORCH,
  C_DSA,
  C_DSA_PUB,
  C_DSA_RIGHTS,
  C_DSA_GOV,
  C_DSB_V1,
  C_DSB_PUB,
  C_DSB_V2,
  C_DSB_RIGHTS,
  C_BAD1,
  C_BAD2,
  C_OOG,
  C_DECOY,
  C_UNKNOWN,            /* never submitted: the target of the failed revocation */
  C_ORDER,              /* + order index */
  C_EXEC = C_ORDER + 16 /* + 2 * execution index + report (0 start, 1 end) */
};

enum status { ST_IN_EXECUTION, ST_DELIVERED, ST_FAILED, ST_CANCELLED, ST_FAILED_OR_CANCELLED };
static const char *const status_names[] = { "InExecution", "Delivered", "Failed", "Cancelled" };

typedef struct order_def {
  int off;
  int in_example_zone;
  int is_authz;
  const char *parameter;
} order_def;

static const order_def orders[] = {
  { .off = 4, .is_authz = 1, .parameter = "epochs=12;batch=64" },
  { .off = 6, .parameter = "mode=train;split=0.8" },
  { .off = 6, .parameter = "mode=aggregate;window=P1D" },
  { .off = 10, .parameter = "join=left;key=station" },
  { .off = 13, .parameter = "model=gbm;depth=6" },
  { .off = 11, .in_example_zone = 1, .parameter = "mode=clean;drop=nulls" },
  { .off = 17, .parameter = "mode=report;format=pdf" },
};
#define NORDERS (sizeof orders / sizeof orders[0])

typedef struct exec_def {
  const char *name;
  int order;
  int in[6]; /* E_NONE-terminated */
  int out;
  int parent; /* execution index, or -1 */
  int start, end;
  int final;
} exec_def;

static const exec_def execs[] = {
  { "X1",
    0,
    { E_DSA, E_ALGO1, E_STORAGE, E_FIX_DATASET, E_PREV_D5, E_NONE },
    E_D1,
    -1,
    5,
    6,
    ST_DELIVERED },
  { "X2", 1, { E_D1, E_ALGO2, E_NONE }, E_D2, -1, 7, 8, ST_DELIVERED },
  { "X3", 2, { E_D1, E_DSB, E_ALGO3, E_NONE }, E_D3, -1, 7, 9, ST_DELIVERED },
  { "X4", 3, { E_D2, E_D3, E_ALGO1, E_NONE }, E_D4, -1, 11, 12, ST_DELIVERED },
  { "X5", 4, { E_D4, E_ALGO2, E_STORAGE, E_NONE }, E_D5, -1, 14, 16, ST_DELIVERED },
  { "X5b", 4, { E_D4, E_ALGO3, E_NONE }, E_D5P, 4, 14, 15, ST_DELIVERED },
  { "X6", 5, { E_DSB, E_ALGO2, E_NONE }, E_NONE, -1, 12, 13, ST_FAILED_OR_CANCELLED },
  { "X7", 6, { E_DSA, E_FIX_DATASET, E_ALGO1, E_NONE }, E_NONE, -1, 18, 19, ST_CANCELLED },
};
#define NEXECS (sizeof execs / sizeof execs[0])

/* Revocations: which slot, by whom, at which offset. */
#define REVOKE_DSB_V1_OFF 9
#define REVOKE_DSA_RIGHTS_OFF 19

enum bad {
  BAD_BASE64 = 0,
  BAD_NOT_NQUADS,
  BAD_NO_VC,
  BAD_TWO_SUBJECTS,
  BAD_NO_ISSUANCE,
  BAD_OVERSIZED,
  BAD_TWO_TYPES,
  BAD_BLANK_VC
};
static const char *const bad_reasons[] = {
  "metadata is not valid base64",
  "metadata is not N-Quads",
  "no node is typed cred:VerifiableCredential",
  "two cred:credentialSubject",
  "no cred:issuanceDate",
  "larger than the default submission limit (1048576 bytes)",
  "two types besides cred:VerifiableCredential",
  "the credential is a blank node",
};
static const char *const bad_codes[] = { "bad_base64",   "not_nquads",       "no_vc",
                                         "two_subjects", "no_issuance_date", "oversized",
                                         "two_types",    "blank_credential" };
#define OVERSIZE_BYTES (1100 * 1024)

/* ---- the generation session ---------------------------------------------------- */

typedef struct gen {
  const cust_devnet_world *w;
  cust_devnet_block *b;
  cust_devnet_notes *notes;
  uint64_t height;
  uint64_t k;    /* cycle */
  uint64_t lane; /* lane in the cycle */
  uint64_t base; /* first height of the cycle */
  cust_buf nq, msg, raw, tmp;
  cust_status st;
} gen;

static int failed(gen *g, cust_status st) {
  if (st != CUST_OK && g->st == CUST_OK) {
    g->st = st;
  }
  return g->st != CUST_OK;
}

static char *adup(gen *g, const char *s) {
  char *p = cust_arena_strdup(&g->b->arena, s);
  if (p == NULL) {
    failed(g, CUST_ERR_NOMEM);
  }
  return p;
}

/* Moves the IRIs of `in` from the source base to the chain's ontology
 * version (a no-op for axone-v4); the result is in the block's arena. */
static const char *rebase(gen *g, const char *in, size_t len) {
  if (g->w->ontology != CUST_DEVNET_OKP4_V3 || g->st != CUST_OK) {
    return in;
  }
  cust_buf b;
  cust_buf_init(&b);
  const char *p = in, *end = in + len;
  size_t n = strlen(NS_SRC);
  while (p < end) {
    const char *hit = strstr(p, NS_SRC);
    const char *stop = hit != NULL && hit < end ? hit : end;
    failed(g, cust_buf_append(&b, p, (size_t)(stop - p)));
    if (stop == end) {
      break;
    }
    failed(g, cust_buf_puts(&b, NS_OKP4_V3));
    p = hit + n;
  }
  char *out =
      g->st == CUST_OK ? cust_arena_strndup(&g->b->arena, b.data ? b.data : "", b.len) : NULL;
  cust_buf_release(&b);
  if (out == NULL) {
    failed(g, CUST_ERR_NOMEM);
    return in;
  }
  return out;
}

static uint64_t rnd(gen *g, uint64_t what, uint64_t extra) {
  return cust_devnet_hash(g->w->seed, g->k, g->lane, what, extra);
}

static const char b58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* The public key of an entity of (cycle, lane), as did:key multicodec bytes:
 * secp256k1-pub (0xe7 0x01) and a 33-byte compressed key. */
static void key_of(const cust_devnet_world *w, uint64_t k, uint64_t lane, int e,
                   unsigned char key[35]) {
  key[0] = 0xe7;
  key[1] = 0x01;
  for (int i = 0; i < 33; i += 8) {
    uint64_t h = cust_devnet_hash(w->seed, 0x646964, k, lane * 64 + (uint64_t)e, (uint64_t)i);
    for (int j = 0; j < 8 && i + j < 33; j++) {
      key[2 + i + j] = (unsigned char)(h >> (8 * j));
    }
  }
  key[2] = (unsigned char)(0x02 | (key[2] & 1u));
}

/* did:key of an entity: its key in base58btc, as the examples' and the
 * chain's did:keys are, so that accounts derive from them. */
static void did_of(const cust_devnet_world *w, uint64_t k, uint64_t lane, int e, char out[64]) {
  unsigned char key[35], digits[64] = { 0 };
  size_t nd = 0;
  key_of(w, k, lane, e, key);
  /* base58: repeated division of the big-endian number by 58 */
  for (size_t i = 0; i < sizeof key; i++) {
    unsigned carry = key[i];
    for (size_t j = 0; j < nd; j++) {
      carry += (unsigned)digits[j] << 8;
      digits[j] = (unsigned char)(carry % 58);
      carry /= 58;
    }
    while (carry > 0) {
      digits[nd++] = (unsigned char)(carry % 58);
      carry /= 58;
    }
  }
  memcpy(out, "did:key:z", 9);
  for (size_t i = 0; i < nd; i++) {
    out[9 + i] = b58[digits[nd - 1 - i]];
  }
  out[9 + nd] = '\0';
}

/* The wallet (account address) of a person of (cycle, lane): the account of
 * its did:key, as the dataverse contract (v7+) matches an issuer with the
 * sender, so that reward accounts are the chain's senders. */
static void wallet_of(const cust_devnet_world *w, uint64_t k, uint64_t lane, int e, char out[64]) {
  unsigned char key[35];
  cust_buf b;
  key_of(w, k, lane, e, key);
  cust_buf_init(&b);
  out[0] = '\0';
  if (cust_bech32_account(&b, w->prefix, key + 2, 33) == CUST_OK && b.len < 64) {
    memcpy(out, b.data, b.len + 1);
  }
  cust_buf_release(&b);
}

static void uuid_of(const cust_devnet_world *w, uint64_t k, uint64_t lane, uint64_t what,
                    char out[40]) {
  uint64_t a = cust_devnet_hash(w->seed, 0x75756964, k, lane, what);
  uint64_t b = cust_devnet_mix(a ^ 0x5555);
  snprintf(out, 40, "%08x-%04x-4%03x-%04x-%012" PRIx64, (unsigned)(a >> 32),
           (unsigned)((a >> 16) & 0xffff), (unsigned)(a & 0xfff),
           (unsigned)(0x8000 | ((b >> 48) & 0x3fff)), (uint64_t)(b & 0xffffffffffffu));
}

/* An entity, with the references outside the lane resolved. "" when the
 * entity does not exist (no earlier busy cycle). */
static void ent(gen *g, int e, char out[160]) {
  const cust_devnet_world *w = g->w;
  switch (e) {
    case E_FIX_DATASET:
      snprintf(out, 160, "%s", w->fix[w->fix_dataset].subject);
      return;
    case E_FIX_STORAGE:
      snprintf(out, 160, "%s", w->fix[w->fix_storage].subject);
      return;
    case E_FIX_ZONE:
      snprintf(out, 160, "%s", w->fix[w->fix_zone].subject);
      return;
    case E_PREV_D5: {
      if (g->k == 0) {
        out[0] = '\0';
        return;
      }
      uint64_t prev = g->k - 1;
      if (prev % QUIET_CYCLE == QUIET_CYCLE - 1) {
        if (prev == 0) {
          out[0] = '\0';
          return;
        }
        prev--;
      }
      did_of(w, prev, g->lane, E_D5, out);
      return;
    }
    default:
      did_of(w, g->k, g->lane, e, out);
      return;
  }
}

static void wallet(gen *g, int e, char out[64]) {
  wallet_of(g->w, g->k, g->lane, e, out);
}

static const char *cred_path(const char *type) {
  /* the class IRI minus its last segment is the credential folder */
  static const char *const folders[] = { DSD,   SVC,  PUB,      RIGHTS,    ZONE,      GOV,
                                         ORDER, EXEC, V3_ORDER, V3_RESULT, V5_ASSERT, V5_PROFILE };
  for (size_t i = 0; i < sizeof folders / sizeof folders[0]; i++) {
    if (strncmp(type, folders[i], strlen(folders[i])) == 0) {
      return folders[i];
    }
  }
  return DSD;
}

static void cred_iri(gen *g, int slot, const char *type, char out[160]) {
  char u[40];
  uuid_of(g->w, g->k, g->lane, 0x1000 + (uint64_t)slot, u);
  char iri[160];
  snprintf(iri, sizeof iri, "%s%s", cred_path(type), u);
  snprintf(out, 160, "%s", rebase(g, iri, strlen(iri)));
}

static uint64_t off_height(gen *g, int off) {
  return g->base + (uint64_t)off;
}

/* An xsd:dateTime some seconds before the block time of `height`. */
static void date_of(gen *g, uint64_t height, int back, char out[40]) {
  int64_t sec = 0;
  uint32_t nsec = 0;
  cust_devnet_block_instant(g->w, height, &sec, &nsec);
  time_t t = (time_t)(sec - back);
  struct tm tm;
  gmtime_r(&t, &tm);
  char day[24] = "";
  strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out, 40, "%.20s.%06uZ", day, (nsec / 1000u) % 1000000u);
}

/* ---- N-Quads ---------------------------------------------------------------------- */

static void q_iri(gen *g, const char *s, const char *p, const char *o) {
  const char *sf = s[0] == '_' ? "%s" : "<%s>";
  const char *of = o[0] == '_' ? "%s" : "<%s>";
  char fmt[32];
  snprintf(fmt, sizeof fmt, "%s <%%s> %s .\n", sf, of);
  failed(g, cust_buf_printf(&g->nq, fmt, s, p, o));
}

static void q_lit(gen *g, const char *s, const char *p, const char *lit, const char *dt) {
  const char *sf = s[0] == '_' ? "%s <%s> \"%s\"" : "<%s> <%s> \"%s\"";
  failed(g, cust_buf_printf(&g->nq, sf, s, p, lit));
  if (dt != NULL) {
    failed(g, cust_buf_printf(&g->nq, "^^<%s>", dt));
  }
  failed(g, cust_buf_puts(&g->nq, " .\n"));
}

typedef struct vc_spec {
  const char *iri; /* NULL: a blank-node credential */
  const char *type;
  const char *type2;
  const char *subject;
  const char *subject2;
  const char *issuer;
  int has_vc_type;
  int has_issuance;
  uint64_t height; /* for the dates */
} vc_spec;

/* The credential's own triples and its proof graph, after the claims. */
static void vc_finish(gen *g, const vc_spec *v) {
  char date[40], created[40], jws[96];
  const char *node = v->iri != NULL ? v->iri : "_:c0";
  date_of(g, v->height, 3600 + (int)(rnd(g, 0x64617465, (uint64_t)g->nq.len) % 7200), date);
  date_of(g, v->height, 30, created);
  if (v->has_vc_type) {
    q_iri(g, node, RDF_TYPE, VC "VerifiableCredential");
  }
  q_iri(g, node, RDF_TYPE, v->type);
  if (v->type2 != NULL) {
    q_iri(g, node, RDF_TYPE, v->type2);
  }
  q_iri(g, node, SEC "proof", "_:b0");
  q_iri(g, node, VC "credentialSubject", v->subject);
  if (v->subject2 != NULL) {
    q_iri(g, node, VC "credentialSubject", v->subject2);
  }
  if (v->has_issuance) {
    q_lit(g, node, VC "issuanceDate", date, XSD_DT);
  }
  q_iri(g, node, VC "issuer", v->issuer);
  /* the proof: the same shape as the OKP4 examples, a made-up signature */
  static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  uint64_t h = 0;
  for (int i = 0; i < 86; i++) {
    if (i % 10 == 0) {
      h = cust_devnet_hash(g->w->seed, g->height, (uint64_t)g->nq.len, 0x6a7773, (uint64_t)i);
    }
    jws[i] = b64url[h & 63];
    h >>= 6;
  }
  jws[86] = '\0';
  failed(g,
         cust_buf_printf(&g->nq, "_:b1 <" DCT_CREATED "> \"%s\"^^<" XSD_DT "> _:b0 .\n", created));
  failed(g, cust_buf_puts(&g->nq,
                          "_:b1 <" RDF_TYPE "> <" SEC "EcdsaSecp256k1Signature2019> _:b0 .\n"));
  failed(g, cust_buf_printf(&g->nq,
                            "_:b1 <" SEC "jws> \"eyJhbGciOiJFUzI1NksiLCJiNjQiOmZhbHNlLCJjcml0"
                            "IjpbImI2NCJdfQ..%s\" _:b0 .\n",
                            jws));
  failed(g, cust_buf_puts(&g->nq, "_:b1 <" SEC "proofPurpose> <" SEC "assertionMethod> _:b0 .\n"));
  const char *key = strncmp(v->issuer, "did:key:", 8) == 0 ? v->issuer + 8 : v->issuer;
  failed(g, cust_buf_printf(&g->nq, "_:b1 <" SEC "verificationMethod> <%s#%s> _:b0 .\n", v->issuer,
                            key));
}

static size_t count_quads(const cust_buf *nq) {
  size_t n = 0;
  const char *p = nq->data, *end = nq->data + nq->len;
  while (p < end) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    if (eol == NULL) {
      eol = end;
    }
    if (eol > p && !cust_devnet_is_proof_line(p, (size_t)(eol - p))) {
      n++;
    }
    p = eol + 1;
  }
  return n;
}

static const char *pick(gen *g, uint64_t what, const char *const *list, size_t n) {
  return list[rnd(g, what, 0) % n];
}
#define PICK(g, what, arr) pick(g, what, arr, sizeof arr / sizeof arr[0])

static const char *const places[] = { "Lyon",   "Nantes", "Lisbon", "Porto", "Ghent",
                                      "Bremen", "Turin",  "Aarhus", "Tartu", "Cluj" };
static const char *const subjects_[] = { "Air Quality",    "Traffic Counts", "Soil Moisture",
                                         "Energy Load",    "Water Levels",   "Bike Sharing",
                                         "Noise Exposure", "Parcel Yields" };
static const char *const topics[] = { "environment", "transport", "agriculture",
                                      "energy",      "health",    "other" };
static const char *const geo[] = { "250", "620", "056", "276", "380", "208", "233", "642" };
static const char *const processing[] = {
  "ClassificationModel", "ClusteringModel",        "ComputerVision", "DataCleaning",
  "DataIntegration",     "DataTransformation",     "DeepLearning",   "NaturalLanguageProcessing",
  "RegressionModel",     "StatisticsAndAnalytics",
};

/* ---- claims of each credential type -------------------------------------------------- */

static void claims_zone(gen *g, const char *zone) {
  char t[128];
  const char *place = PICK(g, 0x7a31, places);
  snprintf(t, sizeof t, "%s Open Data Space", place);
  q_lit(g, zone, ZONE "hasTitle", t, NULL);
  snprintf(t, sizeof t, "A data space where the partners of %s share and process data.", place);
  q_lit(g, zone, ZONE "hasDescription", t, NULL);
  q_lit(g, zone, ZONE "hasTag", "Open Data", NULL);
  q_lit(g, zone, ZONE "hasTag", place, NULL);
  snprintf(t, sizeof t, THES "topic/%s", PICK(g, 0x7a32, topics));
  q_iri(g, zone, ZONE "hasTopic", t);
}

static void claims_gov(gen *g, const char *subject, const char *title) {
  char law[200];
  snprintf(law, sizeof law, "cosmwasm:law-stone:%s?query=%%22program_code%%22", g->w->lawstone);
  q_iri(g, subject, GOV "isGovernedBy", "_:b2");
  q_iri(g, "_:b2", RDF_TYPE, GOV "GovernanceText");
  q_iri(g, "_:b2", GOV "fromGovernance", law);
  q_iri(g, "_:b2", GOV "hasChapter", "_:b3");
  q_iri(g, "_:b3", RDF_TYPE, GOV "Chapter");
  q_lit(g, "_:b3", GOV "hasOrdinalNumber", "1", NULL);
  q_iri(g, "_:b3", GOV "hasSection", "_:b4");
  q_lit(g, "_:b3", GOV "hasTitle", title, NULL);
  q_iri(g, "_:b4", RDF_TYPE, GOV "Section");
  q_lit(g, "_:b4", GOV "hasOrdinalNumber", "1.1", NULL);
  q_lit(g, "_:b4", GOV "hasTitle", "Usage", NULL);
}

static void claims_service(gen *g, const char *svc, const char *category, const char *title,
                           const char *publisher) {
  char t[200];
  snprintf(t, sizeof t, THES "digital-service-category/%s", category);
  q_iri(g, svc, SVC "hasCategory", t);
  q_lit(g, svc, SVC "hasTitle", title, NULL);
  snprintf(t, sizeof t, "%s, operated by %s.", title, publisher);
  q_lit(g, svc, SVC "hasDescription", t, NULL);
  q_lit(g, svc, SVC "hasTag", category, NULL);
  q_lit(g, svc, SVC "hasPublisher", publisher, NULL);
  snprintf(t, sizeof t, "https://%s.example.org/", publisher);
  for (char *p = t; *p; p++) {
    if (*p == ' ') {
      *p = '-';
    }
  }
  q_iri(g, svc, SVC "hasWebpage", t);
}

static void claims_dataset(gen *g, const char *ds, uint64_t what, const char *extra,
                           size_t extra_len) {
  char t[200];
  const char *place = pick(g, what, places, sizeof places / sizeof places[0]);
  const char *subj = pick(g, what + 1, subjects_, sizeof subjects_ / sizeof subjects_[0]);
  snprintf(t, sizeof t, "%s %s %u", subj, place, (unsigned)(2019 + rnd(g, what, 2) % 6));
  q_lit(g, ds, DSD "hasTitle", t, NULL);
  if (extra != NULL) {
    failed(g, cust_buf_printf(&g->nq, "<%s> <" DSD "hasDescription> \"", ds));
    failed(g, cust_buf_append(&g->nq, extra, extra_len));
    failed(g, cust_buf_puts(&g->nq, "\" .\n"));
  } else {
    snprintf(t, sizeof t, "%s measurements collected in %s, hourly.", subj, place);
    q_lit(g, ds, DSD "hasDescription", t, NULL);
  }
  q_lit(g, ds, DSD "hasTag", subj, NULL);
  q_lit(g, ds, DSD "hasTag", place, NULL);
  q_iri(g, ds, DSD "hasFormat", THES "media-type/text_csv");
  snprintf(t, sizeof t, THES "topic/%s",
           pick(g, what + 2, topics, sizeof topics / sizeof topics[0]));
  q_iri(g, ds, DSD "hasTopic", t);
  snprintf(t, sizeof t, THES "area-code/%s", pick(g, what + 3, geo, sizeof geo / sizeof geo[0]));
  q_iri(g, ds, DSD "hasGeoCoverage", t);
}

static void claims_publication(gen *g, const char *ds, const char *storage) {
  char t[128];
  snprintf(t, sizeof t, "ipfs://bafybei%016" PRIx64 "%016" PRIx64,
           rnd(g, 0x7075, (uint64_t)g->nq.len), rnd(g, 0x7076, 0));
  q_lit(g, ds, PUB "hasIdentifier", t, NULL);
  q_iri(g, ds, PUB "servedBy", storage);
}

static void claims_rights(gen *g, const char *ds, const char *holder) {
  q_lit(g, ds, RIGHTS "hasPublisher", holder, NULL);
  q_lit(g, ds, RIGHTS "hasCreator", holder, NULL);
  q_lit(g, ds, RIGHTS "hasAuthor", holder, NULL);
  q_iri(g, ds, RIGHTS "hasLicense", THES "license/CC-BY-SA-4.0");
}

/* ---- transactions ------------------------------------------------------------------- */

enum msg_kind { M_SUBMIT, M_REVOKE, M_CW20, M_SEND };

typedef struct msg_plan {
  int kind;
  const char *sender;
  const char *contract;
  const char *grantee; /* authz */
  const char *json;
  cust_coin funds[1];
  size_t nfunds;
  /* what the events and the manifest say */
  const char *cred, *subject, *type, *issuer;
  size_t quads;
  int is_valid;  /* a well-formed credential (M_SUBMIT) */
  int is_claims; /* the Axone field name */
  int bad;       /* enum bad, or -1 */
  const char *recipient, *amount, *denom;
  const char *fixture;
  uint64_t revoked_at; /* 0: never (within the manifest's limit) */
} msg_plan;

static void ev_attr(cust_devnet_event *e, const char *k, const char *v) {
  if (e->nattrs < CUST_DEVNET_MAX_ATTRS) {
    e->attrs[e->nattrs].key = k;
    e->attrs[e->nattrs].value = v;
    e->nattrs++;
  }
}

static cust_devnet_event *ev_new(cust_devnet_tx *t, size_t cap, const char *type, int msg_index) {
  if (t->nevents >= cap) {
    return NULL;
  }
  cust_devnet_event *e = &t->events[t->nevents++];
  memset(e, 0, sizeof *e);
  e->type = type;
  e->msg_index = msg_index;
  return e;
}

static cust_devnet_tx *tx_push(gen *g) {
  cust_devnet_block *b = g->b;
  if (b->ntxs == b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 16;
    cust_devnet_tx *n = cust_arena_alloc(&b->arena, cap * sizeof *n);
    if (n == NULL) {
      failed(g, CUST_ERR_NOMEM);
      return NULL;
    }
    if (b->ntxs) {
      memcpy(n, b->txs, b->ntxs * sizeof *n);
    }
    b->txs = n;
    b->cap = cap;
  }
  cust_devnet_tx *t = &b->txs[b->ntxs++];
  memset(t, 0, sizeof *t);
  return t;
}

/* Protobuf for the one message kind the shared encoder does not write: a
 * bank MsgSend, in a TxRaw of the same layout as cust_tx_encode's. */
static void pb_varint(cust_buf *o, uint64_t v, cust_status *st) {
  while (*st == CUST_OK) {
    unsigned char c = (unsigned char)(v & 0x7f);
    v >>= 7;
    *st = cust_buf_putc(o, (char)(v ? (c | 0x80) : c));
    if (v == 0) {
      return;
    }
  }
}

static void pb_bytes(cust_buf *o, uint32_t num, const void *p, size_t n, cust_status *st) {
  pb_varint(o, ((uint64_t)num << 3) | 2u, st);
  pb_varint(o, n, st);
  if (*st == CUST_OK && n > 0) {
    *st = cust_buf_append(o, p, n);
  }
}

static cust_status encode_send(cust_buf *out, const msg_plan *m) {
  static const unsigned char signature[64] = { 0 };
  cust_buf coin, send, any, body;
  cust_status st = CUST_OK;
  cust_buf_init(&coin);
  cust_buf_init(&send);
  cust_buf_init(&any);
  cust_buf_init(&body);
  pb_bytes(&coin, 1, m->denom, strlen(m->denom), &st);
  pb_bytes(&coin, 2, m->amount, strlen(m->amount), &st);
  pb_bytes(&send, 1, m->sender, strlen(m->sender), &st);
  pb_bytes(&send, 2, m->recipient, strlen(m->recipient), &st);
  pb_bytes(&send, 3, coin.data, coin.len, &st);
  pb_bytes(&any, 1, TYPE_SEND, strlen(TYPE_SEND), &st);
  pb_bytes(&any, 2, send.data, send.len, &st);
  pb_bytes(&body, 1, any.data, any.len, &st);
  pb_bytes(out, 1, body.data, body.len, &st);
  pb_bytes(out, 2, NULL, 0, &st);
  pb_bytes(out, 3, signature, sizeof signature, &st);
  cust_buf_release(&coin);
  cust_buf_release(&send);
  cust_buf_release(&any);
  cust_buf_release(&body);
  return st;
}

static const char *u64s(gen *g, uint64_t v) {
  char t[24];
  snprintf(t, sizeof t, "%" PRIu64, v);
  return adup(g, t);
}

/* Encodes the messages into one transaction of the block, with its result.
 * code 0: success and the events of every message; otherwise the failure
 * `log` and only the fee events. */
static cust_devnet_tx *emit_tx(gen *g, const msg_plan *m, size_t n, const char *memo, uint32_t code,
                               const char *codespace, const char *log) {
  if (g->st != CUST_OK) {
    return NULL;
  }
  cust_buf_reset(&g->raw);
  if (m[0].kind == M_SEND) {
    failed(g, encode_send(&g->raw, &m[0]));
  } else {
    cust_msg_spec specs[4];
    memset(specs, 0, sizeof specs);
    for (size_t i = 0; i < n && i < 4; i++) {
      specs[i].sender = m[i].sender;
      specs[i].contract = m[i].contract;
      specs[i].json = m[i].json;
      specs[i].funds = m[i].funds;
      specs[i].nfunds = m[i].nfunds;
      specs[i].authz_grantee = m[i].grantee;
    }
    failed(g, cust_tx_encode(&g->raw, specs, n < 4 ? n : 4, memo));
  }
  cust_devnet_tx *t = tx_push(g);
  if (g->st != CUST_OK || t == NULL) {
    return NULL;
  }
  t->raw = cust_arena_alloc(&g->b->arena, g->raw.len);
  size_t cap = 4 + 6 * n;
  t->events = cust_arena_alloc(&g->b->arena, cap * sizeof *t->events);
  if (t->raw == NULL || t->events == NULL) {
    failed(g, CUST_ERR_NOMEM);
    return NULL;
  }
  memcpy(t->raw, g->raw.data, g->raw.len);
  t->len = g->raw.len;
  unsigned char d[32];
  cust_sha256(t->raw, t->len, d);
  cust_hex_upper(d, 32, t->hash);
  t->code = code;
  t->codespace = codespace;
  t->log = log;
  t->nmsgs = n;
  t->gas_wanted = 400000u + 100000u * (uint64_t)(n - 1);
  uint64_t used = 90000u + rnd(g, 0x676173, g->b->ntxs) % 250000u;
  t->gas_used = code == 11 ? t->gas_wanted + 417u : used;

  /* fee events come first, on success and failure alike */
  const char *payer = m[0].grantee != NULL ? m[0].grantee : m[0].sender;
  cust_devnet_event *e = ev_new(t, cap, "tx", -1);
  /* a tx without fee (zero gas price) has an empty value: null in 0.34 */
  ev_attr(e, "fee",
          rnd(g, 0x666565, g->b->ntxs) % 7 == 0
              ? ""
              : cust_arena_printf(&g->b->arena, "2000%s", g->w->denom));
  ev_attr(e, "fee_payer", payer);
  e = ev_new(t, cap, "tx", -1);
  ev_attr(e, "acc_seq",
          cust_arena_printf(&g->b->arena, "%s/%u", payer,
                            (unsigned)(rnd(g, 0x736571, g->height) % 5000)));
  e = ev_new(t, cap, "tx", -1);
  ev_attr(e, "signature",
          "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
          "AA==");
  if (code != 0) {
    return t;
  }
  for (size_t i = 0; i < n; i++) {
    const msg_plan *p = &m[i];
    int mi = (int)i;
    e = ev_new(t, cap, "message", mi);
    if (p->kind == M_SEND) {
      ev_attr(e, "action", TYPE_SEND);
      ev_attr(e, "sender", p->sender);
      ev_attr(e, "module", "bank");
      e = ev_new(t, cap, "transfer", mi);
      ev_attr(e, "recipient", p->recipient);
      ev_attr(e, "sender", p->sender);
      ev_attr(e, "amount", cust_arena_printf(&g->b->arena, "%s%s", p->amount, g->w->denom));
      continue;
    }
    ev_attr(e, "action", p->grantee != NULL ? TYPE_AUTHZ : TYPE_EXECUTE);
    ev_attr(e, "sender", p->grantee != NULL ? p->grantee : p->sender);
    ev_attr(e, "module", p->grantee != NULL ? "authz" : "wasm");
    e = ev_new(t, cap, "execute", mi);
    ev_attr(e, "_contract_address", p->contract);
    e = ev_new(t, cap, "wasm", mi);
    ev_attr(e, "_contract_address", p->contract);
    if (p->kind == M_CW20) {
      ev_attr(e, "action", "transfer");
      ev_attr(e, "from", p->sender);
      ev_attr(e, "to", p->recipient);
      ev_attr(e, "amount", p->amount);
      continue;
    }
    ev_attr(e, "action", p->kind == M_SUBMIT ? "submit_claims" : "revoke_claims");
    if (p->kind == M_SUBMIT && !p->is_valid) {
      continue;
    }
    ev_attr(e, "credential", p->cred);
    if (p->kind == M_SUBMIT) {
      ev_attr(e, "subject", p->subject);
      ev_attr(e, "type", p->type);
    }
    e = ev_new(t, cap, "execute", mi);
    ev_attr(e, "_contract_address", g->w->cognitarium);
    e = ev_new(t, cap, "wasm", mi);
    ev_attr(e, "_contract_address", g->w->cognitarium);
    ev_attr(e, "action", p->kind == M_SUBMIT ? "insert" : "delete");
    ev_attr(e, "triple_count", u64s(g, p->quads));
  }
  return t;
}

/* ---- the manifest's items ------------------------------------------------------------- */

static void note_begin(gen *g, const char *kind) {
  cust_devnet_notes *n = g->notes;
  failed(g, cust_buf_puts(n->out, n->nitems++ ? ",\n{" : "{"));
  failed(g, cust_buf_printf(n->out, "\"kind\":\"%s\",\"height\":%" PRIu64, kind, g->height));
}

static void note_str(gen *g, const char *key, const char *v) {
  failed(g, cust_buf_printf(g->notes->out, ",\"%s\":", key));
  if (v == NULL || (v[0] == '\0')) {
    failed(g, cust_buf_puts(g->notes->out, "null"));
  } else {
    failed(g, cust_json_cstr(g->notes->out, v));
  }
}

static void note_tx(gen *g, const cust_devnet_tx *t, size_t msg_index) {
  failed(g, cust_buf_printf(g->notes->out,
                            ",\"tx\":\"%s\",\"tx_index\":%zu,\"msg_index\":%zu,"
                            "\"code\":%u",
                            t->hash, (size_t)(t - g->b->txs), msg_index, t->code));
}

static void note_msgs(gen *g, const cust_devnet_tx *t, const msg_plan *m, size_t n) {
  cust_devnet_notes *no = g->notes;
  if (no == NULL || t == NULL) {
    return;
  }
  no->n_txs++;
  if (t->code != 0) {
    no->n_failed_txs++;
  }
  for (size_t i = 0; i < n; i++) {
    const msg_plan *p = &m[i];
    if (p->kind == M_SUBMIT) {
      const char *expect = "accepted";
      const char *reason = NULL;
      if (t->code != 0) {
        expect = "failed";
        reason = t->log;
        no->n_failed++;
      } else if (strcmp(p->contract, g->w->dataverse) != 0) {
        expect = "other_contract";
        no->n_other_contract++;
      } else if (!p->is_valid) {
        expect = "rejected";
        reason = bad_reasons[p->bad];
        no->n_rejected++;
      } else if (p->revoked_at != 0 && p->revoked_at <= no->limit) {
        expect = "revoked";
        no->n_revoked++;
        no->n_quads += p->quads;
      } else {
        no->n_accepted++;
        no->n_quads += p->quads;
      }
      note_begin(g, "credential");
      note_tx(g, t, i);
      note_str(g, "credential", p->cred);
      note_str(g, "type", p->type);
      note_str(g, "subject", p->subject);
      note_str(g, "issuer", p->issuer);
      failed(g, cust_buf_printf(no->out, ",\"quads\":%zu", p->is_valid ? p->quads : (size_t)0));
      note_str(g, "expect", expect);
      note_str(g, "reason", reason);
      note_str(g, "reason_code", p->bad >= 0 ? bad_codes[p->bad] : NULL);
      if (p->revoked_at != 0 && p->revoked_at <= no->limit && t->code == 0) {
        failed(g, cust_buf_printf(no->out, ",\"revoked_height\":%" PRIu64, p->revoked_at));
      } else {
        failed(g, cust_buf_puts(no->out, ",\"revoked_height\":null"));
      }
      note_str(g, "field", p->is_claims ? "claims" : "metadata");
      note_str(g, "contract", p->contract);
      note_str(g, "sender", p->sender);
      note_str(g, "grantee", p->grantee);
      note_str(g, "fixture", p->fixture);
      if (p->nfunds) {
        failed(g, cust_buf_printf(no->out, ",\"funds\":[{\"denom\":\"%s\",\"amount\":\"%s\"}]",
                                  p->funds[0].denom, p->funds[0].amount));
      } else {
        failed(g, cust_buf_puts(no->out, ",\"funds\":[]"));
      }
      failed(g, cust_buf_puts(no->out, "}"));
    } else if (p->kind == M_REVOKE) {
      note_begin(g, "revocation");
      note_tx(g, t, i);
      note_str(g, "credential", p->cred);
      note_str(g, "sender", p->sender);
      note_str(g, "expect", t->code == 0 ? "accepted" : "failed");
      note_str(g, "reason", t->code == 0 ? NULL : t->log);
      failed(g, cust_buf_puts(no->out, "}"));
    } else {
      note_begin(g, "tx");
      note_tx(g, t, i);
      note_str(g, "what", p->kind == M_SEND ? "bank_send" : "cw20_transfer");
      note_str(g, "sender", p->sender);
      note_str(g, "contract", p->kind == M_SEND ? NULL : p->contract);
      failed(g, cust_buf_puts(no->out, "}"));
    }
  }
}

/* ---- building messages ------------------------------------------------------------------ */

/* The contract message around the N-Quads in g->nq (or raw text for the
 * malformed kinds), with the field name and format chosen per slot. */
static void submit_json(gen *g, msg_plan *p, int slot, const char *raw_metadata) {
  uint64_t r = rnd(g, 0x666d74, (uint64_t)slot);
  p->is_claims = g->w->contract == CUST_CONTRACT_AXONE_V8;
  int has_format = (r / 4) % 5 != 4;
  cust_buf_reset(&g->msg);
  failed(g, cust_buf_printf(&g->msg, "{\"submit_claims\":{\"%s\":\"",
                            p->is_claims ? "claims" : "metadata"));
  if (raw_metadata != NULL) {
    failed(g, cust_buf_puts(&g->msg, raw_metadata));
  } else {
    failed(g, cust_base64_encode(&g->msg, (const unsigned char *)g->nq.data, g->nq.len));
  }
  failed(g, cust_buf_printf(&g->msg, "\"%s}}", has_format ? ",\"format\":\"n_quads\"" : ""));
  p->json = g->st == CUST_OK ? cust_arena_strndup(&g->b->arena, g->msg.data, g->msg.len) : NULL;
  if (p->json == NULL) {
    failed(g, CUST_ERR_NOMEM);
  }
}

/* Starts a credential: resets the N-Quads and fills the plan's identity. */
static void plan_cred(gen *g, msg_plan *p, int slot, const char *type, const char *subject,
                      int issuer_ent, int sender_ent) {
  char iri[160], iss[160], w[64];
  memset(p, 0, sizeof *p);
  p->kind = M_SUBMIT;
  p->bad = -1;
  p->is_valid = 1;
  cred_iri(g, slot, type, iri);
  ent(g, issuer_ent, iss);
  wallet(g, sender_ent, w);
  p->cred = adup(g, iri);
  p->type = rebase(g, type, strlen(type));
  p->subject = adup(g, subject);
  p->issuer = adup(g, iss);
  p->sender = adup(g, w);
  p->contract = g->w->dataverse;
  cust_buf_reset(&g->nq);
}

static void finish_cred(gen *g, msg_plan *p, int slot) {
  if (g->w->ontology == CUST_DEVNET_OKP4_V3) {
    const char *nq = rebase(g, g->nq.data != NULL ? g->nq.data : "", g->nq.len);
    size_t n = strlen(nq);
    cust_buf_reset(&g->nq);
    failed(g, cust_buf_append(&g->nq, nq, n));
  }
  vc_spec v = { .iri = p->cred,
                .type = p->type,
                .subject = p->subject,
                .issuer = p->issuer,
                .has_vc_type = 1,
                .has_issuance = 1,
                .height = g->height };
  vc_finish(g, &v);
  p->quads = count_quads(&g->nq);
  submit_json(g, p, slot, NULL);
}

static int is_v5(const gen *g) {
  return g->w->ontology == CUST_DEVNET_AXONE_V5;
}

/* axone v5: one statement `s pred objs...` within `scope`, written as JSON-LD
 * without @id gives it (every value a plain literal). */
static void cred_assert(gen *g, msg_plan *p, int slot, int issuer_ent, int sender_ent,
                        const char *s, const char *pred, const char *const *objs, size_t nobj,
                        const char *scope) {
  char stmt[64], u[40];
  uuid_of(g->w, g->k, g->lane, 0x5000 + (uint64_t)slot, u);
  snprintf(stmt, sizeof stmt, "urn:uuid:%s", u);
  plan_cred(g, p, slot, V5_ASSERT "AssertionCredential", stmt, issuer_ent, sender_ent);
  q_lit(g, stmt, V5_ASSERT "subject", s, NULL);
  q_lit(g, stmt, V5_ASSERT "predicate", pred, NULL);
  for (size_t i = 0; i < nobj; i++) {
    q_lit(g, stmt, V5_ASSERT "object", objs[i], NULL);
  }
  q_lit(g, stmt, V5_ASSERT "scope", scope, NULL);
  finish_cred(g, p, slot);
}

static void cred_zone(gen *g, msg_plan *p) {
  char z[160];
  ent(g, E_ZONE, z);
  if (is_v5(g)) {
    char t[128];
    snprintf(t, sizeof t, "%s Open Data Space", PICK(g, 0x7a31, places));
    plan_cred(g, p, C_ZONE, V5_PROFILE "ProfileCredential", z, E_ZONE_OWNER, E_ZONE_OWNER);
    q_lit(g, z, "http://schema.org/name", t, NULL);
    q_lit(g, z, V5_PROFILE "tag", "Open Data", NULL);
    finish_cred(g, p, C_ZONE);
    return;
  }
  plan_cred(g, p, C_ZONE, ZONE "ZoneDescriptionCredential", z, E_ZONE_OWNER, E_ZONE_OWNER);
  claims_zone(g, z);
  finish_cred(g, p, C_ZONE);
}

static void cred_gov(gen *g, msg_plan *p, int slot, int subject_ent, int issuer_ent,
                     const char *title) {
  char s[160];
  ent(g, subject_ent, s);
  if (is_v5(g)) {
    char law[200], z[160];
    const char *o[1] = { law };
    snprintf(law, sizeof law, "cosmwasm:law-stone:%s", g->w->lawstone);
    ent(g, E_ZONE, z);
    cred_assert(g, p, slot, issuer_ent, issuer_ent, s, "http://purl.org/dc/terms/conformsTo", o, 1,
                z);
    return;
  }
  plan_cred(g, p, slot, GOV "GovernanceTextCredential", s, issuer_ent, issuer_ent);
  claims_gov(g, s, title);
  finish_cred(g, p, slot);
}

static void cred_service(gen *g, msg_plan *p, int slot, int svc_ent, int issuer_ent,
                         const char *category, const char *title, const char *publisher) {
  char s[160];
  ent(g, svc_ent, s);
  if (is_v5(g)) { /* a service is what an asserted type says it is */
    char z[160];
    const char *o[1] = { strcmp(category, "Storage") == 0
                             ? "http://schema.org/DataCatalog"
                             : "http://schema.org/SoftwareApplication" };
    ent(g, E_ZONE, z);
    cred_assert(g, p, slot, issuer_ent, issuer_ent, s,
                "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", o, 1, z);
    (void)title;
    (void)publisher;
    return;
  }
  plan_cred(g, p, slot, SVC "DigitalServiceDescriptionCredential", s, issuer_ent, issuer_ent);
  claims_service(g, s, category, title, publisher);
  finish_cred(g, p, slot);
}

static void cred_dataset(gen *g, msg_plan *p, int slot, int ds_ent, int issuer_ent) {
  char s[160];
  ent(g, ds_ent, s);
  if (is_v5(g)) {
    char z[160];
    const char *o[1] = { "http://www.w3.org/ns/dcat#Dataset" };
    ent(g, E_ZONE, z);
    cred_assert(g, p, slot, issuer_ent, issuer_ent, s,
                "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", o, 1, z);
    return;
  }
  plan_cred(g, p, slot, DSD "DatasetDescriptionCredential", s, issuer_ent, issuer_ent);
  claims_dataset(g, s, (uint64_t)ds_ent * 16, NULL, 0);
  finish_cred(g, p, slot);
}

static void cred_publication(gen *g, msg_plan *p, int slot, int ds_ent, int storage_ent,
                             int issuer_ent) {
  char s[160], st[160];
  ent(g, ds_ent, s);
  ent(g, storage_ent, st);
  plan_cred(g, p, slot, PUB "DigitalResourcePublicationCredential", s, issuer_ent, issuer_ent);
  claims_publication(g, s, st);
  finish_cred(g, p, slot);
}

static void cred_rights(gen *g, msg_plan *p, int slot, int ds_ent, int issuer_ent,
                        const char *holder) {
  char s[160];
  ent(g, ds_ent, s);
  if (is_v5(g)) {
    char z[160];
    const char *o[1] = { "https://spdx.org/licenses/CC-BY-SA-4.0" };
    ent(g, E_ZONE, z);
    cred_assert(g, p, slot, issuer_ent, issuer_ent, s, "http://purl.org/dc/terms/license", o, 1, z);
    (void)holder;
    return;
  }
  plan_cred(g, p, slot, RIGHTS "DigitalResourceRightsCredential", s, issuer_ent, issuer_ent);
  claims_rights(g, s, holder);
  finish_cred(g, p, slot);
}

static void order_iri(gen *g, size_t oi, char out[64]) {
  char u[40];
  uuid_of(g->w, g->k, g->lane, 0x2000 + oi, u);
  snprintf(out, 64, "urn:uuid:%s", u);
}

static void exec_iri(gen *g, size_t xi, char out[64]) {
  char u[40];
  uuid_of(g->w, g->k, g->lane, 0x3000 + xi, u);
  snprintf(out, 64, "urn:uuid:%s", u);
}

static const char *order_amount(gen *g, size_t oi) {
  return u64s(g, 100000u * (1u + rnd(g, 0x66756e64, oi) % 90u) + rnd(g, 0x66756e65, oi) % 1000u);
}

static void order_zone(gen *g, size_t oi, char out[160]) {
  ent(g, orders[oi].in_example_zone ? E_FIX_ZONE : E_ZONE, out);
}

/* okp4-dataverse v4-v5 keep the funds sent with a submission; from
 * axone-dataverse v6 the contract is non-payable and such a transaction fails. */
static int keeps_funds(const cust_devnet_world *w) {
  return w->contract == CUST_CONTRACT_OKP4_V5;
}

#define LOG_NONPAYABLE                                                                             \
  "failed to execute message; message index: 0: This message does no accept funds: execute "       \
  "wasm contract failed"
/* No released dataverse implements revoke_claims: its execute answers this. */
#define LOG_NOT_IMPLEMENTED                                                                        \
  "failed to execute message; message index: 0: Generic error: Not implemented: execute wasm "     \
  "contract failed"
/* The order whose payer, on a non-payable contract, first tries to pay with
 * the submission (and fails), then submits it without funds. */
#define ORDER_TRIED_WITH_FUNDS 3

static int is_v3(const gen *g) {
  return g->w->ontology == CUST_DEVNET_OKP4_V3;
}

static const char *order_type(const gen *g) {
  if (is_v5(g)) {
    return V5_ASSERT "AssertionCredential";
  }
  return is_v3(g) ? V3_ORDER "DigitalServiceExecutionOrderCredential"
                  : ORDER "OrchestrationServiceExecutionOrderCredential";
}

static const char *exec_type(const gen *g) {
  if (is_v5(g)) {
    return V5_ASSERT "AssertionCredential";
  }
  return is_v3(g) ? V3_RESULT "DigitalServiceExecutionResultCredential"
                  : EXEC "OrchestrationServiceExecutionCredential";
}

/* okp4 v3 orders and results are about the executed service: the first
 * algorithm among the inputs of the execution (of the order's first). */
static void executed_service(gen *g, size_t xi, char out[160]) {
  out[0] = '\0';
  for (int i = 0; execs[xi].in[i] != E_NONE; i++) {
    int e = execs[xi].in[i];
    if (e == E_ALGO1 || e == E_ALGO2 || e == E_ALGO3) {
      ent(g, e, out);
      return;
    }
  }
  ent(g, E_ORCH, out);
}

static size_t first_exec_of(size_t oi) {
  for (size_t xi = 0; xi < NEXECS; xi++) {
    if ((size_t)execs[xi].order == oi) {
      return xi;
    }
  }
  return 0;
}

static void cred_order(gen *g, msg_plan *p, size_t oi) {
  char o[160], ord[64], zone[160], date[40];
  ent(g, E_ORCH, o);
  order_iri(g, oi, ord);
  order_zone(g, oi, zone);
  date_of(g, g->height, 12, date);
  if (is_v5(g)) {
    /* v5 has no orders: the order says which orchestration service runs the
       execution, as an association within the zone */
    char x[64];
    const char *obj[1] = { o };
    exec_iri(g, first_exec_of(oi), x);
    cred_assert(g, p, C_ORDER + (int)oi, E_PAYER, E_PAYER, x, PROV_NS "wasAssociatedWith", obj, 1,
                zone);
  } else if (is_v3(g)) {
    /* v3: S = the service to execute; S executedBy O */
    char svc[160];
    executed_service(g, first_exec_of(oi), svc);
    plan_cred(g, p, C_ORDER + (int)oi, order_type(g), svc, E_PAYER, E_PAYER);
    q_iri(g, svc, V3_ORDER "executedBy", ord);
    q_iri(g, ord, V3_ORDER "inZone", zone);
    q_lit(g, ord, V3_ORDER "placedOn", date, XSD_DT);
    q_iri(g, ord, V3_ORDER "withParameter", "_:p1");
    q_lit(g, "_:p1", SCHEMA_VALUE, orders[oi].parameter, NULL);
  } else {
    plan_cred(g, p, C_ORDER + (int)oi, order_type(g), o, E_PAYER, E_PAYER);
    q_iri(g, o, ORDER "hasExecutionOrder", ord);
    q_iri(g, ord, ORDER "inZone", zone);
    q_lit(g, ord, ORDER "placedOn", date, XSD_DT);
    q_lit(g, ord, ORDER "withParameter", orders[oi].parameter, NULL);
  }
  if (!is_v5(g)) {
    finish_cred(g, p, C_ORDER + (int)oi);
  }
  if (keeps_funds(g->w)) {
    p->funds[0].denom = g->w->denom;
    p->funds[0].amount = order_amount(g, oi);
    p->nfunds = 1;
  }
  if (orders[oi].is_authz) {
    char r[64];
    wallet(g, E_RELAYER, r);
    p->grantee = adup(g, r);
  }
}

static int exec_final(gen *g, size_t xi) {
  int st = execs[xi].final;
  if (st == ST_FAILED_OR_CANCELLED) {
    st = rnd(g, 0x66696e, xi) % 2 ? ST_FAILED : ST_CANCELLED;
  }
  /* schema.org's action statuses, which v5 reports use, have no cancelled */
  return is_v5(g) && st == ST_CANCELLED ? ST_FAILED : st;
}

/* axone v5: the first report asserts what the execution used, the final one
 * what it generated, or its failed action status. */
static void cred_exec_v5(gen *g, msg_plan *p, size_t xi, int report) {
  const exec_def *d = &execs[xi];
  int status = report == 0 ? ST_IN_EXECUTION : exec_final(g, xi);
  char x[64], zone[160], r[8][160];
  const char *objs[8];
  size_t n = 0;
  exec_iri(g, xi, x);
  order_zone(g, (size_t)d->order, zone);
  int slot = C_EXEC + 2 * (int)xi + report;
  if (report == 0) {
    for (int i = 0; d->in[i] != E_NONE && n < 8; i++) {
      ent(g, d->in[i], r[n]);
      if (r[n][0] != '\0') {
        objs[n] = r[n];
        n++;
      }
    }
    cred_assert(g, p, slot, E_ORCH, E_OPZ, x, PROV_NS "used", objs, n, zone);
  } else if (status == ST_DELIVERED && d->out != E_NONE) {
    ent(g, d->out, r[0]);
    objs[0] = r[0];
    cred_assert(g, p, slot, E_ORCH, E_OPZ, x, PROV_NS "generated", objs, 1, zone);
  } else {
    objs[0] = status == ST_DELIVERED ? "http://schema.org/CompletedActionStatus"
                                     : "http://schema.org/FailedActionStatus";
    cred_assert(g, p, slot, E_ORCH, E_OPZ, x, "http://schema.org/actionStatus", objs, 1, zone);
  }
}

/* okp4 v3: a result credential about the executed service S; the inputs
 * other than S are parameters and the output an outcome (schema:value). */
static void cred_result_v3(gen *g, msg_plan *p, size_t xi, int report) {
  char o[160], x[64], ord[64], r[160], date[40], t[200], svc[160], node[16];
  const exec_def *d = &execs[xi];
  int status = report == 0 ? ST_IN_EXECUTION : exec_final(g, xi);
  ent(g, E_ORCH, o);
  exec_iri(g, xi, x);
  order_iri(g, (size_t)d->order, ord);
  executed_service(g, xi, svc);
  plan_cred(g, p, C_EXEC + 2 * (int)xi + report, exec_type(g), svc, E_ORCH, E_OPZ);
  q_iri(g, svc, V3_RESULT "hasExecutionResult", x);
  if (status != ST_IN_EXECUTION) { /* v3 has no InExecution concept */
    snprintf(t, sizeof t, THES "digital-service-execution-status/%s", status_names[status]);
    q_iri(g, svc, V3_RESULT "hasExecutionStatus", t);
  }
  q_iri(g, x, V3_RESULT "operatedBy", o);
  q_iri(g, x, V3_RESULT "relatedToExecutionOrder", ord);
  date_of(g, g->height, 20, date);
  q_lit(g, x, V3_RESULT "hasExecutionTime", date, XSD_DT);
  for (int i = 0; d->in[i] != E_NONE; i++) {
    ent(g, d->in[i], r);
    if (r[0] != '\0' && strcmp(r, svc) != 0) {
      snprintf(node, sizeof node, "_:p%d", i + 1);
      q_iri(g, x, V3_RESULT "withParameter", node);
      q_iri(g, node, SCHEMA_VALUE, r);
    }
  }
  if (status == ST_DELIVERED && d->out != E_NONE) {
    ent(g, d->out, r);
    q_iri(g, x, V3_RESULT "withOutcome", "_:o1");
    q_iri(g, "_:o1", SCHEMA_VALUE, r);
  }
  finish_cred(g, p, C_EXEC + 2 * (int)xi + report);
}

static void cred_exec(gen *g, msg_plan *p, size_t xi, int report) {
  char o[160], x[64], ord[64], r[160], date[40], t[200];
  const exec_def *d = &execs[xi];
  int status = report == 0 ? ST_IN_EXECUTION : exec_final(g, xi);
  if (is_v3(g)) {
    cred_result_v3(g, p, xi, report);
    return;
  }
  if (is_v5(g)) {
    cred_exec_v5(g, p, xi, report);
    return;
  }
  ent(g, E_ORCH, o);
  exec_iri(g, xi, x);
  order_iri(g, (size_t)d->order, ord);
  plan_cred(g, p, C_EXEC + 2 * (int)xi + report, exec_type(g), o, E_ORCH, E_OPZ);
  q_iri(g, o, EXEC "hasExecution", x);
  q_iri(g, x, EXEC "executionOf", ord);
  for (int i = 0; d->in[i] != E_NONE; i++) {
    ent(g, d->in[i], r);
    if (r[0] != '\0') {
      q_iri(g, x, EXEC "hasConsumedResource", r);
    }
  }
  if (status == ST_DELIVERED && d->out != E_NONE) {
    ent(g, d->out, r);
    q_iri(g, x, EXEC "hasProducedResource", r);
  }
  snprintf(t, sizeof t, THES "digital-service-execution-status/%s", status_names[status]);
  q_iri(g, x, EXEC "hasExecutionStatus", t);
  date_of(g, g->height, 20, date);
  q_lit(g, x, EXEC "hasExecutionTime", date, XSD_DT);
  snprintf(t, sizeof t, "ipfs://bafkrei%016" PRIx64 "/logs/%s.json", rnd(g, 0x657669, xi),
           status_names[status]);
  q_lit(g, x, EXEC "hasExecutionEvidence", t, NULL);
  if (d->parent >= 0) {
    char parent[64];
    exec_iri(g, (size_t)d->parent, parent);
    q_iri(g, x, EXEC "partOfExecution", parent);
  }
  finish_cred(g, p, C_EXEC + 2 * (int)xi + report);
}

/* A malformed submission of `kind`: everything but the fault is right. */
static void cred_bad(gen *g, msg_plan *p, int slot, int kind) {
  char s[160];
  if (kind == BAD_OVERSIZED && g->lane != 0) {
    kind = BAD_NO_VC; /* one megabyte per cycle is enough, even at --scale 1000 */
  }
  ent(g, E_DS_BAD, s);
  plan_cred(g, p, slot, DSD "DatasetDescriptionCredential", s, E_ALICE, E_ALICE);
  p->is_valid = 0;
  p->bad = kind;
  if (kind == BAD_BASE64) {
    p->cred = NULL;
    p->type = NULL;
    p->subject = NULL;
    p->issuer = NULL;
    submit_json(g, p, slot, "PDx0aGlzIGlzIG5vdCBiYXNlNjQ+Pg!!*");
    return;
  }
  if (kind == BAD_NOT_NQUADS) {
    p->cred = NULL;
    p->type = NULL;
    p->subject = NULL;
    p->issuer = NULL;
    static const char text[] = "@prefix dsd: <" DSD "> .\n[] a dsd:DatasetDescriptionCredential "
                               "; dsd:hasTitle \"turtle, not N-Quads\" .\n";
    cust_buf_reset(&g->tmp);
    failed(g, cust_base64_encode(&g->tmp, (const unsigned char *)text, sizeof text - 1));
    submit_json(g, p, slot, g->tmp.data);
    return;
  }
  cust_buf filler;
  cust_buf_init(&filler);
  if (kind == BAD_OVERSIZED) {
    static const char words[] = "hourly sensor readings with calibration notes ";
    while (g->st == CUST_OK && filler.len < OVERSIZE_BYTES) {
      failed(g, cust_buf_append(&filler, words, sizeof words - 1));
    }
  }
  claims_dataset(g, s, 0x626164, kind == BAD_OVERSIZED ? filler.data : NULL, filler.len);
  cust_buf_release(&filler);
  vc_spec v = { .iri = kind == BAD_BLANK_VC ? NULL : p->cred,
                .type = p->type,
                .subject = p->subject,
                .issuer = p->issuer,
                .has_vc_type = kind != BAD_NO_VC,
                .has_issuance = kind != BAD_NO_ISSUANCE,
                .height = g->height };
  char s2[160];
  if (kind == BAD_TWO_SUBJECTS) {
    ent(g, E_DSA, s2);
    v.subject2 = s2;
  }
  if (kind == BAD_TWO_TYPES) {
    v.type2 = SVC "DigitalServiceDescriptionCredential";
  }
  vc_finish(g, &v);
  p->quads = count_quads(&g->nq);
  if (kind == BAD_BLANK_VC) {
    p->cred = NULL;
  }
  submit_json(g, p, slot, NULL);
}

static void plan_revoke(gen *g, msg_plan *p, int slot, const char *type, int sender_ent) {
  char iri[160], w[64];
  memset(p, 0, sizeof *p);
  p->kind = M_REVOKE;
  p->bad = -1;
  cred_iri(g, slot, is_v5(g) ? V5_ASSERT : type, iri);
  wallet(g, sender_ent, w);
  p->cred = adup(g, iri);
  p->sender = adup(g, w);
  p->contract = g->w->dataverse;
  p->json = cust_arena_printf(&g->b->arena, "{\"revoke_claims\":{\"identifier\":\"%s\"}}", iri);
  p->quads = 10 + rnd(g, 0x72766b, (uint64_t)slot) % 8;
  if (p->json == NULL || p->cred == NULL) {
    failed(g, CUST_ERR_NOMEM);
  }
}

static void plan_cw20(gen *g, msg_plan *p) {
  char a[64], r[64];
  memset(p, 0, sizeof *p);
  p->kind = M_CW20;
  p->bad = -1;
  wallet(g, E_TRADER, a);
  wallet(g, E_RECIPIENT, r);
  p->sender = adup(g, a);
  p->recipient = adup(g, r);
  p->contract = g->w->cw20;
  p->amount = u64s(g, 1 + rnd(g, 0x637732, g->height) % 100000000u);
  p->json = cust_arena_printf(
      &g->b->arena, "{\"transfer\":{\"recipient\":\"%s\",\"amount\":\"%s\"}}", r, p->amount);
  if (p->json == NULL) {
    failed(g, CUST_ERR_NOMEM);
  }
}

static void plan_send(gen *g, msg_plan *p) {
  char a[64], r[64];
  memset(p, 0, sizeof *p);
  p->kind = M_SEND;
  p->bad = -1;
  wallet(g, E_TRADER, a);
  wallet(g, E_RECIPIENT, r);
  p->sender = adup(g, a);
  p->recipient = adup(g, r);
  p->amount = u64s(g, 1 + rnd(g, 0x73656e64, g->height) % 1000000000u);
  p->denom = g->w->denom;
}

/* Emits the messages as one transaction and records them in the manifest. */
static void one_tx(gen *g, msg_plan *m, size_t n, const char *memo) {
  cust_devnet_tx *t = emit_tx(g, m, n, memo, 0, "", NULL);
  note_msgs(g, t, m, n);
}

static void failed_tx(gen *g, msg_plan *m, uint32_t code, const char *codespace, const char *log,
                      const char *memo) {
  cust_devnet_tx *t = emit_tx(g, m, 1, memo, code, codespace, log);
  note_msgs(g, t, m, 1);
}

/* ---- executions in the manifest ----------------------------------------------------------- */

static void note_execution(gen *g, size_t xi) {
  cust_devnet_notes *no = g->notes;
  const exec_def *d = &execs[xi];
  uint64_t h_start = off_height(g, d->start), h_end = off_height(g, d->end);
  int done = h_end <= no->limit;
  int status = done ? exec_final(g, xi) : ST_IN_EXECUTION;
  char x[64], ord[64], zone[160], payer[160], orch[160], r[160], cred[160];
  exec_iri(g, xi, x);
  order_iri(g, (size_t)d->order, ord);
  order_zone(g, (size_t)d->order, zone);
  ent(g, E_PAYER, payer);
  ent(g, E_ORCH, orch);
  no->n_executions++;
  if (status == ST_DELIVERED) {
    no->n_delivered++;
  } else if (status == ST_FAILED) {
    no->n_failed_exec++;
  } else if (status == ST_CANCELLED) {
    no->n_cancelled++;
  } else {
    no->n_in_execution++;
  }
  note_begin(g, "execution");
  note_str(g, "execution", x);
  note_str(g, "name", d->name);
  note_str(g, "order", is_v5(g) ? NULL : ord);
  cred_iri(g, C_ORDER + d->order, order_type(g), cred);
  note_str(g, "order_credential", cred);
  failed(g, cust_buf_printf(no->out, ",\"order_height\":%" PRIu64,
                            off_height(g, orders[d->order].off)));
  note_str(g, "zone", zone);
  note_str(g, "payer", payer);
  /* v5: only the first execution of an order is associated with its service */
  note_str(g, "orchestrator", is_v5(g) && first_exec_of((size_t)d->order) != xi ? NULL : orch);
  if (is_v3(g)) {
    char svc[160];
    executed_service(g, xi, svc);
    note_str(g, "service", svc);
  }
  if (keeps_funds(g->w)) {
    failed(g, cust_buf_printf(no->out, ",\"funds\":[{\"denom\":\"%s\",\"amount\":\"%s\"}]",
                              g->w->denom, order_amount(g, (size_t)d->order)));
  } else {
    failed(g, cust_buf_puts(no->out, ",\"funds\":[]"));
  }
  note_str(g, "status", status_names[status]);
  failed(g, cust_buf_printf(no->out, ",\"final\":%s", done ? "true" : "false"));
  failed(g, cust_buf_puts(no->out, ",\"reports\":["));
  for (int rep = 0; rep < 2; rep++) {
    uint64_t h = rep == 0 ? h_start : h_end;
    if (h > no->limit) {
      break;
    }
    cred_iri(g, C_EXEC + 2 * (int)xi + rep, exec_type(g), cred);
    failed(g, cust_buf_printf(no->out,
                              "%s{\"credential\":\"%s\",\"status\":\"%s\",\"height\":%" PRIu64 "}",
                              rep ? "," : "", cred,
                              status_names[rep == 0 ? ST_IN_EXECUTION : exec_final(g, xi)], h));
  }
  failed(g, cust_buf_puts(no->out, "],\"consumed\":["));
  int first = 1;
  for (int i = 0; d->in[i] != E_NONE; i++) {
    ent(g, d->in[i], r);
    if (r[0] != '\0') {
      failed(g, cust_buf_printf(no->out, "%s\"%s\"", first ? "" : ",", r));
      first = 0;
    }
  }
  failed(g, cust_buf_puts(no->out, "],\"produced\":["));
  if (status == ST_DELIVERED && d->out != E_NONE) {
    ent(g, d->out, r);
    failed(g, cust_buf_printf(no->out, "\"%s\"", r));
  }
  failed(g, cust_buf_puts(no->out, "]"));
  if (d->parent >= 0 && !is_v3(g) && !is_v5(g)) { /* v3 and v5 have no part-of */
    exec_iri(g, (size_t)d->parent, r);
    note_str(g, "part_of", r);
  } else {
    note_str(g, "part_of", NULL);
  }
  failed(g, cust_buf_puts(no->out, "}"));
}

/* ---- the script ------------------------------------------------------------------------------ */

static void lane_step(gen *g, int off) {
  msg_plan m[3];
  int bad_kind = (int)((2 * (g->k + g->lane)) % 8);
  switch (off) {
    case 0:
      cred_zone(g, &m[0]);
      cred_gov(g, &m[1], C_ZONE_GOV, E_ZONE, E_ZONE_OWNER, "Data space governance");
      one_tx(g, m, 2, NULL);
      break;
    case 1: {
      char title[64];
      snprintf(title, sizeof title, "%s Object Store", PICK(g, 0x7331, places));
      cred_service(g, &m[0], C_STORAGE, E_STORAGE, E_STORECO, "Storage", title, "StoreCo");
      one_tx(g, m, 1, NULL);
      const char *c1 = processing[rnd(g, 0x6131, 0) % 10];
      const char *c2 = processing[rnd(g, 0x6132, 0) % 10];
      const char *c3 = processing[rnd(g, 0x6133, 0) % 10];
      cred_service(g, &m[0], C_ALGO1, E_ALGO1, E_BOB, c1, "Bob's first algorithm", "Bob Labs");
      cred_service(g, &m[1], C_ALGO2, E_ALGO2, E_BOB, c2, "Bob's second algorithm", "Bob Labs");
      one_tx(g, m, 2, NULL);
      cred_service(g, &m[0], C_ALGO3, E_ALGO3, E_CAROL, c3, "Carol's model", "Carol Analytics");
      one_tx(g, m, 1, NULL);
      cred_service(g, &m[0], C_ORCH, E_ORCH, E_OPZ, "DataIntegration", "OpZ orchestrator", "OpZ");
      one_tx(g, m, 1, NULL);
      break;
    }
    case 2:
      cred_dataset(g, &m[0], C_DSA, E_DSA, E_ALICE);
      one_tx(g, m, 1, NULL);
      if (!is_v3(g) && !is_v5(g)) { /* okp4 v3 and axone v5 have no publication */
        cred_publication(g, &m[0], C_DSA_PUB, E_DSA, E_STORAGE, E_ALICE);
        one_tx(g, m, 1, NULL);
      }
      cred_rights(g, &m[0], C_DSA_RIGHTS, E_DSA, E_ALICE, "Alice");
      one_tx(g, m, 1, NULL);
      cred_dataset(g, &m[0], C_DSB_V1, E_DSB, E_XAVIER);
      one_tx(g, m, 1, NULL);
      if (!is_v3(g) && !is_v5(g)) {
        cred_publication(g, &m[0], C_DSB_PUB, E_DSB, E_FIX_STORAGE, E_XAVIER);
        one_tx(g, m, 1, NULL);
      }
      break;
    case 3:
      cred_gov(g, &m[0], C_DSA_GOV, E_DSA, E_ALICE, "Dataset usage rules");
      one_tx(g, m, 1, NULL);
      plan_send(g, &m[0]);
      one_tx(g, m, 1, NULL);
      plan_cw20(g, &m[0]);
      one_tx(g, m, 1, NULL);
      cred_bad(g, &m[0], C_BAD1, bad_kind);
      one_tx(g, m, 1, NULL);
      if (g->lane == 0 && g->k % 4 == 1) {
        /* bytes that are not a TxRaw: field 1 with the invalid wire type 7 */
        cust_devnet_tx *t = tx_push(g);
        if (t != NULL) {
          static const unsigned char junk[] = { 0x0f, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02 };
          t->raw = cust_arena_alloc(&g->b->arena, sizeof junk + 8);
          if (t->raw == NULL) {
            failed(g, CUST_ERR_NOMEM);
            break;
          }
          memcpy(t->raw, junk, sizeof junk);
          uint64_t h = rnd(g, 0x6a756e6b, 0);
          memcpy(t->raw + sizeof junk, &h, 8);
          t->len = sizeof junk + 8;
          unsigned char d[32];
          cust_sha256(t->raw, t->len, d);
          cust_hex_upper(d, 32, t->hash);
          t->code = 2;
          t->codespace = "sdk";
          t->log = "tx parse error";
          t->gas_wanted = 0;
          t->gas_used = 0;
          if (g->notes != NULL) {
            g->notes->n_txs++;
            g->notes->n_failed_txs++;
            note_begin(g, "tx");
            note_tx(g, t, 0);
            note_str(g, "what", "undecodable");
            failed(g, cust_buf_puts(g->notes->out, "}"));
          }
        }
      }
      break;
    case 8:
      cred_dataset(g, &m[0], C_DSA, E_DSA, E_ALICE);
      failed_tx(g, m, 5, "wasm",
                "failed to execute message; message index: 0: credential already exists: "
                "execute wasm contract failed",
                "retry");
      break;
    case REVOKE_DSB_V1_OFF:
      plan_revoke(g, &m[0], C_DSB_V1, DSD, E_XAVIER);
      failed_tx(g, m, 5, "wasm", LOG_NOT_IMPLEMENTED, NULL);
      break;
    case 10:
      cred_dataset(g, &m[0], C_DSB_V2, E_DSB, E_YOLANDA);
      one_tx(g, m, 1, NULL);
      cred_bad(g, &m[0], C_BAD2, (bad_kind + 1) % 8);
      one_tx(g, m, 1, NULL);
      break;
    case 15:
      cred_dataset(g, &m[0], C_OOG, E_DS_OOG, E_ALICE);
      failed_tx(g, m, 11, "sdk",
                "out of gas in location: WriteFlat; gasWanted: 400000, gasUsed: 400417: out of "
                "gas",
                NULL);
      break;
    case 16:
      cred_dataset(g, &m[0], C_DECOY, E_DS_DECOY, E_YOLANDA);
      m[0].contract = g->w->decoy;
      one_tx(g, m, 1, NULL);
      break;
    case REVOKE_DSA_RIGHTS_OFF:
      plan_revoke(g, &m[0], C_DSA_RIGHTS, RIGHTS, E_ALICE);
      failed_tx(g, m, 5, "wasm", LOG_NOT_IMPLEMENTED, NULL);
      plan_revoke(g, &m[0], C_UNKNOWN, DSD, E_TRADER);
      failed_tx(g, m, 5, "wasm", LOG_NOT_IMPLEMENTED, NULL);
      break;
    case 20:
      cred_rights(g, &m[0], C_DSB_RIGHTS, E_DSB, E_YOLANDA, "Yolanda");
      plan_cw20(g, &m[1]);
      one_tx(g, m, 2, NULL);
      break;
    default:
      break;
  }
  /* orders: those of one offset go in one transaction; on a non-payable
     contract one payer first tries to pay with the submission */
  if (!keeps_funds(g->w) && orders[ORDER_TRIED_WITH_FUNDS].off == off) {
    cred_order(g, &m[0], ORDER_TRIED_WITH_FUNDS);
    m[0].funds[0].denom = g->w->denom;
    m[0].funds[0].amount = order_amount(g, ORDER_TRIED_WITH_FUNDS);
    m[0].nfunds = 1;
    failed_tx(g, m, 5, "wasm", LOG_NONPAYABLE, NULL);
  }
  size_t n = 0;
  for (size_t oi = 0; oi < NORDERS && g->st == CUST_OK; oi++) {
    if (orders[oi].off == off) {
      cred_order(g, &m[n], oi);
      n++;
    }
  }
  if (n > 0) {
    one_tx(g, m, n, NULL);
  }
  /* execution reports: one transaction each */
  for (size_t xi = 0; xi < NEXECS && g->st == CUST_OK; xi++) {
    int rep = execs[xi].start == off ? 0 : execs[xi].end == off ? 1 : -1;
    if (rep < 0) {
      continue;
    }
    cred_exec(g, &m[0], xi, rep);
    one_tx(g, m, 1, NULL);
    if (g->notes != NULL) {
      uint64_t h_end = off_height(g, execs[xi].end);
      if ((rep == 1 && h_end <= g->notes->limit) || (rep == 0 && h_end > g->notes->limit)) {
        note_execution(g, xi);
      }
    }
  }
}

static void prologue(gen *g) {
  const cust_devnet_world *w = g->w;
  int groups[2][3] = { { w->fix_zone, w->fix_zone_gov, -1 },
                       { w->fix_storage, w->fix_dataset, w->fix_dataset_gov } };
  int gi = g->height == 2 ? 0 : g->height == 3 ? 1 : -1;
  if (gi < 0) {
    return;
  }
  char sender[64];
  wallet_of(w, UINT64_MAX, 0, E_ZONE_OWNER, sender);
  msg_plan m[2];
  for (int i = 0; i < 3 && g->st == CUST_OK; i++) {
    int f = groups[gi][i];
    if (f < 0) {
      continue;
    }
    const cust_devnet_fixinfo *fi = &w->fix[f];
    size_t n = gi == 0 ? (size_t)i : 0;
    msg_plan *p = &m[n];
    memset(p, 0, sizeof *p);
    p->kind = M_SUBMIT;
    p->bad = -1;
    p->is_valid = 1;
    p->cred = fi->iri;
    p->type = fi->type;
    p->subject = fi->subject;
    p->issuer = fi->issuer;
    p->sender = adup(g, sender);
    p->contract = w->dataverse;
    p->quads = fi->quads;
    p->fixture = fi->fx->name;
    p->is_claims = w->contract == CUST_CONTRACT_AXONE_V8;
    cust_buf_reset(&g->msg);
    failed(g, cust_buf_printf(&g->msg, "{\"submit_claims\":{\"%s\":\"",
                              p->is_claims ? "claims" : "metadata"));
    failed(g, cust_base64_encode(&g->msg, (const unsigned char *)fi->fx->text, fi->fx->len));
    failed(g, cust_buf_puts(&g->msg, "\",\"format\":\"n_quads\"}}"));
    p->json = g->st == CUST_OK ? cust_arena_strndup(&g->b->arena, g->msg.data, g->msg.len) : NULL;
    if (p->json == NULL) {
      failed(g, CUST_ERR_NOMEM);
    }
    if (gi == 1) {
      one_tx(g, m, 1, NULL);
    }
  }
  if (gi == 0) {
    one_tx(g, m, 2, NULL);
  }
}

void cust_devnet_block_init(cust_devnet_block *b) {
  memset(b, 0, sizeof *b);
  cust_arena_init(&b->arena, 256 * 1024);
}

void cust_devnet_block_release(cust_devnet_block *b) {
  if (b == NULL) {
    return;
  }
  cust_arena_release(&b->arena);
  memset(b, 0, sizeof *b);
}

cust_status cust_devnet_block_build(const cust_devnet_world *w, uint64_t height,
                                    cust_devnet_block *b, cust_devnet_notes *notes) {
  gen g;
  memset(&g, 0, sizeof g);
  cust_arena_reset(&b->arena);
  if (b->arena.chunk_size == 0) {
    cust_arena_init(&b->arena, 256 * 1024);
  }
  b->txs = NULL;
  b->ntxs = b->cap = 0;
  b->height = height;
  g.w = w;
  g.b = b;
  g.notes = notes;
  g.height = height;
  cust_buf_init(&g.nq);
  cust_buf_init(&g.msg);
  cust_buf_init(&g.raw);
  cust_buf_init(&g.tmp);
  if (w->empty_blocks != 0) {
    uint64_t span = w->empty_blocks + 1;
    g.height = (height - 1) % span == 0 ? (height - 1) / span + 1 : 0;
  }
  if (g.height == 0) {
    g.k = UINT64_MAX; /* an empty height of a sparse chain */
  } else if (g.height < PROLOGUE) {
    g.k = UINT64_MAX;
    prologue(&g);
  } else {
    g.k = (g.height - PROLOGUE) / CYCLE_LEN;
    g.base = PROLOGUE + g.k * CYCLE_LEN;
    int off = (int)(g.height - g.base);
    if (g.k % QUIET_CYCLE != QUIET_CYCLE - 1) {
      for (g.lane = 0; g.lane < w->scale && g.st == CUST_OK; g.lane++) {
        lane_step(&g, off);
      }
    }
  }
  cust_buf_release(&g.nq);
  cust_buf_release(&g.msg);
  cust_buf_release(&g.raw);
  cust_buf_release(&g.tmp);
  if (g.st != CUST_OK) {
    return g.st;
  }
  /* the header: data hash over the tx hashes, block hash over the fields */
  cust_devnet_block_time(w, height, b->time);
  unsigned char d[32];
  cust_buf acc;
  cust_buf_init(&acc);
  cust_status st = CUST_OK;
  b->size = 600;
  for (size_t i = 0; i < b->ntxs && st == CUST_OK; i++) {
    st = cust_buf_puts(&acc, b->txs[i].hash);
    b->size += b->txs[i].len + 4;
  }
  cust_sha256((const unsigned char *)(acc.data ? acc.data : ""), acc.len, d);
  cust_hex_upper(d, 32, b->data_hash);
  cust_buf_reset(&acc);
  if (st == CUST_OK) {
    st = cust_buf_printf(&acc, "%s|%" PRIu64 "|%" PRIu64 "|%s|%s|%" PRIu64, w->chain_id, w->seed,
                         height, b->time, b->data_hash, w->scale);
  }
  if (st == CUST_OK) {
    cust_sha256((const unsigned char *)acc.data, acc.len, d);
    cust_hex_upper(d, 32, b->hash);
  }
  cust_buf_release(&acc);
  return st;
}
