/* Every shipped ontology file parses (Turtle, through the mapper's loader)
 * and every canned query parses (SPARQL, through the query parser), so that a typo
 * breaks the build; and the default policy says what rewards.md says. */
#include "config.h"

#include <dirent.h>

#include "mapper/mapper.h"
#include "sparql/algebra.h"
#include "tap.h"

#define CUST "https://w3id.org/custodian/ns#"

typedef struct tally {
  size_t n;
  size_t weights; /* cust:weightBps values */
  long weight_sum;
  int is_default; /* <urn:policy:default> a cust:RewardPolicy */
  int has_zone;   /* cust:appliesToZone */
  long decay_p, decay_q, max_depth, tax;
  size_t labels, comments;
} tally;

static int count(void *ud, const cust_quad *q) {
  tally *t = ud;
  t->n++;
  const char *p = q->p.value;
  if (strcmp(p, CUST "weightBps") == 0) {
    t->weights++;
    t->weight_sum += strtol(q->o.value, NULL, 10);
  } else if (strcmp(p, CUST "appliesToZone") == 0) {
    t->has_zone = 1;
  } else if (strcmp(p, CUST "decayNumerator") == 0) {
    t->decay_p = strtol(q->o.value, NULL, 10);
  } else if (strcmp(p, CUST "decayDenominator") == 0) {
    t->decay_q = strtol(q->o.value, NULL, 10);
  } else if (strcmp(p, CUST "maxDepth") == 0) {
    t->max_depth = strtol(q->o.value, NULL, 10);
  } else if (strcmp(p, CUST "taxBps") == 0) {
    t->tax = strtol(q->o.value, NULL, 10);
  } else if (strcmp(p, "http://www.w3.org/2000/01/rdf-schema#label") == 0) {
    t->labels++;
  } else if (strcmp(p, "http://www.w3.org/2000/01/rdf-schema#comment") == 0) {
    t->comments++;
  } else if (strcmp(q->s.value, "urn:policy:default") == 0 &&
             strcmp(q->o.value, CUST "RewardPolicy") == 0) {
    t->is_default = 1;
  }
  return 0;
}

static int has_suffix(const char *name, const char *ext) {
  size_t n = strlen(name), e = strlen(ext);
  return n > e && strcmp(name + n - e, ext) == 0 && name[0] != '.';
}

static void test_ontology_files(void) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/ontology", tap_srcdir());
  DIR *d = opendir(dir);
  if (!ok(d != NULL, "the ontology folder is readable")) {
    return;
  }
  size_t nfiles = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (!has_suffix(e->d_name, ".ttl")) {
      continue;
    }
    char path[2048], err[512];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    tally t;
    memset(&t, 0, sizeof t);
    cust_status st = cust_mapper_parse_file(path, NULL, "https://w3id.org/custodian/graph/ontology",
                                            count, &t, err, sizeof err);
    if (!ok(st == CUST_OK && t.n > 0, "ontology/%s parses (%zu triples)", e->d_name, t.n)) {
      tap_diag("%s", err);
    }
    if (strncmp(e->d_name, "policy", 6) != 0) {
      ok(t.labels > 0 && t.comments > 0, "ontology/%s has labels and comments", e->d_name);
    }
    if (strcmp(e->d_name, "policy-default.ttl") == 0) {
      ok(t.is_default, "the default policy is <urn:policy:default>, a cust:RewardPolicy");
      ok(t.weights == 4 && t.weight_sum == 10000, "four role weights summing to 10000");
      ok(t.decay_p == 1 && t.decay_q == 2 && t.max_depth == 8 && t.tax == 0,
         "decay 1/2, maxDepth 8, taxBps 0");
      ok(!t.has_zone, "the default policy applies to no zone in particular");
    }
    nfiles++;
  }
  closedir(d);
  ok(nfiles >= 3, "%zu ontology files", nfiles);
}

static void test_queries(void) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/queries", tap_srcdir());
  DIR *d = opendir(dir);
  if (d == NULL) {
    ok(0, "the queries folder %s opens", dir);
    return;
  }
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (!has_suffix(e->d_name, ".rq")) {
      continue;
    }
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    FILE *fp = fopen(path, "rb");
    cust_buf b;
    cust_buf_init(&b);
    char chunk[4096];
    size_t n;
    while (fp != NULL && (n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
      cust_buf_append(&b, chunk, n);
    }
    if (fp != NULL) {
      fclose(fp);
    }
    sq_query *q = NULL;
    sq_parse_error err;
    cust_status st = b.data != NULL ? sq_parse(b.data, "http://localhost/", &q, &err) : CUST_ERR_IO;
    if (!ok(st == CUST_OK, "queries/%s parses", e->d_name) && st == CUST_ERR_INVALID) {
      tap_diag("line %u, column %u: %s", err.line, err.col, err.message);
    }
    sq_query_free(q);
    cust_buf_release(&b);
  }
  closedir(d);
}

int main(void) {
  test_ontology_files();
  test_queries();
  return done_testing();
}
