/* Rewards: the reward policies, the exact largest-remainder arithmetic, and
 * the walk of custody chains that splits an execution's payment among its
 * providers, as ../shared/spec/rewards.md fixes it. */
#ifndef CUST_REWARDS_H
#define CUST_REWARDS_H

#include <gmp.h>

#include "core/core.h"
#include "store/store.h"

/* ---- roles -------------------------------------------------------------- */

typedef enum cust_rewards_role {
  CUST_ROLE_DATA = 0,
  CUST_ROLE_PROCESSING,
  CUST_ROLE_STORAGE,
  CUST_ROLE_ORCHESTRATION,
  CUST_ROLE_COUNT
} cust_rewards_role;

/* The role's IRI (cust:DataProvider …) and its local name ("DataProvider"). */
const char *cust_rewards_role_iri(cust_rewards_role r);
const char *cust_rewards_role_name(cust_rewards_role r);

/* ---- the largest-remainder method (pure) ----------------------------------- */

/* One item of a split: `key` (borrowed) breaks ties, byte by byte; `weight`
 * is read, `amount` is written. Embedded: cust_rewards_share_init/_release. */
typedef struct cust_rewards_share {
  const char *key;
  mpz_t weight;
  mpz_t amount;
} cust_rewards_share;

void cust_rewards_share_init(cust_rewards_share *sh, const char *key);
void cust_rewards_share_release(cust_rewards_share *sh);

/* Splits `amount` among the shares by weight: base_i = floor(A·w_i/W), and
 * the units left go one each to the items ordered by remainder descending,
 * weight descending, key ascending. Items of weight 0 get 0. Errors:
 * CUST_ERR_INVALID (a negative amount or weight, or a positive amount with
 * every weight 0), CUST_ERR_NOMEM. */
cust_status cust_rewards_split(const mpz_t amount, cust_rewards_share *shares, size_t n);

/* ---- policies ------------------------------------------------------------------ */

typedef struct cust_rewards_policy {
  const char *iri;                      /* the policy's IRI */
  const char *zone;                     /* cust:appliesToZone; NULL: the default */
  unsigned weight_bps[CUST_ROLE_COUNT]; /* cust:roleWeight, 0 for absent roles */
  unsigned p, q;                        /* cust:decayNumerator, cust:decayDenominator */
  unsigned max_depth;                   /* cust:maxDepth */
  unsigned tax_bps;                     /* cust:taxBps (0 when absent) */
  const char *tax_recipient;            /* cust:taxRecipient, or NULL */
  const char *price_amount;             /* cust:price's cust:amount (digits), or NULL */
  const char *price_denom;              /* cust:price's cust:denom, or NULL */
  const char *source;                   /* where it was read, for messages */
  unsigned line;                        /* the line of its rdf:type, 0 unknown */
} cust_rewards_policy;

/* A set of policies whose strings live in `arena`.
 * Embedded: cust_rewards_policies_init/_release. */
typedef struct cust_rewards_policies {
  cust_rewards_policy *items;
  size_t len, cap;
  cust_arena arena;
} cust_rewards_policies;

void cust_rewards_policies_init(cust_rewards_policies *ps);
void cust_rewards_policies_release(cust_rewards_policies *ps);

/* The built-in default policy (the numbers of rewards.md), used when the
 * policies graph has no default. Static storage. */
const cust_rewards_policy *cust_rewards_policy_builtin(void);
#define CUST_REWARDS_BUILTIN_POLICY "urn:policy:default"

/* Reads every cust:RewardPolicy of `quads` (borrowed; `lines[i]` is the line
 * of quads[i] in `source`, or `lines` NULL) into `ps` and validates each:
 * weights of known roles summing to 10000, 0 < p <= q <= 16,
 * 0 <= maxDepth <= 16, 0 <= taxBps <= 10000, a tax recipient when taxBps > 0,
 * at most one policy per zone and one default. On CUST_ERR_INVALID, `err`
 * names the source, the line, the policy and the rule, and `ps` is as it was
 * (nothing is half-applied). */
cust_status cust_rewards_policies_parse(cust_rewards_policies *ps, const cust_quad *quads,
                                        const unsigned *lines, size_t n, const char *source,
                                        char *err, size_t errlen);
/* A growing array of quads whose strings are copied into `arena` (borrowed;
 * it must outlive the copies); `items` is malloc'ed, freed by the caller. */
typedef struct cust_rewards_quads {
  cust_quad *items;
  size_t len, cap;
  cust_arena *arena;
  cust_status st; /* CUST_ERR_NOMEM once a copy failed */
} cust_rewards_quads;
/* A cust_quad_fn that appends a copy of `q` to the cust_rewards_quads `ud`;
 * on failure it sets its `st` and stops the caller's iteration. */
int cust_rewards_quads_collect(void *ud, const cust_quad *q);
/* Checks one policy's numbers (the rules above); CUST_ERR_INVALID with the
 * rule in `err`. */
cust_status cust_rewards_policy_validate(const cust_rewards_policy *p, char *err, size_t errlen);
/* The policy named `iri`, the one of `zone`, or the default (zone NULL);
 * NULL when there is none. Borrowed from `ps`. */
const cust_rewards_policy *cust_rewards_policies_find(const cust_rewards_policies *ps,
                                                      const char *iri);
const cust_rewards_policy *cust_rewards_policies_for_zone(const cust_rewards_policies *ps,
                                                          const char *zone);

/* ---- the two-level split (pure) ------------------------------------------------ */

/* A line of rewards.md: a (role, payee) and its score. `payee` is borrowed.
 * Embedded: cust_rewards_line_init/_release. */
typedef struct cust_rewards_line {
  cust_rewards_role role;
  const char *payee;
  mpz_t score;
  mpz_t amount; /* written by cust_rewards_allocate */
} cust_rewards_line;

void cust_rewards_line_init(cust_rewards_line *l, cust_rewards_role role, const char *payee);
void cust_rewards_line_release(cust_rewards_line *l);

typedef struct cust_rewards_alloc {
  mpz_t tax;                          /* floor(T·taxBps/10000) */
  mpz_t pool;                         /* T − tax */
  mpz_t role_amount[CUST_ROLE_COUNT]; /* each role's bucket */
  int has_role[CUST_ROLE_COUNT];      /* the role has a line and a weight */
  mpz_t unassigned;                   /* the pool when no role can take it (no line, or only
                                         lines of roles of weight 0); otherwise 0 */
} cust_rewards_alloc;

void cust_rewards_alloc_init(cust_rewards_alloc *a);
void cust_rewards_alloc_release(cust_rewards_alloc *a);

/* Tax, level 1 among the roles that have lines, level 2 among each role's
 * lines by score. Lines must be distinct (role, payee) with positive scores.
 * Afterwards tax + Σ amounts + unassigned = total exactly. Errors:
 * CUST_ERR_INVALID (negative total, a bad policy), CUST_ERR_NOMEM. */
cust_status cust_rewards_allocate(const cust_rewards_policy *policy, const mpz_t total,
                                  cust_rewards_line *lines, size_t n, cust_rewards_alloc *out);

/* ---- the reward query ------------------------------------------------------------ */

typedef enum cust_rewards_format {
  CUST_REWARDS_JSON = 0, /* the answer of rewards.md, with accounts */
  CUST_REWARDS_CSV,      /* "account,amount,denom" rows, one per account */
  CUST_REWARDS_MSG       /* a cosmos.bank.v1beta1.MsgMultiSend, inputs = outputs */
} cust_rewards_format;

/* "json", "csv", "msg" -> the format; CUST_ERR_INVALID otherwise. */
cust_status cust_rewards_format_parse(const char *name, cust_rewards_format *out);

/* What is asked. Every string is borrowed for the call. */
typedef struct cust_rewards_request {
  const char *execution; /* the execution's IRI (required) */
  const char *amount;    /* decimal string; NULL: the order's funds, else the policy's cust:price */
  const char *policy_iri; /* NULL: the order's zone's policy, else the default */
  const char *prefix;     /* bech32 prefix of accounts; NULL: the chain's (from the ledger) */
  const char *from;       /* MSG: the paying account; NULL: the payer's own account */
  cust_rewards_format format;
} cust_rewards_request;

/* The reward split of req->execution (rewards.md) in req->format, appended
 * to `out`. Errors, with one line in `err`: CUST_ERR_NOTFOUND (nothing is
 * known of the execution: 404), CUST_ERR_INVALID (a bad amount, an unknown
 * policy, and for CSV/MSG no known amount or no account to pay from: 400),
 * CUST_ERR_FORMAT (the policies graph holds a bad policy), CUST_ERR_NOMEM,
 * store errors. `s` is borrowed for the call; asOfHeight is the store's
 * checkpoint. Nothing is appended on error. */
cust_status cust_rewards_query(cust_store *s, const cust_rewards_request *req, cust_buf *out,
                               char *err, size_t errlen);

/* cust_rewards_query with the facts of `cache` (NULL: none; see custody.h),
 * for a server thread that answers many requests with one store handle. */
typedef struct cust_custody_cache cust_custody_cache;
cust_status cust_rewards_query_cached(cust_custody_cache *cache, cust_store *s,
                                      const cust_rewards_request *req, cust_buf *out, char *err,
                                      size_t errlen);

/* The same over any graph view (what the unit tests call without a store);
 * `height` is reported as asOfHeight. */
cust_status cust_rewards_compute(const cust_graph_view *view, uint64_t height,
                                 const cust_rewards_request *req, cust_buf *out, char *err,
                                 size_t errlen);

/* The same with a facts object (borrowed) over `view`. */
typedef struct cust_custody_facts cust_custody_facts;
cust_status cust_rewards_compute_facts(cust_custody_facts *f, const cust_graph_view *view,
                                       uint64_t height, const cust_rewards_request *req,
                                       cust_buf *out, char *err, size_t errlen);

/* ---- accounts ------------------------------------------------------------------------ */

/* Appends to `out` the Cosmos account of the payee `did` (borrowed): for a
 * did:key of a compressed secp256k1 key, bech32 with `prefix` ("axone",
 * "okp4"; NULL: unknown) of RIPEMD160(SHA256(key)); for
 * did:pkh:cosmos:CHAIN:ADDR, ADDR once its bech32 checks. Otherwise nothing is
 * appended and *reason says why (static text). CUST_ERR_NOMEM only. */
cust_status cust_rewards_account(const char *did, const char *prefix, cust_buf *out,
                                 const char **reason);

/* ---- loading policies --------------------------------------------------------------- */

/* Parses the Turtle files `paths` (borrowed), and the shipped default policy
 * (ontology/policy-default.ttl of the data directory) before them; a file's
 * policy without a zone replaces the shipped default. Validates every policy
 * and replaces the policies graph in one transaction. On any error nothing
 * is written and `err` names the file, the line and the rule broken
 * (CUST_ERR_INVALID), or the file that cannot be read (CUST_ERR_IO). */
cust_status cust_rewards_load_policies(cust_store *s, const char *const *paths, size_t n, char *err,
                                       size_t errlen);

/* Reads the policies of the RDF file `path` (Turtle, by its extension) into
 * `ps`, validated, with the file's line in every message (CUST_ERR_INVALID);
 * CUST_ERR_FORMAT for a syntax error, CUST_ERR_IO / CUST_ERR_NOTFOUND when
 * it cannot be read. Nothing is added to `ps` on failure. */
cust_status cust_rewards_policies_read_file(cust_rewards_policies *ps, const char *path, char *err,
                                            size_t errlen);

#endif
