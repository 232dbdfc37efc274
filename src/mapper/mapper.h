/* The mapper: turns a decoded block into changes of the knowledge graph, as
 * ../shared/spec/mapping.md specifies (credentials, revocations, payments,
 * failed attempts, rejections, ledger, PROV-O, current status). Uses raptor to
 * parse N-Quads from memory with network and file access off. */
#ifndef CUST_MAPPER_H
#define CUST_MAPPER_H

#include "core/core.h"
#include "tx/tx.h"

typedef struct cust_mapper cust_mapper;

typedef struct cust_mapper_config {
  const char *chain_id;           /* borrowed; used in transaction IRIs */
  const char *const *dataverses;  /* borrowed; contracts to index; none: any */
  size_t ndataverses;
  size_t max_submission;          /* bytes of decoded N-Quads; 0: 1 MiB */
} cust_mapper_config;

typedef struct cust_mapper_stats {
  uint64_t credentials; /* accepted credentials */
  uint64_t rejections;
  uint64_t failed;      /* failed transactions recorded */
  uint64_t revocations;
  uint64_t quads;       /* changes produced */
} cust_mapper_stats;

/* Makes a mapper; the config's strings are copied. Owns one raptor world. */
cust_status cust_mapper_new(const cust_mapper_config *cfg, const cust_logger *log,
                            cust_mapper **out);
void cust_mapper_free(cust_mapper *m);

/* Appends to `out` the changes that block `b` makes, reading facts of earlier
 * blocks through `view` (may be NULL for a store with nothing in it). Bad
 * input never fails the call: it becomes a rejection record. Fails only on
 * CUST_ERR_NOMEM or a failing view, leaving `out` as it was on entry.
 * `stats` (may be NULL) is incremented. */
cust_status cust_mapper_map_block(cust_mapper *m, const cust_block *b, const cust_graph_view *view,
                                  cust_changes *out, cust_mapper_stats *stats);

#endif
