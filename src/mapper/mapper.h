/* The mapper: turns a decoded block into changes of the knowledge graph, as
 * ../shared/spec/mapping.md specifies (credentials, revocations, payments,
 * failed attempts, rejections, ledger, PROV-O, current status). Uses raptor to
 * parse N-Quads from memory with network and file access off. */
#ifndef CUST_MAPPER_H
#define CUST_MAPPER_H

#include "core/core.h"
#include "tx/tx.h"

typedef struct cust_mapper cust_mapper;

/* ---- ontology profiles (profile.c; the format is at the top of it) ---- */

/* The ontology versions the mapper knows: one ontology/NAME.profile each. */
typedef struct cust_profiles cust_profiles;

/* Reads every *.profile file of `dir` (in name order). Errors, with one line
 * in `err` naming the file, the line and what is wrong: CUST_ERR_NOTFOUND (no
 * folder, or no profile in it), CUST_ERR_IO, CUST_ERR_FORMAT, CUST_ERR_NOMEM.
 * *out is owned by the caller (cust_profiles_free). */
cust_status cust_profiles_load(const char *dir, cust_profiles **out, char *err, size_t errlen);
void cust_profiles_free(cust_profiles *ps);
/* The installed ontology folder, else the source tree's; NULL when `len` is
 * too short. */
const char *cust_profiles_default_dir(char *buf, size_t len);
size_t cust_profiles_count(const cust_profiles *ps);
/* The name of profile i (0 <= i < count), in load order; borrowed. */
const char *cust_profiles_name(const cust_profiles *ps, size_t i);

typedef struct cust_mapper_config {
  const char *chain_id;          /* borrowed; used in transaction IRIs */
  const char *const *dataverses; /* borrowed; contracts to index; none: any */
  size_t ndataverses;
  size_t max_submission;   /* bytes of decoded N-Quads; 0: 1 MiB */
  const char *profile_dir; /* borrowed; NULL: cust_profiles_default_dir() */
} cust_mapper_config;

typedef struct cust_mapper_stats {
  uint64_t credentials; /* accepted credentials */
  uint64_t rejections;
  uint64_t failed; /* failed transactions recorded */
  uint64_t revocations;
  uint64_t quads; /* changes produced */
} cust_mapper_stats;

/* Makes a mapper; the config's strings are copied. Owns one raptor world and
 * the profiles of `profile_dir`; a profile that does not load fails the call
 * (CUST_ERR_FORMAT, CUST_ERR_NOTFOUND, ...), logged with its file and line. */
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

/* Parses the RDF file at `path` (Turtle .ttl, N-Triples .nt, N-Quads .nq,
 * RDF/XML .rdf/.xml/.owl, by extension) from memory, with network and file
 * access and XML external entities off, and calls `fn` for each quad (its
 * terms are borrowed for the call). `base_iri` resolves relative references
 * (NULL: a urn of the file's digest); `graph_iri` non-NULL puts every quad in
 * that graph, NULL keeps the file's graphs. Blank labels are renamed from the
 * file's digest, so loading the same file twice gives the same nodes.
 * Errors, with one line in `err`: CUST_ERR_UNSUPPORTED (unknown extension),
 * CUST_ERR_NOTFOUND, CUST_ERR_IO, CUST_ERR_FORMAT (syntax, with the line),
 * CUST_ERR_INVALID (a NUL in a term), CUST_ERR_NOMEM. Quads may have reached
 * `fn` before an error: callers apply them only on CUST_OK. */
cust_status cust_mapper_parse_file(const char *path, const char *base_iri, const char *graph_iri,
                                   cust_quad_fn fn, void *ud, char *err, size_t errlen);

typedef struct cust_store cust_store;

/* Loads every .ttl file of `dir` except policy-*.ttl (reward policies, which the
 * rewards module validates and loads into the policies graph) into the
 * ontology graph https://w3id.org/custodian/graph/ontology, replacing what it
 * held, in one transaction of its own (call it outside any). A file that does
 * not parse leaves the store untouched: CUST_ERR_FORMAT, logged with its
 * name. CUST_ERR_NOTFOUND when `dir` cannot be read. `log` may be NULL. */
cust_status cust_mapper_load_ontology(cust_store *s, const char *dir, const cust_logger *log);

#endif
