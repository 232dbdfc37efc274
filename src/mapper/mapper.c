/* The mapping of ../shared/spec/mapping.md: dataverse messages of a block
 * become changes of the knowledge graph.
 *
 * What one block produces, in chain order (tx, then message):
 *
 *   ledger graph <https://w3id.org/custodian/graph/ledger>
 *     <urn:cosmos:CHAIN:tx:HASH> a cust:Transaction ; cust:txHash "HASH" ;
 *         cust:height N ; cust:txIndex N ; cust:blockTime "…"^^xsd:dateTime ;
 *         cust:msgIndex N ; cust:sender "addr" ; cust:contract "addr" ;
 *         cust:funds "1000uknow,5uatom" ; cust:grantee "addr" (authz only)
 *       (message-level values repeat for each message of the tx that the
 *       mapper indexed)
 *     <cred> cust:submittedIn <tx> ; cust:msgIndex N ; cust:innerIndex N (authz)
 *     <cred> cust:revokedIn <tx>
 *     <order> cust:lockedAmount "1000000" ; cust:lockedDenom "uknow" ;
 *         cust:lockedIn <tx>                 (first coin of the order's funds)
 *     <urn:cosmos:CHAIN:tx:HASH:rejection:M[.I]> a cust:Rejection ;
 *         cust:inTransaction <tx> ; cust:height N ; cust:msgIndex N ;
 *         cust:reason "…" ; cust:credential <cred> (when known)
 *     <urn:cosmos:CHAIN:tx:HASH:failed> a cust:FailedSubmission ;
 *         cust:inTransaction <tx> ; cust:height N ; cust:code N ;
 *         cust:codespace "wasm" ; cust:log "…"
 *     <cred> cust:profile "axone-v4"   (the profile that read it; none: unknown type)
 *   credential graph <cred>: the credential's quads but its proof graphs,
 *     blank nodes renamed _:t<HASH[0..16]>m<M>[i<I>]b<N> in order of first
 *     appearance, plus what the credential's class derives, its roles read
 *     from its profile (ontology/<name>.profile, see profile.c):
 *       dataset, service:  S a cust:Dataset | cust:DigitalService
 *                          [, cust:StorageService] ; prov:wasAttributedTo <issuer> ;
 *                          dcterms:title T ; cust:category C
 *       zone:              S a cust:Zone ; dcterms:title T
 *       publication:       S cust:servedBy St      membership: M cust:inZone Z
 *       rights:            S dcterms:license L     profile (v5): S dcterms:title,
 *                                                  prov:wasAttributedTo <issuer>
 *       order:             O a cust:ExecutionOrder ; cust:payer <issuer> ;
 *                          cust:inZone Z ; cust:parameter V
 *       execution report:  E a cust:Execution, prov:Activity ;
 *                          prov:wasAssociatedWith A ; prov:used R ;
 *                          prov:generated P . P prov:wasGeneratedBy E ;
 *                          prov:wasDerivedFrom R . E cust:executionOf O ;
 *                          cust:partOfExecution X ; cust:evidence V ;
 *                          cust:reportedStatus <normalised> ; cust:reportedAt T ;
 *                          prov:startedAtTime T (first report of E),
 *                          prov:endedAtTime T (first final report)
 *       assertion (v5):    s p o itself, with PROV-O roles and scope as zone
 *   current graph <https://w3id.org/custodian/graph/current>
 *     E cust:status cust:Delivered | cust:InExecution | cust:Failed |
 *       cust:Cancelled: the latest non-revoked report's normalised status
 *
 * T is the report's execution time (the `time` role, on E else on S), else
 * the block time. E is the object of the class's `execution` role on S (a
 * blank E is named <cred>#execution-<label>); R and P come from the
 * `consumed`/`produced` roles, and the IRI values of `parameter`/`outcome`
 * nodes; A is the `agent` role, else S; S is the credential subject.
 *
 * Decisions the spec leaves open: a credential IRI is used once (a second
 * submission, even after a revocation, is a rejection); revoking an unknown
 * or already revoked credential is a rejection; a revocation recomputes the
 * current status of the executions the revoked report was about; an order's
 * payment is locked by the first order credential that names it; with no
 * dataverse configured, only submit_claims and revoke_claims messages count
 * (so a failed transfer to some other contract is not a failed submission);
 * N-Quads are held to the RDF 1.1 grammar (one statement per line, absolute
 * IRIs, valid UTF-8, no NUL) before raptor parses them. */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "mapper_int.h"
#include "store/store.h"

#define MSG_EXECUTE_CONTRACT "/cosmwasm.wasm.v1.MsgExecuteContract"

struct cust_mapper {
  char *chain_id; /* NULL: the block's */
  char **dataverses;
  size_t ndataverses;
  size_t max_submission;
  const cust_logger *log;
  raptor_world *world;
  cust_profiles *profiles; /* the ontology versions it reads */
  cust_arena block_arena;  /* state of the block in hand */
  cust_arena sub_arena;    /* the quads of the submission in hand */
  cust_quad *quads;        /* the submission's quads (strings in sub_arena) */
  size_t nquads, capquads;
};

/* ---- per-block state ---------------------------------------------------------- */

/* What the block knows of a credential: from earlier blocks (through the
 * view) merged with what this block did to it. */
typedef struct exec_ref {
  const char *exec;
  struct exec_ref *next;
} exec_ref;

typedef struct cred_rec {
  const char *tx;         /* submitted in; NULL: no such credential */
  const char *revoked_tx; /* revoked in; NULL: live */
  int is_in_block;        /* submitted in this block: `execs` lists its executions */
  exec_ref *execs;
} cred_rec;

/* A report of an execution made in this block. */
typedef struct report {
  const char *cred;
  uint64_t key[4]; /* height, tx index, message index, inner index */
  cust_term status;
  struct report *next;
} report;

typedef struct exec_rec {
  int has_started;
  int has_ended;
  report *reports; /* this block's, newest first */
} exec_rec;

typedef struct blk {
  cust_mapper *m;
  const cust_block *b;
  const cust_graph_view *view;
  cust_changes *out;
  cust_arena *a;
  const char *chain_id;
  cust_term ledger, current, block_time;
  smap creds;  /* IRI -> cred_rec */
  smap execs;  /* IRI -> exec_rec */
  smap orders; /* IRI -> non-NULL once funds are locked */
  cust_mapper_stats st;
  cust_status fatal; /* sticky: NOMEM or a failing view */
} blk;

/* The message in hand. */
typedef struct msgctx {
  blk *k;
  const cust_tx *tx;
  const cust_msg *msg;
  cust_term tx_iri;
  smap *tx_seen;         /* ledger (p, o) pairs already written for this tx */
  const char *msg_label; /* "3" or "3.1" (authz) */
  char blank_prefix[48];
} msgctx;

/* ---- small helpers --------------------------------------------------------------- */

static const cust_term NONE_TERM = { CUST_TERM_NONE, NULL, 0, NULL, NULL };

static cust_term iri(const char *s) {
  return cust_term_iri(s);
}

static cust_term lit(const char *s) {
  return cust_term_literal(s, NULL, NULL);
}

static cust_term lit_int(blk *k, uint64_t v) {
  char *s = cust_arena_printf(k->a, "%llu", (unsigned long long)v);
  if (s == NULL) {
    k->fatal = CUST_ERR_NOMEM;
    return lit("0");
  }
  return cust_term_literal(s, NULL, XSD_INTEGER);
}

static void emit(blk *k, const cust_term *s, const cust_term *p, const cust_term *o,
                 const cust_term *g) {
  if (k->fatal != CUST_OK) {
    return;
  }
  cust_quad q = { *s, *p, *o, *g };
  cust_status st = cust_changes_add(k->out, &q);
  if (st != CUST_OK) {
    k->fatal = st;
  } else {
    k->st.quads++;
  }
}

static void emit_iri(blk *k, const cust_term *s, const char *p, const cust_term *o,
                     const cust_term *g) {
  cust_term pt = iri(p);
  emit(k, s, &pt, o, g);
}

static void emit_remove(blk *k, const cust_term *s, const char *p, const cust_term *g) {
  if (k->fatal != CUST_OK) {
    return;
  }
  cust_term pt = iri(p);
  cust_status st = cust_changes_remove_sp(k->out, s, &pt, g);
  if (st != CUST_OK) {
    k->fatal = st;
  } else {
    k->st.quads++;
  }
}

static int term_is(const cust_term *t, const char *iri_str) {
  return t->kind == CUST_TERM_IRI && strcmp(t->value, iri_str) == 0;
}

/* A key naming a term (kind, then value) for the maps. */
static const char *term_key(cust_arena *a, const cust_term *t, size_t *len) {
  char *s = cust_arena_alloc(a, t->len + 2);
  if (s == NULL) {
    return NULL;
  }
  s[0] = (char)('0' + t->kind);
  memcpy(s + 1, t->value ? t->value : "", t->len);
  s[t->len + 1] = '\0';
  *len = t->len + 1;
  return s;
}

static int copy_term(cust_arena *a, cust_term *dst, const cust_term *src) {
  *dst = *src;
  if (src->kind == CUST_TERM_NONE) {
    return 0;
  }
  dst->value = cust_arena_strndup(a, src->value, src->len);
  if (dst->value == NULL) {
    return -1;
  }
  if (src->lang != NULL && (dst->lang = cust_arena_strdup(a, src->lang)) == NULL) {
    return -1;
  }
  if (src->datatype != NULL && (dst->datatype = cust_arena_strdup(a, src->datatype)) == NULL) {
    return -1;
  }
  return 0;
}

/* ---- reading earlier blocks through the view ------------------------------------------- */

typedef struct view_collect {
  blk *k;
  int pos;        /* which term to keep: 0 s, 1 p, 2 o, 3 g */
  size_t max;     /* stop after this many */
  cust_term *out; /* up to max */
  size_t n;
} view_collect;

static int collect_cb(void *ud, const cust_quad *q) {
  view_collect *vc = ud;
  const cust_term *parts[4] = { &q->s, &q->p, &q->o, &q->g };
  if (copy_term(vc->k->a, &vc->out[vc->n], parts[vc->pos]) != 0) {
    vc->k->fatal = CUST_ERR_NOMEM;
    return 1;
  }
  vc->n++;
  return vc->n >= vc->max;
}

/* Up to `max` terms at position `pos` of the quads matching the pattern. */
static size_t view_find(blk *k, const cust_term *s, const char *p, const cust_term *o,
                        const cust_term *g, int pos, cust_term *out, size_t max) {
  if (k->fatal != CUST_OK || k->view == NULL || k->view->find == NULL || max == 0) {
    return 0;
  }
  cust_quad pat = { s ? *s : NONE_TERM, p ? iri(p) : NONE_TERM, o ? *o : NONE_TERM,
                    g ? *g : NONE_TERM };
  view_collect vc = { k, pos, max, out, 0 };
  cust_status st = k->view->find(k->view->ud, &pat, collect_cb, &vc);
  if (st != CUST_OK && k->fatal == CUST_OK) {
    k->fatal = st;
  }
  return k->fatal == CUST_OK ? vc.n : 0;
}

static uint64_t term_u64(const cust_term *t) {
  return t->kind == CUST_TERM_LITERAL ? strtoull(t->value, NULL, 10) : 0;
}

/* ---- in-block state backed by the view ------------------------------------------------ */

static cred_rec *cred_lookup(blk *k, const char *cred) {
  size_t n = strlen(cred);
  int is_new = 0;
  void **slot = cust_smap_slot(&k->creds, cred, n, 1, &is_new);
  if (slot == NULL) {
    k->fatal = CUST_ERR_NOMEM;
    return NULL;
  }
  if (!is_new) {
    return *slot;
  }
  cred_rec *r = cust_arena_alloc(k->a, sizeof *r);
  if (r == NULL) {
    k->fatal = CUST_ERR_NOMEM;
    return NULL;
  }
  memset(r, 0, sizeof *r);
  cust_term c = iri(cred), t;
  if (view_find(k, &c, NS_CUST "submittedIn", NULL, &k->ledger, 2, &t, 1) == 1) {
    r->tx = t.value;
    if (view_find(k, &c, NS_CUST "revokedIn", NULL, &k->ledger, 2, &t, 1) == 1) {
      r->revoked_tx = t.value;
    }
  }
  *slot = r;
  return k->fatal == CUST_OK ? r : NULL;
}

static exec_rec *exec_lookup(blk *k, const cust_term *e) {
  size_t n = 0;
  const char *key = term_key(k->a, e, &n);
  if (key == NULL) {
    k->fatal = CUST_ERR_NOMEM;
    return NULL;
  }
  int is_new = 0;
  void **slot = cust_smap_slot(&k->execs, key, n, 1, &is_new);
  if (slot == NULL) {
    k->fatal = CUST_ERR_NOMEM;
    return NULL;
  }
  if (!is_new) {
    return *slot;
  }
  exec_rec *r = cust_arena_alloc(k->a, sizeof *r);
  if (r == NULL) {
    k->fatal = CUST_ERR_NOMEM;
    return NULL;
  }
  memset(r, 0, sizeof *r);
  if (e->kind == CUST_TERM_IRI) {
    cust_term t;
    r->has_started = view_find(k, e, NS_PROV "startedAtTime", NULL, NULL, 2, &t, 1) == 1;
    r->has_ended = view_find(k, e, NS_PROV "endedAtTime", NULL, NULL, 2, &t, 1) == 1;
  }
  *slot = r;
  return k->fatal == CUST_OK ? r : NULL;
}

/* ---- the ledger ------------------------------------------------------------------------- */

/* Writes (tx p o) once per transaction. */
static void ledger_tx(msgctx *c, const char *p, const cust_term *o) {
  blk *k = c->k;
  if (k->fatal != CUST_OK) {
    return;
  }
  char *key = cust_arena_printf(k->a, "%s %d %s|%s|%s", p, o->kind, o->value,
                                o->datatype ? o->datatype : "", o->lang ? o->lang : "");
  int is_new = 0;
  if (key == NULL || cust_smap_slot(c->tx_seen, key, strlen(key), 1, &is_new) == NULL) {
    k->fatal = CUST_ERR_NOMEM;
    return;
  }
  if (is_new) {
    emit_iri(k, &c->tx_iri, p, o, &k->ledger);
  }
}

/* The transaction and the message in hand, in the ledger. */
static void ledger_msg(msgctx *c) {
  blk *k = c->k;
  const cust_tx *tx = c->tx;
  const cust_msg *msg = c->msg;
  cust_term t = iri(NS_CUST "Transaction");
  ledger_tx(c, RDF_TYPE, &t);
  t = lit(tx->hash);
  ledger_tx(c, NS_CUST "txHash", &t);
  t = lit_int(k, k->b->height);
  ledger_tx(c, NS_CUST "height", &t);
  t = lit_int(k, tx->index);
  ledger_tx(c, NS_CUST "txIndex", &t);
  ledger_tx(c, NS_CUST "blockTime", &k->block_time);
  t = lit_int(k, msg->msg_index);
  ledger_tx(c, NS_CUST "msgIndex", &t);
  if (msg->sender != NULL) {
    t = lit(msg->sender);
    ledger_tx(c, NS_CUST "sender", &t);
  }
  if (msg->contract != NULL) {
    t = lit(msg->contract);
    ledger_tx(c, NS_CUST "contract", &t);
  }
  if (msg->is_authz && msg->grantee != NULL) {
    t = lit(msg->grantee);
    ledger_tx(c, NS_CUST "grantee", &t);
  }
  if (msg->nfunds > 0) {
    cust_buf b;
    cust_buf_init(&b);
    cust_status st = CUST_OK;
    for (size_t i = 0; i < msg->nfunds && st == CUST_OK; i++) {
      st = cust_buf_printf(&b, "%s%s%s", i ? "," : "",
                           msg->funds[i].amount ? msg->funds[i].amount : "",
                           msg->funds[i].denom ? msg->funds[i].denom : "");
    }
    char *s = st == CUST_OK ? cust_arena_strdup(k->a, b.data) : NULL;
    cust_buf_release(&b);
    if (s == NULL) {
      k->fatal = CUST_ERR_NOMEM;
      return;
    }
    t = lit(s);
    ledger_tx(c, NS_CUST "funds", &t);
  }
}

static void reject(msgctx *c, const char *cred, const char *reason) {
  blk *k = c->k;
  ledger_msg(c);
  char *r = cust_arena_printf(k->a, "%s:rejection:%s", c->tx_iri.value, c->msg_label);
  if (r == NULL) {
    k->fatal = CUST_ERR_NOMEM;
    return;
  }
  cust_term rj = iri(r), t = iri(NS_CUST "Rejection");
  emit_iri(k, &rj, RDF_TYPE, &t, &k->ledger);
  emit_iri(k, &rj, NS_CUST "inTransaction", &c->tx_iri, &k->ledger);
  t = lit_int(k, k->b->height);
  emit_iri(k, &rj, NS_CUST "height", &t, &k->ledger);
  t = lit_int(k, c->msg->msg_index);
  emit_iri(k, &rj, NS_CUST "msgIndex", &t, &k->ledger);
  t = lit(reason);
  emit_iri(k, &rj, NS_CUST "reason", &t, &k->ledger);
  if (cred != NULL) {
    t = iri(cred);
    emit_iri(k, &rj, NS_CUST "credential", &t, &k->ledger);
  }
  k->st.rejections++;
}

/* ---- the current status of executions --------------------------------------------------- */

static int key_less(const uint64_t a[4], const uint64_t b[4]) {
  for (int i = 0; i < 4; i++) {
    if (a[i] != b[i]) {
      return a[i] < b[i];
    }
  }
  return 0;
}

/* Sets E's current status to that of its latest live report, or removes it
 * when none is left (after a revocation). */
static void recompute_status(blk *k, const cust_term *e) {
  enum { MAX_REPORTS = 4096 };
  exec_rec *er = exec_lookup(k, e);
  if (er == NULL) {
    return;
  }
  int found = 0;
  uint64_t best_key[4] = { 0, 0, 0, 0 };
  cust_term best;
  memset(&best, 0, sizeof best);
  for (report *r = er->reports; r != NULL; r = r->next) {
    cred_rec *cr = cred_lookup(k, r->cred);
    if (cr != NULL && cr->revoked_tx == NULL && r->status.kind != CUST_TERM_NONE &&
        (!found || key_less(best_key, r->key))) {
      found = 1;
      memcpy(best_key, r->key, sizeof best_key);
      best = r->status;
    }
  }
  cust_term *graphs = cust_arena_alloc(k->a, MAX_REPORTS * sizeof *graphs);
  if (graphs == NULL) {
    k->fatal = CUST_ERR_NOMEM;
    return;
  }
  size_t n = view_find(k, e, CUST_V_REPORTED_STATUS, NULL, NULL, 3, graphs, MAX_REPORTS);
  for (size_t i = 0; i < n && k->fatal == CUST_OK; i++) {
    if (graphs[i].kind != CUST_TERM_IRI) {
      continue;
    }
    cred_rec *cr = cred_lookup(k, graphs[i].value);
    if (cr == NULL || cr->tx == NULL || cr->revoked_tx != NULL || cr->is_in_block) {
      continue;
    }
    cust_term t, txt = iri(cr->tx);
    uint64_t key[4] = { 0, 0, 0, 0 };
    if (view_find(k, &txt, NS_CUST "height", NULL, &k->ledger, 2, &t, 1) == 1) {
      key[0] = term_u64(&t);
    }
    if (view_find(k, &txt, NS_CUST "txIndex", NULL, &k->ledger, 2, &t, 1) == 1) {
      key[1] = term_u64(&t);
    }
    if (view_find(k, &graphs[i], NS_CUST "msgIndex", NULL, &k->ledger, 2, &t, 1) == 1) {
      key[2] = term_u64(&t);
    }
    if (view_find(k, &graphs[i], NS_CUST "innerIndex", NULL, &k->ledger, 2, &t, 1) == 1) {
      key[3] = term_u64(&t);
    }
    cust_term status;
    if (view_find(k, e, CUST_V_REPORTED_STATUS, NULL, &graphs[i], 2, &status, 1) == 1 &&
        (!found || key_less(best_key, key))) {
      found = 1;
      memcpy(best_key, key, sizeof best_key);
      best = status;
    }
  }
  cust_term current = k->current;
  emit_remove(k, e, NS_CUST "status", &current);
  if (found) {
    emit_iri(k, e, NS_CUST "status", &best, &current);
  }
}

/* ---- submissions ------------------------------------------------------------------------ */

typedef struct sub_ctx {
  cust_mapper *m;
  smap seen; /* N-Quads lines already kept */
  cust_buf line;
  cust_status st;
} sub_ctx;

/* Appends an unambiguous key of `t` (kind, lengths and bytes): two terms
 * have the same key when their N-Quads forms are the same, without the cost
 * of escaping them (a language tag wins over a datatype, as in N-Quads). */
static cust_status key_part(cust_buf *b, char tag, const char *s, size_t n) {
  cust_status st = cust_buf_reserve(b, 1 + sizeof n + n);
  if (st == CUST_OK) {
    b->data[b->len++] = tag;
    memcpy(b->data + b->len, &n, sizeof n);
    b->len += sizeof n;
    memcpy(b->data + b->len, s, n);
    b->len += n;
  }
  return st;
}

static cust_status quad_key(cust_buf *b, const cust_quad *q) {
  const cust_term *parts[4] = { &q->s, &q->p, &q->o, &q->g };
  cust_status st = CUST_OK;
  for (int i = 0; i < 4 && st == CUST_OK; i++) {
    const cust_term *t = parts[i];
    st = key_part(b, (char)('0' + (int)t->kind), t->value != NULL ? t->value : "",
                  t->kind == CUST_TERM_NONE ? 0 : t->len);
    if (st != CUST_OK || t->kind != CUST_TERM_LITERAL) {
      continue;
    }
    if (t->lang != NULL && t->lang[0] != '\0') {
      st = key_part(b, '@', t->lang, strlen(t->lang));
    } else if (t->datatype != NULL) {
      st = key_part(b, '^', t->datatype, strlen(t->datatype));
    }
  }
  return st;
}

static int collect_quad(void *ud, const cust_quad *q) {
  sub_ctx *sc = ud;
  cust_mapper *m = sc->m;
  cust_buf_reset(&sc->line);
  if (quad_key(&sc->line, q) != CUST_OK) {
    sc->st = CUST_ERR_NOMEM;
    return 1;
  }
  int is_new = 0;
  if (cust_smap_slot(&sc->seen, sc->line.data, sc->line.len, 1, &is_new) == NULL) {
    sc->st = CUST_ERR_NOMEM;
    return 1;
  }
  if (!is_new) {
    return 0; /* a duplicated quad is kept once */
  }
  if (m->nquads == m->capquads) {
    size_t cap = m->capquads ? m->capquads * 2 : 64;
    cust_quad *qs = realloc(m->quads, cap * sizeof *qs);
    if (qs == NULL) {
      sc->st = CUST_ERR_NOMEM;
      return 1;
    }
    m->quads = qs;
    m->capquads = cap;
  }
  m->quads[m->nquads++] = *q;
  return 0;
}

static int same(const cust_term *a, const cust_term *b) {
  return a->kind == b->kind && a->len == b->len &&
         (a->len == 0 || memcmp(a->value, b->value, a->len) == 0);
}

/* The objects of (s, p) among the kept quads, up to max; returns the count. */
static size_t objects(const cust_mapper *m, const char *keep, const cust_term *s, const char *p,
                      const cust_term **out, size_t max) {
  size_t n = 0;
  for (size_t i = 0; i < m->nquads; i++) {
    const cust_quad *q = &m->quads[i];
    if (keep[i] && term_is(&q->p, p) && (s == NULL || same(&q->s, s))) {
      int dup = 0;
      for (size_t j = 0; j < n && j < max; j++) {
        dup |= same(out[j], &q->o) && cust_term_equal(out[j], &q->o);
      }
      if (!dup) {
        if (n < max) {
          out[n] = &q->o;
        }
        n++;
      }
    }
  }
  return n;
}

/* The checks of mapping.md. Returns NULL when the credential passes, else the
 * reason (in `reason`); sets *cred, *subject, *issuer, *type when found. */
static const char *check(const cust_mapper *m, const char *keep, char *reason, size_t rlen,
                         const cust_term **cred, const cust_term **subject,
                         const cust_term **issuer, const cust_term **type) {
  enum { MAX = 4 };
  const cust_term *found[MAX];
  size_t n = 0;
  *cred = *subject = *issuer = *type = NULL;
  for (size_t i = 0; i < m->nquads; i++) {
    const cust_quad *q = &m->quads[i];
    if (keep[i] && term_is(&q->p, RDF_TYPE) && term_is(&q->o, NS_CRED "VerifiableCredential")) {
      int dup = 0;
      for (size_t j = 0; j < n && j < MAX; j++) {
        dup |= same(found[j], &q->s);
      }
      if (!dup) {
        if (n < MAX) {
          found[n] = &q->s;
        }
        n++;
      }
    }
  }
  if (n == 0) {
    snprintf(reason, rlen, "no node is typed " NS_CRED "VerifiableCredential");
    return reason;
  }
  if (n > 1) {
    snprintf(reason, rlen,
             "%zu nodes are typed VerifiableCredential; a submission holds exactly one", n);
    return reason;
  }
  if (found[0]->kind != CUST_TERM_IRI) {
    snprintf(reason, rlen, "the credential is a blank node; it needs an IRI");
    return reason;
  }
  *cred = found[0];
  if (strncmp((*cred)->value, CUST_RESERVED_PREFIX, strlen(CUST_RESERVED_PREFIX)) == 0) {
    snprintf(reason, rlen, "the credential IRI \"%s\" is in Custodian's reserved namespace",
             (*cred)->value);
    return reason;
  }
  for (size_t i = 0; i < m->nquads; i++) {
    const cust_term *g = &m->quads[i].g;
    if (keep[i] && g->kind != CUST_TERM_NONE && !same(g, *cred)) {
      snprintf(reason, rlen,
               "a quad is in graph %s%s%s, which is neither the default graph nor a proof graph",
               g->kind == CUST_TERM_IRI ? "<" : "_:", g->value,
               g->kind == CUST_TERM_IRI ? ">" : "");
      return reason;
    }
  }
  const cust_term *types[MAX + 1];
  size_t nt = objects(m, keep, *cred, RDF_TYPE, types, MAX + 1);
  size_t nother = 0;
  for (size_t i = 0; i < nt && i < MAX + 1; i++) {
    if (!term_is(types[i], NS_CRED "VerifiableCredential")) {
      *type = types[i];
      nother++;
    }
  }
  nother += nt > MAX + 1 ? nt - (MAX + 1) : 0;
  if (nother != 1) {
    snprintf(reason, rlen,
             "the credential has %zu types besides VerifiableCredential; it needs exactly one",
             nother);
    *type = NULL;
    return reason;
  }
  if ((*type)->kind != CUST_TERM_IRI) {
    snprintf(reason, rlen, "the credential's type is not an IRI");
    return reason;
  }
  static const struct {
    const char *p;
    const char *name;
    cust_term_kind kind;
  } singles[] = {
    { NS_CRED "credentialSubject", "credentialSubject", CUST_TERM_IRI },
    { NS_CRED "issuer", "issuer", CUST_TERM_IRI },
    { NS_CRED "issuanceDate", "issuanceDate", CUST_TERM_LITERAL },
  };
  const cust_term *vals[3];
  for (size_t i = 0; i < 3; i++) {
    const cust_term *o[2];
    size_t no = objects(m, keep, *cred, singles[i].p, o, 2);
    if (no != 1) {
      snprintf(reason, rlen, "the credential has %zu %s; it needs exactly one", no,
               singles[i].name);
      return reason;
    }
    if (o[0]->kind != singles[i].kind) {
      snprintf(reason, rlen, "the credential's %s is not %s", singles[i].name,
               singles[i].kind == CUST_TERM_IRI ? "an IRI" : "a literal");
      return reason;
    }
    vals[i] = o[0];
  }
  *subject = vals[0];
  *issuer = vals[1];
  return NULL;
}

/* The objects of (s, any IRI of `role` in class `c`) among the kept quads. */
static size_t role_objects(const cust_mapper *m, const char *keep, const cust_term *s,
                           const cust_profile_class *c, cust_profile_role role,
                           const cust_term **out, size_t max) {
  size_t n = 0;
  for (size_t i = 0; i < c->nroles[role] && n < max; i++) {
    size_t got = objects(m, keep, s, c->roles[role][i], out + n, max - n);
    n += got < max - n ? got : max - n;
  }
  return n;
}

static int is_final_status(const char *normal) {
  return normal != NULL &&
         (strcmp(normal, CUST_V_DELIVERED) == 0 || strcmp(normal, CUST_V_FAILED) == 0 ||
          strcmp(normal, CUST_V_CANCELLED) == 0);
}

/* A literal that is an absolute IRI, standing where an IRI was meant, is
 * read as that IRI (JSON-LD without @id); anything else is kept. */
static cust_term as_iri(const cust_term *t) {
  cust_term r = *t;
  if (t->kind != CUST_TERM_LITERAL || t->len == 0) {
    return r;
  }
  const char *colon = memchr(t->value, ':', t->len);
  if (colon == NULL || colon == t->value) {
    return r;
  }
  for (const char *q = t->value; q < colon; q++) {
    int ok = (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
             (q > t->value && ((*q >= '0' && *q <= '9') || *q == '+' || *q == '-' || *q == '.'));
    if (!ok) {
      return r;
    }
  }
  for (size_t i = 0; i < t->len; i++) {
    unsigned char ch = (unsigned char)t->value[i];
    if (ch <= ' ' || ch == '<' || ch == '>' || ch == '"' || ch == '{' || ch == '}' || ch == '|' ||
        ch == '\\' || ch == '^' || ch == '`') {
      return r;
    }
  }
  r = iri(t->value);
  r.len = t->len;
  return r;
}

/* An execution's report: remembered for its current status, written as
 * E cust:reportedStatus (normalised) in the credential's graph and as
 * E cust:status in the current graph. */
static void add_report(msgctx *c, const cust_term *cred, const cust_term *e, const char *normal,
                       const cust_term *when, cust_term *g, cred_rec *cr) {
  blk *k = c->k;
  exec_rec *er = exec_lookup(k, e);
  if (er == NULL || e->kind != CUST_TERM_IRI) {
    return; /* a blank execution has no identity beyond this report */
  }
  report *r = cust_arena_alloc(k->a, sizeof *r);
  exec_ref *ref = cust_arena_alloc(k->a, sizeof *ref);
  if (r == NULL || ref == NULL || (r->cred = cust_arena_strdup(k->a, cred->value)) == NULL ||
      (ref->exec = cust_arena_strdup(k->a, e->value)) == NULL) {
    k->fatal = CUST_ERR_NOMEM;
    return;
  }
  r->key[0] = k->b->height;
  r->key[1] = c->tx->index;
  r->key[2] = c->msg->msg_index;
  r->key[3] = c->msg->is_authz ? c->msg->inner_index : 0;
  memset(&r->status, 0, sizeof r->status);
  if (normal != NULL) {
    r->status = iri(normal);
  }
  r->next = er->reports;
  er->reports = r;
  ref->next = cr->execs;
  cr->execs = ref;
  emit_iri(k, e, CUST_V_REPORTED_AT, when, g);
  if (normal != NULL) {
    emit_iri(k, e, CUST_V_REPORTED_STATUS, &r->status, g);
    cust_term current = k->current;
    emit_remove(k, e, CUST_V_STATUS, &current);
    emit_iri(k, e, CUST_V_STATUS, &r->status, &current);
  }
}

static void type_activity(blk *k, const cust_term *e, cust_term *g) {
  cust_term t = iri(CUST_V_EXECUTION);
  emit_iri(k, e, RDF_TYPE, &t, g);
  t = iri(CUST_V_ACTIVITY);
  emit_iri(k, e, RDF_TYPE, &t, g);
}

/* The IRI an execution is known by: its own, or one minted from the
 * credential and the blank node's label. */
static cust_term execution_name(blk *k, const cust_term *cred, const cust_term *e) {
  if (e->kind != CUST_TERM_BLANK) {
    return *e;
  }
  char *s = cust_arena_printf(k->a, "%s%cexecution-%s", cred->value,
                              strchr(cred->value, '#') ? '-' : '#', e->value);
  if (s == NULL) {
    k->fatal = CUST_ERR_NOMEM;
    return *e;
  }
  return iri(s);
}

/* Keeps the terms of `v` that are not literals, in order; the new count. */
static size_t drop_literals(const cust_term **v, size_t n) {
  size_t w = 0;
  for (size_t i = 0; i < n; i++) {
    if (v[i]->kind != CUST_TERM_LITERAL) {
      v[w++] = v[i];
    }
  }
  return w;
}

/* The values of the `role` nodes of x: parameters or outcomes that are IRIs. */
static size_t node_values(const cust_mapper *m, const char *keep, const cust_term *x,
                          const cust_profile_class *cls, cust_profile_role role,
                          const cust_term **out, size_t max) {
  enum { MAXN = 64 };
  const cust_term *nodes[MAXN];
  size_t nn = role_objects(m, keep, x, cls, role, nodes, MAXN), n = 0;
  for (size_t i = 0; i < nn && n < max; i++) {
    const cust_term *v[4];
    size_t nv = role_objects(m, keep, nodes[i], cls, CUST_ROLE_VALUE, v, 4);
    for (size_t j = 0; j < nv && n < max; j++) {
      if (v[j]->kind == CUST_TERM_IRI) {
        out[n++] = v[j];
      }
    }
  }
  return n;
}

/* An execution report (v3 result, v4 execution): PROV-O, times, status. */
static void derive_execution(msgctx *c, const char *keep, const cust_term *cred,
                             const cust_term *subject, const cust_profile_class *cls, cust_term *g,
                             cred_rec *cr) {
  enum { MAX = 256 };
  blk *k = c->k;
  cust_mapper *m = k->m;
  const cust_term *es[MAX];
  size_t ne = role_objects(m, keep, subject, cls, CUST_ROLE_EXECUTION, es, MAX);
  for (size_t i = 0; i < ne && k->fatal == CUST_OK; i++) {
    const cust_term *x = es[i];
    if (x->kind == CUST_TERM_LITERAL) {
      continue; /* a literal names no execution */
    }
    cust_term e = execution_name(k, cred, x);
    type_activity(k, &e, g);
    const cust_term *v[MAX], *used[MAX], *made[MAX];
    size_t nv = role_objects(m, keep, x, cls, CUST_ROLE_AGENT, v, 1);
    emit_iri(k, &e, CUST_V_ASSOCIATED, nv > 0 ? v[0] : subject, g);
    size_t nu = role_objects(m, keep, x, cls, CUST_ROLE_CONSUMED, used, MAX);
    nu += node_values(m, keep, x, cls, CUST_ROLE_PARAMETER, used + nu, MAX - nu);
    if (cls->is_subject_consumed && nu < MAX) {
      used[nu++] = subject;
    }
    size_t nm = role_objects(m, keep, x, cls, CUST_ROLE_PRODUCED, made, MAX);
    nm += node_values(m, keep, x, cls, CUST_ROLE_OUTCOME, made + nm, MAX - nm);
    /* resources are nodes: a literal in these roles is kept in the source
       quads and derives nothing */
    nu = drop_literals(used, nu);
    nm = drop_literals(made, nm);
    for (size_t u = 0; u < nu; u++) {
      emit_iri(k, &e, CUST_V_USED, used[u], g);
    }
    for (size_t p = 0; p < nm; p++) {
      emit_iri(k, &e, CUST_V_GENERATED, made[p], g);
      emit_iri(k, made[p], CUST_V_GENERATED_BY, &e, g);
      for (size_t u = 0; u < nu; u++) {
        emit_iri(k, made[p], CUST_V_DERIVED_FROM, used[u], g);
      }
    }
    /* early okp4 vnext put these on the subject: accept both places */
    static const struct {
      cust_profile_role role;
      const char *p;
    } links[] = { { CUST_ROLE_EXECUTION_OF, CUST_V_EXECUTION_OF },
                  { CUST_ROLE_PART_OF, CUST_V_PART_OF },
                  { CUST_ROLE_EVIDENCE, CUST_V_EVIDENCE } };
    for (size_t l = 0; l < sizeof links / sizeof links[0]; l++) {
      nv = role_objects(m, keep, x, cls, links[l].role, v, MAX);
      if (nv == 0 && links[l].role == CUST_ROLE_EXECUTION_OF) {
        nv = role_objects(m, keep, subject, cls, links[l].role, v, MAX);
      }
      for (size_t j = 0; j < nv; j++) {
        cust_term o = links[l].role == CUST_ROLE_EVIDENCE ? *v[j] : as_iri(v[j]);
        if (links[l].role == CUST_ROLE_PART_OF) {
          o = execution_name(k, cred, &o);
        }
        emit_iri(k, &e, links[l].p, &o, g);
      }
    }
    const cust_term *times[1], *statuses[1];
    size_t ntimes = role_objects(m, keep, x, cls, CUST_ROLE_TIME, times, 1);
    if (ntimes == 0) {
      ntimes = role_objects(m, keep, subject, cls, CUST_ROLE_TIME, times, 1);
    }
    size_t nstatus = role_objects(m, keep, x, cls, CUST_ROLE_STATUS, statuses, 1);
    if (nstatus == 0) {
      nstatus = role_objects(m, keep, subject, cls, CUST_ROLE_STATUS, statuses, 1);
    }
    const char *normal = nstatus > 0 && statuses[0]->kind == CUST_TERM_IRI
                             ? cust_profiles_status(m->profiles, statuses[0]->value)
                             : NULL;
    cust_term when = k->block_time;
    if (ntimes > 0 && times[0]->kind == CUST_TERM_LITERAL) {
      when = *times[0];
    }
    exec_rec *er = exec_lookup(k, &e);
    if (er == NULL) {
      return;
    }
    if (!er->has_started) {
      emit_iri(k, &e, CUST_V_STARTED, &when, g);
      er->has_started = 1;
    }
    if (is_final_status(normal) && !er->has_ended) {
      emit_iri(k, &e, CUST_V_ENDED, &when, g);
      er->has_ended = 1;
    }
    add_report(c, cred, &e, normal, &when, g, cr);
  }
}

/* The funds sent with an execution order are locked for each of its orders
 * that has none yet. */
static void derive_order(msgctx *c, const char *keep, const cust_term *subject,
                         const cust_term *issuer, const cust_profile_class *cls, cust_term *g) {
  enum { MAX = 64 };
  blk *k = c->k;
  const cust_term *orders[MAX], *zones[8];
  size_t no = role_objects(k->m, keep, subject, cls, CUST_ROLE_ORDER, orders, MAX);
  for (size_t i = 0; i < no && k->fatal == CUST_OK; i++) {
    const cust_term *o = orders[i];
    if (o->kind == CUST_TERM_LITERAL) {
      continue;
    }
    cust_term t = iri(CUST_V_ORDER);
    emit_iri(k, o, RDF_TYPE, &t, g);
    emit_iri(k, o, CUST_V_PAYER, issuer, g);
    const cust_term *params[16];
    size_t np = role_objects(k->m, keep, o, cls, CUST_ROLE_PARAMETER, params, 16);
    for (size_t j = 0; j < np; j++) {
      const cust_term *v[1];
      /* a schema:PropertyValue node stands for its value */
      if (params[j]->kind != CUST_TERM_LITERAL &&
          role_objects(k->m, keep, params[j], cls, CUST_ROLE_VALUE, v, 1) == 1) {
        emit_iri(k, o, CUST_V_PARAMETER, v[0], g);
      } else {
        emit_iri(k, o, CUST_V_PARAMETER, params[j], g);
      }
    }
    size_t nz = role_objects(k->m, keep, o, cls, CUST_ROLE_ZONE, zones, 8);
    for (size_t z = 0; z < nz; z++) {
      t = as_iri(zones[z]);
      emit_iri(k, o, CUST_V_IN_ZONE, &t, g);
    }
    if (c->msg->nfunds == 0 || c->msg->funds[0].amount == NULL || c->msg->funds[0].denom == NULL) {
      continue;
    }
    size_t n = 0;
    const char *key = term_key(k->a, o, &n);
    int is_new = 0;
    void **slot = key ? cust_smap_slot(&k->orders, key, n, 1, &is_new) : NULL;
    if (slot == NULL) {
      k->fatal = CUST_ERR_NOMEM;
      return;
    }
    if (is_new) {
      cust_term tmp;
      *slot = (void *)(uintptr_t)(o->kind == CUST_TERM_IRI &&
                                  view_find(k, o, CUST_V_LOCKED_AMOUNT, NULL, &k->ledger, 2, &tmp,
                                            1) == 1);
    }
    if (*slot != NULL) {
      continue; /* the first order credential's payment stands */
    }
    *slot = (void *)1;
    t = lit(c->msg->funds[0].amount);
    emit_iri(k, o, CUST_V_LOCKED_AMOUNT, &t, &k->ledger);
    t = lit(c->msg->funds[0].denom);
    emit_iri(k, o, CUST_V_LOCKED_DENOM, &t, &k->ledger);
    emit_iri(k, o, NS_CUST "lockedIn", &c->tx_iri, &k->ledger);
  }
}

/* Copies the values of `role` on `s` to `p` (labels, licences ...). */
static void copy_role(blk *k, const char *keep, const cust_term *s, const cust_profile_class *cls,
                      cust_profile_role role, const char *p, int is_iri, cust_term *g) {
  enum { MAX = 16 };
  const cust_term *v[MAX];
  size_t n = role_objects(k->m, keep, s, cls, role, v, MAX);
  for (size_t i = 0; i < n; i++) {
    cust_term o = is_iri ? as_iri(v[i]) : *v[i];
    emit_iri(k, s, p, &o, g);
  }
}

/* A v5 assertion: its statement as the triple itself, with PROV roles. */
static void derive_assertion(msgctx *c, const char *keep, const cust_term *cred,
                             const cust_term *subject, const cust_term *issuer,
                             const cust_profile_class *cls, cust_term *g, cred_rec *cr) {
  blk *k = c->k;
  const cust_term *sv[1], *pv[1], *ov[32], *scope[4];
  if (role_objects(k->m, keep, subject, cls, CUST_ROLE_SUBJECT, sv, 1) == 0 ||
      role_objects(k->m, keep, subject, cls, CUST_ROLE_PREDICATE, pv, 1) == 0) {
    return;
  }
  cust_term s = as_iri(sv[0]), p = as_iri(pv[0]);
  if (s.kind != CUST_TERM_IRI || p.kind != CUST_TERM_IRI) {
    return; /* not a statement RDF can hold */
  }
  static const char *const iri_roles[] = { CUST_V_USED,         CUST_V_GENERATED,
                                           CUST_V_GENERATED_BY, CUST_V_DERIVED_FROM,
                                           CUST_V_ASSOCIATED,   CUST_V_ATTRIBUTED,
                                           CUST_V_LICENSE,      RDF_TYPE };
  int is_iri_role = 0;
  for (size_t i = 0; i < sizeof iri_roles / sizeof iri_roles[0]; i++) {
    is_iri_role |= strcmp(p.value, iri_roles[i]) == 0;
  }
  size_t no = role_objects(k->m, keep, subject, cls, CUST_ROLE_OBJECT, ov, 32);
  size_t nscope = role_objects(k->m, keep, subject, cls, CUST_ROLE_SCOPE, scope, 4);
  for (size_t i = 0; i < no && k->fatal == CUST_OK; i++) {
    cust_term o = is_iri_role ? as_iri(ov[i]) : *ov[i];
    emit_iri(k, &s, p.value, &o, g);
    cust_term t, as_o = as_iri(&o);
    const char *normal =
        as_o.kind == CUST_TERM_IRI ? cust_profiles_status(k->m->profiles, as_o.value) : NULL;
    /* Custodian's reading of activities' progress in v5, which has no
       status of its own: using is running, generating is delivering, and a
       known status concept (schema:actionStatus ...) says what it says */
    if (strcmp(p.value, CUST_V_USED) == 0 || strcmp(p.value, CUST_V_ASSOCIATED) == 0) {
      type_activity(k, &s, g);
      if (strcmp(p.value, CUST_V_USED) == 0 && i == 0) {
        add_report(c, cred, &s, CUST_V_IN_EXECUTION, &k->block_time, g, cr);
      }
    } else if (strcmp(p.value, CUST_V_GENERATED) == 0) {
      type_activity(k, &s, g);
      if (o.kind != CUST_TERM_LITERAL) {
        emit_iri(k, &o, CUST_V_GENERATED_BY, &s, g);
      }
      if (i == 0) {
        add_report(c, cred, &s, CUST_V_DELIVERED, &k->block_time, g, cr);
      }
    } else if (normal != NULL) {
      type_activity(k, &s, g);
      if (i == 0) {
        add_report(c, cred, &s, normal, &k->block_time, g, cr);
      }
    } else if (strcmp(p.value, CUST_V_GENERATED_BY) == 0 && o.kind != CUST_TERM_LITERAL) {
      type_activity(k, &o, g);
      emit_iri(k, &o, CUST_V_GENERATED, &s, g);
    } else if (strcmp(p.value, CUST_V_STARTED) == 0 || strcmp(p.value, CUST_V_ENDED) == 0) {
      type_activity(k, &s, g);
      int is_end = strcmp(p.value, CUST_V_ENDED) == 0;
      cust_term when = o.kind == CUST_TERM_LITERAL ? o : k->block_time;
      add_report(c, cred, &s, is_end ? CUST_V_DELIVERED : CUST_V_IN_EXECUTION, &when, g, cr);
    } else if (strcmp(p.value, RDF_TYPE) == 0 && o.kind == CUST_TERM_IRI) {
      static const char *const types[] = { CUST_V_DATASET, CUST_V_SERVICE, CUST_V_SERVICE,
                                           CUST_V_ZONE };
      int ty = cust_profiles_type(k->m->profiles, o.value);
      if (ty >= 0) {
        /* typing a resource describes it: its asserter is its provider */
        t = iri(types[ty]);
        emit_iri(k, &s, RDF_TYPE, &t, g);
        emit_iri(k, &s, CUST_V_ATTRIBUTED, issuer, g);
        if (ty == 2) {
          t = iri(CUST_V_STORAGE_SERVICE);
          emit_iri(k, &s, RDF_TYPE, &t, g);
        }
      }
    }
  }
  for (size_t i = 0; i < nscope; i++) {
    cust_term z = as_iri(scope[i]);
    if (z.kind == CUST_TERM_IRI) {
      emit_iri(k, &s, CUST_V_IN_ZONE, &z, g);
    }
  }
}

/* The derived triples of "What every profile derives" (mapping.md). */
static void derive(msgctx *c, const char *keep, const cust_term *cred, const cust_term *subject,
                   const cust_term *issuer, const cust_profile_class *cls, cust_term *g,
                   cred_rec *cr) {
  blk *k = c->k;
  cust_term t;
  enum { MAX = 16 };
  const cust_term *v[MAX];
  size_t n;
  switch (cls->kind) {
    case CUST_KIND_DATASET:
    case CUST_KIND_SERVICE:
      t = iri(cls->kind == CUST_KIND_DATASET ? CUST_V_DATASET : CUST_V_SERVICE);
      emit_iri(k, subject, RDF_TYPE, &t, g);
      emit_iri(k, subject, CUST_V_ATTRIBUTED, issuer, g);
      copy_role(k, keep, subject, cls, CUST_ROLE_TITLE, CUST_V_TITLE, 0, g);
      copy_role(k, keep, subject, cls, CUST_ROLE_CATEGORY, CUST_V_CATEGORY, 1, g);
      n = role_objects(k->m, keep, subject, cls, CUST_ROLE_CATEGORY, v, MAX);
      for (size_t i = 0; i < n; i++) {
        if (v[i]->kind == CUST_TERM_IRI && cust_profiles_is_storage(k->m->profiles, v[i]->value)) {
          t = iri(CUST_V_STORAGE_SERVICE);
          emit_iri(k, subject, RDF_TYPE, &t, g);
          break;
        }
      }
      break;
    case CUST_KIND_ZONE:
      t = iri(CUST_V_ZONE);
      emit_iri(k, subject, RDF_TYPE, &t, g);
      copy_role(k, keep, subject, cls, CUST_ROLE_TITLE, CUST_V_TITLE, 0, g);
      break;
    case CUST_KIND_PROFILE:
      emit_iri(k, subject, CUST_V_ATTRIBUTED, issuer, g);
      copy_role(k, keep, subject, cls, CUST_ROLE_TITLE, CUST_V_TITLE, 0, g);
      break;
    case CUST_KIND_RIGHTS:
      copy_role(k, keep, subject, cls, CUST_ROLE_LICENCE, CUST_V_LICENSE, 1, g);
      break;
    case CUST_KIND_PUBLICATION:
      copy_role(k, keep, subject, cls, CUST_ROLE_SERVED_BY, CUST_V_SERVED_BY, 1, g);
      break;
    case CUST_KIND_MEMBERSHIP: {
      const cust_term *zones[MAX];
      size_t nz = role_objects(k->m, keep, subject, cls, CUST_ROLE_ZONE, zones, MAX);
      n = role_objects(k->m, keep, subject, cls, CUST_ROLE_MEMBER, v, MAX);
      if (n == 0) {
        v[0] = subject;
        n = 1;
      }
      for (size_t i = 0; i < n; i++) {
        cust_term member = as_iri(v[i]);
        for (size_t z = 0; z < nz && member.kind != CUST_TERM_LITERAL; z++) {
          t = as_iri(zones[z]);
          emit_iri(k, &member, CUST_V_IN_ZONE, &t, g);
        }
      }
      break;
    }
    case CUST_KIND_ORDER:
      derive_order(c, keep, subject, issuer, cls, g);
      break;
    case CUST_KIND_EXECUTION:
      derive_execution(c, keep, cred, subject, cls, g, cr);
      break;
    case CUST_KIND_ASSERTION:
      derive_assertion(c, keep, cred, subject, issuer, cls, g, cr);
      break;
    case CUST_KIND_GOVERNANCE:
    case CUST_KIND_AUTHENTICATION:
    case CUST_KIND_N:
      break;
  }
}

static void accept_credential(msgctx *c, const char *keep, const cust_term *cred,
                              const cust_term *subject, const cust_term *issuer,
                              const cust_term *type, cred_rec *cr) {
  blk *k = c->k;
  cust_mapper *m = k->m;
  cust_term g = *cred;
  for (size_t i = 0; i < m->nquads; i++) {
    if (keep[i]) {
      cust_quad *q = &m->quads[i];
      emit(k, &q->s, &q->p, &q->o, &g);
    }
  }
  cr->tx = c->tx_iri.value;
  cr->is_in_block = 1;
  cust_term t;
  const cust_profile_class *cls = cust_profiles_class(m->profiles, type->value);
  if (cls != NULL) {
    derive(c, keep, cred, subject, issuer, cls, &g, cr);
  }
  ledger_msg(c);
  emit_iri(k, cred, NS_CUST "submittedIn", &c->tx_iri, &k->ledger);
  t = lit_int(k, c->msg->msg_index);
  emit_iri(k, cred, NS_CUST "msgIndex", &t, &k->ledger);
  if (c->msg->is_authz) {
    t = lit_int(k, c->msg->inner_index);
    emit_iri(k, cred, NS_CUST "innerIndex", &t, &k->ledger);
  }
  if (cls != NULL) {
    t = lit(cls->profile->name);
    emit_iri(k, cred, CUST_V_PROFILE, &t, &k->ledger);
  }
  k->st.credentials++;
}

static void map_submission(msgctx *c, json_t *args) {
  blk *k = c->k;
  cust_mapper *m = k->m;
  char reason[512];
  unsigned char *nq = NULL;
  size_t nq_len = 0;
  char *keep = NULL;
  sub_ctx sc;
  memset(&sc, 0, sizeof sc);
  sc.m = m;
  cust_buf_init(&sc.line);
  m->nquads = 0;
  cust_arena_reset(&m->sub_arena);
  cust_smap_init(&sc.seen, &m->sub_arena);

  json_t *data = json_object_get(args, "metadata");
  json_t *claims = json_object_get(args, "claims");
  json_t *format = json_object_get(args, "format");
  if (data != NULL && claims != NULL) {
    reject(c, NULL, "submit_claims has both \"metadata\" and \"claims\"; it needs one");
    goto cleanup;
  }
  data = data != NULL ? data : claims;
  if (!json_is_string(data)) {
    reject(c, NULL, "submit_claims has no \"metadata\" or \"claims\" string");
    goto cleanup;
  }
  if (format != NULL && !json_is_null(format) &&
      !(json_is_string(format) && strcmp(json_string_value(format), "n_quads") == 0)) {
    reject(c, NULL, "the claims' format is not \"n_quads\", the only one indexed");
    goto cleanup;
  }
  size_t b64_len = json_string_length(data);
  if (b64_len / 4 * 3 > m->max_submission + 3) {
    snprintf(reason, sizeof reason,
             "the credential is about %zu bytes, more than the limit of %zu bytes", b64_len / 4 * 3,
             m->max_submission);
    reject(c, NULL, reason);
    goto cleanup;
  }
  cust_status st = cust_base64_decode(json_string_value(data), b64_len, &nq, &nq_len);
  if (st == CUST_ERR_NOMEM) {
    k->fatal = st;
    goto cleanup;
  }
  if (st != CUST_OK) {
    reject(c, NULL, "the claims are not valid base64");
    goto cleanup;
  }
  if (nq_len > m->max_submission) {
    snprintf(reason, sizeof reason, "the credential is %zu bytes, more than the limit of %zu bytes",
             nq_len, m->max_submission);
    reject(c, NULL, reason);
    goto cleanup;
  }
  if (nq_len == 0) {
    reject(c, NULL, "the credential is empty");
    goto cleanup;
  }
  char perr[400];
  st = cust_mapper_nquads_check(nq, nq_len, perr, sizeof perr);
  if (st != CUST_OK) {
    snprintf(reason, sizeof reason, "the claims are not N-Quads: %s", perr);
    reject(c, NULL, reason);
    goto cleanup;
  }
  st = cust_mapper_rdf_parse(m->world, "nquads", nq, nq_len, "urn:custodian:submission",
                             c->blank_prefix, &m->sub_arena, collect_quad, &sc, perr, sizeof perr);
  if (st == CUST_ERR_NOMEM || sc.st == CUST_ERR_NOMEM) {
    k->fatal = CUST_ERR_NOMEM;
    goto cleanup;
  }
  if (st != CUST_OK) {
    snprintf(reason, sizeof reason, "the claims are not N-Quads: %s", perr);
    reject(c, NULL, reason);
    goto cleanup;
  }
  if (m->nquads == 0) {
    reject(c, NULL, "the credential holds no quad");
    goto cleanup;
  }
  keep = calloc(m->nquads, 1);
  if (keep == NULL) {
    k->fatal = CUST_ERR_NOMEM;
    goto cleanup;
  }
  /* the proof graphs are the objects of sec:proof; their quads are dropped */
  smap proofs;
  cust_smap_init(&proofs, &m->sub_arena);
  for (size_t i = 0; i < m->nquads && k->fatal == CUST_OK; i++) {
    const cust_quad *q = &m->quads[i];
    size_t n = 0;
    const char *key = term_is(&q->p, NS_SEC "proof") ? term_key(&m->sub_arena, &q->o, &n) : NULL;
    if (key != NULL && cust_smap_slot(&proofs, key, n, 1, NULL) == NULL) {
      k->fatal = CUST_ERR_NOMEM;
    } else if (key == NULL && term_is(&q->p, NS_SEC "proof")) {
      k->fatal = CUST_ERR_NOMEM;
    }
  }
  for (size_t i = 0; i < m->nquads && k->fatal == CUST_OK; i++) {
    const cust_term *g = &m->quads[i].g;
    size_t n = 0;
    const char *key = g->kind != CUST_TERM_NONE ? term_key(&m->sub_arena, g, &n) : NULL;
    if (g->kind != CUST_TERM_NONE && key == NULL) {
      k->fatal = CUST_ERR_NOMEM;
    }
    keep[i] = key == NULL || cust_smap_slot(&proofs, key, n, 0, NULL) == NULL;
  }
  if (k->fatal != CUST_OK) {
    goto cleanup;
  }
  const cust_term *cred, *subject, *issuer, *type;
  if (check(m, keep, reason, sizeof reason, &cred, &subject, &issuer, &type) != NULL) {
    reject(c, cred ? cred->value : NULL, reason);
    goto cleanup;
  }
  cred_rec *cr = cred_lookup(k, cred->value);
  if (cr == NULL) {
    goto cleanup;
  }
  if (cr->tx != NULL) {
    if (cr->revoked_tx != NULL) {
      snprintf(reason, sizeof reason,
               "credential <%s> was submitted in <%s> and revoked in <%s>; a credential IRI "
               "is indexed once",
               cred->value, cr->tx, cr->revoked_tx);
    } else {
      snprintf(reason, sizeof reason, "credential <%s> already exists (submitted in <%s>)",
               cred->value, cr->tx);
    }
    reject(c, cred->value, reason);
    goto cleanup;
  }
  accept_credential(c, keep, cred, subject, issuer, type, cr);

cleanup:
  free(keep);
  free(nq);
  cust_buf_release(&sc.line);
}

static void map_revocation(msgctx *c, json_t *args) {
  blk *k = c->k;
  char reason[512];
  json_t *id = json_object_get(args, "identifier");
  if (!json_is_string(id) || json_string_length(id) == 0 ||
      strlen(json_string_value(id)) != json_string_length(id)) {
    reject(c, NULL, "revoke_claims has no \"identifier\" string");
    return;
  }
  const char *cred = json_string_value(id);
  cred_rec *cr = cred_lookup(k, cred);
  if (cr == NULL) {
    return;
  }
  if (cr->tx == NULL) {
    snprintf(reason, sizeof reason, "cannot revoke <%s>: no such credential was indexed", cred);
    reject(c, cred, reason);
    return;
  }
  if (cr->revoked_tx != NULL) {
    snprintf(reason, sizeof reason, "credential <%s> was already revoked in <%s>", cred,
             cr->revoked_tx);
    reject(c, cred, reason);
    return;
  }
  ledger_msg(c);
  cust_term ct = iri(cred);
  emit_iri(k, &ct, NS_CUST "revokedIn", &c->tx_iri, &k->ledger);
  cr->revoked_tx = c->tx_iri.value;
  k->st.revocations++;

  /* the executions this credential reported get their status from the rest */
  enum { MAX = 256 };
  cust_term execs[MAX];
  size_t n = 0;
  if (cr->is_in_block) {
    for (exec_ref *r = cr->execs; r != NULL && n < MAX; r = r->next) {
      execs[n++] = iri(r->exec);
    }
  } else {
    n = view_find(k, NULL, CUST_V_REPORTED_STATUS, NULL, &ct, 0, execs, MAX);
  }
  for (size_t i = 0; i < n && k->fatal == CUST_OK; i++) {
    if (execs[i].kind == CUST_TERM_IRI) {
      recompute_status(k, &execs[i]);
    }
  }
}

/* ---- messages and transactions ------------------------------------------------------------ */

/* MSG_NOMEM: jansson ran out of memory reading the message, which says
 * nothing of the message. */
enum msg_kind { MSG_IGNORE = 0, MSG_SUBMIT, MSG_REVOKE, MSG_BAD, MSG_NOMEM };

/* jansson does not say when it runs out of memory: it answers a syntax error
 * ("invalid token"), or an object with a member left out. Its allocations go
 * through json_alloc (set by cust_mapper_new; jansson has one allocator per
 * process, and json_alloc and json_free are malloc and free underneath, so
 * what other modules made before is freed alike), which counts the ones that
 * fail, so that a message is never judged from what jansson made of it then.
 * A failure in another thread meanwhile fails the block too: it is mapped
 * again. */
static unsigned long json_alloc_failures;

static void *json_alloc(size_t n) {
  void *p = malloc(n);
  if (p == NULL) {
    __atomic_add_fetch(&json_alloc_failures, 1, __ATOMIC_RELAXED);
  }
  return p;
}

static void json_free(void *p) {
  free(p);
}

static int is_dataverse(const cust_mapper *m, const char *contract) {
  for (size_t i = 0; i < m->ndataverses; i++) {
    if (strcmp(m->dataverses[i], contract) == 0) {
      return 1;
    }
  }
  return 0;
}

/* ---- the usual message, read without jansson's lexer ---- */

/* A dataverse message is almost always `{"submit_claims":{"claims":"<base64>",
 * "format":"n_quads"}}`, whose one large string jansson would lex byte by
 * byte. quick_* read that shape only: one action holding an object of
 * strings (printable ASCII, no escapes) or nulls, with distinct keys, and
 * build the very tree jansson would; anything else is left to jansson. */
typedef struct quick {
  const char *p, *end;
} quick;

static void quick_ws(quick *q) {
  while (q->p < q->end && (*q->p == ' ' || *q->p == '\t' || *q->p == '\n' || *q->p == '\r')) {
    q->p++;
  }
}

static int quick_char(quick *q, char c) {
  quick_ws(q);
  if (q->p < q->end && *q->p == c) {
    q->p++;
    return 1;
  }
  return 0;
}

/* A string without escapes or non-ASCII bytes; its bytes in (*s, *n). */
static int quick_string(quick *q, const char **s, size_t *n) {
  if (!quick_char(q, '"')) {
    return 0;
  }
  const char *start = q->p;
  while (q->p < q->end && *q->p != '"') {
    unsigned char c = (unsigned char)*q->p;
    if (c < 0x20 || c > 0x7e || c == '\\') {
      return 0;
    }
    q->p++;
  }
  if (q->p >= q->end) {
    return 0;
  }
  *s = start;
  *n = (size_t)(q->p - start);
  q->p++;
  return 1;
}

/* Sets key (k, kn) of `obj` to `v` (consumed). 0 on out of memory. */
static int quick_set(json_t *obj, const char *k, size_t kn, json_t *v) {
  char key[64];
  if (v == NULL) {
    return 0;
  }
  memcpy(key, k, kn);
  key[kn] = '\0';
  return json_object_set_new_nocheck(obj, key, v) == 0;
}

/* 1 with *root set (NULL: out of memory); 0 when jansson must read it. */
static int quick_parse(const char *json, size_t len, json_t **root) {
  enum { MAX_MEMBERS = 8 };
  quick q = { json, json + len };
  const char *action, *keys[MAX_MEMBERS], *vals[MAX_MEMBERS];
  size_t action_n, key_n[MAX_MEMBERS], val_n[MAX_MEMBERS], n = 0;
  *root = NULL;
  if (!quick_char(&q, '{') || !quick_string(&q, &action, &action_n) || action_n >= 64 ||
      !quick_char(&q, ':') || !quick_char(&q, '{')) {
    return 0;
  }
  if (!quick_char(&q, '}')) {
    do {
      if (n == MAX_MEMBERS || !quick_string(&q, &keys[n], &key_n[n]) || key_n[n] >= 64 ||
          !quick_char(&q, ':')) {
        return 0;
      }
      quick_ws(&q);
      if ((size_t)(q.end - q.p) >= 4 && memcmp(q.p, "null", 4) == 0) {
        q.p += 4;
        vals[n] = NULL;
      } else if (!quick_string(&q, &vals[n], &val_n[n])) {
        return 0;
      }
      for (size_t i = 0; i < n; i++) {
        if (key_n[i] == key_n[n] && memcmp(keys[i], keys[n], key_n[n]) == 0) {
          return 0; /* jansson rejects duplicated keys */
        }
      }
      n++;
    } while (quick_char(&q, ','));
    if (!quick_char(&q, '}')) {
      return 0;
    }
  }
  if (!quick_char(&q, '}')) {
    return 0;
  }
  quick_ws(&q);
  if (q.p != q.end) {
    return 0;
  }
  json_t *top = json_object(), *args = json_object();
  int ok = top != NULL && args != NULL;
  for (size_t i = 0; ok && i < n; i++) {
    json_t *v = vals[i] != NULL ? json_stringn_nocheck(vals[i], val_n[i]) : json_null();
    ok = quick_set(args, keys[i], key_n[i], v);
  }
  if (ok) {
    ok = quick_set(top, action, action_n, args);
    args = NULL;
  }
  json_decref(args);
  if (!ok) {
    json_decref(top);
    top = NULL;
  }
  *root = top;
  return 1;
}

/* What a message is to the mapper; *root (to json_decref) holds its JSON. */
static enum msg_kind classify(const cust_mapper *m, const cust_msg *msg, json_t **root,
                              json_t **args) {
  *root = NULL;
  *args = NULL;
  if (msg->type_url == NULL || strcmp(msg->type_url, MSG_EXECUTE_CONTRACT) != 0 ||
      msg->contract == NULL) {
    return MSG_IGNORE;
  }
  int is_configured = m->ndataverses > 0;
  if (is_configured && !is_dataverse(m, msg->contract)) {
    return MSG_IGNORE;
  }
  if (msg->json == NULL) {
    return is_configured ? MSG_BAD : MSG_IGNORE;
  }
  json_error_t jerr;
  unsigned long failures = __atomic_load_n(&json_alloc_failures, __ATOMIC_RELAXED);
  if (quick_parse(msg->json, msg->json_len, root)) {
    if (*root == NULL) {
      return MSG_NOMEM;
    }
  } else {
    *root = json_loadb(msg->json, msg->json_len, JSON_REJECT_DUPLICATES, &jerr);
  }
  if (__atomic_load_n(&json_alloc_failures, __ATOMIC_RELAXED) != failures) {
    json_decref(*root);
    *root = NULL;
    return MSG_NOMEM;
  }
  if (!json_is_object(*root)) {
    return is_configured ? MSG_BAD : MSG_IGNORE;
  }
  if ((*args = json_object_get(*root, "submit_claims")) != NULL) {
    return json_is_object(*args) ? MSG_SUBMIT : MSG_BAD;
  }
  if ((*args = json_object_get(*root, "revoke_claims")) != NULL) {
    return json_is_object(*args) ? MSG_REVOKE : MSG_BAD;
  }
  return MSG_IGNORE;
}

static void msg_init(msgctx *c, blk *k, const cust_tx *tx, const cust_msg *msg, smap *seen,
                     const cust_term *tx_iri) {
  memset(c, 0, sizeof *c);
  c->k = k;
  c->tx = tx;
  c->msg = msg;
  c->tx_iri = *tx_iri;
  c->tx_seen = seen;
  char hp[17];
  snprintf(hp, sizeof hp, "%.16s", tx->hash[0] ? tx->hash : "0");
  if (msg->is_authz) {
    c->msg_label = cust_arena_printf(k->a, "%u.%u", msg->msg_index, msg->inner_index);
    snprintf(c->blank_prefix, sizeof c->blank_prefix, "t%sm%ui%u", hp, msg->msg_index,
             msg->inner_index);
  } else {
    c->msg_label = cust_arena_printf(k->a, "%u", msg->msg_index);
    snprintf(c->blank_prefix, sizeof c->blank_prefix, "t%sm%u", hp, msg->msg_index);
  }
  if (c->msg_label == NULL) {
    k->fatal = CUST_ERR_NOMEM;
  }
}

static void map_failed_tx(blk *k, const cust_tx *tx, const cust_term *tx_iri, smap *seen) {
  int is_any = 0;
  msgctx c;
  for (size_t i = 0; i < tx->nmsgs && k->fatal == CUST_OK; i++) {
    json_t *root = NULL, *args = NULL;
    enum msg_kind kind = classify(k->m, &tx->msgs[i], &root, &args);
    json_decref(root);
    if (kind == MSG_NOMEM) {
      k->fatal = CUST_ERR_NOMEM;
      break;
    }
    if (kind == MSG_IGNORE) {
      continue;
    }
    msg_init(&c, k, tx, &tx->msgs[i], seen, tx_iri);
    ledger_msg(&c);
    is_any = 1;
  }
  if (!is_any || k->fatal != CUST_OK) {
    return;
  }
  char *f = cust_arena_printf(k->a, "%s:failed", tx_iri->value);
  if (f == NULL) {
    k->fatal = CUST_ERR_NOMEM;
    return;
  }
  cust_term ft = iri(f), t = iri(NS_CUST "FailedSubmission");
  emit_iri(k, &ft, RDF_TYPE, &t, &k->ledger);
  emit_iri(k, &ft, NS_CUST "inTransaction", tx_iri, &k->ledger);
  t = lit_int(k, k->b->height);
  emit_iri(k, &ft, NS_CUST "height", &t, &k->ledger);
  t = lit_int(k, tx->code);
  emit_iri(k, &ft, NS_CUST "code", &t, &k->ledger);
  if (tx->codespace != NULL && tx->codespace[0] != '\0') {
    t = lit(tx->codespace);
    emit_iri(k, &ft, NS_CUST "codespace", &t, &k->ledger);
  }
  t = lit(tx->log != NULL ? tx->log : "");
  emit_iri(k, &ft, NS_CUST "log", &t, &k->ledger);
  k->st.failed++;
}

static void map_tx(blk *k, const cust_tx *tx) {
  if (tx->decode_error != NULL || tx->nmsgs == 0) {
    return;
  }
  char *tx_str = cust_arena_printf(k->a, "urn:cosmos:%s:tx:%s", k->chain_id, tx->hash);
  if (tx_str == NULL) {
    k->fatal = CUST_ERR_NOMEM;
    return;
  }
  cust_term tx_iri = iri(tx_str);
  smap seen;
  cust_smap_init(&seen, k->a);
  if (tx->code != 0) {
    map_failed_tx(k, tx, &tx_iri, &seen);
    return;
  }
  for (size_t i = 0; i < tx->nmsgs && k->fatal == CUST_OK; i++) {
    json_t *root = NULL, *args = NULL;
    enum msg_kind kind = classify(k->m, &tx->msgs[i], &root, &args);
    if (kind == MSG_NOMEM) {
      k->fatal = CUST_ERR_NOMEM;
    } else if (kind != MSG_IGNORE) {
      msgctx c;
      msg_init(&c, k, tx, &tx->msgs[i], &seen, &tx_iri);
      if (kind == MSG_SUBMIT) {
        map_submission(&c, args);
      } else if (kind == MSG_REVOKE) {
        map_revocation(&c, args);
      } else {
        reject(&c, NULL,
               "the message to the dataverse is not a JSON object with one known "
               "action");
      }
    }
    json_decref(root);
  }
}

/* ---- the mapper ------------------------------------------------------------------------------ */

cust_status cust_mapper_new(const cust_mapper_config *cfg, const cust_logger *log,
                            cust_mapper **out) {
  cust_status st = CUST_OK;
  *out = NULL;
  json_set_alloc_funcs(json_alloc, json_free);
  cust_mapper *m = calloc(1, sizeof *m);
  if (m == NULL) {
    return CUST_ERR_NOMEM;
  }
  cust_arena_init(&m->block_arena, 256 * 1024);
  cust_arena_init(&m->sub_arena, 256 * 1024);
  m->log = log;
  m->max_submission = cfg != NULL && cfg->max_submission ? cfg->max_submission : 1024 * 1024;
  if (cfg != NULL && cfg->chain_id != NULL && (m->chain_id = strdup(cfg->chain_id)) == NULL) {
    st = CUST_ERR_NOMEM;
    goto cleanup;
  }
  if (cfg != NULL && cfg->ndataverses > 0) {
    m->dataverses = calloc(cfg->ndataverses, sizeof *m->dataverses);
    if (m->dataverses == NULL) {
      st = CUST_ERR_NOMEM;
      goto cleanup;
    }
    for (size_t i = 0; i < cfg->ndataverses; i++) {
      if ((m->dataverses[i] = strdup(cfg->dataverses[i])) == NULL) {
        st = CUST_ERR_NOMEM;
        goto cleanup;
      }
      m->ndataverses++;
    }
  }
  st = cust_mapper_rdf_world(&m->world);
  if (st != CUST_OK) {
    cust_log(log, CUST_LOG_ERROR, "cannot start the RDF parser (raptor): %s", cust_strerror(st));
    goto cleanup;
  }
  char dirbuf[4096], err[512];
  const char *dir = cfg != NULL && cfg->profile_dir != NULL
                        ? cfg->profile_dir
                        : cust_profiles_default_dir(dirbuf, sizeof dirbuf);
  if (dir == NULL) {
    st = CUST_ERR_NOTFOUND;
    cust_log(log, CUST_LOG_ERROR, "cannot find the ontology folder: give --ontology DIR");
    goto cleanup;
  }
  st = cust_profiles_load(dir, &m->profiles, err, sizeof err);
  if (st != CUST_OK) {
    cust_log(log, CUST_LOG_ERROR, "%s", err);
  }

cleanup:
  if (st != CUST_OK) {
    cust_mapper_free(m);
    return st;
  }
  *out = m;
  return CUST_OK;
}

void cust_mapper_free(cust_mapper *m) {
  if (m == NULL) {
    return;
  }
  if (m->world != NULL) {
    raptor_free_world(m->world);
  }
  for (size_t i = 0; i < m->ndataverses; i++) {
    free(m->dataverses[i]);
  }
  free(m->dataverses);
  free(m->chain_id);
  free(m->quads);
  cust_profiles_free(m->profiles);
  cust_arena_release(&m->block_arena);
  cust_arena_release(&m->sub_arena);
  free(m);
}

cust_status cust_mapper_map_block(cust_mapper *m, const cust_block *b, const cust_graph_view *view,
                                  cust_changes *out, cust_mapper_stats *stats) {
  size_t mark = out->len;
  blk k;
  memset(&k, 0, sizeof k);
  cust_arena_reset(&m->block_arena);
  k.m = m;
  k.b = b;
  k.view = view;
  k.out = out;
  k.a = &m->block_arena;
  k.chain_id = m->chain_id != NULL ? m->chain_id : (b->chain_id != NULL ? b->chain_id : "unknown");
  k.ledger = iri(CUST_GRAPH_LEDGER);
  k.current = iri(CUST_GRAPH_CURRENT);
  k.block_time = cust_term_literal(b->time != NULL ? b->time : "", NULL, XSD_DATETIME);
  cust_smap_init(&k.creds, k.a);
  cust_smap_init(&k.execs, k.a);
  cust_smap_init(&k.orders, k.a);

  for (size_t i = 0; i < b->ntxs && k.fatal == CUST_OK; i++) {
    map_tx(&k, &b->txs[i]);
  }
  cust_arena_reset(&m->sub_arena);
  if (k.fatal != CUST_OK) {
    cust_changes_truncate(out, mark);
    cust_log(m->log, CUST_LOG_ERROR, "cannot map block %llu: %s", (unsigned long long)b->height,
             cust_strerror(k.fatal));
    return k.fatal;
  }
  if (stats != NULL) {
    stats->credentials += k.st.credentials;
    stats->rejections += k.st.rejections;
    stats->failed += k.st.failed;
    stats->revocations += k.st.revocations;
    stats->quads += k.st.quads;
  }
  if (k.st.rejections > 0) {
    cust_log(m->log, CUST_LOG_DEBUG, "block %llu: %llu credentials, %llu rejections",
             (unsigned long long)b->height, (unsigned long long)k.st.credentials,
             (unsigned long long)k.st.rejections);
  }
  return CUST_OK;
}
