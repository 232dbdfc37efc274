/* Out-of-memory paths: each scenario (store, mapper, in-process SPARQL,
 * custody) runs with its Nth allocation failing, for N = 1, 2, 3 … until it
 * runs through without reaching the failure: once with only that allocation
 * failing, and once with every allocation from the Nth on failing
 * (persistent). Each run must end in an error status or in a verified right
 * answer, never a crash or a wrong answer; the same scenario must then
 * succeed without injection, and nothing may leak.
 *
 * Past OOM_DENSE failure points, N advances by OOM_STRIDE to bound the run
 * time; CUST_OOM_STRIDE=1 in the environment sweeps every N, and
 * CUST_OOM_LEAKCHECK=each runs LeakSanitizer after every N (slow) to name
 * the N that leaks. CUST_OOM_TRACE=scenario:N (or scenario:N:p for the
 * persistent mode) runs that one failure point only and prints the stack of
 * the allocation that fails. */
#include "config.h"

#include <unistd.h>

#include "mapper/mapper.h"
#include "memgraph.h"
#include "rewards/rewards.h"
#include "sparql/sparql_int.h"
#include "store/store.h"
#include "tap.h"

#if defined(__SANITIZE_ADDRESS__)
#define HAS_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAS_LSAN 1
#endif
#endif
#ifdef HAS_LSAN
#include <sanitizer/common_interface_defs.h>
#include <sanitizer/lsan_interface.h>
#endif

#define OOM_DENSE 3000
#define OOM_STRIDE 7

#define EX "http://ex.org/"
#define XSDI "http://www.w3.org/2001/XMLSchema#integer"
#define G1 EX "g1"
#define G2 EX "g2"

typedef enum outcome {
  OUT_OK,    /* succeeded; verify() decides whether the answer is right */
  OUT_ERROR, /* failed with an error status */
  OUT_WRONG  /* failed in a way it must not: `why` says how */
} outcome;

typedef struct scenario {
  const char *name;
  /* Runs once; armed or not. Leaves what verify needs in the scenario's
   * statics. */
  outcome (*run)(char *why, size_t whylen);
  /* After a run that returned OUT_OK, unarmed: 1 when the answer is right. */
  int (*verify)(int is_baseline, char *why, size_t whylen);
  /* Frees what run left, unarmed. */
  void (*cleanup)(void);
  /* Before each run with a failure armed (may be NULL); the retry that
   * follows a failed run starts from what that run left. */
  void (*prepare)(void);
} scenario;

static char tmpdir[512];

static void path_in_tmp(char *out, size_t len, const char *name) {
  snprintf(out, len, "%s/test_oom.%ld.%s", tmpdir, (long)getpid(), name);
}

/* The text written to a memory stream, as a malloc'd string (libc's). */
typedef struct memout {
  char *data;
  size_t len;
  FILE *fp;
} memout;

static void memout_release(memout *m) {
  if (m->fp != NULL) {
    fclose(m->fp);
  }
  free(m->data);
  memset(m, 0, sizeof *m);
}

/* ---- store: create, write one block with its checkpoint, read back ---------------- */

/* More quads and terms than the writer queues before it flushes them
 * (CUST_PENDING_ROWS, CUST_PENDING_TERMS), so both kinds of insert run. */
#define STORE_NQUADS 150
/* s0 p in g2 (every 10th quad) is removed */
#define STORE_REMOVED (STORE_NQUADS / 10)
/* the quads written, less the removed ones, plus the checkpoint's 4 in the
 * ledger graph */
#define STORE_EXPECTED (STORE_NQUADS - STORE_REMOVED + 4)

static char store_path[600];
static memout store_out;
static cust_checkpoint store_cp;
static uint64_t store_count;
static char *store_ref;       /* the export of the baseline run */
static char store_reads[512]; /* what the lookups found, as text */

static int count_quad(void *ud, const cust_quad *q) {
  (void)q;
  (*(size_t *)ud)++;
  return 0;
}

static int list_graph(void *ud, const char *iri, size_t len) {
  size_t used = strlen(store_reads);
  snprintf(store_reads + used, sizeof store_reads - used, "%.*s ", (int)len, iri);
  (void)ud;
  return 0;
}

static int count_id_quad(void *ud, const cust_store_id_quad *q) {
  (void)q;
  (*(size_t *)ud)++;
  return 0;
}

static int text_len(void *ud, size_t i, const char *text, size_t len) {
  (void)i;
  *(size_t *)ud += text ? len : 1000;
  return 0;
}

/* Lookups of every kind over the store read back; what they find goes into
 * store_reads. */
static cust_status store_lookups(cust_store *s) {
  size_t n_s0 = 0, n_g1 = 0, n_ids = 0, n_text = 0;
  int64_t pid = 0, ids[2] = { 0, 0 };
  store_reads[0] = '\0';
  cust_quad pat;
  memset(&pat, 0, sizeof pat);
  pat.s = cust_term_iri(EX "s0");
  cust_status st = cust_store_find(s, &pat, count_quad, &n_s0);
  if (st == CUST_OK) {
    memset(&pat, 0, sizeof pat);
    pat.g = cust_term_iri(G1);
    st = cust_store_find(s, &pat, count_quad, &n_g1);
  }
  if (st == CUST_OK) {
    st = cust_store_graphs(s, list_graph, NULL);
  }
  if (st == CUST_OK) {
    cust_term p = cust_term_iri(EX "p");
    st = cust_store_term_id(s, &p, &pid);
  }
  if (st == CUST_OK) {
    st = cust_store_find_ids(s, pid, 0, count_id_quad, &n_ids);
  }
  if (st == CUST_OK) {
    cust_term a = cust_term_iri(EX "s1"), b = cust_term_iri(EX "s2");
    st = cust_store_term_id(s, &a, &ids[0]);
    if (st == CUST_OK) {
      st = cust_store_term_id(s, &b, &ids[1]);
    }
  }
  if (st == CUST_OK) {
    st = cust_store_id_texts(s, CUST_TERM_IRI, ids, 2, text_len, &n_text);
  }
  size_t used = strlen(store_reads);
  snprintf(store_reads + used, sizeof store_reads - used, "s0:%zu g1:%zu p:%zu texts:%zu", n_s0,
           n_g1, n_ids, n_text);
  return st;
}

static cust_status store_fill(cust_changes *c) {
  char s[64], o[64];
  cust_status st = CUST_OK;
  for (int i = 0; i < STORE_NQUADS && st == CUST_OK; i++) {
    snprintf(s, sizeof s, EX "s%d", i % 5);
    snprintf(o, sizeof o, "%d", i);
    cust_quad q = { cust_term_iri(s), cust_term_iri(EX "p"), cust_term_iri(EX "o"),
                    cust_term_iri(i % 2 ? G1 : G2) };
    if (i % 3 == 0) {
      q.o = cust_term_literal(o, NULL, XSDI);
    } else if (i % 3 == 1) {
      q.o = cust_term_literal(o, "en", NULL);
    } else {
      snprintf(o, sizeof o, "b%d", i);
      q.o = cust_term_blank(o);
    }
    st = cust_changes_add(c, &q);
  }
  if (st == CUST_OK) {
    /* removes what s0 p has in g2 (i = 0, 10, 20 …) */
    cust_term rs = cust_term_iri(EX "s0"), rp = cust_term_iri(EX "p"), rg = cust_term_iri(G2);
    st = cust_changes_remove_sp(c, &rs, &rp, &rg);
  }
  return st;
}

static outcome store_run(char *why, size_t whylen) {
  cust_store *s = NULL;
  cust_changes c;
  cust_changes_init(&c);
  memout_release(&store_out);
  cust_status st = cust_store_open(store_path, CUST_STORE_CREATE, NULL, &s);
  if (st == CUST_OK) {
    st = store_fill(&c);
  }
  /* a block that fails is rolled back and written again on the same handle,
   * as the indexer does */
  for (int attempt = 0; st == CUST_OK && attempt < 2; attempt++) {
    if (attempt > 0) {
      cust_store_rollback(s);
    }
    /* a cache this small is cleared many times over during the block */
    cust_store_set_cache(s, 4, 256);
    st = cust_store_begin(s);
    if (st == CUST_OK) {
      st = cust_store_apply(s, &c);
    }
    cust_checkpoint cp;
    memset(&cp, 0, sizeof cp);
    cp.height = 42;
    snprintf(cp.block_hash, sizeof cp.block_hash, "%s", "00FF00FF");
    snprintf(cp.chain_id, sizeof cp.chain_id, "%s", "oom-test-1");
    snprintf(cp.block_time, sizeof cp.block_time, "%s", "2024-05-06T10:00:00Z");
    if (st == CUST_OK) {
      st = cust_store_set_checkpoint(s, &cp);
    }
    if (st == CUST_OK) {
      st = cust_store_commit(s);
    }
    if (st == CUST_OK || attempt > 0) {
      break;
    }
    st = CUST_OK;
  }
  cust_store_close(s);
  s = NULL;
  cust_changes_release(&c);
  if (st == CUST_OK) {
    st = cust_store_open(store_path, CUST_STORE_READONLY, NULL, &s);
  }
  if (st == CUST_OK) {
    st = cust_store_checkpoint(s, &store_cp);
  }
  if (st == CUST_OK) {
    st = cust_store_count(s, &store_count);
  }
  if (st == CUST_OK) {
    st = store_lookups(s);
  }
  if (st == CUST_OK) {
    store_out.fp = open_memstream(&store_out.data, &store_out.len);
    st = store_out.fp ? cust_store_export(s, NULL, store_out.fp) : CUST_ERR_IO;
    if (store_out.fp != NULL && fflush(store_out.fp) != 0) {
      st = CUST_ERR_IO;
    }
  }
  cust_store_close(s);
  if (st == CUST_OK) {
    return OUT_OK;
  }
  snprintf(why, whylen, "%s", cust_strerror(st));
  return st == CUST_ERR_NOMEM ? OUT_ERROR : OUT_WRONG;
}

static int store_verify(int is_baseline, char *why, size_t whylen) {
  size_t lines = 0;
  for (size_t i = 0; i < store_out.len; i++) {
    lines += store_out.data[i] == '\n';
  }
  if (store_cp.height != 42 || strcmp(store_cp.block_hash, "00FF00FF") != 0 ||
      strcmp(store_cp.chain_id, "oom-test-1") != 0) {
    snprintf(why, whylen, "the checkpoint read back is %llu %s %s",
             (unsigned long long)store_cp.height, store_cp.block_hash, store_cp.chain_id);
    return 0;
  }
  if (store_count != STORE_EXPECTED || lines != STORE_EXPECTED ||
      strstr(store_out.data, "<" EX "s0> <" EX "p> \"0\"") != NULL ||
      strstr(store_out.data, "<" EX "s0> <" EX "p> \"10\"@en") != NULL) {
    snprintf(why, whylen, "%llu quads, %zu exported lines, expected %d without s0 p in g2",
             (unsigned long long)store_count, lines, STORE_EXPECTED);
    return 0;
  }
  /* s0 keeps its quads in g1; g1 holds the odd ones; ex:p is in all that
   * remain; "http://ex.org/s1" and "http://ex.org/s2" are 16 bytes each */
  char reads[256];
  snprintf(reads, sizeof reads,
           "http://ex.org/g1 http://ex.org/g2 https://w3id.org/custodian/graph/ledger "
           "s0:%d g1:%d p:%d texts:32",
           STORE_NQUADS / 10, STORE_NQUADS / 2, STORE_NQUADS - STORE_REMOVED);
  if (strcmp(store_reads, reads) != 0) {
    snprintf(why, whylen, "the lookups found \"%s\"", store_reads);
    return 0;
  }
  if (is_baseline) {
    store_ref = strdup(store_out.data);
    return store_ref != NULL;
  }
  if (strcmp(store_out.data, store_ref) != 0) {
    snprintf(why, whylen, "the export differs from the baseline");
    return 0;
  }
  return 1;
}

static void store_cleanup(void) {
  memout_release(&store_out);
}

/* Each armed run creates the store; its retry reopens what the run left. */
static void store_prepare(void) {
  unlink(store_path);
}

/* ---- mapper: the five OKP4 credentials, then a block that revokes one ------------- */

#define CHAIN "oom-test-1"
#define DV "okp41dataverse"

static const char *const fixture_files[5] = {
  "collab-ai-zone-description.nq",       "collab-ai-zone-governance.nq",
  "crime-dataset-description.nq",        "crime-dataset-governance.nq",
  "ipfs-digital-service-description.nq",
};
static const char *const fixture_hashes[7] = {
  "A1000000000000000000000000000000000000000000000000000000000000AA",
  "A2000000000000000000000000000000000000000000000000000000000000AA",
  "A3000000000000000000000000000000000000000000000000000000000000AA",
  "A4000000000000000000000000000000000000000000000000000000000000AA",
  "A5000000000000000000000000000000000000000000000000000000000000AA",
  "B1000000000000000000000000000000000000000000000000000000000000BB",
  "A6000000000000000000000000000000000000000000000000000000000000AA",
};
#define REVOKED_ID                                                                                 \
  "https://w3id.org/okp4/ontology/v3/schema/credential/zone/description/"                          \
  "7f547e63-ceb8-4ff3-8e2e-7a4278d97b8e"

typedef struct tblock {
  cust_block b;
  cust_tx txs[8];
  cust_msg msgs[8];
} tblock;

static tblock block_a, block_b;
static char mapper_db[600];
static cust_store *mapper_store; /* holds block A's changes, for block B's lookups */
static cust_changes mapped_a, mapped_b;
static cust_mapper_stats mapper_stats;
static char *mapper_ref;
static char onto_db[600];
static cust_store *onto_store; /* the ontology is loaded into it, again and again */
static size_t parsed_quads;
static uint64_t onto_quads;

static void tb_init(tblock *t, uint64_t height, const char *hash) {
  memset(t, 0, sizeof *t);
  t->b.chain_id = CHAIN;
  t->b.height = height;
  t->b.time = "2024-05-06T10:00:00.123456789Z";
  t->b.hash = hash;
  t->b.last_hash = "";
  t->b.txs = t->txs;
  cust_arena_init(&t->b.arena, 64 * 1024);
}

static cust_msg *tb_tx(tblock *t, const char *hash) {
  cust_tx *tx = &t->txs[t->b.ntxs];
  tx->index = (uint32_t)t->b.ntxs;
  snprintf(tx->hash, sizeof tx->hash, "%s", hash);
  tx->codespace = "";
  tx->log = "";
  tx->msgs = &t->msgs[t->b.ntxs];
  tx->nmsgs = 1;
  tx->msgs->type_url = "/cosmwasm.wasm.v1.MsgExecuteContract";
  tx->msgs->sender = "okp41sender";
  tx->msgs->contract = DV;
  t->b.ntxs++;
  return tx->msgs;
}

static int read_file(const char *path, cust_buf *out) {
  FILE *fp = fopen(path, "rb");
  if (fp == NULL) {
    return 0;
  }
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
    cust_buf_append(out, chunk, n);
  }
  fclose(fp);
  return out->len > 0;
}

/* Sets `m` to submit the N-Quads (nq, len) as a credential. */
static void set_submission(tblock *t, cust_msg *m, const char *nq, size_t len) {
  cust_buf js;
  cust_buf_init(&js);
  cust_buf_puts(&js, "{\"submit_claims\":{\"metadata\":\"");
  cust_base64_encode(&js, (const unsigned char *)nq, len);
  cust_buf_puts(&js, "\",\"format\":\"n_quads\"}}");
  m->json = cust_arena_strndup(&t->b.arena, js.data, js.len);
  m->json_len = js.len;
  cust_buf_release(&js);
}

/* A credential of some 120 kB: the mapper's arenas grow while it parses, so
 * allocations fail in the middle of a credential too. */
static void add_large_credential(tblock *t) {
  cust_buf nq;
  cust_buf_init(&nq);
  cust_buf_puts(&nq, "<urn:cred:large> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
                     "<urn:type:Large> .\n"
                     "<urn:cred:large> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
                     "<https://www.w3.org/2018/credentials#VerifiableCredential> .\n"
                     "<urn:cred:large> <https://www.w3.org/2018/credentials#credentialSubject> "
                     "<did:key:large> .\n"
                     "<urn:cred:large> <https://www.w3.org/2018/credentials#issuer> "
                     "<did:key:issuer> .\n"
                     "<urn:cred:large> <https://www.w3.org/2018/credentials#issuanceDate> "
                     "\"2024-01-01T00:00:00Z\"^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n"
                     "<urn:cred:large> <https://w3id.org/security#proof> _:proof .\n"
                     "_:sig <https://w3id.org/security#jws> \"eyJ..sig\" _:proof .\n");
  for (int i = 0; i < 1200; i++) {
    cust_buf_printf(&nq,
                    "<did:key:large> <urn:p:n> \"value %d of a long enough literal\"@en .\n"
                    "_:x%d <urn:p:b> _:x%d .\n",
                    i, i, i + 1);
  }
  set_submission(t, tb_tx(t, fixture_hashes[6]), nq.data, nq.len);
  cust_buf_release(&nq);
}

/* Builds the two blocks; 0 when the fixtures cannot be read. */
static int mapper_setup(void) {
  tb_init(&block_a, 42, "BLOCKA");
  tb_init(&block_b, 43, "BLOCKB");
  for (size_t i = 0; i < 5; i++) {
    char path[1024];
    cust_buf nq;
    cust_buf_init(&nq);
    snprintf(path, sizeof path, "%s/tests/data/okp4-v3-examples/%s", tap_srcdir(),
             fixture_files[i]);
    if (!read_file(path, &nq)) {
      printf("# cannot read %s\n", path);
      cust_buf_release(&nq);
      return 0;
    }
    set_submission(&block_a, tb_tx(&block_a, fixture_hashes[i]), nq.data, nq.len);
    cust_buf_release(&nq);
  }
  add_large_credential(&block_a);
  cust_msg *m = tb_tx(&block_b, fixture_hashes[5]);
  m->json = "{\"revoke_claims\":{\"identifier\":\"" REVOKED_ID "\"}}";
  m->json_len = strlen(m->json);
  cust_changes_init(&mapped_a);
  cust_changes_init(&mapped_b);
  return 1;
}

/* Fills the store that block B is mapped against with block A's changes. */
static int mapper_store_setup(void) {
  path_in_tmp(mapper_db, sizeof mapper_db, "mapper.db");
  unlink(mapper_db);
  cust_mapper_config cfg = { CHAIN, NULL, 0, 0 };
  cust_mapper *m = NULL;
  cust_changes c;
  cust_changes_init(&c);
  path_in_tmp(onto_db, sizeof onto_db, "onto.db");
  unlink(onto_db);
  int is_ok = cust_store_open(onto_db, CUST_STORE_CREATE, NULL, &onto_store) == CUST_OK &&
              cust_mapper_new(&cfg, NULL, &m) == CUST_OK &&
              cust_mapper_map_block(m, &block_a.b, NULL, &c, NULL) == CUST_OK &&
              cust_store_open(mapper_db, CUST_STORE_CREATE, NULL, &mapper_store) == CUST_OK &&
              cust_store_apply(mapper_store, &c) == CUST_OK;
  cust_changes_release(&c);
  cust_mapper_free(m);
  return is_ok;
}

static int count_parsed(void *ud, const cust_quad *q) {
  (void)ud;
  parsed_quads += q->g.kind == CUST_TERM_IRI;
  return 0;
}

/* The loader's side of the mapper: one file parsed, the ontology loaded. */
static cust_status mapper_load(void) {
  char path[1024], err[256];
  parsed_quads = 0;
  onto_quads = 0;
  snprintf(path, sizeof path, "%s/tests/data/okp4-v3-examples/%s", tap_srcdir(), fixture_files[2]);
  cust_status st =
      cust_mapper_parse_file(path, NULL, EX "loaded", count_parsed, NULL, err, sizeof err);
  if (st == CUST_OK) {
    snprintf(path, sizeof path, "%s/ontology", tap_srcdir());
    st = cust_mapper_load_ontology(onto_store, path, NULL);
  }
  if (st == CUST_OK) {
    cust_quad pat;
    memset(&pat, 0, sizeof pat);
    pat.g = cust_term_iri(CUST_GRAPH_ONTOLOGY);
    size_t n = 0;
    st = cust_store_find(onto_store, &pat, count_quad, &n);
    onto_quads = n;
  }
  return st;
}

static outcome mapper_run(char *why, size_t whylen) {
  cust_mapper_config cfg = { CHAIN, NULL, 0, 0 };
  cust_mapper *m = NULL;
  cust_graph_view view = cust_store_view(mapper_store);
  memset(&mapper_stats, 0, sizeof mapper_stats);
  cust_status st = cust_mapper_new(&cfg, NULL, &m);
  if (st == CUST_OK) {
    size_t before = mapped_a.len;
    st = cust_mapper_map_block(m, &block_a.b, NULL, &mapped_a, &mapper_stats);
    if (st != CUST_OK && mapped_a.len != before) {
      snprintf(why, whylen, "block A failed (%s) but left %zu changes", cust_strerror(st),
               mapped_a.len - before);
      cust_mapper_free(m);
      return OUT_WRONG;
    }
  }
  if (st == CUST_OK) {
    size_t before = mapped_b.len;
    st = cust_mapper_map_block(m, &block_b.b, &view, &mapped_b, &mapper_stats);
    if (st != CUST_OK && mapped_b.len != before) {
      snprintf(why, whylen, "block B failed (%s) but left %zu changes", cust_strerror(st),
               mapped_b.len - before);
      cust_mapper_free(m);
      return OUT_WRONG;
    }
  }
  cust_mapper_free(m);
  if (st == CUST_OK) {
    return OUT_OK;
  }
  if (st != CUST_ERR_NOMEM) {
    snprintf(why, whylen, "the mapper failed with \"%s\", not \"%s\"", cust_strerror(st),
             cust_strerror(CUST_ERR_NOMEM));
    return OUT_WRONG;
  }
  snprintf(why, whylen, "%s", cust_strerror(st));
  return OUT_ERROR;
}

static void changes_text(cust_buf *b, const cust_changes *c) {
  for (size_t i = 0; i < c->len; i++) {
    const cust_quad *q = &c->items[i].q;
    if (c->items[i].kind == CUST_CHANGE_ADD) {
      cust_buf_puts(b, "+ ");
      cust_quad_write_nq(b, q);
    } else {
      cust_buf_puts(b, "- ");
      cust_term_write_nt(b, &q->s);
      cust_buf_putc(b, ' ');
      cust_term_write_nt(b, &q->p);
      cust_buf_putc(b, ' ');
      cust_term_write_nt(b, &q->g);
      cust_buf_putc(b, '\n');
    }
  }
}

/* The loader's scenario: a file parsed, the ontology loaded into a store. */
static outcome loader_run(char *why, size_t whylen) {
  cust_status st = mapper_load();
  if (st == CUST_OK) {
    return OUT_OK;
  }
  snprintf(why, whylen, "%s", cust_strerror(st));
  return st == CUST_ERR_NOMEM ? OUT_ERROR : OUT_WRONG;
}

static int loader_verify(int is_baseline, char *why, size_t whylen) {
  static uint64_t onto_ref;
  if (parsed_quads != 19 || onto_quads < 100 || (!is_baseline && onto_quads != onto_ref)) {
    snprintf(why, whylen, "%zu quads parsed (want 19), %llu in the ontology graph", parsed_quads,
             (unsigned long long)onto_quads);
    return 0;
  }
  onto_ref = onto_quads;
  return 1;
}

static void loader_cleanup(void) {
}

static int mapper_verify(int is_baseline, char *why, size_t whylen) {
  if (mapper_stats.credentials != 6 || mapper_stats.rejections != 0 ||
      mapper_stats.revocations != 1) {
    snprintf(why, whylen, "%llu credentials, %llu rejections, %llu revocations (want 6, 0, 1)",
             (unsigned long long)mapper_stats.credentials,
             (unsigned long long)mapper_stats.rejections,
             (unsigned long long)mapper_stats.revocations);
    return 0;
  }
  cust_buf b;
  cust_buf_init(&b);
  changes_text(&b, &mapped_a);
  cust_buf_puts(&b, "----\n");
  changes_text(&b, &mapped_b);
  int is_right = 1;
  if (is_baseline) {
    is_right = strstr(b.data, "<" REVOKED_ID "> <https://w3id.org/custodian/ns#revokedIn>") != NULL;
    if (!is_right) {
      snprintf(why, whylen, "block B does not revoke the zone description");
    }
    mapper_ref = cust_buf_steal(&b, NULL);
  } else if (strcmp(b.data, mapper_ref) != 0) {
    snprintf(why, whylen, "the changes differ from the baseline");
    is_right = 0;
  }
  cust_buf_release(&b);
  return is_right;
}

static void mapper_cleanup(void) {
  cust_changes_reset(&mapped_a);
  cust_changes_reset(&mapped_b);
}

/* ---- SPARQL: the executor over a small store, in this process ---------------------- */

static char sparql_db[600];
/* One executor for every run, as in a worker process: a query that failed
 * must leave it able to answer the next ones right. */
static cust_store *sparql_store;
static sq_exec *sparql_x;

static const char *const queries[][2] = {
  { "PREFIX ex: <http://ex.org/> SELECT ?s ?n ?u WHERE { ?s ex:name ?n "
    "OPTIONAL { ?s ex:knows ?u } } ORDER BY ?n",
    "json" },
  { "PREFIX ex: <http://ex.org/> SELECT ?g ?s ?o WHERE { GRAPH ?g { ?s ex:p ?o } } "
    "ORDER BY ?g ?s",
    "csv" },
  { "PREFIX ex: <http://ex.org/> SELECT ?s (COUNT(?o) AS ?n) WHERE { ?s ex:tag ?o } "
    "GROUP BY ?s ORDER BY ?s",
    "xml" },
  { "PREFIX ex: <http://ex.org/> SELECT ?s ?o WHERE { VALUES ?s { ex:a ex:c } ?s ex:p ?o } "
    "ORDER BY ?s ?o",
    "tsv" },
  { "PREFIX ex: <http://ex.org/> ASK { ex:a ex:knows ex:b }", "json" },
  { "PREFIX ex: <http://ex.org/> CONSTRUCT { ?s ex:q ?n } WHERE { ?s ex:name ?n }", "ntriples" },
  { "PREFIX ex: <http://ex.org/> DESCRIBE ex:a", "ntriples" },
  { "PREFIX ex: <http://ex.org/> SELECT ?x ?c WHERE { ex:a ex:addr ?x . ?x ex:city ?c }", "json" },
  /* answered only when every check of the query ran: which variables are
   * bound in every solution, and what each projected variable is */
  { "PREFIX ex: <http://ex.org/> SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ex:tag ?o }", "csv" },
  { "PREFIX ex: <http://ex.org/> SELECT (COUNT(*) AS ?n) (SUM(?o) AS ?t) (MAX(?o) AS ?m) "
    "WHERE { ?s ex:none ?o }",
    "csv" },
};
#define NQUERIES (sizeof queries / sizeof queries[0])

static cust_sparql_result answers[NQUERIES];
static char *sparql_ref[NQUERIES];

static int sparql_setup(void) {
  path_in_tmp(sparql_db, sizeof sparql_db, "sparql.db");
  unlink(sparql_db);
  cust_store *s = NULL;
  if (cust_store_open(sparql_db, CUST_STORE_CREATE, NULL, &s) != CUST_OK) {
    return 0;
  }
  cust_term a = cust_term_iri(EX "a"), b = cust_term_iri(EX "b"), c = cust_term_iri(EX "c");
  cust_term x1 = cust_term_blank("x1");
  const cust_quad qs[] = {
    { a, cust_term_iri(EX "p"), cust_term_literal("1", NULL, XSDI), cust_term_iri(G1) },
    { a, cust_term_iri(EX "name"), cust_term_literal("alice", "en", NULL), cust_term_iri(G1) },
    { a, cust_term_iri(EX "knows"), b, cust_term_iri(G1) },
    { a, cust_term_iri(EX "addr"), x1, cust_term_iri(G1) },
    { x1, cust_term_iri(EX "city"), cust_term_literal("Paris", NULL, NULL), cust_term_iri(G1) },
    { a, cust_term_iri(EX "tag"), cust_term_literal("x", NULL, NULL), cust_term_iri(G1) },
    { a, cust_term_iri(EX "tag"), cust_term_literal("y", NULL, NULL), cust_term_iri(G1) },
    { b, cust_term_iri(EX "p"), cust_term_literal("2", NULL, XSDI), cust_term_iri(G2) },
    { b, cust_term_iri(EX "name"), cust_term_literal("bob", NULL, NULL), cust_term_iri(G2) },
    { b, cust_term_iri(EX "tag"), cust_term_literal("x", NULL, NULL), cust_term_iri(G2) },
    { c, cust_term_iri(EX "p"), cust_term_literal("3", NULL, XSDI), cust_term_iri(G2) },
    { c, cust_term_iri(EX "name"), cust_term_literal("say \"hi\"", NULL, NULL), cust_term_iri(G2) },
  };
  cust_status st = cust_store_begin(s);
  for (size_t i = 0; i < sizeof qs / sizeof qs[0] && st == CUST_OK; i++) {
    st = cust_store_add(s, &qs[i]);
  }
  st = st == CUST_OK ? cust_store_commit(s) : st;
  cust_store_close(s);
  for (size_t i = 0; i < NQUERIES; i++) {
    cust_sparql_result_init(&answers[i]);
  }
  if (st == CUST_OK) {
    st = cust_store_open(sparql_db, CUST_STORE_READONLY, NULL, &sparql_store);
  }
  if (st == CUST_OK) {
    st = sq_exec_new(sparql_store, NULL, &sparql_x);
  }
  return st == CUST_OK;
}

/* Runs queries [first, last) with `x` into answers[]; every one runs even
 * after one failed, as a worker goes on with the next request. */
static outcome run_queries(sq_exec *x, size_t first, size_t last, char *why, size_t whylen) {
  outcome out = OUT_OK;
  for (size_t i = first; i < last; i++) {
    sq_request req;
    memset(&req, 0, sizeof req);
    req.query = queries[i][0];
    req.format = queries[i][1];
    req.max_results = 1000;
    cust_sparql_result *r = &answers[i];
    cust_sparql_result_release(r);
    cust_sparql_result_init(r);
    cust_status rst = sq_exec_run(x, &req, r);
    if (rst == CUST_OK && r->http_status == 200) {
      continue;
    }
    /* out of memory is 503 (or a failed status): never an answer that
     * blames the query (400, 406, 413) */
    if (rst == CUST_OK && r->http_status != 503) {
      snprintf(why, whylen, "query %zu answered %d: %s", i + 1, r->http_status,
               r->body.data ? r->body.data : "");
      out = OUT_WRONG;
    } else if (out == OUT_OK) {
      snprintf(why, whylen, "query %zu: %s, HTTP %d", i + 1, cust_strerror(rst), r->http_status);
      out = OUT_ERROR;
    }
  }
  return out;
}

static outcome sparql_run(char *why, size_t whylen) {
  return run_queries(sparql_x, 0, NQUERIES, why, whylen);
}

/* Opening: the store handle and the executor, then one query. */
static outcome sparql_open_run(char *why, size_t whylen) {
  cust_store *s = NULL;
  sq_exec *x = NULL;
  cust_status st = cust_store_open(sparql_db, CUST_STORE_READONLY, NULL, &s);
  if (st == CUST_OK) {
    st = sq_exec_new(s, NULL, &x);
  }
  outcome out = OUT_ERROR;
  if (st == CUST_OK) {
    out = run_queries(x, 0, 1, why, whylen);
  } else {
    snprintf(why, whylen, "opening failed: %s", cust_strerror(st));
    out = st == CUST_ERR_NOMEM ? OUT_ERROR : OUT_WRONG;
  }
  sq_exec_free(x);
  cust_store_close(s);
  return out;
}

static int sparql_open_verify(int is_baseline, char *why, size_t whylen) {
  const char *body = answers[0].body.data ? answers[0].body.data : "";
  (void)is_baseline; /* the first query's answer is checked by the sweep of "sparql" */
  if (answers[0].http_status != 200 || sparql_ref[0] == NULL || strcmp(body, sparql_ref[0]) != 0) {
    snprintf(why, whylen, "the first query answered %d: %s", answers[0].http_status, body);
    return 0;
  }
  return 1;
}

static int sparql_verify(int is_baseline, char *why, size_t whylen) {
  for (size_t i = 0; i < NQUERIES; i++) {
    const char *body = answers[i].body.data ? answers[i].body.data : "";
    if (is_baseline) {
      if (answers[i].http_status != 200 || strlen(body) < 4) {
        snprintf(why, whylen, "query %zu: HTTP %d, %s", i + 1, answers[i].http_status, body);
        return 0;
      }
      sparql_ref[i] = strdup(body);
    } else if (strcmp(body, sparql_ref[i]) != 0) {
      snprintf(why, whylen, "query %zu answered 200 with another body: %s", i + 1, body);
      return 0;
    }
  }
  const char *must[] = { "alice",      "http://ex.org/g2,", "<literal datatype",     "\"3\"^^",
                         "true",       "<http://ex.org/q>", "<http://ex.org/knows>", "Paris",
                         "n\r\n2\r\n", "n,t,m\r\n0,0,\r\n" };
  for (size_t i = 0; is_baseline && i < NQUERIES; i++) {
    if (strstr(sparql_ref[i], must[i]) == NULL) {
      snprintf(why, whylen, "query %zu: %s lacks %s", i + 1, sparql_ref[i], must[i]);
      return 0;
    }
  }
  return 1;
}

static void sparql_cleanup(void) {
  for (size_t i = 0; i < NQUERIES; i++) {
    cust_sparql_result_release(&answers[i]);
    cust_sparql_result_init(&answers[i]);
  }
}

/* ---- custody and rewards: walks over a graph view and over the store ---------------------------
 */

static memgraph custody_graph;
static char custody_db[600];
static cust_store *custody_store;
static cust_buf custody_out; /* the answers, one after the other */
static char *custody_ref;

static int custody_setup(void) {
  memgraph *g = &custody_graph;
  mg_init(g);
  mg_dataset(g, "urn:d0", "did:key:alice");
  mg_service(g, "urn:a1", "did:key:bob", "DataProcessing");
  mg_service(g, "urn:s1", "did:key:storeco", "Storage");
  mg_publication(g, "urn:d0", "urn:s1", "did:key:alice");
  mg_order(g, "urn:order1", "did:key:o", "did:key:payer", "did:key:zone", "5");
  const char *in1[] = { "urn:d0", "urn:a1", "urn:s1", NULL };
  const char *out1[] = { "urn:d1", NULL };
  mg_report(g, "urn:e1", "urn:order1", "did:key:o", NULL, NULL, "InExecution");
  mg_report(g, "urn:e1", "urn:order1", "did:key:o", in1, out1, "Delivered");
  const char *in2[] = { "urn:d1", "urn:a2", NULL };
  const char *out2[] = { "urn:out", NULL };
  mg_report(g, "urn:e2", "urn:order1", "did:key:o", in2, out2, "Delivered");
  /* a revoked description the walks must leave out, and the quads in an
   * order other than the one they were written in */
  mg_revoke(g, mg_dataset(g, "urn:a2", "did:key:mallory"));
  mg_shuffle(g, 7);
  cust_buf_init(&custody_out);
  path_in_tmp(custody_db, sizeof custody_db, "custody.db");
  unlink(custody_db);
  cust_status st = cust_store_open(custody_db, CUST_STORE_CREATE, NULL, &custody_store);
  if (st == CUST_OK) {
    st = cust_store_begin(custody_store);
  }
  for (size_t i = 0; st == CUST_OK && i < g->len; i++) {
    st = cust_store_add(custody_store, &g->q[i]);
  }
  if (st == CUST_OK) {
    st = cust_store_commit(custody_store);
  }
  char err[300] = "";
  if (st == CUST_OK) {
    /* the shipped default policy, for the reward split */
    st = cust_rewards_load_policies(custody_store, NULL, 0, err, sizeof err);
    if (st != CUST_OK) {
      printf("# cannot load the default reward policy: %s\n", err);
    }
  }
  return st == CUST_OK;
}

static int reach_line(void *ud, const char *iri, int is_execution, unsigned depth) {
  (void)ud;
  (void)iri;
  (void)is_execution;
  (void)depth;
  return 0;
}

static outcome custody_run(char *why, size_t whylen) {
  char err[300] = "";
  cust_graph_view v = mg_view(&custody_graph);
  cust_buf_reset(&custody_out);
  cust_status st = cust_custody_walk(&v, 7, "urn:out", 1, 16, 0, &custody_out, err, sizeof err);
  if (st == CUST_OK) {
    st = cust_custody_walk(&v, 7, "urn:d0", 0, 16, 0, &custody_out, err, sizeof err);
  }
  if (st == CUST_OK) {
    st = cust_custody_query(custody_store, "urn:out", 1, 16, &custody_out, err, sizeof err);
  }
  cust_custody_reach_info info;
  memset(&info, 0, sizeof info);
  if (st == CUST_OK) {
    st = cust_custody_reach(custody_store, "urn:d0", 0, 16, 0, reach_line, NULL, &info, err,
                            sizeof err);
  }
  if (st == CUST_OK) {
    cust_rewards_request rq;
    memset(&rq, 0, sizeof rq);
    rq.execution = "urn:e2";
    rq.amount = "1000003";
    rq.format = CUST_REWARDS_JSON;
    st = cust_rewards_query(custody_store, &rq, &custody_out, err, sizeof err);
  }
  if (st == CUST_OK) {
    /* the reach's counts go into the answer that verify compares */
    st = cust_buf_printf(&custody_out, "reach %zu %zu", info.resources, info.executions);
  }
  if (st == CUST_OK) {
    return OUT_OK;
  }
  snprintf(why, whylen, "%s: %s", cust_strerror(st), err);
  return st == CUST_ERR_NOMEM ? OUT_ERROR : OUT_WRONG;
}

static int custody_verify(int is_baseline, char *why, size_t whylen) {
  const char *out = custody_out.data ? custody_out.data : "";
  if (is_baseline) {
    if (strstr(out, "{\"iri\":\"urn:d0\"") == NULL ||
        strstr(out, "\"direction\":\"down\"") == NULL || strstr(out, "reach 0 0") != NULL ||
        strstr(out, "\"total\":\"1000003\"") == NULL) {
      snprintf(why, whylen, "the baseline lacks what the walks reach: %s", out);
      return 0;
    }
    custody_ref = strdup(out);
    return custody_ref != NULL;
  }
  if (strcmp(out, custody_ref) != 0) {
    snprintf(why, whylen, "the answers differ from the baseline: %s", out);
    return 0;
  }
  return 1;
}

static void custody_cleanup(void) {
  cust_buf_reset(&custody_out);
}

/* ---- the sweep -------------------------------------------------------------------------- */

static unsigned long stride(void) {
  const char *s = getenv("CUST_OOM_STRIDE");
  long v = s && *s ? atol(s) : OOM_STRIDE;
  return v > 0 ? (unsigned long)v : 1;
}

static int is_leak_check_each(void) {
  const char *s = getenv("CUST_OOM_LEAKCHECK");
  return s != NULL && strcmp(s, "each") == 0;
}

static void print_stack(void) {
#ifdef HAS_LSAN
  __sanitizer_print_stack_trace();
#endif
}

/* Prints a diagnostic on one line. */
static void diag_line(const char *name, unsigned long n, const char *what, const char *why) {
  printf("# %s: N=%lu: %s", name, n, what);
  for (const char *p = why; *p != '\0'; p++) {
    putchar(*p == '\n' || *p == '\r' ? ' ' : *p);
  }
  putchar('\n');
}

/* CUST_OOM_TRACE=name:N: one run of `sc` with the Nth allocation failing,
 * the stack of that allocation on stderr. 1 when it asked for this one. */
static int trace_one(const scenario *sc) {
  const char *t = getenv("CUST_OOM_TRACE");
  size_t len = strlen(sc->name);
  if (t == NULL || strncmp(t, sc->name, len) != 0 || t[len] != ':') {
    return 0;
  }
  char why[600] = "";
  char *end = NULL;
  unsigned long n = strtoul(t + len + 1, &end, 10);
  if (sc->prepare != NULL) {
    sc->prepare();
  }
  cust_fault_set_hook(print_stack);
  cust_fault_arm(n, end != NULL && strcmp(end, ":p") == 0);
  outcome out = sc->run(why, sizeof why);
  cust_fault_disarm(NULL);
  cust_fault_set_hook(NULL);
  if (out == OUT_OK && !sc->verify(0, why, sizeof why)) {
    out = OUT_WRONG;
  }
  diag_line(sc->name, n, out == OUT_OK ? "ok " : out == OUT_ERROR ? "error " : "WRONG ", why);
  sc->cleanup();
  ok(out != OUT_WRONG, "%s: the traced failure point gives an error or the right answer", sc->name);
  return 1;
}

static void sweep_mode(const scenario *sc, int is_persistent);

static void sweep(const scenario *sc) {
  char why[600] = "";
  outcome base = sc->run(why, sizeof why);
  int is_base_right = base == OUT_OK && sc->verify(1, why, sizeof why);
  sc->cleanup();
  if (!ok(is_base_right, "%s: runs without injected failures", sc->name)) {
    diag_line(sc->name, 0, "", why);
    return;
  }
  if (trace_one(sc)) {
    return;
  }
  if (getenv("CUST_OOM_TRACE") != NULL) {
    return; /* tracing another scenario */
  }
  sweep_mode(sc, 0);
  sweep_mode(sc, 1);
}

/* Runs `sc` for N = 1, 2, 3 … with the Nth allocation failing (and every
 * later one, when `is_persistent`) until a run makes fewer than N. */
static void sweep_mode(const scenario *sc, int is_persistent) {
  char why[600] = "";
  unsigned long total = 0;
  const char *mode = is_persistent ? " (persistent)" : "";

  unsigned long errors = 0, recovered = 0, wrong = 0, retry_failed = 0, leaks = 0, points = 0;
  unsigned long n = 1, step = stride();
  int is_done = 0;
  uint64_t t0 = cust_now_ms();
  while (!is_done) {
    why[0] = '\0';
    if (sc->prepare != NULL) {
      sc->prepare();
    }
    cust_fault_arm(n, is_persistent);
    outcome out = sc->run(why, sizeof why);
    int has_fired = cust_fault_disarm(&total);
    if (!has_fired) {
      /* the run made fewer than n allocations: it is the baseline again */
      if (out != OUT_OK || !sc->verify(0, why, sizeof why)) {
        wrong++;
        diag_line(sc->name, n, is_persistent ? "(persistent, none injected) " : "(none injected) ",
                  why);
      }
      sc->cleanup();
      break;
    }
    points++;
    if (out == OUT_OK && !sc->verify(0, why, sizeof why)) {
      out = OUT_WRONG;
    }
    if (out == OUT_WRONG) {
      if (++wrong <= 10) {
        diag_line(sc->name, n, is_persistent ? "(persistent) " : "", why);
      }
    } else if (out == OUT_OK) {
      recovered++;
    } else {
      errors++;
    }
    sc->cleanup();

    /* the same scenario again, with nothing failing, must succeed (a run
     * that recovered by itself has shown that already) */
    why[0] = '\0';
    if (out != OUT_OK && (sc->run(why, sizeof why) != OUT_OK || !sc->verify(0, why, sizeof why))) {
      if (++retry_failed <= 10) {
        diag_line(sc->name, n,
                  is_persistent ? "(persistent) the retry failed: " : "the retry failed: ", why);
      }
    }
    sc->cleanup();
#ifdef HAS_LSAN
    if (is_leak_check_each() && __lsan_do_recoverable_leak_check() != 0) {
      if (++leaks <= 3) {
        printf("# %s: a leak after N=%lu (the report is on stderr)\n", sc->name, n);
      }
    }
#endif
    n += n < OOM_DENSE ? 1 : step;
  }
  printf("# %s%s: %lu allocations, %lu failure points tried in %llu ms: %lu errors, %lu "
         "recovered\n",
         sc->name, mode, total, points, (unsigned long long)(cust_now_ms() - t0), errors,
         recovered);
  ok(points > 0 && wrong == 0, "%s%s: every injected failure gives an error or the right answer",
     sc->name, mode);
  ok(retry_failed == 0, "%s%s: each failed run succeeds when retried", sc->name, mode);
#ifdef HAS_LSAN
  if (!is_leak_check_each()) {
    leaks = __lsan_do_recoverable_leak_check() != 0;
  }
  ok(leaks == 0, "%s%s: LeakSanitizer finds no leak", sc->name, mode);
#else
  (void)is_leak_check_each;
  (void)leaks;
#endif
}

int main(void) {
  const char *t = getenv("TMPDIR");
  snprintf(tmpdir, sizeof tmpdir, "%s", t && *t ? t : "/tmp");

  /* the wrappers themselves: the armed allocation fails, once */
  cust_fault_arm(2, 0);
  void *p1 = malloc(8), *p2 = malloc(8), *p3 = malloc(8);
  unsigned long count = 0;
  int has_fired = cust_fault_disarm(&count);
  ok(p1 != NULL && p2 == NULL && p3 != NULL && has_fired && count == 2,
     "the 2nd allocation after arming fails, and only that one");
  free(p1);
  free(p3);
  cust_fault_arm(5, 0);
  char *d = strdup("x");
  ok(!cust_fault_disarm(&count) && d != NULL && count == 1, "an unreached countdown never fires");
  free(d);
  cust_fault_arm(2, 1);
  p1 = malloc(8);
  p2 = calloc(1, 8);
  p3 = realloc(NULL, 8);
  d = strndup("abc", 2);
  has_fired = cust_fault_disarm(&count);
  ok(p1 != NULL && p2 == NULL && p3 == NULL && d == NULL && has_fired && count == 4,
     "persistent: every allocation from the 2nd on fails");
  free(p1);
  p1 = malloc(8);
  ok(p1 != NULL, "disarmed: allocations succeed again");
  free(p1);

  const scenario store_sc = { "store", store_run, store_verify, store_cleanup, store_prepare };
  path_in_tmp(store_path, sizeof store_path, "store.db");
  unlink(store_path);
  sweep(&store_sc);

  if (mapper_setup() && mapper_store_setup()) {
    const scenario mapper_sc = { "mapper", mapper_run, mapper_verify, mapper_cleanup, NULL };
    const scenario loader_sc = { "loader", loader_run, loader_verify, loader_cleanup, NULL };
    sweep(&mapper_sc);
    sweep(&loader_sc);
  } else {
    ok(0, "mapper: the fixtures of tests/data/okp4-v3-examples map into a store");
  }

  if (sparql_setup()) {
    const scenario sparql_sc = { "sparql", sparql_run, sparql_verify, sparql_cleanup, NULL };
    const scenario open_sc = { "sparql-open", sparql_open_run, sparql_open_verify, sparql_cleanup,
                               NULL };
    sweep(&sparql_sc);
    sweep(&open_sc);
  } else {
    ok(0, "sparql: a store for the queries");
  }

  if (custody_setup()) {
    const scenario custody_sc = { "custody", custody_run, custody_verify, custody_cleanup, NULL };
    sweep(&custody_sc);
  } else {
    ok(0, "custody: a store for the walks");
  }

  free(store_ref);
  free(mapper_ref);
  free(custody_ref);
  cust_buf_release(&custody_out);
  mg_release(&custody_graph);
  cust_store_close(custody_store);
  unlink(custody_db);
  for (size_t i = 0; i < NQUERIES; i++) {
    free(sparql_ref[i]);
  }
  cust_changes_release(&mapped_a);
  cust_changes_release(&mapped_b);
  cust_arena_release(&block_a.b.arena);
  cust_arena_release(&block_b.b.arena);
  cust_store_close(mapper_store);
  cust_store_close(onto_store);
  sq_exec_free(sparql_x);
  cust_store_close(sparql_store);
  unlink(store_path);
  unlink(mapper_db);
  unlink(onto_db);
  unlink(sparql_db);
  return done_testing();
}
