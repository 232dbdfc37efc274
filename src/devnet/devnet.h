/* The devnet: a deterministic simulated OKP4 node that speaks the CometBFT
 * JSON-RPC of ../shared/spec/chain.md, with the workload of a data space
 * (credentials, orders, executions, failures, noise) and injected faults. */
#ifndef CUST_DEVNET_H
#define CUST_DEVNET_H

#include "core/core.h"
#include "tx/tx.h"

typedef struct cust_devnet cust_devnet;

/* The dataverse contract the chain runs (mapping.md, "What is indexed"). */
typedef enum cust_devnet_contract {
  CUST_CONTRACT_OKP4_V5 = 0, /* okp4-dataverse v5: field "metadata", keeps funds; okp4, uknow */
  CUST_CONTRACT_AXONE_V6,    /* axone-dataverse v6: "metadata", funds fail; axone, uaxone */
  CUST_CONTRACT_AXONE_V8     /* axone-dataverse v8: "claims", funds fail; axone, uaxone */
} cust_devnet_contract;

/* "okp4-dataverse-v5", "axone-dataverse-v6", "axone-dataverse-v8" -> the
 * contract; CUST_ERR_INVALID otherwise. cust_devnet_contract_name is the
 * reverse (static storage). */
cust_status cust_devnet_contract_parse(const char *name, cust_devnet_contract *out);
const char *cust_devnet_contract_name(cust_devnet_contract c);

typedef struct cust_devnet_config {
  const char *listen;        /* "HOST:PORT"; port 0 binds a free port. Borrowed */
  uint64_t seed;             /* the chain is a function of (seed, scale, chain_id) */
  uint64_t blocks;           /* stop producing at this height; 0: never */
  uint64_t block_time_ms;    /* one block per this many ms; 0: all --blocks at once */
  double faults;             /* fraction of RPC answers that fail (0..1) */
  cust_dialect dialect;      /* the JSON shape of the answers */
  uint64_t scale;            /* parallel workflows per cycle (>= 1) */
  uint64_t earliest;         /* heights below this one are pruned; 0/1: none */
  const char *chain_id;      /* borrowed; NULL: the contract's (below) */
  const char *manifest_path; /* write the manifest of heights 1..blocks here; NULL: none */
  uint64_t empty_blocks;     /* empty heights after each workload height; 0: none. A sparse
                                chain: height H carries the workload of height
                                (H - 1) / (N + 1) + 1 when (H - 1) % (N + 1) == 0 */
  /* the dataverse's version, which gives the address prefix, the denom and
     the default chain id: okp4-devnet-1 for okp4 v5, else axone-devnet-1 */
  cust_devnet_contract contract;
} cust_devnet_config;

/* The defaults: 127.0.0.1:26657, seed 1, no block limit, 1000 ms, no faults,
 * 0.38, scale 1, no pruning, axone-dataverse-v8 (what the live network runs)
 * with its chain id, no manifest, no empty blocks. */
void cust_devnet_config_init(cust_devnet_config *c);

/* Starts serving in background threads (the strings of `c` are copied).
 * Writes the manifest first when asked to. *out is NULL on failure:
 * CUST_ERR_INVALID for a bad configuration (a manifest with empty_blocks too), CUST_ERR_IO when the
 * address cannot be bound or the manifest cannot be written, CUST_ERR_NOMEM. The logger is borrowed
 * until cust_devnet_stop. Free with cust_devnet_stop. */
cust_status cust_devnet_start(const cust_devnet_config *c, const cust_logger *log,
                              cust_devnet **out);

/* "http://127.0.0.1:PORT", the bound address; owned by the devnet. */
const char *cust_devnet_url(const cust_devnet *d);

/* The dataverse contract address of this chain (bech32 with the contract's
 * prefix, derived from the chain id); owned by the devnet. */
const char *cust_devnet_dataverse(const cust_devnet *d);

/* Stops the server, waits for its threads and frees everything. NULL-safe. */
void cust_devnet_stop(cust_devnet *d);

#endif
