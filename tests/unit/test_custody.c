/* Unit tests of the custody walk and its fact layer, over an in-memory graph
 * with the shapes of mapping.md. */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "memgraph.h"
#include "tap.h"

static void example(memgraph *g) {
  mg_dataset(g, "urn:d0", "did:key:alice");
  mg_service(g, "urn:a1", "did:key:bob", "DataProcessing");
  mg_service(g, "urn:s1", "did:key:storeco", "Storage");
  mg_publication(g, "urn:d0", "urn:s1", "did:key:alice");
  mg_order(g, "urn:order1", "did:key:o", "did:key:payer", "did:key:zone", "5");
  const char *in1[] = { "urn:d0", "urn:a1", "urn:s1", NULL };
  const char *out1[] = { "urn:d1", NULL };
  mg_report(g, "urn:e1", "urn:order1", "did:key:o", NULL, NULL, "InExecution");
  mg_report(g, "urn:e1", "urn:order1", "did:key:o", in1, out1, "Delivered");
  mg_add(g, "urn:e1", "http://www.w3.org/ns/prov#startedAtTime", "\"2024-01-01T00:00:00Z",
         "urn:cred:7");
  const char *in2[] = { "urn:d1", "urn:a2", NULL };
  const char *out2[] = { "urn:out", NULL };
  mg_report(g, "urn:e2", "urn:order1", "did:key:o", in2, out2, "Delivered");
}

static cust_status custody(memgraph *g, const char *iri, int up, unsigned depth, size_t max,
                           cust_buf *b, char *err, size_t errlen) {
  cust_graph_view v = mg_view(g);
  cust_buf_reset(b);
  return cust_custody_walk(&v, 7, iri, up, depth, max, b, err, errlen);
}

static int count(const char *hay, const char *needle) {
  int n = 0;
  for (const char *p = hay ? strstr(hay, needle) : NULL; p; p = strstr(p + 1, needle)) {
    n++;
  }
  return n;
}

static void test_walks(void) {
  memgraph g;
  cust_buf b;
  char err[300];
  mg_init(&g);
  cust_buf_init(&b);
  example(&g);
  cust_status st = custody(&g, "urn:out", 1, 16, 0, &b, err, sizeof err);
  ok(st == CUST_OK, "upstream of the output is answered: %s", st ? err : "");
  ok(strstr(b.data, "{\"resource\":\"urn:out\",\"direction\":\"up\",\"depth\":16,\"asOfHeight\":7,"
                    "\"truncated\":false,\"depthReached\":false,\"message\":null"),
     "the head of the answer");
  ok(count(b.data, "{\"iri\":\"urn:") == 8, "six resources and two executions: %d",
     count(b.data, "{\"iri\":\"urn:"));
  ok(strstr(b.data, "{\"iri\":\"urn:d0\",\"depth\":2,\"title\":\"title of urn:d0\","
                    "\"type\":\"Dataset\",\"category\":null,\"provider\":\"did:key:alice\","
                    "\"describedBy\":\"urn:cred:1\",\"storedAt\":[\"urn:s1\"]}"),
     "a dataset: title, type, provider, where it is stored");
  ok(strstr(b.data, "\"type\":\"DigitalService\",\"category\":\"Storage\""),
     "a storage service has its category");
  ok(strstr(b.data,
            "{\"iri\":\"urn:e1\",\"depth\":2,\"status\":\"Delivered\",\"order\":"
            "\"urn:order1\",\"zone\":\"did:key:zone\",\"payer\":\"did:key:payer\","
            "\"orchestrationService\":\"did:key:o\",\"startedAt\":\"2024-01-01T00:00:00Z\""),
     "an execution: status, order, zone, payer, orchestration service, times");
  ok(strstr(b.data, "{\"from\":\"urn:e1\",\"to\":\"urn:d1\",\"type\":\"generated\",\"tx\":"
                    "\"urn:cosmos:test:tx:"),
     "a generated edge with its transaction");
  ok(strstr(b.data, "\"blockTime\":\"2024-01-01T00:00:00Z\""), "edges carry the block time");
  ok(strstr(b.data, "{\"from\":\"urn:e2\",\"to\":\"urn:d1\",\"type\":\"used\""), "a used edge");
  ok(count(b.data, "\"type\":\"used\"") == 5 && count(b.data, "\"type\":\"generated\"") == 2,
     "every edge once");

  st = custody(&g, "urn:out", 1, 1, 0, &b, err, sizeof err);
  ok(st == CUST_OK && strstr(b.data, "urn:e2") && strstr(b.data, "urn:d1") &&
         !strstr(b.data, "urn:e1") && !strstr(b.data, "urn:d0") &&
         strstr(b.data, "\"depthReached\":true,\"message\":\"the walk stopped at depth 1"),
     "depth 1 stops after the producing execution's inputs, and says so");
  st = custody(&g, "urn:out", 1, 0, 0, &b, err, sizeof err);
  ok(st == CUST_OK && count(b.data, "{\"iri\":") == 1 && strstr(b.data, "\"depthReached\":true"),
     "depth 0 is the resource alone");

  st = custody(&g, "urn:d0", 0, 16, 0, &b, err, sizeof err);
  ok(st == CUST_OK && strstr(b.data, "\"direction\":\"down\"") &&
         strstr(b.data, "{\"iri\":\"urn:out\"") && strstr(b.data, "{\"iri\":\"urn:e2\"") &&
         !strstr(b.data, "{\"iri\":\"urn:a1\""),
     "downstream of a source reaches the final output, not the other inputs");
  st = custody(&g, "urn:e2", 1, 16, 0, &b, err, sizeof err);
  ok(st == CUST_OK && strstr(b.data, "{\"iri\":\"urn:e2\",\"depth\":0") &&
         strstr(b.data, "{\"iri\":\"urn:e1\",\"depth\":1") && !strstr(b.data, "urn:out"),
     "upstream of an execution starts from its inputs");

  st = custody(&g, "urn:out", 1, 16, 3, &b, err, sizeof err);
  ok(st == CUST_OK && strstr(b.data, "\"truncated\":true,\"depthReached\":false,\"message\":"
                                     "\"the walk stopped at 3"),
     "the node limit truncates the answer with a message");
  ok(custody(&g, "urn:nothing", 1, 16, 0, &b, err, sizeof err) == CUST_ERR_NOTFOUND &&
         strstr(err, "urn:nothing") && b.len == 0,
     "an unknown resource is not found: %s", err);
  ok(custody(&g, "", 1, 16, 0, &b, err, sizeof err) == CUST_ERR_INVALID, "no IRI is invalid");
  ok(custody(&g, "urn:out", 1, 100000, 0, &b, err, sizeof err) == CUST_ERR_INVALID &&
         strstr(err, "depth"),
     "a huge depth is refused");
  ok(custody(&g, "urn:d0", 1, 16, 0, &b, err, sizeof err) == CUST_OK &&
         count(b.data, "{\"iri\":") == 1,
     "a described source has no upstream");
  mg_release(&g);
  cust_buf_release(&b);
}

static void test_cycles_and_parts(void) {
  memgraph g;
  cust_buf b, b2;
  char err[300];
  mg_init(&g);
  cust_buf_init(&b);
  cust_buf_init(&b2);
  mg_order(&g, "urn:o", "did:key:orch", "did:key:payer", NULL, NULL);
  const char *x[] = { "urn:x", NULL }, *y[] = { "urn:y", NULL };
  mg_report(&g, "urn:e1", "urn:o", "did:key:orch", x, y, "Delivered");
  mg_report(&g, "urn:e2", "urn:o", "did:key:orch", y, x, "Delivered");
  mg_report(&g, "urn:part", "urn:o", "did:key:orch", NULL, NULL, "Failed");
  mg_add(&g, "urn:part", CUST_V_PART_OF, "urn:e1", "urn:cred:p");
  const char *rv = mg_report(&g, "urn:e1", "urn:o", "did:key:orch",
                             (const char *[]){ "urn:revoked-input", NULL }, NULL, "Delivered");
  mg_revoke(&g, rv);
  cust_status st = custody(&g, "urn:y", 1, 16, 0, &b, err, sizeof err);
  ok(st == CUST_OK && count(b.data, "{\"iri\":") == 5, "a cycle ends (x, y, e1, e2, part)");
  ok(strstr(b.data, "{\"from\":\"urn:part\",\"to\":\"urn:e1\",\"type\":\"partOf\""),
     "a sub-execution is linked to its parent");
  ok(!strstr(b.data, "urn:revoked-input"), "a revoked report's inputs are left out");
  ok(strstr(b.data, "{\"iri\":\"urn:part\",\"depth\":1,\"status\":\"Failed\""),
     "a sub-execution has its parent's depth and its own status");
  mg_shuffle(&g, 3);
  st = custody(&g, "urn:y", 1, 16, 0, &b2, err, sizeof err);
  ok(st == CUST_OK && strcmp(b.data, b2.data) == 0, "the answer does not depend on order");
  mg_release(&g);
  cust_buf_release(&b);
  cust_buf_release(&b2);
}

static void test_facts(void) {
  memgraph g;
  mg_init(&g);
  example(&g);
  cust_graph_view v = mg_view(&g);
  cust_custody_facts *f = NULL;
  ok(cust_custody_facts_new(&v, &f) == CUST_OK, "facts over a view");
  cust_custody_values vs;
  int before = g.finds;
  cust_custody_facts_objects(f, "urn:e1", CUST_V_USED, NULL, &vs);
  int once = g.finds;
  cust_custody_facts_objects(f, "urn:e1", CUST_V_USED, NULL, &vs);
  ok(vs.len == 3 && once == before + 1 && g.finds == once, "a lookup is asked of the view once");
  ok(cust_custody_facts_prefetch(f, CUST_V_GENERATED, NULL, 1) == CUST_ERR_LIMIT,
     "a bulk read over its limit gives up");
  cust_custody_facts_subjects(f, CUST_V_USED, "urn:d1", NULL, &vs);
  int looked = g.finds;
  ok(cust_custody_facts_prefetch(f, CUST_V_USED, NULL, 0) == CUST_OK &&
         cust_custody_facts_subjects(f, CUST_V_USED, "urn:d1", NULL, &vs) == CUST_OK &&
         vs.len == 1 && g.finds == looked + 1,
     "a bulk read does not add to what a node's own lookup answered");
  ok(cust_custody_facts_prefetch(f, CUST_V_GENERATED, NULL, 0) == CUST_OK, "prefetch");
  int after = g.finds;
  cust_custody_facts_subjects(f, CUST_V_GENERATED, "urn:d1", NULL, &vs);
  ok(vs.len == 1 && strcmp(vs.items[0].value, "urn:e1") == 0 && g.finds == after,
     "prefetched lookups are answered from memory");
  cust_custody_facts_subjects(f, CUST_V_GENERATED, "urn:d0", NULL, &vs);
  ok(vs.len == 0 && g.finds == after, "a prefetched miss is a miss without asking");
  const char *status = NULL;
  cust_custody_facts_status(f, "urn:e1", &status);
  is_str(status, CUST_V_DELIVERED, "the current status");
  cust_custody_order o;
  cust_custody_facts_order(f, "urn:e1", &o);
  ok(o.order && strcmp(o.order, "urn:order1") == 0 && strcmp(o.service, "did:key:o") == 0 &&
         strcmp(o.payer, "did:key:payer") == 0 && strcmp(o.zone, "did:key:zone") == 0,
     "the order: service, payer, zone");
  const cust_custody_cred *d = NULL;
  cust_custody_facts_description(f, "urn:d0", &d);
  ok(d && !d->is_located && cust_custody_facts_locate(f, d) == CUST_OK,
     "a credential is located on demand");
  ok(d && strcmp(d->issuer, "did:key:alice") == 0 && d->height == 1 && d->tx != NULL,
     "the description, with its place in the chain");
  cust_custody_facts_description(f, "urn:d1", &d);
  ok(d == NULL, "nothing describes a derived resource");
  cust_custody_facts_free(f);
  cust_custody_facts_free(NULL);
  mg_release(&g);

  cust_buf b;
  cust_buf_init(&b);
  cust_json_cstr(&b, "a\"b\\c\n\x01é");
  is_str(b.data, "\"a\\\"b\\\\c\\n\\u0001é\"", "JSON strings are escaped");
  cust_buf_release(&b);
}

static void test_cache(void) {
  memgraph g;
  mg_init(&g);
  example(&g);
  cust_graph_view v = mg_view(&g);
  cust_custody_cache *cache = NULL;
  cust_custody_facts *f1 = NULL, *f2 = NULL, *f3 = NULL;
  cust_checkpoint cp;
  memset(&cp, 0, sizeof cp);
  cp.height = 10;
  snprintf(cp.block_hash, sizeof cp.block_hash, "AA");
  ok(cust_custody_cache_new(&cache) == CUST_OK, "a cache");
  cust_custody_cache_facts(cache, &v, &cp, &f1);
  cust_buf a, b;
  char err[200];
  cust_buf_init(&a);
  cust_buf_init(&b);
  cust_custody_walk_facts(f1, 10, "urn:out", 1, 16, 0, &a, err, sizeof err);
  int finds = g.finds;
  cust_custody_cache_facts(cache, &v, &cp, &f2);
  cust_custody_walk_facts(f2, 10, "urn:out", 1, 16, 0, &b, err, sizeof err);
  ok(f1 == f2 && g.finds == finds && strcmp(a.data, b.data) == 0,
     "at the same checkpoint the walk is answered from memory, identically");
  const char *in3[] = { "urn:out", NULL }, *out3[] = { "urn:final", NULL };
  mg_report(&g, "urn:e3", "urn:order1", "did:key:o", in3, out3, "Delivered");
  cp.height = 11;
  snprintf(cp.block_hash, sizeof cp.block_hash, "BB");
  cust_custody_cache_facts(cache, &v, &cp, &f3);
  cust_buf_reset(&b);
  ok(f3 != NULL &&
         cust_custody_walk_facts(f3, 11, "urn:final", 1, 16, 0, &b, err, sizeof err) == CUST_OK &&
         strstr(b.data, "urn:e3") && g.finds > finds,
     "a new checkpoint drops the cache and sees the new block");
  cust_custody_cache_trim(cache);
  cust_custody_cache_free(cache);
  cust_custody_cache_free(NULL);
  cust_buf_release(&a);
  cust_buf_release(&b);
  mg_release(&g);
}

/* A random DAG of 30 executions over shared resources urn:r:N, with
 * sub-executions, failed ones, and (with `is_revoking`) revoked reports. */
static void random_dag(memgraph *g, unsigned seed, int is_revoking) {
  mg_init(g);
  unsigned r = seed * 2654435761u;
  mg_order(g, "urn:o", "did:key:orch", "did:key:payer", NULL, NULL);
  for (int e = 0; e < 30; e++) {
    const char *in[4] = { NULL };
    for (int i = 0; i < 3; i++) {
      r = r * 1103515245u + 12345u;
      in[i] = cust_arena_printf(&g->arena, "urn:r:%u", e ? (r >> 8) % (unsigned)(e + 3) : 0);
    }
    const char *out[2] = { cust_arena_printf(&g->arena, "urn:r:%d", e + 3), NULL };
    const char *x = cust_arena_printf(&g->arena, "urn:x:%d", e);
    const char *rep =
        mg_report(g, x, "urn:o", "did:key:orch", in, out, (r >> 4) % 5 ? "Delivered" : "Failed");
    if (e > 2 && (r >> 12) % 6 == 0) {
      mg_add(g, x, CUST_V_PART_OF,
             cust_arena_printf(&g->arena, "urn:x:%u", (r >> 16) % (unsigned)e), "urn:cred:p");
    }
    if (is_revoking && (r >> 20) % 9 == 0) {
      mg_revoke(g, rep);
    }
  }
}

/* Random DAGs with sharing and sub-executions: the same answer whatever the
 * order in which the store returns facts, in both directions. */
static void test_random_order(void) {
  int bad = 0;
  cust_buf a, b;
  char err[200];
  cust_buf_init(&a);
  cust_buf_init(&b);
  for (unsigned seed = 1; seed <= 20; seed++) {
    memgraph g;
    random_dag(&g, seed, 0);
    for (int up = 0; up < 2; up++) {
      const char *start = up ? "urn:r:32" : "urn:r:0";
      custody(&g, start, up, 6, 0, &a, err, sizeof err);
      mg_shuffle(&g, seed + (unsigned)up);
      custody(&g, start, up, 6, 0, &b, err, sizeof err);
      if (a.data == NULL || b.data == NULL || strcmp(a.data, b.data) != 0) {
        bad++;
        tap_diag("seed %u, %s: %s", seed, up ? "up" : "down", err);
      }
    }
    mg_release(&g);
  }
  is_int(bad, 0, "random DAGs: custody does not depend on the order of facts");
  cust_buf_release(&a);
  cust_buf_release(&b);
}

/* ---- the walk by term id, over a store ------------------------------------ */

/* Writes the quads of `g` into a new store at `path`, at height 7. */
static cust_store *to_store(memgraph *g, const char *path) {
  cust_store *s = NULL;
  cust_checkpoint cp;
  memset(&cp, 0, sizeof cp);
  cp.height = 7;
  snprintf(cp.chain_id, sizeof cp.chain_id, "test");
  snprintf(cp.block_hash, sizeof cp.block_hash, "AB");
  remove(path);
  cust_status st = cust_store_open(path, CUST_STORE_CREATE, NULL, &s);
  if (st == CUST_OK) {
    st = cust_store_begin(s);
  }
  for (size_t i = 0; st == CUST_OK && i < g->len; i++) {
    st = cust_store_add(s, &g->q[i]);
  }
  if (st == CUST_OK) {
    st = cust_store_set_checkpoint(s, &cp);
  }
  if (st == CUST_OK) {
    st = cust_store_commit(s);
  }
  if (st != CUST_OK) {
    cust_store_close(s);
    return NULL;
  }
  return s;
}

typedef struct names {
  char **items;
  size_t len;
} names;

static void names_add(names *n, const char *iri, unsigned depth) {
  char **items = realloc(n->items, (n->len + 1) * sizeof *items);
  if (items) {
    n->items = items;
    n->items[n->len] = malloc(strlen(iri) + 16);
    if (n->items[n->len]) {
      sprintf(n->items[n->len++], "%s %u", iri, depth);
    }
  }
}

static int names_cb(void *ud, const char *iri, int is_execution, unsigned depth) {
  (void)is_execution;
  names_add(ud, iri, depth);
  return 0;
}

static int str_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The nodes as "iri depth" lines, sorted, into `out`. */
static void names_join(names *n, cust_buf *out) {
  cust_buf_reset(out);
  if (n->len > 1) {
    qsort(n->items, n->len, sizeof *n->items, str_cmp);
  }
  for (size_t i = 0; i < n->len; i++) {
    cust_buf_printf(out, "%s\n", n->items[i]);
    free(n->items[i]);
  }
  free(n->items);
  n->items = NULL;
  n->len = 0;
  cust_buf_puts(out, "");
}

/* The nodes of a walk's JSON answer, as names_join writes them. */
static void answer_nodes(const char *json, cust_buf *out) {
  names n = { NULL, 0 };
  for (const char *p = json ? strstr(json, "{\"iri\":\"") : NULL; p;
       p = strstr(p + 1, "{\"iri\":\"")) {
    const char *iri = p + 8, *end = strchr(iri, '"');
    char tmp[200];
    unsigned depth = 0;
    if (end == NULL || (size_t)(end - iri) >= sizeof tmp ||
        sscanf(end, "\",\"depth\":%u", &depth) != 1) {
      break;
    }
    memcpy(tmp, iri, (size_t)(end - iri));
    tmp[end - iri] = '\0';
    names_add(&n, tmp, depth);
  }
  names_join(&n, out);
}

/* The reach of `iri` and the walk over `g` reach the same nodes at the same
 * depths; 1 when they do. */
static int same_reach(memgraph *g, cust_store *s, const char *iri, int up, unsigned depth,
                      cust_custody_reach_info *info) {
  cust_buf a, b, c;
  char err[300];
  names n = { NULL, 0 };
  cust_buf_init(&a);
  cust_buf_init(&b);
  cust_buf_init(&c);
  cust_status st1 = custody(g, iri, up, depth, 0, &c, err, sizeof err);
  cust_status st2 = cust_custody_reach(s, iri, up, depth, 0, names_cb, &n, info, err, sizeof err);
  answer_nodes(c.data, &a);
  names_join(&n, &b);
  if (st1 == CUST_ERR_NOTFOUND && st2 == CUST_OK) {
    /* only revoked credentials name it: the reach answers the node alone */
    int alone = info->resources + info->executions == 1 && !info->is_depth_reached;
    cust_buf_release(&a);
    cust_buf_release(&b);
    cust_buf_release(&c);
    return alone;
  }
  int same = st1 == CUST_OK && st2 == CUST_OK && a.len > 0 && strcmp(a.data, b.data) == 0 &&
             info->resources + info->executions == (size_t)count(c.data, "{\"iri\":") &&
             info->is_depth_reached == (strstr(c.data, "\"depthReached\":true") != NULL);
  if (!same) {
    tap_diag("%s %s depth %u: %s\nwalk:\n%sreach:\n%s", iri, up ? "up" : "down", depth, err,
             a.data ? a.data : "", b.data ? b.data : "");
  }
  cust_buf_release(&a);
  cust_buf_release(&b);
  cust_buf_release(&c);
  return same;
}

static int stop_cb(void *ud, const char *iri, int is_execution, unsigned depth) {
  (void)iri;
  (void)is_execution;
  (void)depth;
  (*(int *)ud)++;
  return 1;
}

typedef struct ids_seen {
  int rows, texts, missing;
} ids_seen;

static int ids_cb(void *ud, const cust_store_id_quad *q) {
  ids_seen *c = ud;
  c->rows += q->s > 0 && q->o > 0 && q->g > 0;
  return 0;
}

static int texts_cb(void *ud, size_t i, const char *text, size_t len) {
  ids_seen *c = ud;
  (void)i;
  if (text == NULL) {
    c->missing++;
  } else {
    c->texts += len > 0;
  }
  return 0;
}

static int texts_names_cb(void *ud, size_t i, const char *text, size_t len) {
  char tmp[300];
  snprintf(tmp, sizeof tmp, "%.*s", text ? (int)len : 6, text ? text : "(none)");
  (void)i;
  names_add(ud, tmp, 0);
  return 0;
}

static void test_reach(void) {
  memgraph g;
  char path[64], err[300];
  cust_custody_reach_info info;
  cust_buf a, b;
  cust_buf_init(&a);
  cust_buf_init(&b);
  snprintf(path, sizeof path, "/tmp/test-custody-%d.db", (int)getpid());
  mg_init(&g);
  example(&g);
  cust_store *s = to_store(&g, path);
  ok(s != NULL, "the example in a store");
  if (s == NULL) {
    mg_release(&g);
    return;
  }
  ok(same_reach(&g, s, "urn:out", 1, 16, &info) && info.resources == 6 && info.executions == 2,
     "the walk by id reaches what the full walk does: %zu resources, %zu executions",
     info.resources, info.executions);
  ok(same_reach(&g, s, "urn:out", 1, 1, &info) && info.is_depth_reached,
     "by id, depth 1 stops and says so");
  ok(same_reach(&g, s, "urn:out", 1, 0, &info) && info.resources == 1, "by id, depth 0");
  ok(same_reach(&g, s, "urn:d0", 0, 16, &info), "by id, downstream of a source");
  ok(same_reach(&g, s, "urn:e2", 1, 16, &info) && info.executions == 2,
     "by id, upstream of an execution");
  ok(cust_custody_reach(s, "urn:out", 1, 16, 3, NULL, NULL, &info, err, sizeof err) == CUST_OK &&
         info.is_truncated && info.resources + info.executions == 3,
     "by id, the node limit truncates");
  ok(cust_custody_reach(s, "urn:nothing", 1, 16, 0, NULL, NULL, &info, err, sizeof err) ==
             CUST_ERR_NOTFOUND &&
         strstr(err, "urn:nothing"),
     "by id, an unknown resource is not found: %s", err);
  ok(cust_custody_reach(s, "", 1, 16, 0, NULL, NULL, &info, err, sizeof err) == CUST_ERR_INVALID &&
         cust_custody_reach(s, "urn:out", 1, 100000, 0, NULL, NULL, &info, err, sizeof err) ==
             CUST_ERR_INVALID,
     "by id, no IRI or a huge depth is invalid");
  int calls = 0;
  ok(cust_custody_reach(s, "urn:out", 1, 16, 0, stop_cb, &calls, &info, err, sizeof err) ==
             CUST_OK &&
         calls == 1,
     "by id, the callback stops the naming");

  /* the full query over the store answers as the walk over the graph */
  cust_graph_view v = mg_view(&g);
  cust_status st = cust_custody_walk(&v, 7, "urn:out", 1, 16, 0, &a, err, sizeof err);
  st = st == CUST_OK ? cust_custody_query(s, "urn:out", 1, 16, &b, err, sizeof err) : st;
  ok(st == CUST_OK && a.data && b.data && strcmp(a.data, b.data) == 0,
     "the query over the store, in its read transaction, answers as the walk: %s", st ? err : "");

  /* the store's reads by id */
  int began = -1;
  ok(cust_store_read_begin(s, &began) == CUST_OK && began == 1, "a read transaction begins");
  int nested = -1;
  ok(cust_store_read_begin(s, &nested) == CUST_OK && nested == 0,
     "inside one, read_begin starts nothing");
  cust_store_read_end(s, nested);
  cust_store_read_end(s, began);
  cust_store_read_end(NULL, 1);
  ok(cust_store_begin(s) == CUST_OK, "a write transaction after the read one ended");
  ok(cust_store_read_begin(s, &began) == CUST_OK && began == 0,
     "inside a write transaction, read_begin starts nothing");
  cust_store_rollback(s);
  int64_t pid = 0, missing = -1;
  cust_term pt = cust_term_iri(CUST_V_USED);
  cust_term nt = cust_term_iri("urn:not-in-the-store");
  ids_seen seen = { 0, 0, 0 };
  st = cust_store_term_id(s, &pt, &pid);
  if (st == CUST_OK) {
    st = cust_store_term_id(s, &nt, &missing);
  }
  if (st == CUST_OK) {
    st = cust_store_find_ids(s, pid, 0, ids_cb, &seen);
  }
  ok(st == CUST_OK && pid > 0 && missing == 0 && seen.rows == 5,
     "a predicate scan by id (5 inputs in the example): %d", seen.rows);
  seen.rows = 0;
  ok(cust_store_find_ids(s, 0, 0, ids_cb, &seen) == CUST_OK && seen.rows == 0,
     "an id of 0 matches nothing");
  int64_t ids[2] = { pid, 987654321 };
  ok(cust_store_id_texts(s, CUST_TERM_IRI, ids, 2, texts_cb, &seen) == CUST_OK && seen.texts == 1 &&
         seen.missing == 1,
     "the text of ids, NULL for an unknown one");
  /* many ids close together are read by one range scan: the same texts */
  int64_t many[130];
  for (int i = 0; i < 130; i++) {
    many[i] = 130 - i; /* out of order, past the last id too */
  }
  names by_range = { NULL, 0 }, by_id = { NULL, 0 };
  st = cust_store_id_texts(s, CUST_TERM_IRI, many, 130, texts_names_cb, &by_range);
  for (int i = 0; st == CUST_OK && i < 130; i++) {
    st = cust_store_id_texts(s, CUST_TERM_IRI, &many[i], 1, texts_names_cb, &by_id);
  }
  names_join(&by_range, &a);
  names_join(&by_id, &b);
  ok(st == CUST_OK && a.len > 100 && strcmp(a.data, b.data) == 0 && strstr(a.data, "(none)"),
     "a range of ids reads as the ids one by one (%zu bytes)", a.len);
  cust_store_close(s);
  mg_release(&g);

  /* cycles, parts and a revoked report; then random DAGs */
  mg_init(&g);
  mg_order(&g, "urn:o", "did:key:orch", "did:key:payer", NULL, NULL);
  const char *x[] = { "urn:x", NULL }, *y[] = { "urn:y", NULL };
  mg_report(&g, "urn:e1", "urn:o", "did:key:orch", x, y, "Delivered");
  mg_report(&g, "urn:e2", "urn:o", "did:key:orch", y, x, "Delivered");
  mg_add(&g, "urn:part", CUST_V_PART_OF, "urn:e1", "urn:cred:p");
  mg_revoke(&g, mg_report(&g, "urn:e1", "urn:o", "did:key:orch",
                          (const char *[]){ "urn:revoked-input", NULL }, NULL, "Delivered"));
  s = to_store(&g, path);
  ok(s && same_reach(&g, s, "urn:y", 1, 16, &info) && same_reach(&g, s, "urn:x", 0, 16, &info),
     "by id, cycles end, parts are reached, revoked reports are left out");
  cust_store_close(s);
  mg_release(&g);
  int bad = 0;
  for (unsigned seed = 1; seed <= 20; seed++) {
    random_dag(&g, seed, 1);
    s = to_store(&g, path);
    for (int up = 0; up < 2; up++) {
      for (unsigned depth = 2; depth <= 8; depth += 6) {
        bad += s == NULL || !same_reach(&g, s, up ? "urn:r:32" : "urn:r:0", up, depth, &info);
      }
    }
    cust_store_close(s);
    mg_release(&g);
  }
  is_int(bad, 0, "random DAGs: the walk by id reaches what the full walk does");
  remove(path);
  char side[80];
  snprintf(side, sizeof side, "%s-wal", path);
  remove(side);
  snprintf(side, sizeof side, "%s-shm", path);
  remove(side);
  cust_buf_release(&a);
  cust_buf_release(&b);
}

int main(void) {
  test_walks();
  test_cycles_and_parts();
  test_facts();
  test_cache();
  test_random_order();
  test_reach();
  return done_testing();
}
