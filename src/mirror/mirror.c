/* The mirror: reads the store's change log (store/changelog.c) and pushes it,
 * commit by commit, to a SPARQL 1.1 store.
 *
 * The protocol. Each request is one POST of application/sparql-update to
 * the update URL, and holds whole commits of the store (several when the
 * target is behind: up to max_commits, and max_bytes unless one commit alone
 * is larger), as
 *
 *   DELETE WHERE { GRAPH <urn:custodian:mirror> { <urn:custodian:mirror> ?p ?o } } ;
 *   DELETE DATA { GRAPH <g> { quads that are gone after the last commit } … } ;
 *   INSERT DATA { GRAPH <g> { quads that are there after it } …
 *                 GRAPH <urn:custodian:mirror> { <urn:custodian:mirror>
 *                   cust:seq "S" ; cust:height "H" ; cust:blockHash "X" ;
 *                   cust:chainId "C" ; cust:storeId "I" } }
 *
 * One request is one transaction in the target (Virtuoso, Fuseki, Oxigraph
 * and GraphDB run an update request atomically), so the position (S: the
 * store's change-log seq; H, X: the checkpoint that commit ended at; C: the
 * chain; I: the store, whose seqs mean nothing elsewhere) moves with the
 * changes it covers. Each quad appears once per request, with its state
 * after the last commit of the request, so applying a request twice gives
 * the same graph. Blank nodes are sent as skolem IRIs (CUST_MIRROR_GENID +
 * label): SPARQL Update cannot delete a blank node. Quads of the store's
 * default graph are not mirrored (a quad store's default graph is often the
 * union of its graphs).
 *
 * On start, and after each failed request, the position is read back from
 * the target (SELECT on the query URL). A target without a position, whose
 * seq is older than the log keeps, that was mirrored from another store of
 * the same chain, or whose rebuild was cut short, is rebuilt from the
 * store's graphs: the first request marks the position cust:rebuilding;
 * the next ones drop each graph of the store (DROP SILENT GRAPH, 64 a
 * request), then insert every quad read in one read transaction; the last
 * one clears the mark and sets the position at the seq of that read. A target on another chain,
 * ahead of the store (height or seq), or at another block hash for its
 * height, is refused.
 *
 * With a Graph Store Protocol endpoint (graph_store), a target without a
 * position is rebuilt too (rather than sent the whole log), and a rebuild
 * uploads the quads instead of inserting them: the first request (SPARQL
 * Update) only marks the position cust:rebuilding; then a GET of
 * <urn:custodian:mirror> from the graph store must show that position (else
 * it is not the graph store of the same database); then each graph's quads
 * go as N-Triples bodies (application/n-triples, blank nodes as the same
 * skolem IRIs) to graph_store?graph=<percent-encoded IRI>: PUT for the
 * graph's first part, which replaces whatever the graph held (an earlier
 * state, or an interrupted rebuild's parts), POST for the next parts, each
 * at most max_bytes (plus one quad). The store gives the quads grouped by
 * graph, so each graph is PUT once. The last request (SPARQL Update) clears
 * the mark. A failure anywhere leaves the mark, and the next start rebuilds
 * again. Changes after the rebuild follow the log through SPARQL Update, as
 * above: the position must move in the same request as the changes. */
#include "config.h"

#include <curl/curl.h>
#include <jansson.h>
#include <string.h>
#include <time.h>

#include "chain/chain.h"
#include "core/vocab.h"
#include "mirror/mirror.h"

#define POS_SUBJECT "<" CUST_MIRROR_GRAPH ">"
#define MAX_ANSWER (1024 * 1024)

typedef struct position {
  int is_set;
  int is_rebuilding;
  int64_t seq;
  uint64_t height;
  char block_hash[72];
  char chain_id[128];
  char store_id[40];
} position;

struct cust_mirror {
  cust_mirror_config cfg;
  cust_index_shared *shared;
  cust_store *pin;
  const cust_logger *log;
  cust_store *store;
  CURL *curl;
  struct curl_slist *update_headers;
  struct curl_slist *query_headers;
  struct curl_slist *upload_headers; /* graph store PUT and POST */
  struct curl_slist *get_headers;    /* graph store GET */
  cust_buf url;                      /* a graph store request's URL */
  long last_code;                    /* HTTP status of the last request, 0: none */
  cust_buf answer;
  cust_buf body;
  uint64_t rnd;
  unsigned failures;
  volatile int stop;
  position pos;
  uint64_t last_info_ms;
  uint64_t blocks_done;
};

static int is_stopped(const cust_mirror *m) {
  return m->stop || cust_stop_requested;
}

void cust_mirror_stop(cust_mirror *m) {
  if (m != NULL) {
    m->stop = 1;
  }
}

static void share(cust_mirror *m, int is_running, const char *error) {
  if (m->shared == NULL) {
    return;
  }
  pthread_mutex_lock(&m->shared->lock);
  cust_index_status *st = &m->shared->st;
  st->has_mirror = 1;
  st->mirror_is_running = is_running;
  snprintf(st->mirror_target, sizeof st->mirror_target, "%s", m->cfg.update_url);
  st->mirror_height = m->pos.is_set ? m->pos.height : 0;
  if (error != NULL) {
    st->mirror_errors++;
    snprintf(st->mirror_last_error, sizeof st->mirror_last_error, "%s", error);
  }
  pthread_mutex_unlock(&m->shared->lock);
}

static int is_http_url(const char *u) {
  return u != NULL && (strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0);
}

cust_status cust_mirror_new(const cust_mirror_config *cfg, cust_index_shared *shared,
                            cust_store *pin, const cust_logger *log, cust_mirror **out) {
  *out = NULL;
  const char *q = cfg->query_url != NULL ? cfg->query_url : cfg->update_url;
  if (!is_http_url(cfg->update_url) || !is_http_url(q)) {
    cust_log(log, CUST_LOG_ERROR,
             "mirror target \"%s\": not an http(s) URL; pass the SPARQL Update endpoint, "
             "e.g. http://127.0.0.1:8890/sparql",
             !is_http_url(cfg->update_url) ? (cfg->update_url ? cfg->update_url : "") : q);
    return CUST_ERR_INVALID;
  }
  if (cfg->graph_store != NULL && !is_http_url(cfg->graph_store)) {
    cust_log(log, CUST_LOG_ERROR,
             "mirror graph store \"%s\": not an http(s) URL; pass the target's Graph Store "
             "Protocol endpoint, e.g. http://127.0.0.1:8890/sparql-graph-crud",
             cfg->graph_store);
    return CUST_ERR_INVALID;
  }
  if (cfg->auth != NULL && strchr(cfg->auth, ':') == NULL) {
    cust_log(log, CUST_LOG_ERROR, "mirror: --auth needs user:password");
    return CUST_ERR_INVALID;
  }
  cust_mirror *m = calloc(1, sizeof *m);
  if (m == NULL) {
    return CUST_ERR_NOMEM;
  }
  m->cfg = *cfg;
  m->cfg.query_url = q;
  m->cfg.max_bytes = cfg->max_bytes ? cfg->max_bytes : 512u * 1024;
  m->cfg.max_commits = cfg->max_commits ? cfg->max_commits : 256;
  m->cfg.poll_ms = cfg->poll_ms ? cfg->poll_ms : 200;
  m->cfg.backoff_max_ms = cfg->backoff_max_ms ? cfg->backoff_max_ms : 10000;
  m->cfg.timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : 120000;
  m->shared = shared;
  m->pin = pin;
  m->log = log;
  m->rnd = cust_now_ms() ^ ((uint64_t)(uintptr_t)m << 16) ^ 0x9E3779B97F4A7C15ull;
  cust_buf_init(&m->answer);
  cust_buf_init(&m->body);
  cust_buf_init(&m->url);
  m->curl = curl_easy_init();
  m->update_headers = curl_slist_append(NULL, "Content-Type: application/sparql-update");
  m->query_headers = curl_slist_append(NULL, "Accept: application/sparql-results+json");
  m->upload_headers = curl_slist_append(NULL, "Content-Type: application/n-triples");
  m->get_headers = curl_slist_append(NULL, "Accept: application/n-triples");
  if (m->curl == NULL || m->update_headers == NULL || m->query_headers == NULL ||
      m->upload_headers == NULL || m->get_headers == NULL) {
    cust_mirror_free(m);
    cust_log(log, CUST_LOG_ERROR, "mirror: libcurl could not start");
    return CUST_ERR_INTERNAL;
  }
  share(m, 1, NULL);
  *out = m;
  return CUST_OK;
}

void cust_mirror_free(cust_mirror *m) {
  if (m == NULL) {
    return;
  }
  if (m->pin != NULL) {
    cust_store_pin_log(m->pin, -1);
  }
  curl_slist_free_all(m->update_headers);
  curl_slist_free_all(m->query_headers);
  curl_slist_free_all(m->upload_headers);
  curl_slist_free_all(m->get_headers);
  if (m->curl != NULL) {
    curl_easy_cleanup(m->curl);
  }
  cust_store_close(m->store);
  cust_buf_release(&m->answer);
  cust_buf_release(&m->body);
  cust_buf_release(&m->url);
  free(m);
}

/* ---- HTTP ------------------------------------------------------------------ */

/* Keeps the first MAX_ANSWER bytes of an answer: error pages may echo a
 * whole request (Virtuoso does), which only the message's start needs. */
static size_t on_data(char *p, size_t size, size_t n, void *ud) {
  cust_buf *b = ud;
  size_t len = size * n;
  size_t keep = b->len >= MAX_ANSWER ? 0 : len < MAX_ANSWER - b->len ? len : MAX_ANSWER - b->len;
  return keep == 0 || cust_buf_append(b, p, keep) == CUST_OK ? len : 0;
}

/* The first line of an answer, for messages. */
static void first_line(const cust_buf *b, char *out, size_t n) {
  size_t i = 0;
  const char *s = b->data != NULL ? b->data : "";
  while (*s == '\n' || *s == '\r' || *s == ' ') {
    s++;
  }
  for (; s[i] != '\0' && s[i] != '\n' && s[i] != '\r' && i + 1 < n; i++) {
    out[i] = s[i];
  }
  out[i] = '\0';
}

/* The kinds of request: to the update URL, the query URL, or the graph
 * store (upload with PUT or POST, read with GET). */
typedef enum req_kind { REQ_UPDATE, REQ_QUERY, REQ_PUT, REQ_POST, REQ_GET } req_kind;

/* Sends one request: `body` (an update, a form-encoded query, or N-Triples)
 * to the update or query URL, or to `url` (the graph store's, with the
 * graph). The answer is in m->answer, its status in m->last_code.
 * CUST_ERR_NETWORK: worth retrying (no answer, 408, 429, 5xx but 501);
 * CUST_ERR_REMOTE: refused (4xx, 501: the server lacks the method);
 * `why` says which. */
static cust_status request(cust_mirror *m, req_kind kind, const char *url, const char *body,
                           size_t len, char *why, size_t whylen) {
  why[0] = '\0';
  m->last_code = 0;
  cust_buf_reset(&m->answer);
  CURL *c = m->curl;
  curl_easy_reset(c);
  struct curl_slist *headers = m->update_headers;
  if (kind == REQ_QUERY) {
    url = m->cfg.query_url;
    headers = m->query_headers;
  } else if (kind == REQ_UPDATE) {
    url = m->cfg.update_url;
  } else {
    headers = kind == REQ_GET ? m->get_headers : m->upload_headers;
  }
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  if (kind == REQ_GET) {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    if (kind == REQ_PUT) {
      curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
    }
  }
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &m->answer);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)m->cfg.timeout_ms);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  if (m->cfg.auth != NULL) {
    curl_easy_setopt(c, CURLOPT_USERPWD, m->cfg.auth);
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_ANY);
  }
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    snprintf(why, whylen, "%s", curl_easy_strerror(rc));
    return CUST_ERR_NETWORK;
  }
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  m->last_code = code;
  if (code >= 200 && code < 300) {
    return CUST_OK;
  }
  char line[200];
  first_line(&m->answer, line, sizeof line);
  if (line[0] != '\0') {
    snprintf(why, whylen, "HTTP %ld: %s", code, line);
  } else {
    snprintf(why, whylen, "HTTP %ld", code);
  }
  return code == 408 || code == 429 || (code >= 500 && code != 501) ? CUST_ERR_NETWORK
                                                                    : CUST_ERR_REMOTE;
}

static cust_status post(cust_mirror *m, int is_query, const char *body, size_t len, char *why,
                        size_t whylen) {
  return request(m, is_query ? REQ_QUERY : REQ_UPDATE, NULL, body, len, why, whylen);
}

/* Waits before the next retry; 0 when stopped meanwhile. */
static int backoff(cust_mirror *m, const char *what, const char *why) {
  m->failures++;
  share(m, 1, why);
  uint64_t d =
      cust_chain_backoff_ms(m->failures, 100, m->cfg.backoff_max_ms, cust_chain_rand(&m->rnd));
  cust_log(m->log, m->failures == 1 || m->failures % 10 == 0 ? CUST_LOG_WARN : CUST_LOG_DEBUG,
           "mirror target \"%s\": %s failed (%s); retrying in %llu ms (%u failures in a row)",
           m->cfg.update_url, what, why, (unsigned long long)d, m->failures);
  for (uint64_t t = 0; t < d && !is_stopped(m); t += 20) {
    struct timespec ts = { 0, 20 * 1000000L };
    nanosleep(&ts, NULL);
  }
  return !is_stopped(m);
}

/* ---- the position ------------------------------------------------------------- */

static const char *const pos_query =
    "query=SELECT%20%3Fp%20%3Fo%20WHERE%20%7B%20GRAPH%20%3Curn%3Acustodian%3Amirror%3E%20%7B%20"
    "%3Curn%3Acustodian%3Amirror%3E%20%3Fp%20%3Fo%20%7D%20%7D";

static cust_status parse_position(cust_mirror *m, position *p) {
  memset(p, 0, sizeof *p);
  json_error_t err;
  json_t *root = json_loadb(m->answer.data ? m->answer.data : "", m->answer.len, 0, &err);
  json_t *rows = json_object_get(json_object_get(root, "results"), "bindings");
  if (!json_is_array(rows)) {
    json_decref(root);
    cust_log(m->log, CUST_LOG_ERROR,
             "mirror target \"%s\": the position query did not answer SPARQL JSON results; "
             "check --to (and --query-url)",
             m->cfg.query_url);
    return CUST_ERR_REMOTE;
  }
  size_t i;
  json_t *row;
  json_array_foreach(rows, i, row) {
    const char *pred = json_string_value(json_object_get(json_object_get(row, "p"), "value"));
    const char *val = json_string_value(json_object_get(json_object_get(row, "o"), "value"));
    if (pred == NULL || val == NULL || strncmp(pred, CUST_V_CUST, strlen(CUST_V_CUST)) != 0) {
      continue;
    }
    const char *name = pred + strlen(CUST_V_CUST);
    p->is_set = 1;
    if (strcmp(name, "seq") == 0) {
      p->seq = strtoll(val, NULL, 10);
    } else if (strcmp(name, "height") == 0) {
      p->height = strtoull(val, NULL, 10);
    } else if (strcmp(name, "blockHash") == 0) {
      snprintf(p->block_hash, sizeof p->block_hash, "%s", val);
    } else if (strcmp(name, "chainId") == 0) {
      snprintf(p->chain_id, sizeof p->chain_id, "%s", val);
    } else if (strcmp(name, "storeId") == 0) {
      snprintf(p->store_id, sizeof p->store_id, "%s", val);
    } else if (strcmp(name, "rebuilding") == 0) {
      p->is_rebuilding = 1;
    }
  }
  json_decref(root);
  return CUST_OK;
}

/* Reads the position from the target, retrying while it does not answer. */
static cust_status read_position(cust_mirror *m) {
  for (;;) {
    char why[300];
    cust_status st = post(m, 1, pos_query, strlen(pos_query), why, sizeof why);
    if (st == CUST_OK) {
      st = parse_position(m, &m->pos);
      if (st == CUST_OK) {
        share(m, 1, NULL);
      }
      return st;
    }
    if (st != CUST_ERR_NETWORK) {
      cust_log(m->log, CUST_LOG_ERROR,
               "mirror target \"%s\": the position query was refused (%s); check --query-url "
               "and --auth",
               m->cfg.query_url, why);
      share(m, 0, why);
      return st;
    }
    if (!backoff(m, "reading the position", why)) {
      return CUST_ERR_STOPPED;
    }
  }
}

/* ---- writing requests ----------------------------------------------------------- */

static cust_status put_term(cust_buf *b, const cust_term *t) {
  if (t->kind == CUST_TERM_BLANK) {
    cust_status st = cust_buf_puts(b, "<" CUST_MIRROR_GENID);
    if (st == CUST_OK) {
      st = cust_buf_append(b, t->value, t->len);
    }
    return st == CUST_OK ? cust_buf_putc(b, '>') : st;
  }
  return cust_term_write_nt(b, t);
}

/* The quads of one part (DELETE DATA or INSERT DATA) of a request, grouped
 * by graph in the order they come (the store gives them by graph). */
typedef struct part {
  cust_buf text;
  char *graph; /* the open GRAPH block's IRI, NULL when none */
  size_t quads;
} part;

static void part_init(part *p) {
  cust_buf_init(&p->text);
  p->graph = NULL;
  p->quads = 0;
}

static void part_release(part *p) {
  cust_buf_release(&p->text);
  free(p->graph);
  p->graph = NULL;
}

static void part_reset(part *p) {
  cust_buf_reset(&p->text);
  free(p->graph);
  p->graph = NULL;
  p->quads = 0;
}

static cust_status part_add(part *p, const cust_quad *q) {
  cust_status st = CUST_OK;
  if (p->graph == NULL || strcmp(p->graph, q->g.value) != 0) {
    if (p->graph != NULL) {
      st = cust_buf_puts(&p->text, "}\n");
    }
    free(p->graph);
    p->graph = strdup(q->g.value);
    if (p->graph == NULL) {
      return CUST_ERR_NOMEM;
    }
    st = st == CUST_OK ? cust_buf_puts(&p->text, "GRAPH ") : st;
    st = st == CUST_OK ? cust_term_write_nt(&p->text, &q->g) : st;
    st = st == CUST_OK ? cust_buf_puts(&p->text, " {\n") : st;
  }
  st = st == CUST_OK ? put_term(&p->text, &q->s) : st;
  st = st == CUST_OK ? cust_buf_putc(&p->text, ' ') : st;
  st = st == CUST_OK ? put_term(&p->text, &q->p) : st;
  st = st == CUST_OK ? cust_buf_putc(&p->text, ' ') : st;
  st = st == CUST_OK ? put_term(&p->text, &q->o) : st;
  st = st == CUST_OK ? cust_buf_puts(&p->text, " .\n") : st;
  p->quads++;
  return st;
}

static cust_status part_close(part *p) {
  if (p->graph == NULL) {
    return CUST_OK;
  }
  free(p->graph);
  p->graph = NULL;
  return cust_buf_puts(&p->text, "}\n");
}

static cust_status put_literal_pair(cust_buf *b, const char *name, const char *value, int last) {
  cust_term t = cust_term_literal(value, NULL, NULL);
  cust_status st = cust_buf_printf(b, "  <%s%s> ", CUST_V_CUST, name);
  st = st == CUST_OK ? cust_term_write_nt(b, &t) : st;
  return st == CUST_OK ? cust_buf_puts(b, last ? " .\n" : " ;\n") : st;
}

/* Assembles the request: the position's removal, the deletions, then the
 * insertions with the new position. Without a position (`p` NULL: a part
 * of a commit too large for one request) only the deletions and
 * insertions. */
static cust_status assemble(cust_buf *b, part *del, part *ins, const position *p) {
  cust_buf_reset(b);
  char num[32];
  cust_status st = CUST_OK;
  if (p != NULL) {
    st = cust_buf_puts(b, "DELETE WHERE { GRAPH <" CUST_MIRROR_GRAPH "> { " POS_SUBJECT
                          " ?p ?o } } ;\n");
  }
  if (st == CUST_OK && del->quads > 0) {
    st = part_close(del);
    st = st == CUST_OK ? cust_buf_puts(b, "DELETE DATA {\n") : st;
    st = st == CUST_OK ? cust_buf_append(b, del->text.data, del->text.len) : st;
    st = st == CUST_OK ? cust_buf_puts(b, p == NULL && ins->quads == 0 ? "}\n" : "} ;\n") : st;
  }
  if (p == NULL && ins->quads == 0) {
    return st;
  }
  st = st == CUST_OK ? part_close(ins) : st;
  st = st == CUST_OK ? cust_buf_puts(b, "INSERT DATA {\n") : st;
  if (st == CUST_OK && ins->quads > 0) {
    st = cust_buf_append(b, ins->text.data, ins->text.len);
  }
  if (p == NULL) {
    return st == CUST_OK ? cust_buf_puts(b, "}\n") : st;
  }
  st = st == CUST_OK ? cust_buf_puts(b, "GRAPH <" CUST_MIRROR_GRAPH "> {\n" POS_SUBJECT "\n") : st;
  snprintf(num, sizeof num, "%lld", (long long)p->seq);
  st = st == CUST_OK ? put_literal_pair(b, "seq", num, 0) : st;
  snprintf(num, sizeof num, "%llu", (unsigned long long)p->height);
  st = st == CUST_OK ? put_literal_pair(b, "height", num, 0) : st;
  st = st == CUST_OK ? put_literal_pair(b, "blockHash", p->block_hash, 0) : st;
  st = st == CUST_OK ? put_literal_pair(b, "chainId", p->chain_id, 0) : st;
  if (p->is_rebuilding) {
    st = st == CUST_OK ? put_literal_pair(b, "rebuilding", "true", 0) : st;
  }
  st = st == CUST_OK ? put_literal_pair(b, "storeId", p->store_id, 1) : st;
  return st == CUST_OK ? cust_buf_puts(b, "} }\n") : st;
}

/* Sends one request until it is applied (retrying what is worth it).
 * CUST_ERR_NETWORK after a retryable failure: the caller reads the position
 * again before going on, since the failed request may have been applied. */
static cust_status send_update(cust_mirror *m) {
  char why[300];
  cust_status st = post(m, 0, m->body.data, m->body.len, why, sizeof why);
  if (st == CUST_OK) {
    m->failures = 0;
    return CUST_OK;
  }
  if (st == CUST_ERR_REMOTE) {
    char msg[600];
    snprintf(msg, sizeof msg, "update refused: %s", why);
    share(m, 0, msg);
    cust_log(m->log, CUST_LOG_ERROR,
             "mirror target \"%s\" refused an update (%s); check that it accepts SPARQL "
             "Update for this user (--auth) and the data it names",
             m->cfg.update_url, why);
    return st;
  }
  return backoff(m, "an update", why) ? CUST_ERR_NETWORK : CUST_ERR_STOPPED;
}

/* ---- the Graph Store Protocol ------------------------------------------------------ */

/* The URL of graph `iri` (`len` bytes) in the graph store `base` (indirect
 * identification): base?graph=IRI, or base&graph=IRI when base has a query
 * already; a base that ends in '=' (e.g. ".../crud?graph-uri=") is followed
 * by the IRI alone, for a store that names the parameter otherwise. The IRI
 * is percent-encoded but for RFC 3986's unreserved characters. */
static cust_status graph_url(cust_buf *b, const char *base, const char *iri, size_t len) {
  static const char hex[] = "0123456789ABCDEF";
  cust_buf_reset(b);
  size_t n = strlen(base);
  cust_status st = cust_buf_append(b, base, n);
  if (st == CUST_OK && (n == 0 || base[n - 1] != '=')) {
    st = cust_buf_puts(b, strchr(base, '?') != NULL ? "&graph=" : "?graph=");
  }
  for (size_t i = 0; i < len && st == CUST_OK; i++) {
    unsigned char ch = (unsigned char)iri[i];
    if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
        ch == '-' || ch == '.' || ch == '_' || ch == '~') {
      st = cust_buf_putc(b, (char)ch);
    } else {
      char esc[3] = { '%', hex[ch >> 4], hex[ch & 15] };
      st = cust_buf_append(b, esc, 3);
    }
  }
  return st;
}

/* Why a graph store refused a request, and what to do, by its status
 * (an upload's other refusals are about its N-Triples). */
static const char *graph_store_hint(long code, int is_upload) {
  if (code == 401 || code == 403) {
    return "check --auth (Virtuoso's /sparql-graph-crud-auth wants the credentials of a user "
           "with SPARQL_UPDATE)";
  }
  if (is_upload && code != 404 && code != 405 && code != 501) {
    return "the target refused the graph's N-Triples";
  }
  return "this is not a Graph Store Protocol endpoint (Virtuoso's: "
         "http://HOST:PORT/sparql-graph-crud)";
}

/* Sends one graph store request (m->url, m->body) once. Like send_update:
 * CUST_ERR_NETWORK after a retryable failure (backed off), CUST_ERR_REMOTE
 * after a refusal (logged). */
static cust_status send_graph(cust_mirror *m, req_kind kind, const char *what) {
  char why[300];
  cust_status st = request(m, kind, m->url.data, m->body.data, m->body.len, why, sizeof why);
  if (st == CUST_OK) {
    m->failures = 0;
    return CUST_OK;
  }
  if (st == CUST_ERR_REMOTE) {
    char msg[600];
    snprintf(msg, sizeof msg, "graph store refused %s: %s", what, why);
    share(m, 0, msg);
    cust_log(m->log, CUST_LOG_ERROR, "mirror graph store \"%s\": %s of %s refused (%s); %s",
             m->cfg.graph_store,
             kind == REQ_GET   ? "GET"
             : kind == REQ_PUT ? "PUT"
                               : "POST",
             what, why, graph_store_hint(m->last_code, kind != REQ_GET));
    return st;
  }
  return backoff(m, what, why) ? CUST_ERR_NETWORK : CUST_ERR_STOPPED;
}

/* Checks that the graph store shows the position that the update URL has
 * just written: else it is not a graph store, or not the same database's. */
static cust_status probe_graph_store(cust_mirror *m) {
  cust_status st =
      graph_url(&m->url, m->cfg.graph_store, CUST_MIRROR_GRAPH, strlen(CUST_MIRROR_GRAPH));
  if (st != CUST_OK) {
    return st;
  }
  cust_buf_reset(&m->body);
  st = send_graph(m, REQ_GET, "the position graph <" CUST_MIRROR_GRAPH ">");
  if (st != CUST_OK) {
    return st;
  }
  const char *subject = "<" CUST_MIRROR_GRAPH ">";
  if (m->answer.data == NULL ||
      memmem(m->answer.data, m->answer.len, subject, strlen(subject)) == NULL) {
    share(m, 0, "the graph store does not show the position");
    cust_log(m->log, CUST_LOG_ERROR,
             "mirror graph store \"%s\": GET of graph <" CUST_MIRROR_GRAPH "> answered HTTP %ld "
             "without the position that \"%s\" has just written; pass the Graph Store "
             "endpoint of the same database (Virtuoso's: http://HOST:PORT/sparql-graph-crud)",
             m->cfg.graph_store, m->last_code, m->cfg.update_url);
    return CUST_ERR_REMOTE;
  }
  return CUST_OK;
}

/* A rebuild's uploads: the N-Triples of the open part of one graph. */
typedef struct upload_ctx {
  cust_mirror *m;
  cust_buf text;
  char *graph;  /* the open part's graph, NULL before the first quad */
  int is_first; /* the open part is its graph's first: PUT */
  size_t quads; /* in the open part */
  size_t total, graphs, requests;
  cust_status st;
} upload_ctx;

static cust_status upload_flush(upload_ctx *u) {
  cust_mirror *m = u->m;
  if (u->graph == NULL || u->quads == 0) {
    return CUST_OK;
  }
  cust_status st = graph_url(&m->url, m->cfg.graph_store, u->graph, strlen(u->graph));
  if (st != CUST_OK) {
    return st;
  }
  cust_buf_reset(&m->body);
  st = cust_buf_append(&m->body, u->text.data, u->text.len);
  if (st != CUST_OK) {
    return st;
  }
  req_kind kind = u->is_first ? REQ_PUT : REQ_POST;
  char what[300];
  snprintf(what, sizeof what, "graph <%.250s>", u->graph);
  uint64_t t0 = cust_now_ms();
  st = send_graph(m, kind, what);
  if (st != CUST_OK) {
    return st;
  }
  cust_log(m->log, CUST_LOG_DEBUG, "graph store: %s <%s> (%zu quads, %zu bytes) in %llu ms",
           kind == REQ_PUT ? "PUT" : "POST", u->graph, u->quads, m->body.len,
           (unsigned long long)(cust_now_ms() - t0));
  u->requests++;
  u->is_first = 0;
  u->quads = 0;
  cust_buf_reset(&u->text);
  return CUST_OK;
}

static int upload_quad(void *ud, int is_add, const cust_quad *q) {
  (void)is_add;
  upload_ctx *u = ud;
  if (q->g.kind != CUST_TERM_IRI) {
    return 0;
  }
  if (u->graph == NULL || strcmp(u->graph, q->g.value) != 0) {
    u->st = upload_flush(u);
    if (u->st != CUST_OK) {
      return 1;
    }
    free(u->graph);
    u->graph = strdup(q->g.value);
    if (u->graph == NULL) {
      u->st = CUST_ERR_NOMEM;
      return 1;
    }
    u->is_first = 1;
    u->graphs++;
  }
  cust_buf *b = &u->text;
  cust_status st = put_term(b, &q->s);
  st = st == CUST_OK ? cust_buf_putc(b, ' ') : st;
  st = st == CUST_OK ? put_term(b, &q->p) : st;
  st = st == CUST_OK ? cust_buf_putc(b, ' ') : st;
  st = st == CUST_OK ? put_term(b, &q->o) : st;
  st = st == CUST_OK ? cust_buf_puts(b, " .\n") : st;
  u->quads++;
  u->total++;
  if (st == CUST_OK && b->len >= u->m->cfg.max_bytes) {
    st = upload_flush(u);
  }
  u->st = st;
  return st != CUST_OK;
}

/* The quads of the rebuild's read, uploaded graph by graph (see the top). */
static cust_status upload_graphs(cust_mirror *m, size_t *graphs, size_t *quads) {
  upload_ctx u;
  memset(&u, 0, sizeof u);
  u.m = m;
  cust_buf_init(&u.text);
  cust_status st = probe_graph_store(m);
  if (st == CUST_OK) {
    st = cust_store_quads(m->store, upload_quad, &u);
    st = st == CUST_OK ? u.st : st;
  }
  if (st == CUST_OK) {
    st = upload_flush(&u);
  }
  *graphs = u.graphs;
  *quads = u.total;
  free(u.graph);
  cust_buf_release(&u.text);
  return st;
}

/* ---- rebuilding from the graphs ------------------------------------------------- */

typedef struct rebuild_ctx {
  cust_mirror *m;
  part ins, none;
  position p;
  cust_status st;
} rebuild_ctx;

/* Graphs dropped per request: Virtuoso 7.2 refuses a request of some
 * thousand DROPs ("SQ200: Query too large, variables in state over the
 * limit"). */
#define DROPS_PER_REQUEST 64

typedef struct drop_ctx {
  cust_mirror *m;
  size_t n; /* DROPs in m->body */
  cust_status st;
} drop_ctx;

static cust_status drop_flush(drop_ctx *d) {
  if (d->n == 0) {
    return CUST_OK;
  }
  d->n = 0;
  return send_update(d->m);
}

static int rebuild_graph(void *ud, const char *iri, size_t len) {
  drop_ctx *d = ud;
  cust_buf *b = &d->m->body;
  cust_term g = cust_term_iri(iri);
  g.len = len;
  if (d->n == 0) {
    cust_buf_reset(b);
  }
  cust_status st = cust_buf_puts(b, d->n > 0 ? " ;\nDROP SILENT GRAPH " : "DROP SILENT GRAPH ");
  st = st == CUST_OK ? cust_term_write_nt(b, &g) : st;
  d->n++;
  if (st == CUST_OK && d->n >= DROPS_PER_REQUEST) {
    st = drop_flush(d);
  }
  d->st = st;
  return st != CUST_OK;
}

static int rebuild_flush(rebuild_ctx *r) {
  cust_mirror *m = r->m;
  r->st = assemble(&m->body, &r->none, &r->ins, &r->p);
  if (r->st == CUST_OK) {
    r->st = send_update(m);
  }
  part_reset(&r->ins);
  return r->st != CUST_OK;
}

static int rebuild_quad(void *ud, int is_add, const cust_quad *q) {
  (void)is_add;
  rebuild_ctx *r = ud;
  if (q->g.kind != CUST_TERM_IRI) {
    return 0;
  }
  r->st = part_add(&r->ins, q);
  if (r->st != CUST_OK) {
    return 1;
  }
  return r->ins.text.len >= r->m->cfg.max_bytes ? rebuild_flush(r) : 0;
}

/* Rebuilds the target from one read of the store (see the top). */
static cust_status rebuild(cust_mirror *m, const cust_store_log_info *info) {
  cust_log(m->log, CUST_LOG_INFO,
           "mirror target \"%s\": rebuilding it from the store's graphs at height %llu",
           m->cfg.update_url, (unsigned long long)info->cp.height);
  rebuild_ctx r;
  memset(&r, 0, sizeof r);
  r.m = m;
  part_init(&r.ins);
  part_init(&r.none);
  r.p.is_set = 1;
  r.p.is_rebuilding = 1;
  r.p.seq = info->last_seq > info->log_from ? info->last_seq : info->log_from;
  r.p.height = info->cp.height;
  snprintf(r.p.block_hash, sizeof r.p.block_hash, "%s", info->cp.block_hash);
  snprintf(r.p.chain_id, sizeof r.p.chain_id, "%s", info->cp.chain_id);
  snprintf(r.p.store_id, sizeof r.p.store_id, "%s", info->store_id);
  int is_gsp = m->cfg.graph_store != NULL;
  size_t graphs = 0, quads = 0;
  cust_status st = assemble(&m->body, &r.none, &r.ins, &r.p);
  if (st == CUST_OK) {
    st = send_update(m);
  }
  /* the graph store's PUT replaces each graph: no drops there */
  if (st == CUST_OK && !is_gsp) {
    drop_ctx d = { .m = m, .n = 0, .st = CUST_OK };
    st = cust_store_graphs(m->store, rebuild_graph, &d);
    st = st == CUST_OK ? d.st : st;
    st = st == CUST_OK ? drop_flush(&d) : st;
  }
  if (st == CUST_OK && is_gsp) {
    st = upload_graphs(m, &graphs, &quads);
  } else if (st == CUST_OK) {
    st = cust_store_quads(m->store, rebuild_quad, &r);
    st = st == CUST_OK ? r.st : st;
  }
  if (st == CUST_OK) {
    r.p.is_rebuilding = 0;
    rebuild_flush(&r);
    st = r.st;
  }
  if (st == CUST_OK) {
    m->pos = r.p;
    if (is_gsp) {
      cust_log(m->log, CUST_LOG_INFO,
               "mirror target \"%s\": rebuilt at height %llu (%zu graphs, %zu quads through the "
               "graph store)",
               m->cfg.update_url, (unsigned long long)r.p.height, graphs, quads);
    } else {
      cust_log(m->log, CUST_LOG_INFO, "mirror target \"%s\": rebuilt at height %llu",
               m->cfg.update_url, (unsigned long long)r.p.height);
    }
  }
  part_release(&r.ins);
  part_release(&r.none);
  return st;
}

/* ---- following the log ------------------------------------------------------------ */

typedef struct batch {
  cust_store_commit_mark last;
  size_t commits;
  int64_t first_seq; /* the seq before the batch */
  size_t max_commits;
} batch;

static int take_mark(void *ud, const cust_store_commit_mark *mk) {
  batch *b = ud;
  b->last = *mk;
  b->commits++;
  return b->commits >= b->max_commits;
}

typedef struct change_ctx {
  part del, ins;
  cust_status st;
  cust_mirror *split; /* one commit: send parts of max_bytes as they fill */
  size_t parts;
} change_ctx;

static int take_change(void *ud, int is_add, const cust_quad *q) {
  change_ctx *c = ud;
  if (q->g.kind != CUST_TERM_IRI) {
    return 0;
  }
  c->st = part_add(is_add ? &c->ins : &c->del, q);
  if (c->st == CUST_OK && c->split != NULL &&
      c->del.text.len + c->ins.text.len >= c->split->cfg.max_bytes) {
    /* Without the position: after a failure the whole commit is sent
     * again, and each quad's part leaves it in its final state. */
    c->st = assemble(&c->split->body, &c->del, &c->ins, NULL);
    c->st = c->st == CUST_OK ? send_update(c->split) : c->st;
    part_reset(&c->del);
    part_reset(&c->ins);
    c->parts++;
  }
  return c->st != CUST_OK;
}

/* What to do with the target's position (see the top): 0 follow the log,
 * 1 rebuild, or an error after a message. */
static cust_status decide(cust_mirror *m, const cust_store_log_info *info, int *is_rebuild) {
  const position *p = &m->pos;
  const char *url = m->cfg.update_url;
  *is_rebuild = 0;
  if (!p->is_set) {
    /* with a graph store, uploading the graphs beats replaying the log */
    *is_rebuild = m->cfg.graph_store != NULL || !(info->is_whole && info->log_from == 0);
    return CUST_OK;
  }
  if (info->cp.chain_id[0] != '\0' && p->chain_id[0] != '\0' &&
      strcmp(p->chain_id, info->cp.chain_id) != 0) {
    cust_log(m->log, CUST_LOG_ERROR,
             "mirror target \"%s\" holds chain \"%s\", the store \"%s\" follows \"%s\"; mirror "
             "into another target (or empty this one)",
             url, p->chain_id, m->cfg.db_path, info->cp.chain_id);
    return CUST_ERR_MISMATCH;
  }
  if (p->height > info->cp.height ||
      (strcmp(p->store_id, info->store_id) == 0 && p->seq > info->last_seq)) {
    cust_log(m->log, CUST_LOG_ERROR,
             "mirror target \"%s\" is ahead of the store \"%s\": it holds height %llu (change "
             "%lld), the store height %llu (change %lld); was the store reset? mirror a store "
             "that has reached the target, or empty the target",
             url, m->cfg.db_path, (unsigned long long)p->height, (long long)p->seq,
             (unsigned long long)info->cp.height, (long long)info->last_seq);
    return CUST_ERR_MISMATCH;
  }
  char hash[80];
  cust_status st = cust_store_log_hash_at(m->store, p->height, hash, sizeof hash);
  if (st != CUST_OK) {
    return st;
  }
  if (p->height == info->cp.height) {
    snprintf(hash, sizeof hash, "%s", info->cp.block_hash);
  }
  if (hash[0] != '\0' && strcmp(hash, p->block_hash) != 0) {
    cust_log(m->log, CUST_LOG_ERROR,
             "mirror target \"%s\" holds block %s at height %llu, the store \"%s\" block %s; "
             "they followed different chains: mirror into another target",
             url, p->block_hash, (unsigned long long)p->height, m->cfg.db_path, hash);
    return CUST_ERR_MISMATCH;
  }
  if (strcmp(p->store_id, info->store_id) != 0) {
    cust_log(m->log, CUST_LOG_INFO,
             "mirror target \"%s\" was mirrored from another store of chain \"%s\"", url,
             p->chain_id);
    *is_rebuild = 1;
  } else if (p->is_rebuilding) {
    cust_log(m->log, CUST_LOG_INFO, "mirror target \"%s\": its rebuild was cut short", url);
    *is_rebuild = 1;
  } else if (p->seq < info->log_from) {
    cust_log(m->log, CUST_LOG_INFO,
             "mirror target \"%s\" holds height %llu, older than the store's change log keeps", url,
             (unsigned long long)p->height);
    *is_rebuild = 1;
  }
  return CUST_OK;
}

/* Sends the next batch of commits. *sent is 0 when the target holds every
 * commit of the store. */
static cust_status step(cust_mirror *m, const cust_store_log_info *info, int *sent) {
  *sent = 0;
  batch b;
  memset(&b, 0, sizeof b);
  b.first_seq = m->pos.is_set ? m->pos.seq : 0;
  b.max_commits = m->cfg.max_commits;
  for (;;) {
    b.commits = 0;
    cust_status st = cust_store_log_commits(m->store, b.first_seq, b.max_commits, take_mark, &b);
    if (st != CUST_OK || b.commits == 0) {
      return st;
    }
    change_ctx c;
    part_init(&c.del);
    part_init(&c.ins);
    c.st = CUST_OK;
    c.split = b.commits == 1 ? m : NULL;
    c.parts = 0;
    st = cust_store_log_changes(m->store, b.first_seq, b.last.seq, take_change, &c);
    st = st == CUST_OK ? c.st : st;
    size_t bytes = c.del.text.len + c.ins.text.len;
    if (st == CUST_OK && bytes > m->cfg.max_bytes && b.commits > 1) {
      /* too large: fewer commits */
      b.max_commits = b.commits / 2;
      part_release(&c.del);
      part_release(&c.ins);
      continue;
    }
    position np = m->pos;
    np.is_set = 1;
    np.is_rebuilding = 0;
    np.seq = b.last.seq;
    np.height = b.last.height;
    snprintf(np.block_hash, sizeof np.block_hash, "%s", b.last.block_hash);
    snprintf(np.chain_id, sizeof np.chain_id, "%s", info->cp.chain_id);
    snprintf(np.store_id, sizeof np.store_id, "%s", info->store_id);
    if (st == CUST_OK) {
      st = assemble(&m->body, &c.del, &c.ins, &np);
    }
    size_t ndel = c.del.quads, nins = c.ins.quads;
    part_release(&c.del);
    part_release(&c.ins);
    if (st != CUST_OK) {
      return st;
    }
    uint64_t t0 = cust_now_ms();
    st = send_update(m);
    if (st != CUST_OK) {
      return st;
    }
    uint64_t from = m->pos.is_set ? m->pos.height : 0;
    m->pos = np;
    m->blocks_done += b.commits;
    *sent = 1;
    if (m->pin != NULL) {
      cust_store_pin_log(m->pin, np.seq);
    }
    share(m, 1, NULL);
    cust_log(m->log, CUST_LOG_DEBUG,
             "mirrored heights %llu..%llu (%zu commits, %zu inserted, %zu deleted, %zu bytes%s) "
             "in %llu ms",
             (unsigned long long)from, (unsigned long long)np.height, b.commits, nins, ndel,
             m->body.len, c.parts > 0 ? ", the last of several requests" : "",
             (unsigned long long)(cust_now_ms() - t0));
    return CUST_OK;
  }
}

cust_status cust_mirror_run(cust_mirror *m) {
  cust_status st = CUST_OK;
  if (m->store == NULL) {
    st = cust_store_open(m->cfg.db_path, CUST_STORE_READONLY, m->log, &m->store);
    if (st != CUST_OK) {
      share(m, 0, "cannot open the store");
      return st;
    }
  }
  int need_position = 1;
  m->last_info_ms = cust_now_ms();
  while (!is_stopped(m)) {
    if (need_position) {
      st = read_position(m);
      if (st == CUST_ERR_STOPPED) {
        st = CUST_OK;
        break;
      }
      if (st != CUST_OK) {
        break;
      }
    }
    int began = 0;
    st = cust_store_read_begin(m->store, &began);
    cust_store_log_info info;
    if (st == CUST_OK) {
      st = cust_store_log_state(m->store, &info);
    }
    int is_rebuild = 0, sent = 0;
    if (st == CUST_OK && need_position) {
      st = decide(m, &info, &is_rebuild);
      if (st == CUST_OK && m->pos.is_set && !is_rebuild) {
        cust_log(m->log, CUST_LOG_INFO,
                 "mirror target \"%s\" holds height %llu; resuming after it (store at %llu)",
                 m->cfg.update_url, (unsigned long long)m->pos.height,
                 (unsigned long long)info.cp.height);
      }
    }
    need_position = 0;
    if (st == CUST_OK && is_rebuild) {
      st = rebuild(m, &info);
      sent = 1;
    } else if (st == CUST_OK) {
      st = step(m, &info, &sent);
    }
    cust_store_read_end(m->store, began);
    if (st == CUST_ERR_NETWORK) {
      need_position = 1; /* the failed request may have been applied */
      continue;
    }
    if (st == CUST_ERR_STOPPED) {
      st = CUST_OK;
      break;
    }
    if (st != CUST_OK) {
      share(m, 0, cust_strerror(st));
      break;
    }
    uint64_t now = cust_now_ms();
    if (now - m->last_info_ms >= 10000) {
      m->last_info_ms = now;
      cust_log(m->log, CUST_LOG_INFO, "mirror: target at height %llu, store at %llu",
               (unsigned long long)m->pos.height, (unsigned long long)info.cp.height);
    }
    if (!sent) {
      if (m->cfg.is_once) {
        cust_log(m->log, CUST_LOG_INFO,
                 "mirror target \"%s\" holds the store's last commit (height %llu)",
                 m->cfg.update_url, (unsigned long long)m->pos.height);
        break;
      }
      for (uint64_t t = 0; t < m->cfg.poll_ms && !is_stopped(m); t += 20) {
        struct timespec ts = { 0, 20 * 1000000L };
        nanosleep(&ts, NULL);
      }
    }
  }
  if (st == CUST_OK) {
    share(m, 0, NULL);
  }
  return st;
}
