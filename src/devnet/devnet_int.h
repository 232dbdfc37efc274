/* What the files of the devnet share: the chain's fixed parameters (the
 * "world"), blocks built on demand from (seed, height), their JSON forms and
 * the manifest. Nothing here does I/O except the server and the manifest. */
#ifndef CUST_DEVNET_INT_H
#define CUST_DEVNET_INT_H

#include "core/core.h"
#include "devnet.h"
#include "tx/tx.h"

/* ---- the embedded OKP4 example credentials (generated at build time) ---- */

typedef struct cust_devnet_fixture {
  const char *name; /* file name, e.g. "crime-dataset-description.nq" */
  const char *text; /* the N-Quads, NUL-terminated */
  size_t len;
} cust_devnet_fixture;

/* Terminated by a {NULL} entry; static storage. */
extern const cust_devnet_fixture cust_devnet_fixtures[];

/* What the workload needs to know of one fixture, found by scanning it. */
typedef struct cust_devnet_fixinfo {
  const cust_devnet_fixture *fx;
  char iri[160];     /* the credential */
  char type[200];    /* its non-VC type IRI */
  char subject[160]; /* its credentialSubject */
  char issuer[160];
  size_t quads; /* lines outside the proof graph */
} cust_devnet_fixinfo;

#define CUST_DEVNET_NFIX 5

/* Whether an N-Quads line (without its newline) belongs to the proof graph
 * `_:b0` of the credentials made here and of the OKP4 examples. */
int cust_devnet_is_proof_line(const char *line, size_t n);

/* ---- the world: everything fixed for a chain ----------------------------- */

typedef struct cust_devnet_world {
  uint64_t seed;
  uint64_t scale;        /* parallel workflows (lanes) per cycle */
  uint64_t empty_blocks; /* empty heights after each workload height (0 after init) */
  char chain_id[128];
  char dataverse[80];   /* the dataverse contract */
  char cognitarium[80]; /* its triple store, seen in the events */
  char decoy[80];       /* another dataverse instance, not the configured one */
  char cw20[80];        /* a token contract: non-dataverse traffic */
  char lawstone[80];    /* the governance program referenced by texts */
  cust_devnet_fixinfo fix[CUST_DEVNET_NFIX];
  /* indexes into fix[] of the fixtures the workload references */
  int fix_zone, fix_zone_gov, fix_dataset, fix_dataset_gov, fix_storage;
  /* the dataverse contract's version (cust_devnet_world_contract), the
     bech32 prefix of every address ("okp4", "axone") and the denom of fees,
     funds and minting ("uknow", "uaxone") */
  cust_devnet_contract contract;
  const char *prefix;
  const char *denom;
} cust_devnet_world;

/* Fills `w`; CUST_ERR_INTERNAL when the embedded fixtures are not the five
 * expected credentials. */
cust_status cust_devnet_world_init(cust_devnet_world *w, uint64_t seed, uint64_t scale,
                                   const char *chain_id);

/* Makes the world run `contract` (axone-dataverse-v8 after init): its
 * address prefix, denom and contract addresses. */
void cust_devnet_world_contract(cust_devnet_world *w, cust_devnet_contract contract);

/* splitmix64 step, and a hash of up to four words mixed with the seed. */
uint64_t cust_devnet_mix(uint64_t x);
uint64_t cust_devnet_hash(uint64_t seed, uint64_t a, uint64_t b, uint64_t c, uint64_t d);

/* bech32 (BIP-173) of `data` with human-readable part `hrp` into out
 * (at least 8 + strlen(hrp) + n*8/5 bytes). */
void cust_devnet_bech32(const char *hrp, const unsigned char *data, size_t n, char *out,
                        size_t outlen);

/* The block time of `height` (RFC 3339 with nanoseconds) into out[40], and
 * the same instant in seconds since 1970 with its nanoseconds. */
void cust_devnet_block_time(const cust_devnet_world *w, uint64_t height, char out[40]);
void cust_devnet_block_instant(const cust_devnet_world *w, uint64_t height, int64_t *sec,
                               uint32_t *nsec);

/* ---- blocks ------------------------------------------------------------------ */

typedef struct cust_devnet_attr {
  const char *key;
  const char *value; /* "" renders as null in 0.34 */
} cust_devnet_attr;

#define CUST_DEVNET_MAX_ATTRS 10
typedef struct cust_devnet_event {
  const char *type;
  int msg_index; /* -1: a transaction-level event (no msg_index attribute) */
  size_t nattrs;
  cust_devnet_attr attrs[CUST_DEVNET_MAX_ATTRS];
} cust_devnet_event;

typedef struct cust_devnet_tx {
  unsigned char *raw; /* the TxRaw bytes */
  size_t len;
  char hash[65];
  uint32_t code; /* 0: success */
  const char *codespace;
  const char *log; /* the failure log; NULL on success (rendered per dialect) */
  uint64_t gas_wanted, gas_used;
  size_t nmsgs;
  cust_devnet_event *events;
  size_t nevents;
} cust_devnet_tx;

/* One block, built from (world, height). Embedded struct:
 * cust_devnet_block_init / cust_devnet_block_release; strings in `arena`. */
typedef struct cust_devnet_block {
  uint64_t height;
  char time[40];
  char hash[65];      /* block_id.hash: sha256 of the header fields but the link */
  char data_hash[65]; /* sha256 over the transaction hashes */
  cust_devnet_tx *txs;
  size_t ntxs, cap;
  size_t size; /* block_size in /blockchain */
  cust_arena arena;
} cust_devnet_block;

void cust_devnet_block_init(cust_devnet_block *b);
void cust_devnet_block_release(cust_devnet_block *b);

/* What the manifest learns while blocks are built (see manifest.c). */
typedef struct cust_devnet_notes {
  cust_buf *out;  /* JSON items are appended here, each preceded by ",\n" but the first */
  uint64_t limit; /* the last height the manifest covers */
  size_t nitems;
  uint64_t n_accepted, n_revoked, n_rejected, n_failed, n_other_contract;
  uint64_t n_executions, n_delivered, n_failed_exec, n_cancelled, n_in_execution;
  uint64_t n_txs, n_failed_txs, n_quads;
} cust_devnet_notes;

/* Builds block `height` (>= 1) into `b` (reset first). With
 * w->empty_blocks = N, only heights H with (H - 1) % (N + 1) == 0 carry a
 * workload, that of height (H - 1) / (N + 1) + 1; the others are empty and
 * cost a header only. When `notes` is not NULL (only with N == 0), appends
 * the manifest items of this block. CUST_ERR_NOMEM, or the
 * transaction encoder's error. */
cust_status cust_devnet_block_build(const cust_devnet_world *w, uint64_t height,
                                    cust_devnet_block *b, cust_devnet_notes *notes);

/* ---- JSON forms ---------------------------------------------------------------- */

/* "0.34.27", "0.37.2" or "0.38.7": what /status calls the node's version. */
const char *cust_devnet_version(cust_dialect d);

/* The `result` objects of /block (prev: block height-1, NULL at height 1),
 * /block_results, one /blockchain meta, and /status. */
cust_status cust_devnet_render_block(cust_buf *o, const cust_devnet_world *w,
                                     const cust_devnet_block *b, const cust_devnet_block *prev);
cust_status cust_devnet_render_results(cust_buf *o, const cust_devnet_world *w,
                                       const cust_devnet_block *b, cust_dialect d);
cust_status cust_devnet_render_meta(cust_buf *o, const cust_devnet_world *w,
                                    const cust_devnet_block *b, const cust_devnet_block *prev);
cust_status cust_devnet_render_status(cust_buf *o, const cust_devnet_world *w,
                                      const cust_devnet_block *latest,
                                      const cust_devnet_block *earliest, cust_dialect d);

/* ---- the manifest ---------------------------------------------------------------- */

/* Appends the manifest of heights 1..limit (format: see manifest.c) to `o`;
 * when `f` is not NULL, moves it there as it grows (then `o` ends empty).
 * CUST_ERR_IO when writing to `f` fails. */
cust_status cust_devnet_manifest_write(cust_buf *o, FILE *f, const cust_devnet_world *w,
                                       uint64_t limit, cust_dialect d);

#endif
