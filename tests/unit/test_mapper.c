/* Unit tests of the mapper: blocks built by hand go through
 * cust_mapper_map_block into an in-memory store that plays the graph view. */
#include "config.h"

#include <sys/stat.h>
#include <unistd.h>

#include "mapper/mapper.h"
#include "store/store.h"
#include "tap.h"

#define RDF "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define XSD "http://www.w3.org/2001/XMLSchema#"
#define CRED "https://www.w3.org/2018/credentials#"
#define SEC "https://w3id.org/security#"
#define PROV "http://www.w3.org/ns/prov#"
#define CUST "https://w3id.org/custodian/ns#"
#define V3 "https://w3id.org/okp4/ontology/v3/"
#define V4 "https://w3id.org/axone/ontology/v4/"
#define ORDER V4 "schema/credential/orchestration-service/execution-order/"
#define EXEC V4 "schema/credential/orchestration-service/execution/"
#define STATUS V4 "thesaurus/digital-service-execution-status/"
#define LEDGER "<" CUST_GRAPH_LEDGER ">"
#define CURRENT "<" CUST_GRAPH_CURRENT ">"
#define DV "okp41dataverse"
#define CHAIN "okp4-test-1"
#define HASH_A "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"
#define HASH_B "BBBBBBBBBBBBBBBB0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"
#define HASH_C "CCCCCCCCCCCCCCCC0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"
#define TX_A "<urn:cosmos:" CHAIN ":tx:" HASH_A ">"
#define TX_B "<urn:cosmos:" CHAIN ":tx:" HASH_B ">"

/* ---- an in-memory store ------------------------------------------------------ */

typedef struct fstore {
  cust_quad *q;
  size_t n, cap;
  cust_arena a;
  int is_failing; /* find fails with CUST_ERR_IO */
} fstore;

static cust_term dup_term(cust_arena *a, const cust_term *t) {
  cust_term d = *t;
  if (t->kind != CUST_TERM_NONE) {
    d.value = cust_arena_strndup(a, t->value, t->len);
    d.lang = t->lang ? cust_arena_strdup(a, t->lang) : NULL;
    d.datatype = t->datatype ? cust_arena_strdup(a, t->datatype) : NULL;
  }
  return d;
}

static int term_match(const cust_term *pat, const cust_term *t) {
  return pat->kind == CUST_TERM_NONE || cust_term_equal(pat, t);
}

static void fs_apply(fstore *f, const cust_changes *c) {
  for (size_t i = 0; i < c->len; i++) {
    const cust_change *ch = &c->items[i];
    if (ch->kind == CUST_CHANGE_REMOVE_SP) {
      size_t w = 0;
      for (size_t r = 0; r < f->n; r++) {
        if (!(cust_term_equal(&f->q[r].s, &ch->q.s) && cust_term_equal(&f->q[r].p, &ch->q.p) &&
              cust_term_equal(&f->q[r].g, &ch->q.g))) {
          f->q[w++] = f->q[r];
        }
      }
      f->n = w;
      continue;
    }
    int is_dup = 0;
    for (size_t r = 0; r < f->n && !is_dup; r++) {
      is_dup = cust_term_equal(&f->q[r].s, &ch->q.s) && cust_term_equal(&f->q[r].p, &ch->q.p) &&
               cust_term_equal(&f->q[r].o, &ch->q.o) && cust_term_equal(&f->q[r].g, &ch->q.g);
    }
    if (is_dup) {
      continue;
    }
    if (f->n == f->cap) {
      f->cap = f->cap ? f->cap * 2 : 256;
      f->q = realloc(f->q, f->cap * sizeof *f->q);
    }
    cust_quad *d = &f->q[f->n++];
    d->s = dup_term(&f->a, &ch->q.s);
    d->p = dup_term(&f->a, &ch->q.p);
    d->o = dup_term(&f->a, &ch->q.o);
    d->g = dup_term(&f->a, &ch->q.g);
  }
}

static cust_status fs_find(void *ud, const cust_quad *pat, cust_quad_fn fn, void *fn_ud) {
  fstore *f = ud;
  if (f->is_failing) {
    return CUST_ERR_IO;
  }
  for (size_t i = 0; i < f->n; i++) {
    const cust_quad *q = &f->q[i];
    if (term_match(&pat->s, &q->s) && term_match(&pat->p, &q->p) && term_match(&pat->o, &q->o) &&
        term_match(&pat->g, &q->g) && fn(fn_ud, q) != 0) {
      break;
    }
  }
  return CUST_OK;
}

static void fs_init(fstore *f) {
  memset(f, 0, sizeof *f);
  cust_arena_init(&f->a, 64 * 1024);
}

static void fs_release(fstore *f) {
  free(f->q);
  cust_arena_release(&f->a);
}

static int cmp_lines(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The store as sorted N-Quads, without the graph `skip` (NULL: all). */
static char *fs_dump(const fstore *f, const char *skip) {
  char **lines = calloc(f->n + 1, sizeof *lines);
  size_t n = 0;
  for (size_t i = 0; i < f->n; i++) {
    if (skip != NULL && f->q[i].g.kind == CUST_TERM_IRI && strcmp(f->q[i].g.value, skip) == 0) {
      continue;
    }
    cust_buf b;
    cust_buf_init(&b);
    cust_quad_write_nq(&b, &f->q[i]);
    lines[n++] = cust_buf_steal(&b, NULL);
  }
  qsort(lines, n, sizeof *lines, cmp_lines);
  cust_buf out;
  cust_buf_init(&out);
  cust_buf_puts(&out, "");
  for (size_t i = 0; i < n; i++) {
    cust_buf_puts(&out, lines[i]);
    free(lines[i]);
  }
  free(lines);
  return cust_buf_steal(&out, NULL);
}

/* Whether the store holds the N-Quads line `q` (without " .\n"). */
static int has(const fstore *f, const char *q) {
  char *d = fs_dump(f, NULL);
  size_t n = strlen(q);
  int found = 0;
  for (const char *p = d; (p = strstr(p, q)) != NULL; p++) {
    if ((p == d || p[-1] == '\n') && strncmp(p + n, " .\n", 3) == 0) {
      found = 1;
      break;
    }
  }
  free(d);
  return found;
}

/* How many quads have the subject (N-Quads form) `s` in graph `g` (NULL: any). */
static size_t count_graph(const fstore *f, const char *g) {
  size_t n = 0;
  for (size_t i = 0; i < f->n; i++) {
    if (f->q[i].g.kind == CUST_TERM_IRI && strcmp(f->q[i].g.value, g) == 0) {
      n++;
    }
  }
  return n;
}

/* The value of the first literal whose predicate is `p`, in the ledger. */
static const char *ledger_value(const fstore *f, const char *p) {
  for (size_t i = 0; i < f->n; i++) {
    if (strcmp(f->q[i].p.value, p) == 0) {
      return f->q[i].o.value;
    }
  }
  return NULL;
}

/* ---- blocks ------------------------------------------------------------------------ */

typedef struct tblock {
  cust_block b;
  cust_tx txs[8];
  cust_msg msgs[8][4];
} tblock;

static void tb_init(tblock *t, uint64_t height) {
  memset(t, 0, sizeof *t);
  t->b.chain_id = CHAIN;
  t->b.height = height;
  t->b.time = "2024-05-06T10:00:00.123456789Z";
  t->b.hash = "BLOCKHASH";
  t->b.last_hash = "";
  t->b.txs = t->txs;
  cust_arena_init(&t->b.arena, 64 * 1024);
}

static void tb_release(tblock *t) {
  cust_arena_release(&t->b.arena);
}

/* Adds a transaction; returns its first message to fill. */
static cust_msg *tb_tx(tblock *t, const char *hash, uint32_t code, size_t nmsgs) {
  cust_tx *tx = &t->txs[t->b.ntxs];
  tx->index = (uint32_t)t->b.ntxs;
  snprintf(tx->hash, sizeof tx->hash, "%.*s", (int)(sizeof tx->hash - 1), hash);
  tx->code = code;
  tx->codespace = code ? "wasm" : "";
  tx->log = code ? "failed to execute message; message index: 0: duplicate credential" : "";
  tx->msgs = t->msgs[t->b.ntxs];
  tx->nmsgs = nmsgs;
  for (size_t i = 0; i < nmsgs; i++) {
    cust_msg *m = &tx->msgs[i];
    m->type_url = "/cosmwasm.wasm.v1.MsgExecuteContract";
    m->msg_index = (uint32_t)i;
    m->sender = "okp41sender";
    m->contract = DV;
  }
  t->b.ntxs++;
  return tx->msgs;
}

static void set_json(tblock *t, cust_msg *m, const char *json) {
  m->json = cust_arena_strdup(&t->b.arena, json);
  m->json_len = strlen(json);
}

/* {"submit_claims":{FIELD:base64(nq)}} */
static void set_claims(tblock *t, cust_msg *m, const char *field, const char *nq, size_t len) {
  cust_buf b64, js;
  cust_buf_init(&b64);
  cust_buf_init(&js);
  cust_buf_puts(&b64, "");
  cust_base64_encode(&b64, (const unsigned char *)nq, len);
  cust_buf_printf(&js, "{\"submit_claims\":{\"%s\":\"%s\",\"format\":\"n_quads\"}}", field,
                  b64.data);
  set_json(t, m, js.data);
  cust_buf_release(&b64);
  cust_buf_release(&js);
}

static void set_nq(tblock *t, cust_msg *m, const char *nq) {
  set_claims(t, m, "metadata", nq, strlen(nq));
}

static void set_revoke(tblock *t, cust_msg *m, const char *id) {
  char js[512];
  snprintf(js, sizeof js, "{\"revoke_claims\":{\"identifier\":\"%s\"}}", id);
  set_json(t, m, js);
}

/* A credential of `type` about `subject`, with a proof graph and `body`. */
static char *credential(const char *id, const char *type, const char *subject, const char *body) {
  cust_buf b;
  cust_buf_init(&b);
  cust_buf_printf(&b,
                  "<%s> <" RDF "type> <%s> .\n"
                  "<%s> <" RDF "type> <" CRED "VerifiableCredential> .\n"
                  "<%s> <" CRED "credentialSubject> <%s> .\n"
                  "<%s> <" CRED "issuer> <did:key:issuer> .\n"
                  "<%s> <" CRED "issuanceDate> \"2024-01-01T00:00:00Z\"^^<" XSD "dateTime> .\n"
                  "<%s> <" SEC "proof> _:proof .\n"
                  "_:sig <" SEC "jws> \"eyJ..sig\" _:proof .\n%s",
                  id, type, id, id, subject, id, id, id, body ? body : "");
  return cust_buf_steal(&b, NULL);
}

/* Maps `t` with `m` over `f` and applies the result; returns the status. */
static cust_status run(cust_mapper *m, fstore *f, tblock *t, cust_mapper_stats *st) {
  cust_changes c;
  cust_changes_init(&c);
  cust_graph_view v = { f, fs_find };
  cust_status s = cust_mapper_map_block(m, &t->b, &v, &c, st);
  if (s == CUST_OK) {
    fs_apply(f, &c);
  }
  cust_changes_release(&c);
  return s;
}

static cust_mapper *new_mapper(size_t max, int with_dataverse) {
  static const char *const dvs[] = { DV };
  cust_mapper_config cfg = { CHAIN, with_dataverse ? dvs : NULL, with_dataverse ? 1 : 0, max };
  cust_mapper *m = NULL;
  if (cust_mapper_new(&cfg, NULL, &m) != CUST_OK) {
    return NULL;
  }
  return m;
}

/* Maps one credential in one block; returns the reason of the rejection or
 * NULL (the string is static). */
static const char *rejection_of(const char *nq, size_t len) {
  static char reason[600];
  cust_mapper *m = new_mapper(4096, 1);
  fstore f;
  fs_init(&f);
  tblock t;
  tb_init(&t, 10);
  cust_msg *msg = tb_tx(&t, HASH_A, 0, 1);
  set_claims(&t, msg, "metadata", nq, len);
  cust_mapper_stats st = { 0 };
  run(m, &f, &t, &st);
  const char *r = ledger_value(&f, CUST "reason");
  snprintf(reason, sizeof reason, "%s", r ? r : "");
  int is_rejected = st.rejections == 1 && st.credentials == 0 && r != NULL;
  tb_release(&t);
  fs_release(&f);
  cust_mapper_free(m);
  return is_rejected ? reason : NULL;
}

static int reason_has(const char *nq, const char *want) {
  const char *r = rejection_of(nq, strlen(nq));
  if (r == NULL || strstr(r, want) == NULL) {
    printf("# reason: %s\n#   wanted: %s\n", r ? r : "(accepted)", want);
    return 0;
  }
  return 1;
}

/* ---- the five real credentials --------------------------------------------------------- */

/* A file of tests/data/<dir>; a missing one fails the test (it ships with the
 * sources), and NULL is returned. */
static char *read_fixture_in(const char *dir, const char *name, size_t *len) {
  char path[1024];
  snprintf(path, sizeof path, "%s/tests/data/%s/%s", tap_srcdir(), dir, name);
  FILE *fp = fopen(path, "rb");
  *len = 0;
  if (fp == NULL) {
    ok(0, "cannot read the fixture \"%s\"", path);
    return NULL;
  }
  cust_buf b;
  cust_buf_init(&b);
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
    cust_buf_append(&b, chunk, n);
  }
  fclose(fp);
  return cust_buf_steal(&b, len);
}

static char *read_fixture(const char *name, size_t *len) {
  return read_fixture_in("okp4-v3-examples", name, len);
}

typedef struct fixture {
  const char *file;
  const char *cred;
  const char *subject;
  const char *type;
  size_t nquads;        /* lines of the file */
  const char *derived1; /* derived triples, in the credential's graph */
  const char *derived2;
  size_t nderived; /* how many triples are derived in all */
} fixture;

static void test_fixtures(void) {
#define DSD V3 "schema/credential/dataset/description/"
#define ZONE V3 "schema/credential/zone/description/"
#define GOV V3 "schema/credential/governance/text/"
#define SVC V3 "schema/credential/digital-service/description/"
#define ISSUER "did:key:zQ3shs7auhJSmVJpiUbQWco6bxxEhSqWnVEPvaBHBRvBKw6Q3"
#define ZONE_DID "did:key:zQ3shunN7us5oKNYKKzprW8nP5HAoTf4t2Fxyudho5zMAR1PQ"
#define DATA_DID "did:key:zQ3shRfADCmegmmKotqCjzDc9BHWDpbEzp9yMiN5RkJx88oP5"
#define IPFS_DID "did:key:zQ3shhb4SvzBRLbBonsvKb3WX6WoDeKWHpsXXXMhAJETqXAfB"
  static const fixture fx[] = {
    { "collab-ai-zone-description.nq", ZONE "7f547e63-ceb8-4ff3-8e2e-7a4278d97b8e", ZONE_DID,
      ZONE "ZoneDescriptionCredential", 17, "<" ZONE_DID "> <" RDF "type> <" CUST "Zone>",
      "<" ZONE_DID "> <http://purl.org/dc/terms/title> \"Collaborative AI Zone\"", 2 },
    { "collab-ai-zone-governance.nq", GOV "4e2e5526-5ce0-41b9-b1ea-a4a3b595a0ae", ZONE_DID,
      GOV "GovernanceTextCredential", 22, NULL, NULL, 0 },
    { "crime-dataset-description.nq", DSD "5d29ea71-003f-46e7-a74d-d8d598629ed8", DATA_DID,
      DSD "DatasetDescriptionCredential", 19, "<" DATA_DID "> <" RDF "type> <" CUST "Dataset>",
      "<" DATA_DID "> <" PROV "wasAttributedTo> <" ISSUER ">", 3 },
    { "crime-dataset-governance.nq", GOV "fea0312a-f4bb-449c-a736-7a16e7cc94c1", DATA_DID,
      GOV "GovernanceTextCredential", 22, NULL, NULL, 0 },
    { "ipfs-digital-service-description.nq", SVC "5a3bd610-3a5d-4a41-bc90-0e437d453220", IPFS_DID,
      SVC "DigitalServiceDescriptionCredential", 18,
      "<" IPFS_DID "> <" RDF "type> <" CUST "DigitalService>",
      "<" IPFS_DID "> <" RDF "type> <" CUST "StorageService>", 5 },
  };
  size_t len = 0;
  cust_mapper *m = new_mapper(0, 0);
  fstore f;
  fs_init(&f);
  tblock t;
  tb_init(&t, 42);
  static const char *const hashes[5] = {
    "A1000000000000000000000000000000000000000000000000000000000000AA",
    "A2000000000000000000000000000000000000000000000000000000000000AA",
    "A3000000000000000000000000000000000000000000000000000000000000AA",
    "A4000000000000000000000000000000000000000000000000000000000000AA",
    "A5000000000000000000000000000000000000000000000000000000000000AA",
  };
  for (size_t i = 0; i < 5; i++) {
    char *nq = read_fixture(fx[i].file, &len);
    if (nq == NULL) {
      tb_release(&t);
      fs_release(&f);
      cust_mapper_free(m);
      return;
    }
    cust_msg *msg = tb_tx(&t, hashes[i], 0, 1);
    set_claims(&t, msg, i % 2 ? "claims" : "metadata", nq, len);
    free(nq);
  }
  cust_mapper_stats st = { 0 };
  is_int(run(m, &f, &t, &st), CUST_OK, "the five fixtures map");
  is_int(st.credentials, 5, "the five real credentials are accepted, quirks and all");
  is_int(st.rejections, 0, "none of them is rejected");
  char q[1024];
  for (size_t i = 0; i < 5; i++) {
    const fixture *x = &fx[i];
    size_t nderived = x->nderived;
    /* the 5 quads of the proof graph are dropped */
    is_int(count_graph(&f, x->cred), x->nquads - 5 + nderived, x->file);
    snprintf(q, sizeof q, "<%s> <" RDF "type> <%s> <%s>", x->cred, x->type, x->cred);
    ok(has(&f, q), "%s: typed %s in its own graph", x->file, strrchr(x->type, '/') + 1);
    snprintf(q, sizeof q, "<%s> <" CRED "credentialSubject> <%s> <%s>", x->cred, x->subject,
             x->cred);
    ok(has(&f, q), "%s: its subject", x->file);
    snprintf(q, sizeof q, "<%s> <" CUST "submittedIn> <urn:cosmos:" CHAIN ":tx:%s> " LEDGER,
             x->cred, hashes[i]);
    ok(has(&f, q), "%s: the ledger says which transaction submitted it", x->file);
    /* governance texts mention their text node (_:b2) before the proof graph */
    snprintf(q, sizeof q, "<%s> <" SEC "proof> _:t%.16sm0b%d <%s>", x->cred, hashes[i],
             strstr(x->file, "governance") ? 1 : 0, x->cred);
    ok(has(&f, q), "%s: the proof link stays, its blank node renamed", x->file);
    if (x->derived1 != NULL) {
      snprintf(q, sizeof q, "%s <%s>", x->derived1, x->cred);
      ok(has(&f, q), "%s: derived %s", x->file, x->derived1);
    }
    if (x->derived2 != NULL) {
      snprintf(q, sizeof q, "%s <%s>", x->derived2, x->cred);
      ok(has(&f, q), "%s: derived %s", x->file, x->derived2);
    }
  }
  char *all = fs_dump(&f, NULL);
  ok(strstr(all, SEC "jws") == NULL && strstr(all, "EcdsaSecp256k1Signature2019") == NULL,
     "no quad of any proof graph is stored");
  ok(strstr(all, "_:b0") == NULL && strstr(all, "_:b2") == NULL, "no original blank label left");
  ok(strstr(all, "\"(0\xc2\xb0, 0\xc2\xb0)") == NULL &&
         strstr(all, "(0\xc2\xb0, 0\xc2\xb0)") != NULL,
     "UTF-8 of the dataset description is kept");
  ok(strstr(all, "<" V3 "thesaurus/topic/security>") != NULL,
     "a thesaurus IRI in the wrong case is kept as given");
  snprintf(q, sizeof q,
           "<" ZONE_DID "> <" GOV "isGovernedBy> _:t%.16sm0b0 <" GOV
           "4e2e5526-5ce0-41b9-b1ea-a4a3b595a0ae>",
           hashes[1]);
  ok(has(&f, q), "governance text: its blank nodes renamed in order of first appearance");
  free(all);
  tb_release(&t);
  fs_release(&f);
  cust_mapper_free(m);
}

/* The five credentials of the Axone testnet (ontology v4 and vnext, field
 * "claims"): each passes the dataverse checks and lands whole in its own
 * graph, without its proof graph. */
static void test_axone_fixtures(void) {
#define AX "https://w3id.org/axone/ontology/"
#define AX_ISSUER "did:key:zQ3shN45CkRnjackWYwM191q2bNanAYeP1ZvxoAEPaV4ZpgZo"
  static const struct {
    const char *file, *cred, *subject;
    size_t nquads, nproof; /* lines of the file, of them in the proof graph */
  } fx[] = {
    { "hearth-labs-wallet-description.nq",
      AX "v4/schema/credential/zone/description/c3058dd1-5e02-4143-bdd6-916f332fe25c",
      "did:key:zQ3shmDoRRiFmNzwDrnV2iPdgA9xaoAYsSq8GC9tGHsNL4R7a", 17, 6 },
    { "hearth-labs-wallet-governance-credential.nq",
      AX "v4/schema/credential/governance/text/2a01daf9-f47c-41a4-be5e-f0e4e636922a",
      "did:key:zQ3shmDoRRiFmNzwDrnV2iPdgA9xaoAYsSq8GC9tGHsNL4R7a", 14, 7 },
    { "minio-wallet-description.nq",
      AX "v4/schema/credential/digital-service/description/9fb8bddb-1fa1-4637-80bf-e1e76f626abc",
      "did:key:zQ3shgHvy6b16afQRDqyUb94xAhU7wTEqLPygqCFz1yE2KtMA", 16, 6 },
    { "minio-wallet-governance-credential.nq",
      AX "v4/schema/credential/governance/text/234b4a14-21d2-4255-aca9-866892b9c620",
      "did:key:zQ3shgHvy6b16afQRDqyUb94xAhU7wTEqLPygqCFz1yE2KtMA", 14, 7 },
    { "minio-wallet-zone-membership-credential.nq",
      AX "vnext/schema/credential/zone/membership/9fb8bddb-1fa1-4637-80bf-e1e76f626abc",
      "did:key:zQ3shgHvy6b16afQRDqyUb94xAhU7wTEqLPygqCFz1yE2KtMA", 13, 6 },
  };
  static const char *const hashes[5] = {
    "B1000000000000000000000000000000000000000000000000000000000000BB",
    "B2000000000000000000000000000000000000000000000000000000000000BB",
    "B3000000000000000000000000000000000000000000000000000000000000BB",
    "B4000000000000000000000000000000000000000000000000000000000000BB",
    "B5000000000000000000000000000000000000000000000000000000000000BB",
  };
  cust_mapper *m = new_mapper(0, 0);
  fstore f;
  fs_init(&f);
  tblock t;
  tb_init(&t, 43);
  size_t len = 0;
  for (size_t i = 0; i < 5; i++) {
    char *nq = read_fixture_in("axone-v4-testnet", fx[i].file, &len);
    if (nq == NULL) {
      tb_release(&t);
      fs_release(&f);
      cust_mapper_free(m);
      return;
    }
    set_claims(&t, tb_tx(&t, hashes[i], 0, 1), "claims", nq, len);
    free(nq);
  }
  cust_mapper_stats st = { 0 };
  is_int(run(m, &f, &t, &st), CUST_OK, "the five Axone credentials map");
  is_int(st.credentials, 5, "the five Axone credentials are accepted");
  is_int(st.rejections, 0, "none of the Axone credentials is rejected");
  char q[1024];
  for (size_t i = 0; i < 5; i++) {
    ok(count_graph(&f, fx[i].cred) >= fx[i].nquads - fx[i].nproof,
       "%s: every quad outside the proof graph is in the credential's graph (%zu, want %zu)",
       fx[i].file, count_graph(&f, fx[i].cred), fx[i].nquads - fx[i].nproof);
    snprintf(q, sizeof q, "<%s> <" CRED "credentialSubject> <%s> <%s>", fx[i].cred, fx[i].subject,
             fx[i].cred);
    ok(has(&f, q), "%s: its subject", fx[i].file);
    snprintf(q, sizeof q, "<%s> <" CRED "issuer> <" AX_ISSUER "> <%s>", fx[i].cred, fx[i].cred);
    ok(has(&f, q), "%s: its issuer", fx[i].file);
    snprintf(q, sizeof q, "<%s> <" CUST "submittedIn> <urn:cosmos:" CHAIN ":tx:%s> " LEDGER,
             fx[i].cred, hashes[i]);
    ok(has(&f, q), "%s: the ledger says which transaction submitted it", fx[i].file);
  }
  char *all = fs_dump(&f, NULL);
  ok(strstr(all, "EcdsaSecp256k1Signature2019") == NULL && strstr(all, SEC "jws") == NULL,
     "no quad of an Axone proof graph is stored");
  free(all);
  tb_release(&t);
  fs_release(&f);
  cust_mapper_free(m);
#undef AX
#undef AX_ISSUER
}

/* ---- rejections --------------------------------------------------------------------------- */

static void test_rejections(void) {
  const char *c = "urn:cred:1";
  const char *type = "urn:type:T";
  char *good = credential(c, type, "did:key:subject", NULL);
  ok(rejection_of(good, strlen(good)) == NULL, "a well-formed credential is accepted");

  ok(reason_has("<urn:a> <urn:b> \"c\" .\n", "no node is typed"), "no VerifiableCredential");
  char buf[8192];
  snprintf(buf, sizeof buf, "%s<urn:cred:2> <" RDF "type> <" CRED "VerifiableCredential> .\n",
           good);
  ok(reason_has(buf, "2 nodes are typed VerifiableCredential"), "two credentials");
  ok(reason_has("_:c <" RDF "type> <" CRED "VerifiableCredential> .\n", "blank node"),
     "a blank credential");
  snprintf(buf, sizeof buf, "%s<%s> <" RDF "type> <urn:type:U> .\n", good, c);
  ok(reason_has(buf, "2 types besides"), "two types");
  char *notype = credential(c, CRED "VerifiableCredential", "did:key:s", NULL);
  ok(reason_has(notype, "0 types besides"), "no other type");
  free(notype);
  snprintf(buf, sizeof buf, "%s<%s> <" CRED "credentialSubject> <did:key:other> .\n", good, c);
  ok(reason_has(buf, "2 credentialSubject"), "two subjects");
  snprintf(buf, sizeof buf,
           "<%s> <" RDF "type> <%s> .\n<%s> <" RDF "type> <" CRED "VerifiableCredential> .\n"
           "<%s> <" CRED "issuer> <did:key:i> .\n<%s> <" CRED "issuanceDate> \"2024\" .\n",
           c, type, c, c, c);
  ok(reason_has(buf, "0 credentialSubject"), "no subject");
  snprintf(buf, sizeof buf,
           "<%s> <" RDF "type> <%s> .\n<%s> <" RDF "type> <" CRED "VerifiableCredential> .\n"
           "<%s> <" CRED "credentialSubject> \"me\" .\n<%s> <" CRED "issuer> <did:key:i> .\n"
           "<%s> <" CRED "issuanceDate> \"2024\" .\n",
           c, type, c, c, c, c);
  ok(reason_has(buf, "credentialSubject is not an IRI"), "a literal subject");
  snprintf(buf, sizeof buf,
           "<%s> <" RDF "type> <%s> .\n<%s> <" RDF "type> <" CRED "VerifiableCredential> .\n"
           "<%s> <" CRED "credentialSubject> <did:s> .\n<%s> <" CRED "issuanceDate> \"2024\" .\n",
           c, type, c, c, c);
  ok(reason_has(buf, "0 issuer"), "no issuer");
  snprintf(buf, sizeof buf,
           "<%s> <" RDF "type> <%s> .\n<%s> <" RDF "type> <" CRED "VerifiableCredential> .\n"
           "<%s> <" CRED "credentialSubject> <did:s> .\n<%s> <" CRED "issuer> _:i .\n"
           "<%s> <" CRED "issuanceDate> \"2024\" .\n",
           c, type, c, c, c, c);
  ok(reason_has(buf, "issuer is not an IRI"), "a blank issuer");
  snprintf(buf, sizeof buf,
           "<%s> <" RDF "type> <%s> .\n<%s> <" RDF "type> <" CRED "VerifiableCredential> .\n"
           "<%s> <" CRED "credentialSubject> <did:s> .\n<%s> <" CRED "issuer> <did:i> .\n",
           c, type, c, c, c);
  ok(reason_has(buf, "0 issuanceDate"), "no issuance date");
  snprintf(buf, sizeof buf, "%s<%s> <" CRED "issuanceDate> \"2025\" .\n", good, c);
  ok(reason_has(buf, "2 issuanceDate"), "two issuance dates");
  snprintf(buf, sizeof buf, "%s<did:key:subject> <urn:p> \"x\" <urn:elsewhere> .\n", good);
  ok(reason_has(buf, "graph <urn:elsewhere>, which is neither"), "a quad in a foreign graph");
  char *reserved = credential(CUST_GRAPH_LEDGER, type, "did:s", NULL);
  ok(reason_has(reserved, "reserved namespace"), "a credential named like the ledger graph");
  free(reserved);
  ok(reason_has("<urn:a> <urn:b> .\n", "not N-Quads: line 1"), "not N-Quads, with the line");
  ok(reason_has("<urn:a> <urn:b> \"c\" \"lit\" .\n", "not N-Quads"), "a literal as graph name");
  ok(reason_has("<rel> <urn:b> \"c\" .\n", "not N-Quads"), "a relative IRI");
  ok(reason_has(" \n\n", "holds no quad"), "only whitespace");
  const char *empty = rejection_of("", 0);
  ok(empty != NULL && strstr(empty, "empty") != NULL, "an empty credential");
  ok(reason_has("<urn:a> <urn:b> <urn:c> <urn:g> <urn:h> .\n", "at most four terms"), "five terms");
  ok(reason_has("<urn:a> <urn:b>\n<urn:c> .\n", "line 1: the statement ends"),
     "a statement over two lines");
  ok(reason_has("<urn:a> <urn:b> \"open .\n", "not closed"), "an unclosed literal");
  ok(reason_has("<urn:a> <urn:b> \"x\"@ .\n", "not N-Quads"), "an empty language tag");
  ok(reason_has("<urn:a> <urn:b> \"\xff\xfe\" .\n", "not valid UTF-8"), "invalid UTF-8");
  ok(reason_has("<urn:a> <urn:b> <http://a b> .\n", "cannot hold"), "a space in an IRI");
  ok(reason_has("<urn:a> <urn:b> \"\\x\" .\n", "bad escape"), "an unknown escape");
  ok(reason_has("<urn:a> <urn:b> \"\\uD800\" .\n", "bad \\u escape"), "a surrogate escape");
  ok(reason_has("<urn:a> <urn:b> \"c\" . <urn:d> <urn:e> \"f\" .\n", "must end its line"),
     "two statements on one line");
  ok(reason_has("# only a comment\n<urn:a> <urn:b> <urn:c> .\n", "no node is typed"),
     "comments are allowed");
  snprintf(buf, sizeof buf, "%s<did:key:subject> <urn:p> \"nul\\u0000byte\" .\n", good);
  ok(reason_has(buf, "or a NUL"), "a NUL in a literal is refused");
  static const char raw_nul[] = "<urn:a> <urn:b> \"raw\0nul\" .\n";
  const char *why = rejection_of(raw_nul, sizeof raw_nul - 1);
  ok(why != NULL && strstr(why, "holds a NUL") != NULL, "a raw NUL byte is refused: %s",
     why ? why : "accepted");

  /* size */
  cust_buf big;
  cust_buf_init(&big);
  cust_buf_puts(&big, good);
  while (big.len <= 4096) {
    cust_buf_puts(&big, "<did:key:subject> <urn:p> \"padding padding padding\" .\n");
  }
  ok(reason_has(big.data, "more than the limit of 4096 bytes"), "larger than the limit");
  cust_buf_release(&big);

  /* JSON level */
  cust_mapper *m = new_mapper(0, 1);
  fstore f;
  fs_init(&f);
  tblock t;
  tb_init(&t, 5);
  static const struct {
    const char *json;
    const char *want;
  } js[] = {
    { "{\"submit_claims\":{\"metadata\":\"!!notbase64\"}}", "not valid base64" },
    { "{\"submit_claims\":{}}", "no \\\"metadata\\\" or \\\"claims\\\" string" },
    { "{\"submit_claims\":{\"metadata\":\"PGE+\",\"claims\":\"PGE+\"}}", "has both" },
    { "{\"submit_claims\":{\"metadata\":\"PGE+\",\"format\":\"turtle\"}}", "format" },
    { "not json at all", "not a JSON object" },
    { "{\"submit_claims\":[1]}", "not a JSON object" },
    { "{\"revoke_claims\":{}}", "no \\\"identifier\\\" string" },
    { "{\"revoke_claims\":{\"identifier\":\"urn:never\"}}", "no such credential" },
  };
  size_t n = sizeof js / sizeof js[0];
  cust_msg *msgs = tb_tx(&t, HASH_A, 0, n);
  for (size_t i = 0; i < n; i++) {
    set_json(&t, &msgs[i], js[i].json);
  }
  cust_mapper_stats st = { 0 };
  is_int(run(m, &f, &t, &st), CUST_OK, "bad messages never fail the block");
  is_int(st.rejections, n, "each bad message is one rejection");
  char *d = fs_dump(&f, NULL);
  for (size_t i = 0; i < n; i++) {
    ok(strstr(d, js[i].want) != NULL, "rejection reason: %s", js[i].want);
    char q[256];
    snprintf(q, sizeof q, "<urn:cosmos:" CHAIN ":tx:" HASH_A ":rejection:%zu> <" CUST "msgIndex>",
             i);
    ok(strstr(d, q) != NULL, "rejection %zu names its message", i);
  }
  ok(has(&f, "<urn:cosmos:" CHAIN ":tx:" HASH_A ":rejection:0> <" RDF "type> <" CUST
             "Rejection> " LEDGER),
     "a rejection is a cust:Rejection in the ledger");
  ok(has(&f, "<urn:cosmos:" CHAIN ":tx:" HASH_A ":rejection:0> <" CUST "inTransaction> " TX_A
             " " LEDGER),
     "a rejection names its transaction");
  ok(has(&f, "<urn:cosmos:" CHAIN ":tx:" HASH_A ":rejection:0> <" CUST "height> \"5\"^^<" XSD
             "integer> " LEDGER),
     "a rejection has the height");
  ok(has(&f, TX_A " <" CUST "sender> \"okp41sender\" " LEDGER), "the sender is in the ledger");
  free(d);
  tb_release(&t);
  fs_release(&f);
  cust_mapper_free(m);
  free(good);
}

/* ---- message forms --------------------------------------------------------------------------- */

/* Maps one message in a block of its own; the store's dump (owned by the
 * caller) and the stats. */
static char *map_message(const char *json, cust_mapper_stats *st) {
  cust_mapper *m = new_mapper(0, 1);
  fstore f;
  fs_init(&f);
  tblock t;
  tb_init(&t, 9);
  cust_msg *msg = tb_tx(&t, HASH_A, 0, 1);
  set_json(&t, msg, json);
  memset(st, 0, sizeof *st);
  char *d = run(m, &f, &t, st) == CUST_OK ? fs_dump(&f, NULL) : NULL;
  tb_release(&t);
  fs_release(&f);
  cust_mapper_free(m);
  return d;
}

/* The plain form of a message and forms that only jansson reads (escapes,
 * other key order, spaces, non-ASCII) map to the same graph; shapes that
 * the plain reader leaves to jansson keep jansson's verdict. */
static void test_message_forms(void) {
  char *nq = credential("urn:cred:forms", "urn:type:T", "did:s", NULL);
  cust_buf b64, plain, escaped;
  cust_buf_init(&b64);
  cust_buf_init(&plain);
  cust_buf_init(&escaped);
  cust_buf_puts(&b64, "");
  cust_base64_encode(&b64, (const unsigned char *)nq, strlen(nq));
  cust_buf_printf(&plain, "{\"submit_claims\":{\"claims\":\"%s\",\"format\":\"n_quads\"}}",
                  b64.data);
  /* the first base64 character as a \u escape, members swapped, spaces */
  cust_buf_printf(&escaped,
                  " { \"submit_claims\" : { \"format\" : \"n_quads\" ,\n \"claims\" : "
                  "\"\\u%04X%s\" } } ",
                  (unsigned)(unsigned char)b64.data[0], b64.data + 1);
  cust_mapper_stats st1, st2;
  char *d1 = map_message(plain.data, &st1);
  char *d2 = map_message(escaped.data, &st2);
  ok(d1 != NULL && st1.credentials == 1, "the plain form of a submission is accepted");
  ok(d1 != NULL && d2 != NULL && strcmp(d1, d2) == 0 && st2.credentials == 1,
     "an escaped, reordered, spaced form gives the same graph");
  free(d1);
  free(d2);

  static const struct {
    const char *json;
    const char *want;
  } js[] = {
    { "{\"submit_claims\":{\"claims\":\"PGE+\",\"claims\":\"PGE+\"}}", "not a JSON object" },
    { "{\"submit_claims\":{\"claims\":null}}", "no \\\"metadata\\\" or \\\"claims\\\" string" },
    { "{\"submit_claims\":{\"claims\":\"PGE+\"}} x", "not a JSON object" },
    { "{\"submit_claims\":{\"claims\":\"PGE+\"}", "not a JSON object" },
    { "{\"submit_claims\":{\"claims\":\"PGE\xc3\xa9\"}}", "not valid base64" },
    { "{\"submit_claims\":{\"claims\":\"PGE+\",\"format\":\"turtle\"}}", "format" },
    { "{\"submit_claims\":{\"claims\":1}}", "no \\\"metadata\\\" or \\\"claims\\\" string" },
    { "{\"revoke_claims\":{\"identifier\":\"urn:never\"}}", "no such credential" },
  };
  for (size_t i = 0; i < sizeof js / sizeof js[0]; i++) {
    cust_mapper_stats st;
    char *d = map_message(js[i].json, &st);
    ok(d != NULL && st.rejections == 1 && strstr(d, js[i].want) != NULL,
       "message form %zu is rejected: %s", i, js[i].want);
    free(d);
  }
  cust_buf_release(&b64);
  cust_buf_release(&plain);
  cust_buf_release(&escaped);
  free(nq);
}

/* ---- literals ------------------------------------------------------------------------------ */

static void test_literals(void) {
  cust_mapper *m = new_mapper(0, 0);
  fstore f;
  fs_init(&f);
  tblock t;
  tb_init(&t, 7);
  char *nq =
      credential("urn:cred:lit", "urn:type:T", "did:s",
                 "<did:s> <urn:p:esc> \"tab\\tq\\\"uote\\\\back\\nline\" .\n"
                 "<did:s> <urn:p:uni> \"caf\\u00E9 \\U0001F600 \xe6\x97\xa5\xe6\x9c\xac\" .\n"
                 "<did:s> <urn:p:lang> \"colour\"@en-GB .\n"
                 "<did:s> <urn:p:dt> \"42\"^^<" XSD "integer> .\n"
                 "<did:s> <urn:p:empty> \"\" .\n"
                 "<did:s> <urn:p:dup> \"twice\" .\n"
                 "<did:s> <urn:p:dup> \"twice\" .\n"
                 "<did:s> <urn:p:dup> \"twice\"@en .\n");
  cust_msg *msg = tb_tx(&t, HASH_A, 0, 1);
  set_nq(&t, msg, nq);
  cust_mapper_stats st = { 0 };
  run(m, &f, &t, &st);
  is_int(st.credentials, 1, "a credential with escapes, Unicode, tags and datatypes is accepted");
  const char *g = " <urn:cred:lit>";
  char q[512];
  snprintf(q, sizeof q, "<did:s> <urn:p:esc> \"tab\\tq\\\"uote\\\\back\\nline\"%s", g);
  ok(has(&f, q), "escapes decode and re-encode");
  const char *uni = NULL;
  for (size_t i = 0; i < f.n; i++) {
    if (strcmp(f.q[i].p.value, "urn:p:uni") == 0) {
      uni = f.q[i].o.value;
    }
  }
  is_str(uni, "caf\xc3\xa9 \xf0\x9f\x98\x80 \xe6\x97\xa5\xe6\x9c\xac",
         "\\u and \\U escapes become UTF-8, raw UTF-8 stays");
  snprintf(q, sizeof q, "<did:s> <urn:p:lang> \"colour\"@en-gb%s", g);
  ok(has(&f, q), "a language tag is kept (lowercased, as raptor normalises it)");
  snprintf(q, sizeof q, "<did:s> <urn:p:dt> \"42\"^^<" XSD "integer>%s", g);
  ok(has(&f, q), "a datatype is kept");
  snprintf(q, sizeof q, "<did:s> <urn:p:empty> \"\"%s", g);
  ok(has(&f, q), "an empty literal is kept");
  size_t ndup = 0;
  for (size_t i = 0; i < f.n; i++) {
    ndup += strcmp(f.q[i].p.value, "urn:p:dup") == 0;
  }
  is_int(ndup, 2, "a duplicated quad is kept once; a tagged one is another literal");
  tb_release(&t);
  fs_release(&f);
  cust_mapper_free(m);
  free(nq);
}

static void test_sizes(void) {
  cust_mapper *m = new_mapper(0, 0);
  fstore f;
  fs_init(&f);
  tblock t;
  tb_init(&t, 8);
  cust_buf b;
  cust_buf_init(&b);
  char *head = credential("urn:cred:huge", "urn:type:T", "did:s", NULL);
  cust_buf_puts(&b, head);
  free(head);
  for (int i = 0; i < 15000; i++) {
    cust_buf_printf(&b, "<did:s> <urn:p:n> \"%d\" .\n_:x%d <urn:p:b> _:x%d .\n", i, i, i + 1);
  }
  size_t nq_bytes = b.len;
  cust_msg *msg = tb_tx(&t, HASH_A, 0, 1);
  set_nq(&t, msg, b.data);
  cust_mapper_stats st = { 0 };
  cust_changes c;
  cust_changes_init(&c);
  uint64_t t0 = cust_now_ms();
  is_int(cust_mapper_map_block(m, &t.b, NULL, &c, &st), CUST_OK, "a large submission maps");
  tap_diag("%zu bytes of N-Quads mapped in %llu ms", nq_bytes,
           (unsigned long long)(cust_now_ms() - t0));
  /* the in-memory store checks duplicates the slow way: apply only the credential */
  for (size_t i = 0; i < c.len; i++) {
    const cust_quad *q = &c.items[i].q;
    if (q->g.kind == CUST_TERM_IRI && strcmp(q->g.value, "urn:cred:huge") == 0) {
      if (f.n == f.cap) {
        f.cap = f.cap ? f.cap * 2 : 1024;
        f.q = realloc(f.q, f.cap * sizeof *f.q);
      }
      f.q[f.n].s = dup_term(&f.a, &q->s);
      f.q[f.n].p = dup_term(&f.a, &q->p);
      f.q[f.n].o = dup_term(&f.a, &q->o);
      f.q[f.n].g = dup_term(&f.a, &q->g);
      f.n++;
    }
  }
  cust_changes_release(&c);
  ok(st.credentials == 1 && nq_bytes > 800000, "a %zu-byte credential under the 1 MiB default",
     nq_bytes);
  is_int(count_graph(&f, "urn:cred:huge"), 6 + 30000, "all its quads are kept");
  int is_numbered = 0;
  for (size_t i = 0; i < f.n; i++) {
    is_numbered |= f.q[i].s.kind == CUST_TERM_BLANK && f.q[i].o.kind == CUST_TERM_BLANK &&
                   strcmp(f.q[i].s.value, "t0123456789ABCDEFm0b5000") == 0 &&
                   strcmp(f.q[i].o.value, "t0123456789ABCDEFm0b5001") == 0;
  }
  ok(is_numbered, "blank nodes are numbered in order of first appearance");
  cust_buf_release(&b);
  tb_release(&t);
  fs_release(&f);
  cust_mapper_free(m);
}

/* ---- transactions and messages ------------------------------------------------------------ */

static void test_transactions(void) {
  cust_mapper *m = new_mapper(0, 1);
  fstore f;
  fs_init(&f);
  tblock t;
  tb_init(&t, 100);
  char *c1 = credential("urn:cred:m0", "urn:type:T", "did:s", NULL);
  char *c2 = credential("urn:cred:m1", "urn:type:T", "did:s", NULL);
  char *c3 = credential("urn:cred:authz", "urn:type:T", "did:s", NULL);
  char *c4 = credential("urn:cred:failed", "urn:type:T", "did:s", NULL);
  char *c5 = credential("urn:cred:other", "urn:type:T", "did:s", NULL);
  /* tx 0: two messages, metadata then claims */
  cust_msg *msgs = tb_tx(&t, HASH_A, 0, 2);
  set_claims(&t, &msgs[0], "metadata", c1, strlen(c1));
  set_claims(&t, &msgs[1], "claims", c2, strlen(c2));
  msgs[1].sender = "okp41second";
  msgs[1].funds = (cust_coin[]){ { "uknow", "7" }, { "uatom", "3" } };
  msgs[1].nfunds = 2;
  /* tx 1: authz, inner message 1 of MsgExec at index 0 */
  msgs = tb_tx(&t, HASH_B, 0, 1);
  set_nq(&t, &msgs[0], c3);
  msgs[0].is_authz = 1;
  msgs[0].inner_index = 1;
  msgs[0].grantee = "okp41grantee";
  /* tx 2: failed */
  msgs = tb_tx(&t, HASH_C, 5, 1);
  set_nq(&t, &msgs[0], c4);
  /* tx 3: another contract, and a bank message */
  msgs = tb_tx(&t, "DDDD", 0, 2);
  set_nq(&t, &msgs[0], c5);
  msgs[0].contract = "okp41notadataverse";
  msgs[1].type_url = "/cosmos.bank.v1beta1.MsgSend";
  msgs[1].contract = NULL;
  cust_mapper_stats st = { 0 };
  is_int(run(m, &f, &t, &st), CUST_OK, "a block of several transactions maps");
  is_int(st.credentials, 3, "three credentials: two of one tx, one through authz");
  is_int(st.failed, 1, "one failed submission");
  is_int(st.rejections, 0, "no rejection");
  ok(has(&f, "<urn:cred:m0> <" CUST "submittedIn> " TX_A " " LEDGER), "message 0 (metadata)");
  ok(has(&f, "<urn:cred:m1> <" CUST "submittedIn> " TX_A " " LEDGER), "message 1 (claims)");
  ok(has(&f, "<urn:cred:m1> <" CUST "msgIndex> \"1\"^^<" XSD "integer> " LEDGER),
     "a credential knows its message index");
  ok(has(&f, TX_A " <" CUST "msgIndex> \"1\"^^<" XSD "integer> " LEDGER) &&
         has(&f, TX_A " <" CUST "msgIndex> \"0\"^^<" XSD "integer> " LEDGER),
     "the tx lists both message indexes");
  ok(has(&f, TX_A " <" CUST "sender> \"okp41second\" " LEDGER), "each message's sender");
  ok(has(&f, TX_A " <" CUST "funds> \"7uknow,3uatom\" " LEDGER), "funds in the Cosmos form");
  ok(has(&f, TX_A " <" CUST "height> \"100\"^^<" XSD "integer> " LEDGER), "height");
  ok(has(&f, TX_A " <" CUST "txIndex> \"0\"^^<" XSD "integer> " LEDGER), "tx index");
  ok(has(&f, TX_A " <" CUST "txHash> \"" HASH_A "\" " LEDGER), "tx hash");
  ok(has(&f, TX_A " <" CUST "contract> \"" DV "\" " LEDGER), "contract");
  ok(has(&f,
         TX_A " <" CUST "blockTime> \"2024-05-06T10:00:00.123456789Z\"^^<" XSD "dateTime> " LEDGER),
     "block time as xsd:dateTime");
  ok(has(&f, TX_A " <" RDF "type> <" CUST "Transaction> " LEDGER), "a cust:Transaction");
  ok(has(&f, "<urn:cred:authz> <" CUST "innerIndex> \"1\"^^<" XSD "integer> " LEDGER),
     "authz: the inner index");
  ok(has(&f, TX_B " <" CUST "grantee> \"okp41grantee\" " LEDGER), "authz: the grantee");
  ok(has(&f, "<urn:cred:authz> <" SEC "proof> _:tBBBBBBBBBBBBBBBBm0i1b0 <urn:cred:authz>"),
     "authz: blank labels name the inner message");
  ok(has(&f, "<urn:cosmos:" CHAIN ":tx:" HASH_C ":failed> <" RDF "type> <" CUST
             "FailedSubmission> " LEDGER),
     "failed tx: a cust:FailedSubmission");
  ok(has(&f, "<urn:cosmos:" CHAIN ":tx:" HASH_C ":failed> <" CUST
             "log> \"failed to execute message; message index: 0: duplicate credential\" " LEDGER),
     "failed tx: its log");
  ok(has(&f, "<urn:cosmos:" CHAIN ":tx:" HASH_C ":failed> <" CUST "code> \"5\"^^<" XSD
             "integer> " LEDGER),
     "failed tx: its code");
  ok(count_graph(&f, "urn:cred:failed") == 0, "failed tx: nothing of the credential is stored");
  ok(count_graph(&f, "urn:cred:other") == 0, "a contract that is not a dataverse is ignored");
  char *d = fs_dump(&f, NULL);
  ok(strstr(d, "DDDD") == NULL, "ignored messages leave no ledger record");
  free(d);
  tb_release(&t);
  fs_release(&f);
  cust_mapper_free(m);

  /* without configured dataverses: any contract, but only dataverse messages */
  m = new_mapper(0, 0);
  fs_init(&f);
  tb_init(&t, 101);
  msgs = tb_tx(&t, HASH_A, 0, 2);
  set_nq(&t, &msgs[0], c5);
  msgs[0].contract = "okp41anycontract";
  set_json(&t, &msgs[1], "{\"transfer\":{\"recipient\":\"x\",\"amount\":\"1\"}}");
  msgs = tb_tx(&t, HASH_B, 3, 1);
  set_json(&t, &msgs[0], "{\"transfer\":{}}");
  memset(&st, 0, sizeof st);
  run(m, &f, &t, &st);
  ok(st.credentials == 1 && st.rejections == 0 && st.failed == 0,
     "no dataverse configured: any contract's submit_claims counts, other messages do not");
  tb_release(&t);
  fs_release(&f);
  cust_mapper_free(m);
  free(c1);
  free(c2);
  free(c3);
  free(c4);
  free(c5);
}

static void test_determinism(void) {
  char *a = NULL, *b = NULL;
  for (int round = 0; round < 2; round++) {
    cust_mapper *m = new_mapper(0, 0);
    fstore f;
    fs_init(&f);
    tblock t;
    tb_init(&t, 3);
    char *nq = credential("urn:cred:det", "urn:type:T", "did:s",
                          "_:z <urn:p> _:y .\n_:y <urn:p> _:z .\n_:x <urn:p> \"x\" .\n");
    cust_msg *msg = tb_tx(&t, HASH_A, 0, 1);
    set_nq(&t, msg, nq);
    run(m, &f, &t, NULL);
    *(round ? &b : &a) = fs_dump(&f, NULL);
    free(nq);
    tb_release(&t);
    fs_release(&f);
    cust_mapper_free(m);
  }
  ok(a != NULL && b != NULL && strcmp(a, b) == 0, "the same block gives the same quads");
  ok(strstr(a, "_:t0123456789ABCDEFm0b0 ") != NULL &&
         strstr(a, "_:t0123456789ABCDEFm0b2 <urn:p> _:t0123456789ABCDEFm0b3 ") != NULL &&
         strstr(a, "_:t0123456789ABCDEFm0b4 <urn:p> \"x\"") != NULL,
     "blank labels: tx hash prefix, message, order of first appearance");
  free(a);
  free(b);
}

/* ---- duplicates and revocations ---------------------------------------------------------------
 */

static void test_revocations(void) {
  cust_mapper *m = new_mapper(0, 1);
  fstore f;
  fs_init(&f);
  char *c = credential("urn:cred:r", "urn:type:T", "did:s", NULL);
  tblock t;
  tb_init(&t, 1);
  cust_msg *msg = tb_tx(&t, HASH_A, 0, 1);
  set_nq(&t, msg, c);
  cust_mapper_stats st = { 0 };
  run(m, &f, &t, &st);
  tb_release(&t);

  tb_init(&t, 2);
  msg = tb_tx(&t, HASH_B, 0, 3);
  set_nq(&t, &msg[0], c);
  set_revoke(&t, &msg[1], "urn:cred:r");
  set_revoke(&t, &msg[2], "urn:cred:r");
  memset(&st, 0, sizeof st);
  run(m, &f, &t, &st);
  tb_release(&t);
  is_int(st.revocations, 1, "revoke_claims of a live credential is a revocation");
  is_int(st.rejections, 2, "re-submission and a second revocation are rejections");
  char *d = fs_dump(&f, NULL);
  ok(strstr(d, "credential <urn:cred:r> already exists (submitted in <urn:cosmos:" CHAIN
               ":tx:" HASH_A ">)") != NULL,
     "a re-submitted live credential is rejected as a duplicate");
  ok(strstr(d, "was already revoked in") != NULL, "a second revocation is rejected");
  ok(has(&f, "<urn:cred:r> <" CUST "revokedIn> " TX_B " " LEDGER), "cust:revokedIn");
  ok(count_graph(&f, "urn:cred:r") == 6, "a revoked credential stays in the store");
  ok(has(&f, "<urn:cosmos:" CHAIN ":tx:" HASH_B ":rejection:0> <" CUST
             "credential> <urn:cred:r> " LEDGER),
     "the duplicate's rejection names the credential");
  free(d);

  tb_init(&t, 3);
  msg = tb_tx(&t, HASH_C, 0, 1);
  set_nq(&t, msg, c);
  memset(&st, 0, sizeof st);
  run(m, &f, &t, &st);
  tb_release(&t);
  d = fs_dump(&f, NULL);
  ok(st.rejections == 1 && strstr(d, "a credential IRI is indexed once") != NULL,
     "a revoked credential's IRI cannot be used again");
  free(d);

  /* a failing view fails the block and leaves the changes as they were */
  f.is_failing = 1;
  tb_init(&t, 4);
  msg = tb_tx(&t, "EEEE", 0, 1);
  set_revoke(&t, msg, "urn:cred:r");
  cust_changes out;
  cust_changes_init(&out);
  cust_graph_view v = { &f, fs_find };
  cust_quad q = { cust_term_iri("urn:x"),
                  cust_term_iri("urn:y"),
                  cust_term_iri("urn:z"),
                  { CUST_TERM_NONE, NULL, 0, NULL, NULL } };
  cust_changes_add(&out, &q);
  is_int(cust_mapper_map_block(m, &t.b, &v, &out, NULL), CUST_ERR_IO, "a failing view fails");
  is_int(out.len, 1, "and leaves `out` as it was");
  cust_changes_release(&out);
  tb_release(&t);
  fs_release(&f);
  free(c);
  cust_mapper_free(m);
}

/* ---- workflows: orders, executions, status
 * ------------------------------------------------------- */

static char *order_cred(const char *id, const char *order) {
  char body[1024];
  snprintf(body, sizeof body,
           "<did:key:orch> <" ORDER "hasExecutionOrder> <%s> .\n"
           "<%s> <" ORDER "inZone> <did:key:zone> .\n",
           order, order);
  return credential(id, ORDER "OrchestrationServiceExecutionOrderCredential", "did:key:orch", body);
}

static char *exec_cred(const char *id, const char *status, const char *time) {
  char body[2048];
  snprintf(body, sizeof body,
           "<did:key:orch> <" EXEC "hasExecution> <urn:uuid:e1> .\n"
           "<urn:uuid:e1> <" EXEC "executionOf> <urn:uuid:o1> .\n"
           "<urn:uuid:e1> <" EXEC "hasConsumedResource> <did:key:data> .\n"
           "<urn:uuid:e1> <" EXEC "hasConsumedResource> <did:key:algo> .\n"
           "<urn:uuid:e1> <" EXEC "hasProducedResource> <urn:out:1> .\n"
           "<urn:uuid:e1> <" EXEC "hasExecutionStatus> <" STATUS "%s> .\n"
           "<urn:uuid:e1> <" EXEC "hasExecutionTime> \"%s\"^^<" XSD "dateTime> .\n",
           status, time);
  return credential(id, EXEC "OrchestrationServiceExecutionCredential", "did:key:orch", body);
}

/* Maps the three reports and the order in one block, or one per block; returns
 * the store without its ledger. */
static char *workflow(int is_one_block, fstore *f) {
  cust_mapper *m = new_mapper(0, 1);
  char *creds[4] = {
    order_cred("urn:cred:order", "urn:uuid:o1"),
    exec_cred("urn:cred:x1", "InExecution", "2024-05-06T10:00:00Z"),
    exec_cred("urn:cred:x2", "InExecution", "2024-05-06T10:05:00Z"),
    exec_cred("urn:cred:x3", "Delivered", "2024-05-06T10:10:00Z"),
  };
  static const char *const hashes[4] = { "H0", "H1", "H2", "H3" };
  tblock t;
  tb_init(&t, 50);
  for (size_t i = 0; i < 4; i++) {
    cust_msg *msg = tb_tx(&t, hashes[i], 0, 1);
    set_nq(&t, msg, creds[i]);
    if (i == 0) {
      static cust_coin locked[1] = { { "uknow", "1000000" } };
      msg->funds = locked;
      msg->nfunds = 1;
    }
    if (!is_one_block) {
      t.txs[0].index = (uint32_t)i;
      run(m, f, &t, NULL);
      tb_release(&t);
      tb_init(&t, 51 + i);
    }
  }
  if (is_one_block) {
    run(m, f, &t, NULL);
  }
  tb_release(&t);
  for (size_t i = 0; i < 4; i++) {
    free(creds[i]);
  }
  cust_mapper_free(m);
  return fs_dump(f, CUST_GRAPH_LEDGER);
}

static void test_workflow(void) {
  fstore f, g;
  fs_init(&f);
  fs_init(&g);
  char *one = workflow(1, &f);
  char *many = workflow(0, &g);
  ok(strcmp(one, many) == 0, "several messages of one block give what one per block gives");
  ok(has(&f, "<urn:uuid:e1> <" CUST "status> <" CUST "Delivered> " CURRENT),
     "the current status is the latest report's");
  size_t nstatus = 0;
  for (size_t i = 0; i < f.n; i++) {
    nstatus += strcmp(f.q[i].p.value, CUST "status") == 0;
  }
  is_int(nstatus, 1, "one current status per execution");
  ok(has(&f, "<urn:uuid:e1> <" PROV "startedAtTime> \"2024-05-06T10:00:00Z\"^^<" XSD
             "dateTime> <urn:cred:x1>"),
     "startedAtTime from the first report, in its graph");
  ok(has(&f, "<urn:uuid:e1> <" PROV "endedAtTime> \"2024-05-06T10:10:00Z\"^^<" XSD
             "dateTime> <urn:cred:x3>"),
     "endedAtTime from the final report");
  ok(strstr(one, PROV "startedAtTime> \"2024-05-06T10:05:00Z") == NULL,
     "a later report does not start the execution again");
  ok(has(&f, "<urn:uuid:e1> <" RDF "type> <" PROV "Activity> <urn:cred:x1>") &&
         has(&f, "<urn:uuid:e1> <" RDF "type> <" CUST "Execution> <urn:cred:x1>"),
     "an execution is a prov:Activity and a cust:Execution");
  ok(has(&f, "<urn:uuid:e1> <" PROV "used> <did:key:data> <urn:cred:x3>") &&
         has(&f, "<urn:uuid:e1> <" PROV "used> <did:key:algo> <urn:cred:x3>"),
     "prov:used for each consumed resource");
  ok(has(&f, "<urn:uuid:e1> <" PROV "generated> <urn:out:1> <urn:cred:x3>") &&
         has(&f, "<urn:out:1> <" PROV "wasGeneratedBy> <urn:uuid:e1> <urn:cred:x3>"),
     "prov:generated and prov:wasGeneratedBy");
  ok(has(&f, "<urn:out:1> <" PROV "wasDerivedFrom> <did:key:data> <urn:cred:x3>") &&
         has(&f, "<urn:out:1> <" PROV "wasDerivedFrom> <did:key:algo> <urn:cred:x3>"),
     "prov:wasDerivedFrom each input");
  ok(has(&f, "<urn:uuid:e1> <" PROV "wasAssociatedWith> <did:key:orch> <urn:cred:x3>"),
     "prov:wasAssociatedWith the orchestration service");
  ok(has(&f, "<urn:uuid:o1> <" RDF "type> <" CUST "ExecutionOrder> <urn:cred:order>") &&
         has(&f, "<urn:uuid:o1> <" CUST "payer> <did:key:issuer> <urn:cred:order>"),
     "an order is a cust:ExecutionOrder with its payer");
  ok(has(&f, "<urn:uuid:o1> <" CUST "lockedAmount> \"1000000\" " LEDGER) &&
         has(&f, "<urn:uuid:o1> <" CUST "lockedDenom> \"uknow\" " LEDGER) &&
         has(&f, "<urn:uuid:o1> <" CUST "lockedIn> <urn:cosmos:" CHAIN ":tx:H0> " LEDGER),
     "the order's funds are locked in the ledger");
  free(one);
  free(many);

  /* revoking the latest report brings back the one before; revoking all removes it */
  cust_mapper *m = new_mapper(0, 1);
  tblock t;
  tb_init(&t, 60);
  cust_msg *msg = tb_tx(&t, "R1", 0, 1);
  set_revoke(&t, msg, "urn:cred:x3");
  run(m, &f, &t, NULL);
  tb_release(&t);
  ok(has(&f, "<urn:uuid:e1> <" CUST "status> <" CUST "InExecution> " CURRENT),
     "revoking the Delivered report: the status is the previous report's");
  tb_init(&t, 61);
  msg = tb_tx(&t, "R2", 0, 2);
  set_revoke(&t, &msg[0], "urn:cred:x2");
  set_revoke(&t, &msg[1], "urn:cred:x1");
  run(m, &f, &t, NULL);
  tb_release(&t);
  char *d = fs_dump(&f, NULL);
  ok(strstr(d, CUST "status>") == NULL, "revoking every report removes the status");
  free(d);

  /* a second order credential for the same order locks nothing more */
  tb_init(&t, 62);
  char *o2 = order_cred("urn:cred:order2", "urn:uuid:o1");
  msg = tb_tx(&t, "O2", 0, 1);
  set_nq(&t, msg, o2);
  msg->funds = (cust_coin[]){ { "uknow", "5" } };
  msg->nfunds = 1;
  run(m, &f, &t, NULL);
  tb_release(&t);
  ok(!has(&f, "<urn:uuid:o1> <" CUST "lockedAmount> \"5\" " LEDGER),
     "the first order credential's payment stands");
  free(o2);
  cust_mapper_free(m);
  fs_release(&f);
  fs_release(&g);
}

static void test_parse_file(void);
static void test_load_ontology(void);
static void write_file(const char *path, const char *text);

/* ---- profiles: every ontology version maps as mapping.md says ------------------------------ */

#define AX4 "https://w3id.org/axone/ontology/v4/schema/credential/"
#define AXN "https://w3id.org/axone/ontology/vnext/schema/credential/"
#define AX5 "https://w3id.org/axone/ontology/v5/schema/core/"
#define OK3 V3 "schema/credential/"
#define OKN "https://w3id.org/okp4/ontology/vnext/schema/credential/"

/* Maps each credential in its own transaction of one block. */
static void map_all(cust_mapper *m, fstore *f, char **creds, size_t n, uint64_t height,
                    cust_mapper_stats *st) {
  tblock t;
  tb_init(&t, height);
  char hash[80];
  for (size_t i = 0; i < n; i++) {
    snprintf(hash, sizeof hash, "%02zu%014llu", i, (unsigned long long)height);
    cust_msg *msg = tb_tx(&t, hash, 0, 1);
    t.txs[t.b.ntxs - 1].index = (uint32_t)i;
    set_nq(&t, msg, creds[i]);
  }
  run(m, f, &t, st);
  tb_release(&t);
}

/* A fixture of tests/data/DIR (malloc'd), or NULL after a failed check. */
static char *read_data(const char *dir, const char *name) {
  size_t len;
  return read_fixture_in(dir, name, &len);
}

static void test_axone_v4_fixtures(void) {
#define MINIO "did:key:zQ3shgHvy6b16afQRDqyUb94xAhU7wTEqLPygqCFz1yE2KtMA"
#define HEARTH "did:key:zQ3shmDoRRiFmNzwDrnV2iPdgA9xaoAYsSq8GC9tGHsNL4R7a"
  static const char *const files[] = { "hearth-labs-wallet-description.nq",
                                       "hearth-labs-wallet-governance-credential.nq",
                                       "minio-wallet-description.nq",
                                       "minio-wallet-governance-credential.nq",
                                       "minio-wallet-zone-membership-credential.nq" };
  char *creds[5];
  for (size_t i = 0; i < 5; i++) {
    creds[i] = read_data("axone-v4-testnet", files[i]);
    if (creds[i] == NULL) {
      ok(0, "tests/data/axone-v4-testnet/%s is readable", files[i]);
      return;
    }
  }
  cust_mapper *m = new_mapper(0, 0);
  fstore f;
  fs_init(&f);
  cust_mapper_stats st = { 0 };
  map_all(m, &f, creds, 5, 70, &st);
  is_int(st.credentials, 5, "axone-v4 testnet: the five credentials are accepted");
  /* what each becomes */
  char *d = fs_dump(&f, NULL);
  ok(strstr(d, "<" HEARTH "> <" RDF "type> <" CUST "Zone>") != NULL,
     "hearth-labs-wallet-description: the Hearth Labs wallet is a cust:Zone");
  ok(strstr(d, "<" MINIO "> <" RDF "type> <" CUST "DigitalService>") != NULL,
     "minio-wallet-description: the MinIO wallet is a cust:DigitalService");
  ok(strstr(d, "<" MINIO "> <" PROV "wasAttributedTo> <did:key:") != NULL,
     "minio-wallet-description: attributed to its issuer");
  ok(strstr(d, "<" MINIO "> <" CUST "inZone> <" HEARTH ">") != NULL,
     "minio-wallet-zone-membership: the MinIO wallet is a member of the Hearth Labs zone");
  size_t nprofile = 0;
  for (size_t i = 0; i < f.n; i++) {
    nprofile +=
        strcmp(f.q[i].p.value, CUST "profile") == 0 && strcmp(f.q[i].o.value, "axone-v4") == 0;
  }
  is_int(nprofile, 5, "each is read by profile axone-v4 (cust:profile in the ledger)");
  free(d);
  for (size_t i = 0; i < 5; i++) {
    free(creds[i]);
  }
  fs_release(&f);
  cust_mapper_free(m);
}

static void test_okp4_v3_execution(void) {
  cust_mapper *m = new_mapper(0, 0);
  fstore f;
  fs_init(&f);
  char *creds[3];
  creds[0] = credential("urn:cred:v3order",
                        OK3 "digital-service/execution-order/"
                            "DigitalServiceExecutionOrderCredential",
                        "did:key:algo",
                        "<did:key:algo> <" OK3 "digital-service/execution-order/executedBy> "
                        "<urn:order:3> .\n"
                        "<urn:order:3> <" OK3 "digital-service/execution-order/inZone> "
                        "<did:key:zone3> .\n");
  const char *r = OK3 "digital-service/execution-result/";
  char body[2048];
  snprintf(body, sizeof body,
           "<did:key:algo> <%shasExecutionResult> _:x .\n"
           "<did:key:algo> <%shasExecutionStatus> <" V3
           "thesaurus/digital-service-execution-status/Delivered> .\n"
           "_:x <%soperatedBy> <did:key:orch3> .\n"
           "_:x <%srelatedToExecutionOrder> <urn:order:3> .\n"
           "_:x <%swithParameter> _:p1 .\n_:p1 <http://schema.org/value> <did:key:data3> .\n"
           "_:x <%swithParameter> _:p2 .\n_:p2 <http://schema.org/value> \"42\" .\n"
           "_:x <%swithOutcome> _:o1 .\n_:o1 <http://schema.org/value> <urn:out:3> .\n",
           r, r, r, r, r, r, r);
  creds[1] = credential("urn:cred:v3result",
                        OK3 "digital-service/execution-result/"
                            "DigitalServiceExecutionResultCredential",
                        "did:key:algo", body);
  creds[2] = credential("urn:cred:unknown", "https://example.org/ontology/v9/FancyCredential",
                        "did:key:algo", NULL);
  cust_mapper_stats st = { 0 };
  map_all(m, &f, creds, 3, 80, &st);
  is_int(st.credentials, 3, "okp4-v3 order, result and an unknown type are accepted");
  const char *x = "<urn:cred:v3result#execution-t0180000000000000m0b1>";
  char q[1024];
  char *d = fs_dump(&f, NULL);
  const char *xs = strstr(d, "<urn:cred:v3result#execution-");
  ok(xs != NULL, "the blank result gets a name minted from the credential");
  char xname[160] = "";
  if (xs != NULL) {
    snprintf(xname, sizeof xname, "%.*s", (int)(strchr(xs, '>') - xs + 1), xs);
  }
  (void)x;
  snprintf(q, sizeof q, "%s <" PROV "used> <did:key:data3> <urn:cred:v3result>", xname);
  ok(has(&f, q), "v3: a parameter whose value is an IRI is consumed");
  snprintf(q, sizeof q, "%s <" PROV "used> <did:key:algo> <urn:cred:v3result>", xname);
  ok(has(&f, q), "v3: the executed service is consumed");
  ok(strstr(d, "<" PROV "used> \"42\"") == NULL, "v3: a literal parameter is not");
  snprintf(q, sizeof q, "<urn:out:3> <" PROV "wasGeneratedBy> %s <urn:cred:v3result>", xname);
  ok(has(&f, q), "v3: an outcome whose value is an IRI is produced");
  ok(has(&f, "<urn:out:3> <" PROV "wasDerivedFrom> <did:key:data3> <urn:cred:v3result>"),
     "v3: the outcome derives from the parameter");
  snprintf(q, sizeof q, "%s <" PROV "wasAssociatedWith> <did:key:orch3> <urn:cred:v3result>",
           xname);
  ok(has(&f, q), "v3: associated with operatedBy");
  snprintf(q, sizeof q, "%s <" CUST "executionOf> <urn:order:3> <urn:cred:v3result>", xname);
  ok(has(&f, q), "v3: relatedToExecutionOrder is cust:executionOf");
  snprintf(q, sizeof q, "%s <" CUST "status> <" CUST "Delivered> " CURRENT, xname);
  ok(has(&f, q), "v3: the status on the subject, normalised in the current graph");
  ok(has(&f, "<urn:order:3> <" CUST "inZone> <did:key:zone3> <urn:cred:v3order>") &&
         has(&f, "<urn:order:3> <" CUST "payer> <did:key:issuer> <urn:cred:v3order>"),
     "v3: the order (executedBy) is in its zone, paid by the issuer");
  snprintf(q, sizeof q,
           "%s <" PROV "endedAtTime> \"2024-05-06T10:00:00.123456789Z\"^^<" XSD
           "dateTime> <urn:cred:v3result>",
           xname);
  ok(has(&f, q), "v3: no execution time: the block's time is used");
  is_int(count_graph(&f, "urn:cred:unknown"), 6, "an unknown credential type is stored");
  ok(!has(&f, "<urn:cred:unknown> <" CUST "profile> \"okp4-v3\" " LEDGER) &&
         has(&f, "<urn:cred:v3result> <" CUST "profile> \"okp4-v3\" " LEDGER),
     "and no profile claims it");
  free(d);
  for (size_t i = 0; i < 3; i++) {
    free(creds[i]);
  }
  fs_release(&f);
  cust_mapper_free(m);
}

static void test_axone_v5(void) {
  cust_mapper *m = new_mapper(0, 0);
  fstore f;
  fs_init(&f);
  const char *a = AX5 "assertion/";
  char body[4][1024];
  const char *stmts[4][3] = {
    { "urn:act:1", PROV "used", "did:key:data5" },
    { "urn:act:1", PROV "generated", "urn:out:5" },
    { "urn:act:1", PROV "endedAtTime", NULL },
    { "did:key:data5", "http://purl.org/dc/terms/license", "CC-BY-4.0" },
  };
  char *creds[5];
  for (size_t i = 0; i < 4; i++) {
    snprintf(body[i], sizeof body[i],
             "<urn:s:%zu> <%ssubject> \"%s\" .\n<urn:s:%zu> <%spredicate> \"%s\" .\n"
             "<urn:s:%zu> <%sobject> \"%s\" .\n<urn:s:%zu> <%sscope> \"did:key:zone5\" .\n",
             i, a, stmts[i][0], i, a, stmts[i][1], i, a,
             stmts[i][2] ? stmts[i][2] : "2026-06-11T00:00:00Z", i, a);
    char id[32];
    snprintf(id, sizeof id, "urn:cred:a%zu", i);
    snprintf(body[i] + strlen(body[i]), sizeof body[i] - strlen(body[i]), "%s", "");
    char subj[16];
    snprintf(subj, sizeof subj, "urn:s:%zu", i);
    creds[i] = credential(id, AX5 "assertion/AssertionCredential", subj, body[i]);
  }
  creds[4] = credential("urn:cred:p", AX5 "profile/ProfileCredential", "did:key:data5",
                        "<did:key:data5> <http://schema.org/name> \"Data five\" .\n");
  cust_mapper_stats st = { 0 };
  map_all(m, &f, creds, 5, 90, &st);
  is_int(st.credentials, 5, "axone-v5 assertions and a profile are accepted");
  ok(has(&f, "<urn:act:1> <" PROV "used> <did:key:data5> <urn:cred:a0>"),
     "v5: the statement is written as its triple, an IRI-looking literal read as an IRI");
  ok(has(&f, "<urn:out:5> <" PROV "wasGeneratedBy> <urn:act:1> <urn:cred:a1>"),
     "v5: prov:generated takes its custody role");
  ok(has(&f, "<urn:act:1> <" RDF "type> <" CUST "Execution> <urn:cred:a0>"),
     "v5: the subject of prov:used is an execution");
  ok(has(&f, "<urn:act:1> <" CUST "inZone> <did:key:zone5> <urn:cred:a0>"),
     "v5: the scope is the zone");
  ok(has(&f, "<urn:act:1> <" CUST "status> <" CUST "Delivered> " CURRENT),
     "v5: prov:endedAtTime makes the activity Delivered");
  ok(has(&f, "<did:key:data5> <http://purl.org/dc/terms/license> \"CC-BY-4.0\" <urn:cred:a3>"),
     "v5: a licence that is not an IRI stays a literal");
  ok(has(&f, "<did:key:data5> <http://purl.org/dc/terms/title> \"Data five\" <urn:cred:p>") &&
         has(&f, "<did:key:data5> <" PROV "wasAttributedTo> <did:key:issuer> <urn:cred:p>"),
     "v5: a profile labels its subject");
  ok(has(&f, "<urn:cred:a0> <" CUST "profile> \"axone-v5\" " LEDGER), "read by axone-v5");
  for (size_t i = 0; i < 5; i++) {
    free(creds[i]);
  }
  fs_release(&f);
  cust_mapper_free(m);
}

/* The two examples of the axone v5 release, as their JSON-LD reads. */
static void test_axone_v5_examples(void) {
#define ZONE5 "did:pkh:cosmos:axone-1:cosmos1unn7us5oknykkzprw8np5haotf4t2fxyudho5z"
#define RES5 "did:pkh:cosmos:axone-1:cosmos1rfadcmegmmkotqcjzdc9bhwdpbezp9ymi5rkjx"
#define ISS5 "did:pkh:cosmos:axone-1:cosmos1s7auhjsmvjpiubqwco6bxxehsqwnvepvabhbrv"
  char *creds[2] = { read_data("axone-v5-examples", "resource-license-assertion.nq"),
                     read_data("axone-v5-examples", "collab-ai-zone-profile.nq") };
  if (!ok(creds[0] != NULL && creds[1] != NULL, "tests/data/axone-v5-examples is readable")) {
    free(creds[0]);
    free(creds[1]);
    return;
  }
  cust_mapper *m = new_mapper(0, 0);
  fstore f;
  fs_init(&f);
  cust_mapper_stats st = { 0 };
  map_all(m, &f, creds, 2, 98, &st);
  const char *lic = "https://credentials.axone.xyz/assertion/resource-license";
  const char *prof = "https://credentials.axone.xyz/profile/collab-ai-zone";
  is_int(st.credentials, 2, "axone-v5 examples: both accepted");
  char q[1024];
  snprintf(q, sizeof q, "<" RES5 "> <http://purl.org/dc/terms/license> \"CC-BY-4.0\" <%s>", lic);
  ok(has(&f, q), "resource-license-assertion: the resource's licence, written as its triple");
  snprintf(q, sizeof q, "<" RES5 "> <" CUST "inZone> <" ZONE5 "> <%s>", lic);
  ok(has(&f, q), "resource-license-assertion: its scope is the resource's zone");
  snprintf(q, sizeof q,
           "<" ZONE5 "> <http://purl.org/dc/terms/title> \"Collaborative AI Zone\" <%s>", prof);
  ok(has(&f, q), "collab-ai-zone-profile: the zone's title");
  snprintf(q, sizeof q, "<" ZONE5 "> <" PROV "wasAttributedTo> <" ISS5 "> <%s>", prof);
  ok(has(&f, q), "collab-ai-zone-profile: attributed to its issuer");
  snprintf(q, sizeof q, "<%s> <" CUST "profile> \"axone-v5\" " LEDGER, lic);
  ok(has(&f, q), "both read by axone-v5");
  free(creds[0]);
  free(creds[1]);
  fs_release(&f);
  cust_mapper_free(m);
}

static void test_vnext_publication(void) {
  cust_mapper *m = new_mapper(0, 0);
  fstore f;
  fs_init(&f);
  char *creds[3];
  creds[0] = credential("urn:cred:pub",
                        OKN "digital-resource/publication/"
                            "DigitalResourcePublicationCredential",
                        "did:key:ds",
                        "<did:key:ds> <" OKN "digital-resource/publication/servedBy> "
                        "<did:key:store> .\n");
  /* early okp4 vnext: executionOf and the status on the subject; a
     transitional credential: okp4 class, axone property IRIs */
  creds[1] = credential(
      "urn:cred:early",
      OKN "orchestration-service/execution/OrchestrationServiceExecutionCredential", "did:key:o",
      "<did:key:o> <" AX4 "orchestration-service/execution/hasExecution> <urn:x:early> .\n"
      "<did:key:o> <" OKN "orchestration-service/execution/executionOf> <urn:order:e> .\n"
      "<did:key:o> <" OKN "orchestration-service/execution/hasExecutionStatus> "
      "<https://w3id.org/okp4/ontology/vnext/thesaurus/digital-service-execution-status/"
      "InExecution> .\n");
  creds[2] = credential("urn:cred:svc",
                        AXN "digital-service/description/DigitalServiceDescriptionCredential",
                        "did:key:store",
                        "<did:key:store> <" AXN "digital-service/description/hasCategory> "
                        "<https://w3id.org/axone/ontology/vnext/thesaurus/"
                        "digital-service-category/Storage> .\n");
  cust_mapper_stats st = { 0 };
  map_all(m, &f, creds, 3, 95, &st);
  ok(has(&f, "<did:key:ds> <" CUST "servedBy> <did:key:store> <urn:cred:pub>"),
     "okp4-vnext: a publication gives cust:servedBy");
  ok(has(&f, "<urn:x:early> <" CUST "executionOf> <urn:order:e> <urn:cred:early>"),
     "early okp4-vnext: executionOf on the subject");
  ok(has(&f, "<urn:x:early> <" CUST "status> <" CUST "InExecution> " CURRENT),
     "early okp4-vnext: the status on the subject, normalised");
  ok(has(&f, "<did:key:store> <" RDF "type> <" CUST "StorageService> <urn:cred:svc>"),
     "axone vnext: a Storage service is a cust:StorageService");
  ok(has(&f, "<urn:cred:early> <" CUST "profile> \"okp4-vnext\" " LEDGER) &&
         has(&f, "<urn:cred:svc> <" CUST "profile> \"axone-v4\" " LEDGER),
     "the class decides the profile");
  for (size_t i = 0; i < 3; i++) {
    free(creds[i]);
  }
  fs_release(&f);
  cust_mapper_free(m);
}

/* Literals where a role wants a node derive nothing that RDF cannot hold. */
static void test_literal_roles(void) {
  cust_mapper *m = new_mapper(0, 0);
  fstore f;
  fs_init(&f);
  char *creds[2];
  creds[0] = credential(
      "urn:cred:lit", AX4 "orchestration-service/execution/OrchestrationServiceExecutionCredential",
      "did:key:o",
      "<did:key:o> <" AX4 "orchestration-service/execution/hasExecution> \"x1\" .\n"
      "<did:key:o> <" AX4 "orchestration-service/execution/hasExecution> <urn:x:lit> .\n"
      "<urn:x:lit> <" AX4 "orchestration-service/execution/hasConsumedResource> \"raw\" .\n"
      "<urn:x:lit> <" AX4 "orchestration-service/execution/hasProducedResource> \"out\" .\n");
  creds[1] = credential("urn:cred:lit5", AX5 "assertion/AssertionCredential", "urn:s:lit",
                        "<urn:s:lit> <" AX5 "assertion/subject> \"urn:act:9\" .\n"
                        "<urn:s:lit> <" AX5 "assertion/predicate> \"" PROV "generated\" .\n"
                        "<urn:s:lit> <" AX5 "assertion/object> \"not an IRI\" .\n");
  cust_mapper_stats st = { 0 };
  map_all(m, &f, creds, 2, 97, &st);
  size_t nlit = 0;
  for (size_t i = 0; i < f.n; i++) {
    nlit += f.q[i].s.kind == CUST_TERM_LITERAL;
  }
  ok(st.credentials == 2 && nlit == 0, "a literal in a node role derives no literal subject");
  ok(has(&f, "<urn:x:lit> <" RDF "type> <" CUST "Execution> <urn:cred:lit>") &&
         !has(&f, "<urn:x:lit> <" PROV "used> \"raw\" <urn:cred:lit>"),
     "the IRI execution is derived, its literal inputs are not resources");
  ok(has(&f, "<urn:act:9> <" PROV "generated> \"not an IRI\" <urn:cred:lit5>"),
     "v5: the statement is kept as written");
  for (size_t i = 0; i < 2; i++) {
    free(creds[i]);
  }
  fs_release(&f);
  cust_mapper_free(m);
}

/* A profile file that breaks a rule fails with its file, line and what. */
static void test_profile_errors(void) {
  char dir[256];
  snprintf(dir, sizeof dir, "/tmp/cust-profiles-%d", (int)getpid());
  mkdir(dir, 0700);
  char path[512], err[512];
  snprintf(path, sizeof path, "%s/a.profile", dir);
  static const struct {
    const char *text;
    const char *want;
  } cases[] = {
    { "base https://x/\n", "a.profile:1: the file must start with \"profile NAME\"" },
    { "profile p\nbase https://x/\nclass widget W\n",
      "a.profile:3: unknown class kind \"widget\"" },
    { "profile p\nbase https://x/\nclass dataset D\nrole colour c\n",
      "a.profile:4: unknown role \"colour\"" },
    { "profile p\nbase x/\n", "a.profile:2: base \"x/\" is not an absolute IRI" },
    { "profile p\nbase https://x/\nclass execution E\nrole status s\n",
      "a.profile:3: a class of kind \"execution\" needs a \"role execution\" line" },
    { "profile p\nbase https://x/\n", "profile \"p\" declares no credential class" },
    { "profile p\nbase https://x/\nclass dataset D\nstatus Done s\n",
      "a.profile:4: \"status\" takes InExecution, Delivered" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    write_file(path, cases[i].text);
    cust_profiles *ps = NULL;
    cust_status st = cust_profiles_load(dir, &ps, err, sizeof err);
    ok(st == CUST_ERR_FORMAT && ps == NULL && strstr(err, cases[i].want) != NULL,
       "profile error %zu: %s", i, err);
  }
  write_file(path, "profile p\nbase https://x/\nclass dataset D\n");
  char path2[512];
  snprintf(path2, sizeof path2, "%s/b.profile", dir);
  write_file(path2, "profile q\nbase https://x/\nclass zone D\n");
  cust_profiles *ps = NULL;
  ok(cust_profiles_load(dir, &ps, err, sizeof err) == CUST_ERR_FORMAT &&
         strstr(err, "b.profile:3: class <https://x/D> is already declared by profile \"p\""),
     "a class belongs to one profile: %s", err);
  unlink(path2);
  ok(cust_profiles_load(dir, &ps, err, sizeof err) == CUST_OK && cust_profiles_count(ps) == 1 &&
         strcmp(cust_profiles_name(ps, 0), "p") == 0,
     "a minimal profile loads");
  cust_profiles_free(ps);
  unlink(path);
  ps = NULL;
  ok(cust_profiles_load(dir, &ps, err, sizeof err) == CUST_ERR_NOTFOUND &&
         strstr(err, "no *.profile file") != NULL,
     "an empty folder is refused: %s", err);
  rmdir(dir);
  char odir[1024];
  snprintf(odir, sizeof odir, "%s/ontology", tap_srcdir());
  ok(cust_profiles_load(odir, &ps, err, sizeof err) == CUST_OK && cust_profiles_count(ps) == 4,
     "the four shipped profiles load: %s", err);
  for (size_t i = 0; i < cust_profiles_count(ps); i++) {
    ok(cust_profiles_name(ps, i) != NULL, "shipped profile %s", cust_profiles_name(ps, i));
  }
  cust_profiles_free(ps);
}

int main(void) {
  test_fixtures();
  test_axone_fixtures();
  test_rejections();
  test_message_forms();
  test_literals();
  test_sizes();
  test_transactions();
  test_determinism();
  test_revocations();
  test_workflow();
  test_parse_file();
  test_load_ontology();
  test_axone_v4_fixtures();
  test_okp4_v3_execution();
  test_axone_v5();
  test_axone_v5_examples();
  test_vnext_publication();
  test_literal_roles();
  test_profile_errors();
  return done_testing();
}

/* ---- files ---------------------------------------------------------------------------------- */

typedef struct counter {
  size_t n;
  int is_in_graph;
  int is_leaked; /* a literal holds the text of another file */
  char first_blank[64];
} counter;

static int count_quad(void *ud, const cust_quad *q) {
  counter *c = ud;
  c->n++;
  c->is_in_graph += q->g.kind == CUST_TERM_IRI && strcmp(q->g.value, "urn:g") == 0;
  c->is_leaked |= q->o.kind == CUST_TERM_LITERAL && strstr(q->o.value, "x/b") != NULL;
  if (q->s.kind == CUST_TERM_BLANK && c->first_blank[0] == '\0') {
    snprintf(c->first_blank, sizeof c->first_blank, "%s", q->s.value);
  }
  return 0;
}

static void write_file(const char *path, const char *text) {
  FILE *fp = fopen(path, "wb");
  if (fp != NULL) {
    fputs(text, fp);
    fclose(fp);
  }
}

static void test_parse_file(void) {
  char dir[] = "/tmp/custodian-mapper-XXXXXX";
  if (mkdtemp(dir) == NULL) {
    ok(0, "mkdtemp");
    return;
  }
  char ttl[128], nt[128], rdf[128], bad[128], odd[128], xxe[128];
  snprintf(ttl, sizeof ttl, "%s/a.ttl", dir);
  snprintf(nt, sizeof nt, "%s/a.nt", dir);
  snprintf(rdf, sizeof rdf, "%s/a.rdf", dir);
  snprintf(bad, sizeof bad, "%s/bad.ttl", dir);
  snprintf(odd, sizeof odd, "%s/a.txt", dir);
  snprintf(xxe, sizeof xxe, "%s/xxe.rdf", dir);
  write_file(ttl, "@prefix ex: <http://example.org/> .\nex:a ex:b [ ex:c \"d\" ] ; ex:e <rel> .\n");
  write_file(nt, "<http://x/a> <http://x/b> \"c\" .\n");
  write_file(rdf,
             "<?xml version=\"1.0\"?>\n<rdf:RDF "
             "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
             "xmlns:ex=\"http://example.org/\"><rdf:Description "
             "rdf:about=\"http://example.org/a\"><ex:b>c</ex:b></rdf:Description></rdf:RDF>\n");
  write_file(bad, "@prefix ex: <http://example.org/> .\nex:a ex:b .\n");
  write_file(odd, "x");
  char xml[1024];
  snprintf(xml, sizeof xml,
           "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM \"file://%s\">]>\n"
           "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
           "xmlns:ex=\"http://example.org/\"><rdf:Description rdf:about=\"http://example.org/a\">"
           "<ex:b>&x;</ex:b></rdf:Description></rdf:RDF>\n",
           nt);
  write_file(xxe, xml);
  char err[512];
  counter c = { 0 };
  is_int(
      cust_mapper_parse_file(ttl, "http://base.example/", "urn:g", count_quad, &c, err, sizeof err),
      CUST_OK, "Turtle parses");
  ok(c.n == 3 && c.is_in_graph == 3, "all quads go to the given graph");
  ok(strncmp(c.first_blank, "f", 1) == 0 && strlen(c.first_blank) == 15,
     "blank labels are named from the file's digest (%s)", c.first_blank);
  memset(&c, 0, sizeof c);
  is_int(cust_mapper_parse_file(nt, NULL, NULL, count_quad, &c, err, sizeof err), CUST_OK,
         "N-Triples parses");
  ok(c.n == 1 && c.is_in_graph == 0, "no graph given: the file's graphs are kept");
  memset(&c, 0, sizeof c);
  is_int(cust_mapper_parse_file(rdf, NULL, "urn:g", count_quad, &c, err, sizeof err), CUST_OK,
         "RDF/XML parses");
  is_int(c.n, 1, "RDF/XML gives its triple");
  memset(&c, 0, sizeof c);
  is_int(cust_mapper_parse_file(bad, NULL, "urn:g", count_quad, &c, err, sizeof err),
         CUST_ERR_FORMAT, "a syntax error is CUST_ERR_FORMAT");
  ok(strstr(err, "bad.ttl") != NULL && strstr(err, "line 2") != NULL,
     "the error names the file and the line: %s", err);
  is_int(cust_mapper_parse_file(odd, NULL, "urn:g", count_quad, &c, err, sizeof err),
         CUST_ERR_UNSUPPORTED, "an unknown extension is refused");
  char missing[160];
  snprintf(missing, sizeof missing, "%s/missing.ttl", dir);
  is_int(cust_mapper_parse_file(missing, NULL, "urn:g", count_quad, &c, err, sizeof err),
         CUST_ERR_NOTFOUND, "a missing file is CUST_ERR_NOTFOUND");
  memset(&c, 0, sizeof c);
  cust_status st = cust_mapper_parse_file(xxe, NULL, "urn:g", count_quad, &c, err, sizeof err);
  ok(!c.is_leaked, "an external entity is not loaded (%s)", st == CUST_OK ? "parsed" : err);
  remove(ttl);
  remove(nt);
  remove(rdf);
  remove(bad);
  remove(odd);
  remove(xxe);
  rmdir(dir);
}

static int count_cb(void *ud, const cust_quad *q) {
  (void)q;
  (*(size_t *)ud)++;
  return 0;
}

static size_t count_in(cust_store *s, const char *graph) {
  size_t n = 0;
  cust_quad pat;
  memset(&pat, 0, sizeof pat);
  pat.g = cust_term_iri(graph);
  cust_store_find(s, &pat, count_cb, &n);
  return n;
}

static void test_load_ontology(void) {
  char dir[] = "/tmp/custodian-onto-XXXXXX";
  if (mkdtemp(dir) == NULL) {
    ok(0, "mkdtemp");
    return;
  }
  char db[128], onto[1024], bad[160], badfile[200];
  snprintf(db, sizeof db, "%s/store.db", dir);
  snprintf(onto, sizeof onto, "%s/ontology", tap_srcdir());
  snprintf(bad, sizeof bad, "%s/bad", dir);
  snprintf(badfile, sizeof badfile, "%s/bad/broken.ttl", dir);
  cust_store *s = NULL;
  if (!ok(cust_store_open(db, CUST_STORE_CREATE, NULL, &s) == CUST_OK, "a store to load into")) {
    return;
  }
  is_int(cust_mapper_load_ontology(s, onto, NULL), CUST_OK, "the ontology loads");
  size_t n = count_in(s, CUST_GRAPH_ONTOLOGY);
  ok(n > 300, "the ontology graph holds the vocabulary (%zu quads)", n);
  is_int(count_in(s, CUST_GRAPH_POLICIES), 0, "policy files are left to the rewards module");
  is_int(cust_mapper_load_ontology(s, onto, NULL), CUST_OK, "loading again works");
  is_int(count_in(s, CUST_GRAPH_ONTOLOGY), n, "loading again replaces, never doubles");
  mkdir(bad, 0700);
  write_file(badfile, "@prefix x: <urn:x:> .\nx:a x:b .\n");
  is_int(cust_mapper_load_ontology(s, bad, NULL), CUST_ERR_FORMAT, "a broken file fails the load");
  is_int(count_in(s, CUST_GRAPH_ONTOLOGY), n, "and leaves the ontology graph as it was");
  ok(cust_mapper_load_ontology(s, "/nonexistent/ontology", NULL) == CUST_ERR_NOTFOUND,
     "a missing folder is CUST_ERR_NOTFOUND");
  cust_store_close(s);
  remove(badfile);
  rmdir(bad);
  char path[200];
  static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
  for (size_t i = 0; i < 4; i++) {
    snprintf(path, sizeof path, "%s%s", db, suffixes[i]);
    remove(path);
  }
  rmdir(dir);
}
