/* What the mapper's files share: the vocabulary's IRIs, a string map over an
 * arena, and the raptor parsing wrapper (memory in, quads out, no I/O). */
#ifndef CUST_MAPPER_INT_H
#define CUST_MAPPER_INT_H

#include <raptor2.h>

#include "mapper/mapper.h"

/* ---- vocabulary ---------------------------------------------------------- */

#include "core/vocab.h"

/* ---- profiles (profile.c) ----------------------------------------------------- */

/* What a credential class is about: decides which derivation runs. */
typedef enum cust_profile_kind {
  CUST_KIND_DATASET = 0,
  CUST_KIND_SERVICE,
  CUST_KIND_ZONE,
  CUST_KIND_RIGHTS,
  CUST_KIND_GOVERNANCE,
  CUST_KIND_PUBLICATION,
  CUST_KIND_AUTHENTICATION,
  CUST_KIND_ORDER,
  CUST_KIND_EXECUTION,
  CUST_KIND_MEMBERSHIP,
  CUST_KIND_ASSERTION,
  CUST_KIND_PROFILE,
  CUST_KIND_N
} cust_profile_kind;

/* Which property plays which part; the node it sits on is in brackets
 * (S the subject, O the order, X the execution, P a parameter node). */
typedef enum cust_profile_role {
  CUST_ROLE_TITLE = 0,    /* [S] a label */
  CUST_ROLE_DESCRIPTION,  /* [S] */
  CUST_ROLE_CATEGORY,     /* [S] a service's category concept */
  CUST_ROLE_ORDER,        /* [S] -> O */
  CUST_ROLE_EXECUTION,    /* [S] -> X */
  CUST_ROLE_EXECUTION_OF, /* [X, else S] -> O */
  CUST_ROLE_CONSUMED,     /* [X] */
  CUST_ROLE_PRODUCED,     /* [X] */
  CUST_ROLE_PARAMETER,    /* [X or O] -> P whose value is consumed */
  CUST_ROLE_OUTCOME,      /* [X] -> P whose value is produced */
  CUST_ROLE_VALUE,        /* [P] the value of a parameter or outcome */
  CUST_ROLE_STATUS,       /* [X, else S] a status concept */
  CUST_ROLE_TIME,         /* [X, else S] */
  CUST_ROLE_PLACED,       /* [O] when the order was placed */
  CUST_ROLE_ZONE,         /* [O; a membership's S] */
  CUST_ROLE_AGENT,        /* [X] the orchestration service (else S) */
  CUST_ROLE_PART_OF,      /* [X] -> a parent execution */
  CUST_ROLE_EVIDENCE,     /* [X] */
  CUST_ROLE_SERVED_BY,    /* [S] a storage service */
  CUST_ROLE_IDENTIFIER,   /* [S] */
  CUST_ROLE_MEMBER,       /* [S] the member (else S) */
  CUST_ROLE_MEMBERSHIP,   /* [S] the member's role */
  CUST_ROLE_LICENCE,      /* [S] */
  CUST_ROLE_GOVERNED_BY,  /* [S] */
  CUST_ROLE_TO_SERVICE,   /* [S] */
  CUST_ROLE_SUBJECT,      /* [S] an assertion's subject */
  CUST_ROLE_PREDICATE,    /* [S] */
  CUST_ROLE_OBJECT,       /* [S] */
  CUST_ROLE_SCOPE,        /* [S] */
  CUST_ROLE_N
} cust_profile_role;

typedef struct cust_profile {
  const char *name; /* "okp4-v3" */
  const char *file; /* where it was read */
  const char **bases;
  size_t nbases;
  size_t index; /* load order */
  struct cust_profile *next;
} cust_profile;

typedef struct cust_profile_class {
  const cust_profile *profile;
  cust_profile_kind kind;
  const char **roles[CUST_ROLE_N]; /* the IRIs of each role, one per base */
  size_t nroles[CUST_ROLE_N];
  int pending_roles[CUST_ROLE_N]; /* while loading */
  int is_subject_consumed;
  int line;
} cust_profile_class;

/* One IRI the profiles know: a class, a status concept, a storage category
 * or an assertion type; `arg` is the normalised status index or the kind. */
typedef struct cust_profile_entry {
  const char *iri;
  const cust_profile *profile;
  const cust_profile_class *cls;
  int arg;
  struct cust_profile_entry *next;
} cust_profile_entry;

struct cust_profiles {
  cust_arena arena; /* everything below */
  cust_profile *profiles;
  size_t nprofiles;
  cust_profile_entry *classes, *statuses, *storage, *types;
};

/* The class `iri` names, or NULL when no profile knows it. */
const cust_profile_class *cust_profiles_class(const cust_profiles *ps, const char *iri);
/* The normalised status (CUST_V_DELIVERED ...) of a concept, or NULL. */
const char *cust_profiles_status(const cust_profiles *ps, const char *iri);
int cust_profiles_is_storage(const cust_profiles *ps, const char *iri);
/* For an asserted rdf:type: 0 dataset, 1 service, 2 storage, 3 zone; -1. */
int cust_profiles_type(const cust_profiles *ps, const char *iri);

#define NS_RDF CUST_V_RDF
#define NS_CRED CUST_V_CRED
#define NS_SEC CUST_V_SEC
#define NS_PROV CUST_V_PROV
#define NS_CUST CUST_V_CUST
#define CUST_RESERVED_PREFIX CUST_V_RESERVED
#define RDF_TYPE CUST_V_TYPE
#define XSD_INTEGER CUST_V_XSD_INTEGER
#define XSD_DATETIME CUST_V_XSD_DATETIME

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
