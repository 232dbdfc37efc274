/* Small stores for the query tests: a new store file under $TMPDIR (else
 * /tmp), and quads added term by term, each into a named graph. */
#ifndef CUST_TEST_TESTSTORE_H
#define CUST_TEST_TESTSTORE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/core.h"
#include "store/store.h"
#include "tap.h"

/* The terms the query tests' stores are made of. */
#define EX "http://ex.org/"
#define G1 "http://ex.org/g1"
#define G2 "http://ex.org/g2"
#define XSDI "http://www.w3.org/2001/XMLSchema#integer"
#define PFX "PREFIX ex: <http://ex.org/> "

/* Opens a new, empty store named `name` and this process's id; its path in
 * path[len]. NULL when it cannot be made. */
static inline cust_store *teststore_new(const char *name, char *path, size_t len) {
  cust_store *s = NULL;
  const char *tmp = getenv("TMPDIR");
  snprintf(path, len, "%s/%s.%ld.db", tmp && *tmp ? tmp : "/tmp", name, (long)getpid());
  unlink(path);
  return cust_store_open(path, CUST_STORE_CREATE, NULL, &s) == CUST_OK ? s : NULL;
}

static inline void teststore_add(cust_store *s, cust_term sj, const char *p, cust_term o,
                                 const char *g) {
  cust_quad q = { sj, cust_term_iri(p), o, cust_term_iri(g) };
  if (cust_store_add(s, &q) != CUST_OK) {
    tap_diag("cannot add a quad");
  }
}

#endif
