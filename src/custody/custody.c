/* The custody query: a breadth-first walk of the DAG around a resource over
 * the fact layer (indexed lookups, memoized; bulk reads once the walk grows),
 * and its JSON answer:
 *
 *   {"resource", "direction":"up"|"down", "depth", "asOfHeight",
 *    "truncated":false, "depthReached":false, "message":null,
 *    "resources":[{"iri","depth","title","type":"Dataset"|"DigitalService"|null,
 *                  "category","provider","describedBy","storedAt":[IRI…]}],
 *    "executions":[{"iri","depth","status","order","zone","payer",
 *                   "orchestrationService","startedAt","endedAt","evidence":[…]}],
 *    "edges":[{"from","to","type":"used"|"generated"|"partOf","tx","blockTime"}]}
 *
 * `depth` counts executions: an execution `d` steps from the start has depth
 * d (the start itself, when it is an execution, has depth 0) and a resource
 * has the depth of the execution that reached it. Edges go from the execution
 * to the resource it used or generated, and from a sub-execution to its
 * parent; each carries the transaction (and its block time) of the earliest
 * live report that asserted it. Nodes and edges are sorted by IRI. When the
 * walk reaches its node limit it stops, and the answer says so with
 * "truncated":true and a message; when executions lie beyond the depth asked
 * for, "depthReached" is true and the message says so. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "custody.h"

enum { NODE_RESOURCE = 0, NODE_EXECUTION = 1 };
enum { EDGE_USED = 0, EDGE_GENERATED, EDGE_PARTOF };
static const char *const edge_names[] = { "used", "generated", "partOf" };

typedef struct node {
  const char *iri;
  int kind;
  unsigned depth;
  int is_expanded;
} node;

typedef struct edge {
  const char *from, *to;
  int type;
  const char *graph; /* the earliest live report asserting it */
} edge;

typedef struct cwalk {
  cust_custody_facts *f;
  int is_upstream;
  unsigned max_depth;
  size_t max_nodes;
  int is_truncated;     /* the node limit stopped the walk */
  int is_depth_reached; /* executions lie beyond the depth asked for */
  size_t bulk_at;       /* the node count at which to try the bulk reads again */
  unsigned bulk_done;   /* bit i: bulk_reads[i] is in memory */
  cust_arena arena;
  cust_custody_map nodes_by; /* "k iri" -> node */
  cust_custody_map edges_by; /* "type from to" -> edge */
  node **nodes;
  size_t nnodes, capnodes;
  edge **edges;
  size_t nedges, capedges;
  /* executions to expand: those of the depth being walked (sub-executions
     join it) and those of the next depth, so that every node is first
     reached at its smallest depth whatever the order of lookups */
  node **cur, **next;
  size_t ncur, capcur, nnext, capnext;
  unsigned depth_now;
} cwalk;

/* The predicates a large walk reads in bulk rather than node by node. */
typedef struct bulk_read {
  const char *predicate, *graph;
} bulk_read;
static const bulk_read bulk_reads[] = {
  { CUST_V_USED, NULL },
  { CUST_V_GENERATED, NULL },
  { CUST_V_PART_OF, NULL },
  { CUST_V_EXECUTION_OF, NULL },
  { CUST_V_ASSOCIATED, NULL },
  { CUST_V_PAYER, NULL },
  { CUST_V_CUST "status", CUST_GRAPH_CURRENT },
  { CUST_V_PROV "wasAttributedTo", NULL },
  { CUST_V_PROV "startedAtTime", NULL },
  { CUST_V_PROV "endedAtTime", NULL },
  { CUST_V_EVIDENCE, NULL },
  { CUST_V_SERVED_BY, NULL },
  { CUST_V_IN_ZONE, NULL },
  { CUST_V_CRED "issuer", NULL },
  { CUST_V_TITLE, NULL },
  { CUST_V_TYPE, NULL },
  { CUST_V_CUST "submittedIn", CUST_GRAPH_LEDGER },
  { CUST_V_CUST "blockTime", CUST_GRAPH_LEDGER },
};
/* Bulk reads are tried when the walk passes BULK_AFTER nodes, then at each
 * doubling; a predicate with more than BULK_ROWS quads per node walked is
 * left to single lookups until the walk grows. */
#define BULK_AFTER 256
#define BULK_ROWS 128

/* "0iri" for a resource, "1iri" for an execution, in the walk's arena. */
static char *node_key(cwalk *w, const char *iri, int kind) {
  size_t n = strlen(iri);
  char *key = cust_arena_alloc(&w->arena, n + 2);
  if (key) {
    key[0] = (char)('0' + kind);
    memcpy(key + 1, iri, n + 1);
  }
  return key;
}

/* Adds a node unless known; *is_new (may be NULL) tells which. */
static cust_status add_node_new(cwalk *w, const char *iri, int kind, unsigned depth, int *is_new) {
  char *key = node_key(w, iri, kind);
  if (is_new) {
    *is_new = 0;
  }
  if (key == NULL) {
    return CUST_ERR_NOMEM;
  }
  node *known = cust_custody_map_get(&w->nodes_by, key);
  if (known) {
    /* an execution queued for the next depth turns out to be a part (or the
       parent) of one at this depth: it moves up before it is expanded */
    if (known->kind == NODE_EXECUTION && !known->is_expanded && depth < known->depth &&
        depth == w->depth_now) {
      known->depth = depth;
      cust_status st = cust_custody_grow((void **)&w->cur, &w->capcur, w->ncur, sizeof *w->cur);
      if (st == CUST_OK) {
        w->cur[w->ncur++] = known;
      }
      return st;
    }
    return CUST_OK;
  }
  if (w->nnodes >= w->max_nodes) {
    w->is_truncated = 1;
    return CUST_OK;
  }
  cust_status st = cust_custody_grow((void **)&w->nodes, &w->capnodes, w->nnodes, sizeof *w->nodes);
  node *n = st == CUST_OK ? cust_arena_alloc(&w->arena, sizeof *n) : NULL;
  if (n == NULL) {
    return CUST_ERR_NOMEM;
  }
  n->iri = iri;
  n->kind = kind;
  n->depth = depth;
  n->is_expanded = 0;
  w->nodes[w->nnodes++] = n;
  if (kind == NODE_EXECUTION && depth == w->depth_now) {
    st = cust_custody_grow((void **)&w->cur, &w->capcur, w->ncur, sizeof *w->cur);
    if (st == CUST_OK) {
      w->cur[w->ncur++] = n;
    }
  } else if (kind == NODE_EXECUTION) {
    st = cust_custody_grow((void **)&w->next, &w->capnext, w->nnext, sizeof *w->next);
    if (st == CUST_OK) {
      w->next[w->nnext++] = n;
    }
  }
  if (st != CUST_OK) {
    return st;
  }
  if (is_new) {
    *is_new = 1;
  }
  if (w->nnodes > w->bulk_at) {
    w->bulk_at *= 2;
    for (size_t i = 0; st == CUST_OK && i < sizeof bulk_reads / sizeof *bulk_reads; i++) {
      if (w->bulk_done & (1u << i)) {
        continue;
      }
      st = cust_custody_facts_prefetch(w->f, bulk_reads[i].predicate, bulk_reads[i].graph,
                                       BULK_ROWS * w->nnodes);
      if (st == CUST_OK) {
        w->bulk_done |= 1u << i;
      } else if (st == CUST_ERR_LIMIT) {
        st = CUST_OK;
      }
    }
    if (st != CUST_OK) {
      return st;
    }
  }
  return cust_custody_map_put(&w->nodes_by, key, n);
}

/* The earlier of two reports (credential graphs) in chain order. */
static cust_status earlier(cwalk *w, const char *a, const char *b, const char **out) {
  const cust_custody_cred *ca = NULL, *cb = NULL;
  cust_status st = cust_custody_facts_cred(w->f, a, &ca);
  if (st == CUST_OK) {
    st = cust_custody_facts_cred(w->f, b, &cb);
  }
  if (st == CUST_OK) {
    st = cust_custody_facts_locate(w->f, ca);
  }
  if (st == CUST_OK) {
    st = cust_custody_facts_locate(w->f, cb);
  }
  if (st == CUST_OK) {
    *out = cust_custody_cred_compare(ca, cb) <= 0 ? a : b;
  }
  return st;
}

static cust_status add_node(cwalk *w, const char *iri, int kind, unsigned depth) {
  return add_node_new(w, iri, kind, depth, NULL);
}

static cust_status add_edge(cwalk *w, const char *from, const char *to, int type,
                            const char *graph) {
  size_t nf = strlen(from), nt = strlen(to);
  char *key = cust_arena_alloc(&w->arena, nf + nt + 3);
  if (key) {
    key[0] = (char)('0' + type);
    memcpy(key + 1, from, nf);
    key[nf + 1] = '\x1f';
    memcpy(key + nf + 2, to, nt + 1);
  }
  if (key == NULL) {
    return CUST_ERR_NOMEM;
  }
  edge *e = cust_custody_map_get(&w->edges_by, key);
  if (e) {
    if (graph && e->graph == NULL) {
      e->graph = graph;
    } else if (graph && strcmp(graph, e->graph) != 0) {
      return earlier(w, graph, e->graph, &e->graph);
    }
    return CUST_OK;
  }
  cust_status st = cust_custody_grow((void **)&w->edges, &w->capedges, w->nedges, sizeof *w->edges);
  e = st == CUST_OK ? cust_arena_alloc(&w->arena, sizeof *e) : NULL;
  if (e == NULL) {
    return CUST_ERR_NOMEM;
  }
  e->from = from;
  e->to = to;
  e->type = type;
  e->graph = graph;
  w->edges[w->nedges++] = e;
  return cust_custody_map_put(&w->edges_by, key, e);
}

/* One step from execution `x` (depth d): its inputs (upstream) or outputs
 * (downstream), the executions on their other side, and its parts or parent. */
static cust_status expand_execution(cwalk *w, const node *x) {
  cust_custody_values vs, others;
  const char *near = w->is_upstream ? CUST_V_USED : CUST_V_GENERATED;
  const char *far = w->is_upstream ? CUST_V_GENERATED : CUST_V_USED;
  cust_status st = cust_custody_facts_objects(w->f, x->iri, near, NULL, &vs);
  for (size_t i = 0; st == CUST_OK && i < vs.len && !w->is_truncated; i++) {
    const cust_custody_value *r = &vs.items[i];
    if (r->kind == CUST_TERM_LITERAL) {
      continue;
    }
    int is_new = 0;
    st = add_node_new(w, r->value, NODE_RESOURCE, x->depth, &is_new);
    if (st == CUST_OK && !w->is_truncated) {
      st = add_edge(w, x->iri, r->value, w->is_upstream ? EDGE_USED : EDGE_GENERATED, r->graph);
    }
    if (st != CUST_OK || !is_new) {
      continue;
    }
    st = cust_custody_facts_subjects(w->f, far, r->value, NULL, &others);
    if (st == CUST_OK && x->depth + 1 > w->max_depth) {
      w->is_depth_reached |= others.len > 0;
      continue;
    }
    for (size_t j = 0; st == CUST_OK && j < others.len && !w->is_truncated; j++) {
      const cust_custody_value *y = &others.items[j];
      st = add_node(w, y->value, NODE_EXECUTION, x->depth + 1);
      if (st == CUST_OK && !w->is_truncated) {
        st = add_edge(w, y->value, r->value, w->is_upstream ? EDGE_GENERATED : EDGE_USED, y->graph);
      }
    }
  }
  /* upstream: the parts of x; downstream: the execution x is part of */
  if (st == CUST_OK && !w->is_truncated) {
    if (w->is_upstream) {
      st = cust_custody_facts_subjects(w->f, CUST_V_PART_OF, x->iri, NULL, &vs);
    } else {
      st = cust_custody_facts_objects(w->f, x->iri, CUST_V_PART_OF, NULL, &vs);
    }
  }
  for (size_t i = 0; st == CUST_OK && i < vs.len && !w->is_truncated; i++) {
    const cust_custody_value *y = &vs.items[i];
    if (y->kind == CUST_TERM_LITERAL) {
      continue;
    }
    st = add_node(w, y->value, NODE_EXECUTION, x->depth);
    if (st == CUST_OK && !w->is_truncated) {
      st = add_edge(w, w->is_upstream ? y->value : x->iri, w->is_upstream ? x->iri : y->value,
                    EDGE_PARTOF, y->graph);
    }
  }
  return st;
}

/* From the start resource: the executions that generated it (upstream) or
 * used it (downstream), one step away. */
static cust_status expand_start_resource(cwalk *w, const node *r) {
  cust_custody_values vs;
  const char *pred = w->is_upstream ? CUST_V_GENERATED : CUST_V_USED;
  cust_status st = cust_custody_facts_subjects(w->f, pred, r->iri, NULL, &vs);
  if (st == CUST_OK && w->max_depth < 1) {
    w->is_depth_reached = vs.len > 0;
    return CUST_OK;
  }
  for (size_t i = 0; st == CUST_OK && i < vs.len && !w->is_truncated; i++) {
    st = add_node(w, vs.items[i].value, NODE_EXECUTION, 1);
    if (st == CUST_OK && !w->is_truncated) {
      st = add_edge(w, vs.items[i].value, r->iri, w->is_upstream ? EDGE_GENERATED : EDGE_USED,
                    vs.items[i].graph);
    }
  }
  return st;
}

/* ---- the answer ---------------------------------------------------------------- */

static int node_cmp(const void *pa, const void *pb) {
  const node *a = *(node *const *)pa, *b = *(node *const *)pb;
  return strcmp(a->iri, b->iri);
}

static int edge_cmp(const void *pa, const void *pb) {
  const edge *a = *(edge *const *)pa, *b = *(edge *const *)pb;
  int c = strcmp(a->from, b->from);
  if (c == 0) {
    c = strcmp(a->to, b->to);
  }
  if (c == 0) {
    c = a->type - b->type;
  }
  return c;
}

static cust_status put_field(cust_buf *b, const char *name, const char *value) {
  cust_status st = cust_buf_puts(b, ",\"");
  if (st == CUST_OK) {
    st = cust_buf_puts(b, name);
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(b, "\":");
  }
  if (st == CUST_OK) {
    st = cust_json_cstr(b, value);
  }
  return st;
}

static cust_status put_values(cust_buf *b, const char *name, const cust_custody_values *vs) {
  cust_status st = cust_buf_printf(b, ",\"%s\":[", name);
  for (size_t i = 0; st == CUST_OK && i < vs->len; i++) {
    st = i ? cust_buf_putc(b, ',') : CUST_OK;
    if (st == CUST_OK) {
      st = cust_json_cstr(b, vs->items[i].value);
    }
  }
  if (st == CUST_OK) {
    st = cust_buf_putc(b, ']');
  }
  return st;
}

/* The value of `pred` on `s` asserted in `graph` (or any live graph); the
 * lookup is of any graph, filtered here, so that a bulk read answers it. */
static cust_status first_value(cust_custody_facts *f, const char *s, const char *pred,
                               const char *graph, const char **out) {
  cust_custody_values vs;
  *out = NULL;
  cust_status st = cust_custody_facts_objects(f, s, pred, NULL, &vs);
  for (size_t i = 0; st == CUST_OK && i < vs.len; i++) {
    if (graph && (vs.items[i].graph == NULL || strcmp(vs.items[i].graph, graph) != 0)) {
      continue;
    }
    if (*out == NULL || strcmp(vs.items[i].value, *out) < 0) {
      *out = vs.items[i].value;
    }
  }
  return st;
}

/* {"iri":…,"depth":… of a node, left open for its fields. */
static cust_status put_head(cust_buf *b, const node *n) {
  cust_status st = cust_buf_puts(b, "{\"iri\":");
  if (st == CUST_OK) {
    st = cust_json_cstr(b, n->iri);
  }
  if (st == CUST_OK) {
    st = cust_buf_printf(b, ",\"depth\":%u", n->depth);
  }
  return st;
}

static cust_status put_resource(cwalk *w, cust_buf *b, const node *n) {
  const cust_custody_cred *d = NULL;
  const char *title = NULL, *category = NULL, *type = NULL;
  cust_custody_values stored = { NULL, 0 };
  cust_status st = cust_custody_facts_description(w->f, n->iri, &d);
  if (st == CUST_OK && d) {
    int kind = 0;
    st = cust_custody_facts_kind(w->f, n->iri, &kind);
    int is_dataset = (kind & CUST_CUSTODY_IS_DATASET) != 0;
    type = is_dataset ? "Dataset" : (kind & CUST_CUSTODY_IS_SERVICE) ? "DigitalService" : NULL;
    if (st == CUST_OK) {
      st = first_value(w->f, n->iri, CUST_V_TITLE, d->iri, &title);
    }
    if (st == CUST_OK && !is_dataset) {
      st = first_value(w->f, n->iri, CUST_V_CATEGORY, d->iri, &category);
    }
  }
  if (st == CUST_OK) {
    st = cust_custody_facts_objects(w->f, n->iri, CUST_V_SERVED_BY, NULL, &stored);
  }
  if (st == CUST_OK) {
    st = put_head(b, n);
  }
  if (st == CUST_OK) {
    st = put_field(b, "title", title);
  }
  if (st == CUST_OK) {
    st = put_field(b, "type", type);
  }
  if (st == CUST_OK) {
    st = put_field(b, "category", cust_custody_local_name(category));
  }
  if (st == CUST_OK) {
    st = put_field(b, "provider", d ? d->issuer : NULL);
  }
  if (st == CUST_OK) {
    st = put_field(b, "describedBy", d ? d->iri : NULL);
  }
  if (st == CUST_OK) {
    st = put_values(b, "storedAt", &stored);
  }
  if (st == CUST_OK) {
    st = cust_buf_putc(b, '}');
  }
  return st;
}

static cust_status put_execution(cwalk *w, cust_buf *b, const node *n) {
  const char *status = NULL, *started = NULL, *ended = NULL;
  cust_custody_order o;
  cust_custody_values evidence = { NULL, 0 };
  cust_status st = cust_custody_facts_status(w->f, n->iri, &status);
  if (st == CUST_OK) {
    st = cust_custody_facts_order(w->f, n->iri, &o);
  }
  if (st == CUST_OK) {
    st = first_value(w->f, n->iri, CUST_V_PROV "startedAtTime", NULL, &started);
  }
  if (st == CUST_OK) {
    st = first_value(w->f, n->iri, CUST_V_PROV "endedAtTime", NULL, &ended);
  }
  if (st == CUST_OK) {
    st = cust_custody_facts_objects(w->f, n->iri, CUST_V_EVIDENCE, NULL, &evidence);
  }
  if (st == CUST_OK) {
    st = put_head(b, n);
  }
  if (st == CUST_OK) {
    st = put_field(b, "status", cust_custody_local_name(status));
  }
  if (st == CUST_OK) {
    st = put_field(b, "order", o.order);
  }
  if (st == CUST_OK) {
    st = put_field(b, "zone", o.zone);
  }
  if (st == CUST_OK) {
    st = put_field(b, "payer", o.payer);
  }
  if (st == CUST_OK) {
    st = put_field(b, "orchestrationService", o.service);
  }
  if (st == CUST_OK) {
    st = put_field(b, "startedAt", started);
  }
  if (st == CUST_OK) {
    st = put_field(b, "endedAt", ended);
  }
  if (st == CUST_OK) {
    st = put_values(b, "evidence", &evidence);
  }
  if (st == CUST_OK) {
    st = cust_buf_putc(b, '}');
  }
  return st;
}

static cust_status put_answer(cwalk *w, const char *iri, uint64_t height, cust_buf *b) {
  if (w->nnodes > 1) {
    qsort(w->nodes, w->nnodes, sizeof *w->nodes, node_cmp);
  }
  if (w->nedges > 1) {
    qsort(w->edges, w->nedges, sizeof *w->edges, edge_cmp);
  }
  cust_status st = cust_buf_puts(b, "{\"resource\":");
  if (st == CUST_OK) {
    st = cust_json_cstr(b, iri);
  }
  if (st == CUST_OK) {
    st = cust_buf_printf(b, ",\"direction\":\"%s\",\"depth\":%u,\"asOfHeight\":%llu",
                         w->is_upstream ? "up" : "down", w->max_depth, (unsigned long long)height);
  }
  if (st == CUST_OK) {
    st =
        cust_buf_printf(b, ",\"truncated\":%s,\"depthReached\":%s",
                        w->is_truncated ? "true" : "false", w->is_depth_reached ? "true" : "false");
  }
  if (st == CUST_OK && w->is_truncated) {
    st = cust_buf_printf(b,
                         ",\"message\":\"the walk stopped at %zu nodes: ask for a smaller "
                         "depth\"",
                         w->max_nodes);
  } else if (st == CUST_OK && w->is_depth_reached) {
    st = cust_buf_printf(b,
                         ",\"message\":\"the walk stopped at depth %u and there is more beyond "
                         "it: ask for a larger depth\"",
                         w->max_depth);
  } else if (st == CUST_OK) {
    st = cust_buf_puts(b, ",\"message\":null");
  }
  for (int kind = 0; st == CUST_OK && kind < 2; kind++) {
    st = cust_buf_puts(b, kind == NODE_RESOURCE ? ",\"resources\":[" : ",\"executions\":[");
    int is_first = 1;
    for (size_t i = 0; st == CUST_OK && i < w->nnodes; i++) {
      if (w->nodes[i]->kind != kind) {
        continue;
      }
      st = is_first ? CUST_OK : cust_buf_putc(b, ',');
      is_first = 0;
      if (st == CUST_OK) {
        st = kind == NODE_RESOURCE ? put_resource(w, b, w->nodes[i])
                                   : put_execution(w, b, w->nodes[i]);
      }
    }
    if (st == CUST_OK) {
      st = cust_buf_putc(b, ']');
    }
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(b, ",\"edges\":[");
  }
  for (size_t i = 0; st == CUST_OK && i < w->nedges; i++) {
    const edge *e = w->edges[i];
    const char *tx = NULL, *time = NULL;
    if (e->graph) {
      st = cust_custody_facts_submission(w->f, e->graph, &tx, &time);
    }
    if (st == CUST_OK) {
      st = cust_buf_puts(b, i ? ",{\"from\":" : "{\"from\":");
    }
    if (st == CUST_OK) {
      st = cust_json_cstr(b, e->from);
    }
    if (st == CUST_OK) {
      st = put_field(b, "to", e->to);
    }
    if (st == CUST_OK) {
      st = cust_buf_printf(b, ",\"type\":\"%s\"", edge_names[e->type]);
    }
    if (st == CUST_OK) {
      st = put_field(b, "tx", tx);
    }
    if (st == CUST_OK) {
      st = put_field(b, "blockTime", time);
    }
    if (st == CUST_OK) {
      st = cust_buf_putc(b, '}');
    }
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(b, "]}");
  }
  return st;
}

/* ---- the query -------------------------------------------------------------------- */

/* Whether anything is known of `iri`, and whether it is an execution. */
static cust_status identify(cust_custody_facts *f, const char *iri, int *is_known,
                            int *is_execution) {
  const char *status = NULL;
  cust_custody_order o;
  cust_custody_values vs;
  const cust_custody_cred *d = NULL;
  *is_known = 0;
  *is_execution = 0;
  cust_status st = cust_custody_facts_status(f, iri, &status);
  if (st == CUST_OK) {
    st = cust_custody_facts_order(f, iri, &o);
  }
  if (st != CUST_OK) {
    return st;
  }
  if (status || o.order || o.service) {
    *is_known = *is_execution = 1;
    return CUST_OK;
  }
  static const char *const preds[] = { CUST_V_USED, CUST_V_GENERATED };
  for (int i = 0; i < 2; i++) {
    st = cust_custody_facts_objects(f, iri, preds[i], NULL, &vs);
    if (st != CUST_OK) {
      return st;
    }
    if (vs.len > 0) {
      *is_known = *is_execution = 1;
      return CUST_OK;
    }
  }
  for (int i = 0; i < 2; i++) {
    st = cust_custody_facts_subjects(f, preds[i], iri, NULL, &vs);
    if (st != CUST_OK) {
      return st;
    }
    if (vs.len > 0) {
      *is_known = 1;
      return CUST_OK;
    }
  }
  st = cust_custody_facts_description(f, iri, &d);
  *is_known = d != NULL;
  return st;
}

typedef struct walk_args {
  const char *iri;
  int is_upstream;
  unsigned depth;
  size_t max_nodes;
  cust_buf *json_out;
} walk_args;

static cust_status walk_fn(void *ud, cust_custody_facts *f, const cust_graph_view *view,
                           uint64_t height, char *err, size_t errlen) {
  const walk_args *a = ud;
  (void)view;
  return cust_custody_walk_facts(f, height, a->iri, a->is_upstream, a->depth, a->max_nodes,
                                 a->json_out, err, errlen);
}

cust_status cust_custody_walk(const cust_graph_view *view, uint64_t height, const char *iri,
                              int is_upstream, unsigned depth, size_t max_nodes, cust_buf *json_out,
                              char *err, size_t errlen) {
  walk_args a = { iri, is_upstream, depth, max_nodes, json_out };
  return cust_custody_with_view(view, height, walk_fn, &a, err, errlen);
}

cust_status cust_custody_walk_facts(cust_custody_facts *f, uint64_t height, const char *iri,
                                    int is_upstream, unsigned depth, size_t max_nodes,
                                    cust_buf *json_out, char *err, size_t errlen) {
  cust_status st = CUST_OK;
  cwalk w;
  char tmp[16];
  int is_known = 0, is_execution = 0;
  const char *start = NULL;
  size_t mark = json_out->len;
  memset(&w, 0, sizeof w);
  cust_arena_init(&w.arena, 64 * 1024);
  cust_custody_map_init(&w.nodes_by);
  cust_custody_map_init(&w.edges_by);
  w.is_upstream = is_upstream;
  w.bulk_at = BULK_AFTER;
  w.max_depth = depth;
  w.max_nodes = max_nodes ? max_nodes : CUST_CUSTODY_MAX_NODES;
  if (err == NULL || errlen == 0) {
    err = tmp;
    errlen = sizeof tmp;
  }
  err[0] = '\0';
  if (iri == NULL || iri[0] == '\0') {
    snprintf(err, errlen, "no resource given: name one by its IRI");
    st = CUST_ERR_INVALID;
    goto done;
  }
  if (depth > CUST_CUSTODY_MAX_DEPTH) {
    snprintf(err, errlen, "depth %u is too large: give at most %u", depth,
             (unsigned)CUST_CUSTODY_MAX_DEPTH);
    st = CUST_ERR_INVALID;
    goto done;
  }
  w.f = f;
  start = cust_arena_strdup(&w.arena, iri);
  st = start ? identify(w.f, start, &is_known, &is_execution) : CUST_ERR_NOMEM;
  if (st != CUST_OK) {
    snprintf(err, errlen, "cannot read the store: %s", cust_strerror(st));
    goto done;
  }
  if (!is_known) {
    snprintf(err, errlen, "unknown resource \"%s\": no credential or execution names it", iri);
    st = CUST_ERR_NOTFOUND;
    goto done;
  }
  st = add_node(&w, start, is_execution ? NODE_EXECUTION : NODE_RESOURCE, 0);
  if (st == CUST_OK && !is_execution) {
    st = expand_start_resource(&w, w.nodes[0]);
  }
  while (st == CUST_OK && !w.is_truncated && (w.ncur > 0 || w.nnext > 0)) {
    for (size_t i = 0; st == CUST_OK && i < w.ncur && !w.is_truncated; i++) {
      if (!w.cur[i]->is_expanded) {
        w.cur[i]->is_expanded = 1;
        st = expand_execution(&w, w.cur[i]);
      }
    }
    /* the next depth becomes the current one */
    node **t = w.cur;
    size_t tcap = w.capcur;
    w.cur = w.next;
    w.ncur = w.nnext;
    w.capcur = w.capnext;
    w.next = t;
    w.nnext = 0;
    w.capnext = tcap;
    w.depth_now++;
  }
  if (st == CUST_OK) {
    st = put_answer(&w, iri, height, json_out);
  }
  if (st != CUST_OK) {
    snprintf(err, errlen, "cannot walk the custody of \"%s\": %s", iri, cust_strerror(st));
  }
done:
  if (st != CUST_OK) {
    cust_custody_buf_truncate(json_out, mark);
  }
  free(w.nodes);
  free(w.edges);
  free(w.cur);
  free(w.next);
  cust_custody_map_release(&w.nodes_by);
  cust_custody_map_release(&w.edges_by);
  cust_arena_release(&w.arena);
  return st;
}

cust_status cust_custody_query(cust_store *s, const char *iri, int is_upstream, unsigned depth,
                               cust_buf *json_out, char *err, size_t errlen) {
  return cust_custody_query_cached(NULL, s, iri, is_upstream, depth, json_out, err, errlen);
}

cust_status cust_custody_query_cached(cust_custody_cache *cache, cust_store *s, const char *iri,
                                      int is_upstream, unsigned depth, cust_buf *json_out,
                                      char *err, size_t errlen) {
  walk_args a = { iri, is_upstream, depth, 0, json_out };
  return cust_custody_with_store(cache, s, walk_fn, &a, err, errlen);
}
