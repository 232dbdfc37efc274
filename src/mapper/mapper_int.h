/* What the mapper's files share: the vocabulary's IRIs, a string map over an
 * arena, and the raptor parsing wrapper (memory in, quads out, no I/O). */
#ifndef CUST_MAPPER_INT_H
#define CUST_MAPPER_INT_H

#include <raptor2.h>

#include "mapper/mapper.h"

/* ---- vocabulary ---------------------------------------------------------- */

#define NS_RDF "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define NS_XSD "http://www.w3.org/2001/XMLSchema#"
#define NS_CRED "https://www.w3.org/2018/credentials#"
#define NS_SEC "https://w3id.org/security#"
#define NS_PROV "http://www.w3.org/ns/prov#"
#define NS_CUST "https://w3id.org/custodian/ns#"
#define NS_OKP4 "https://w3id.org/okp4/ontology/v3/"
#define NS_DSD NS_OKP4 "schema/credential/dataset/description/"
#define NS_SVC NS_OKP4 "schema/credential/digital-service/description/"
#define NS_ZONE NS_OKP4 "schema/credential/zone/description/"
#define NS_ORDER NS_OKP4 "schema/credential/orchestration-service/execution-order/"
#define NS_EXEC NS_OKP4 "schema/credential/orchestration-service/execution/"
#define NS_STATUS NS_OKP4 "thesaurus/digital-service-execution-status/"

/* IRIs under this prefix belong to the project: no credential may use them. */
#define CUST_RESERVED_PREFIX "https://w3id.org/custodian/"

#define RDF_TYPE NS_RDF "type"
#define XSD_INTEGER NS_XSD "integer"
#define XSD_DATETIME NS_XSD "dateTime"

/* ---- string map ------------------------------------------------------------ */

/* Open addressing over byte strings; keys and table live in `arena` (the
 * table's old copies too, until the arena is reset). */
typedef struct smap_entry {
  const char *key; /* NULL: free slot */
  size_t klen;
  void *val;
} smap_entry;

typedef struct smap {
  smap_entry *tab;
  size_t cap, len;
  cust_arena *arena;
} smap;

void cust_smap_init(smap *m, cust_arena *arena);
/* The value slot of `key`, or NULL when absent and !create. With create, a
 * new key gets a slot holding NULL (*is_new = 1). NULL on out of memory
 * (with create: *is_new = -1). */
void **cust_smap_slot(smap *m, const char *key, size_t klen, int create, int *is_new);
void *cust_smap_get(const smap *m, const char *key, size_t klen);

/* ---- parsing ----------------------------------------------------------------- */

/* A raptor world with network and file access off (no WWW init). */
cust_status cust_mapper_rdf_world(raptor_world **out);

/* Parses (data, len) with raptor parser `syntax` ("nquads", "turtle", ...)
 * and calls `fn` for each statement, its terms copied into `arena`. Blank
 * node labels become `blank_prefix` "b" N, N counting from 0 in the order of
 * first appearance. Returns CUST_ERR_FORMAT with "line L: what" in `err` on
 * the first syntax error (quads may have been reported before it: the caller
 * discards them), CUST_ERR_INVALID when a term holds a NUL byte,
 * CUST_ERR_NOMEM. A non-zero return of `fn` ends the parse with CUST_OK. */
cust_status cust_mapper_rdf_parse(raptor_world *world, const char *syntax,
                                  const unsigned char *data, size_t len, const char *base,
                                  const char *blank_prefix, cust_arena *arena, cust_quad_fn fn,
                                  void *ud, char *err, size_t errlen);

/* Checks (data, len) against the N-Quads grammar (stricter than raptor where
 * raptor would leak: see parse.c); CUST_ERR_FORMAT with "line L: what" in
 * `err` when it does not conform. */
cust_status cust_mapper_nquads_check(const unsigned char *data, size_t len, char *err,
                                     size_t errlen);

#endif
