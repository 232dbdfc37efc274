/* The follower: a fetch thread reads blocks ahead (skipping empty ones with
 * /blockchain, batching /block and /block_results, failing over between
 * endpoints) into a bounded queue; a mapping thread maps them in order into a
 * second one; the caller's thread checks each block's chain id and link and
 * commits its changes with the checkpoint. */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chain/chain.h"
#include "index/index.h"

#define WINDOW 20           /* block metas per /blockchain call (the node's limit) */
#define BACKOFF_BASE_MS 100 /* first retry delay */
#define POLL_MIN_MS 50      /* head polling, as a fraction of the block time */
#define POLL_MAX_MS 1000
#define LOG_EVERY_MS 10000      /* plain progress lines when not on a terminal */
#define DRAW_EVERY_MS 250       /* progress line on a terminal */
#define QUEUE_BYTES (64u << 20) /* memory of the blocks fetched ahead, at most */
#define FAILING_AFTER 3         /* failures in a row that make a node "failing" */
#define SPAN_GROW_AFTER 32      /* POSTs answered before a halved batch doubles again */

/* What flows from the fetch thread to the writer, in height order. */
typedef enum item_kind {
  ITEM_BLOCK, /* one block with its results */
  ITEM_EMPTY, /* a run of empty blocks, known from their metas */
  ITEM_END,   /* --until reached */
  ITEM_FATAL  /* the fetcher stopped on an error */
} item_kind;

typedef struct item {
  struct item *next;
  item_kind kind;
  uint64_t from, to;        /* the heights covered */
  char first_last_hash[72]; /* last_block_id.hash of `from` */
  char hash[72];            /* block_id.hash of `to` */
  char chain_id[128];
  char time[48];    /* of `to` */
  size_t endpoint;  /* who served it */
  cust_block block; /* ITEM_BLOCK */
  size_t bytes;     /* memory held, for the queue budget */
  cust_status st;   /* ITEM_FATAL */
  char msg[512];
  /* ITEM_BLOCK once the mapping thread has mapped it (the block itself is
   * then released): its changes, indexed by subject for the overlay */
  int is_mapped;
  cust_changes changes;
  cust_mapper_stats stats;
  uint32_t *by_subject; /* bucket heads, change index + 1; NULL: scan them all */
  uint32_t *next_same;  /* the next change of the bucket, index + 1 */
  size_t nbuckets;      /* a power of two */
  int in_overlay;       /* freed by overlay_drop, never by its holder */
  struct item *ov_next;
} item;

/* A queue of items between two threads, in height order. */
typedef struct queue {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  item *head, *tail;
  size_t len;
  size_t bytes; /* memory held by the queued items */
} queue;

struct cust_index {
  cust_index_config cfg;
  cust_store *store;
  cust_mapper *mapper;
  cust_index_shared *shared;
  const cust_logger *log;
  chain_endpoint ep[CUST_MAX_ENDPOINTS];
  size_t nep;
  char chain_id[128];
  char dialect[8];
  int is_connected;
  int has_curl;
  char error[512];  /* the caller's thread */
  char ferror[512]; /* the fetch thread's, handed over in an ITEM_FATAL */
  cust_status fstatus;
  cust_status status; /* of c->error */
  pthread_t fetcher;
  int has_fetcher;
  volatile int stopping; /* the writer tells the fetcher to stop */
  uint64_t rng;

  queue fq; /* fetched blocks, to the mapping thread (or the writer) */
  queue mq; /* mapped blocks, to the writer */

  uint64_t known_head; /* the head, for the writer's progress (under fq.lock) */

  /* Mapping ahead of the writer: a thread maps blocks in chain order while
   * the writer applies earlier ones. Its reads of earlier facts go to
   * `reader` (a read-only handle: what is committed) and then through the
   * overlay: the mapped blocks not committed yet, in height order, whose
   * changes are replayed on what the reader found. */
  pthread_t mapthread;
  int has_mapthread;
  cust_store *reader;
  pthread_mutex_t ovlock;
  item *ov_head, *ov_tail; /* under ovlock; appended by the mapping thread,
                              dropped by the writer once committed */
  cust_arena ov_arena;     /* the mapping thread's scratch for one read */
  cust_quad *ov_res;
  size_t ov_nres, ov_capres;

  /* the fetch thread's own state */
  uint64_t next; /* next height to hand over */
  uint64_t head; /* best known head */
  size_t cur;    /* preferred endpoint */
  uint64_t block_time_ms;
  uint64_t head_seen_ms;
  uint64_t attempt_height; /* "other" errors at this height so far */
  unsigned attempts;
};

/* ---- small helpers ---------------------------------------------------------------- */

static int should_stop(const cust_index *c) {
  return c->stopping || cust_stop_requested;
}

/* Sleeps up to `ms`, waking early on a stop. Returns -1 when stopping. */
static int nap(cust_index *c, uint64_t ms) {
  uint64_t end = cust_now_ms() + ms;
  while (!should_stop(c)) {
    uint64_t now = cust_now_ms();
    if (now >= end) {
      return 0;
    }
    uint64_t d = end - now > 50 ? 50 : end - now;
    struct timespec ts = { 0, (long)d * 1000000L };
    nanosleep(&ts, NULL);
  }
  return -1;
}

static uint64_t poll_ms(const cust_index *c) {
  uint64_t p = c->block_time_ms / 4;
  return p < POLL_MIN_MS ? POLL_MIN_MS : p > POLL_MAX_MS ? POLL_MAX_MS : p;
}

static const char *dialect_name(cust_dialect d) {
  return d == CUST_DIALECT_034 ? "0.34" : d == CUST_DIALECT_037 ? "0.37" : "0.38";
}

static void shared_lock(cust_index *c) {
  if (c->shared != NULL) {
    pthread_mutex_lock(&c->shared->lock);
  }
}

static void shared_unlock(cust_index *c) {
  if (c->shared != NULL) {
    pthread_mutex_unlock(&c->shared->lock);
  }
}

/* Copies an endpoint's health into the shared status. */
static void shared_endpoint(cust_index *c, size_t i) {
  if (c->shared == NULL) {
    return;
  }
  const chain_endpoint *e = &c->ep[i];
  shared_lock(c);
  cust_endpoint_status *s = &c->shared->st.endpoints[i];
  cust_chain_copy_text(s->url, sizeof s->url, e->url);
  s->is_healthy = e->failures == 0;
  s->errors_transient = e->errors_transient;
  s->errors_pruned = e->errors_pruned;
  s->errors_other = e->errors_other;
  s->requests = e->requests;
  shared_unlock(c);
}

static void shared_error(cust_index *c, const char *msg) {
  if (c->shared == NULL) {
    return;
  }
  shared_lock(c);
  cust_chain_copy_text(c->shared->st.last_error, sizeof c->shared->st.last_error, msg);
  shared_unlock(c);
}

/* Records a fatal error: in the fetch thread's buffer when called there,
 * which the writer then reads from the ITEM_FATAL, else in c->error. */
__attribute__((format(printf, 3, 4))) static cust_status set_error(cust_index *c, cust_status st,
                                                                   const char *fmt, ...) {
  int is_fetcher = c->has_fetcher && pthread_equal(pthread_self(), c->fetcher);
  char *buf = is_fetcher ? c->ferror : c->error;
  size_t len = is_fetcher ? sizeof c->ferror : sizeof c->error;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, len, fmt, ap);
  va_end(ap);
  if (is_fetcher) {
    c->fstatus = st;
  } else {
    c->status = st;
  }
  shared_error(c, buf);
  return st;
}

/* ---- the queue ------------------------------------------------------------------ */

static item *item_new(item_kind kind) {
  item *it = calloc(1, sizeof *it);
  if (it != NULL) {
    it->kind = kind;
    cust_block_init(&it->block);
    cust_changes_init(&it->changes);
  }
  return it;
}

static void item_free(item *it) {
  if (it == NULL) {
    return;
  }
  cust_block_release(&it->block);
  cust_changes_release(&it->changes);
  free(it->by_subject);
  free(it->next_same);
  free(it);
}

static void overlay_drop(cust_index *c, uint64_t height);

/* Frees `it` unless the overlay holds it (then overlay_drop will). */
static void item_done(item *it) {
  if (it != NULL && !it->in_overlay) {
    item_free(it);
  }
}

static void queue_init(queue *q) {
  memset(q, 0, sizeof *q);
  pthread_mutex_init(&q->lock, NULL);
  pthread_cond_init(&q->cond, NULL);
}

static void queue_release(queue *q) {
  for (item *it = q->head, *next; it != NULL; it = next) {
    next = it->next;
    item_done(it);
  }
  q->head = q->tail = NULL;
  pthread_mutex_destroy(&q->lock);
  pthread_cond_destroy(&q->cond);
}

static void deadline(struct timespec *ts, uint64_t ms) {
  clock_gettime(CLOCK_REALTIME, ts);
  ts->tv_sec += (time_t)(ms / 1000);
  ts->tv_nsec += (long)(ms % 1000) * 1000000L;
  if (ts->tv_nsec >= 1000000000L) {
    ts->tv_sec++;
    ts->tv_nsec -= 1000000000L;
  }
}

/* Appends `it` to `q`, waiting for room. -1 when stopping (except for an
 * ITEM_FATAL, always handed over): `it` is then the caller's again. */
static int enqueue(cust_index *c, queue *q, item *it) {
  it->bytes = sizeof *it + it->block.arena.total + it->changes.arena.total +
              it->changes.cap * sizeof *it->changes.items;
  pthread_mutex_lock(&q->lock);
  while ((q->len >= c->cfg.queue_blocks || (q->len > 0 && q->bytes >= QUEUE_BYTES)) &&
         !should_stop(c)) {
    struct timespec ts;
    deadline(&ts, 100);
    pthread_cond_timedwait(&q->cond, &q->lock, &ts);
  }
  if (should_stop(c) && it->kind != ITEM_FATAL) {
    pthread_mutex_unlock(&q->lock);
    return -1;
  }
  it->next = NULL;
  if (q->tail != NULL) {
    q->tail->next = it;
  } else {
    q->head = it;
  }
  q->tail = it;
  q->len++;
  q->bytes += it->bytes;
  pthread_cond_broadcast(&q->cond);
  pthread_mutex_unlock(&q->lock);
  return 0;
}

/* The fetcher hands `it` on; consumes it. -1 when stopping. */
static int push(cust_index *c, item *it) {
  if (enqueue(c, &c->fq, it) != 0) {
    item_free(it);
    return -1;
  }
  return 0;
}

/* Takes the head item off the queue and wakes the producer; the caller holds
 * the lock and has checked that there is a head. */
static void unlink_head(queue *q) {
  item *it = q->head;
  q->head = it->next;
  if (q->head == NULL) {
    q->tail = NULL;
  }
  q->len--;
  q->bytes -= it->bytes;
  pthread_cond_broadcast(&q->cond);
}

/* The next item, waiting up to `ms`; NULL when none came. */
static item *pop(queue *q, uint64_t ms) {
  pthread_mutex_lock(&q->lock);
  if (q->head == NULL && ms > 0) {
    struct timespec ts;
    deadline(&ts, ms);
    pthread_cond_timedwait(&q->cond, &q->lock, &ts);
  }
  item *it = q->head;
  if (it != NULL) {
    unlink_head(q);
  }
  pthread_mutex_unlock(&q->lock);
  return it;
}

/* The next item if it is an empty run that continues at `from`. */
static item *pop_empty_at(queue *q, uint64_t from) {
  item *it = NULL;
  pthread_mutex_lock(&q->lock);
  if (q->head != NULL && q->head->kind == ITEM_EMPTY && q->head->from == from) {
    it = q->head;
    unlink_head(q);
  }
  pthread_mutex_unlock(&q->lock);
  return it;
}

/* ---- endpoints ------------------------------------------------------------------- */

/* The outcome of one fetch step. */
typedef enum step { STEP_OK, STEP_RETRY, STEP_FATAL, STEP_STOP } step;

/* The endpoint made progress: it answered /status at the head, or heights
 * were handed over from it. Only progress clears its failures: a node whose
 * /blockchain answers while its block batches fail is still failing. */
static void note_ok(cust_index *c, size_t i) {
  chain_endpoint *e = &c->ep[i];
  if (e->failures >= FAILING_AFTER) {
    cust_log(c->log, CUST_LOG_INFO, "node \"%s\" answers again", e->url);
  }
  e->failures = 0;
  e->ready_ms = 0;
  shared_endpoint(c, i);
}

/* Records a failure of kind `k` and backs the endpoint off. */
static void note_failure(cust_index *c, size_t i, chain_kind k, const char *msg) {
  chain_endpoint *e = &c->ep[i];
  switch (k) {
    case CHAIN_TRANSIENT:
      e->errors_transient++;
      break;
    case CHAIN_PRUNED:
      e->errors_pruned++;
      break;
    case CHAIN_OTHER:
      e->errors_other++;
      break;
    default:
      break;
  }
  e->failures++;
  uint64_t d = cust_chain_backoff_ms(e->failures, BACKOFF_BASE_MS, c->cfg.backoff_max_ms,
                                     cust_chain_rand(&c->rng));
  e->ready_ms = cust_now_ms() + d;
  if (e->failures == FAILING_AFTER || (e->failures > FAILING_AFTER && e->failures % 20 == 0)) {
    cust_log(c->log, CUST_LOG_WARN,
             "node \"%s\" is failing: %u failures in a row without progress (last: %s error: "
             "%s); retrying in %" PRIu64 " ms",
             e->url, e->failures, cust_chain_kind_name(k), msg, d);
  } else {
    cust_log(c->log, CUST_LOG_DEBUG,
             "node \"%s\": %s error (%s); %u in a row, retrying in %" PRIu64 " ms", e->url,
             cust_chain_kind_name(k), msg, e->failures, d);
  }
  shared_endpoint(c, i);
  if (c->shared != NULL) {
    char line[256];
    snprintf(line, sizeof line, "node \"%.120s\": %s error: %.100s", e->url,
             cust_chain_kind_name(k), msg);
    shared_error(c, line);
  }
}

/* Reads an endpoint's /status: its chain, dialect, head and lowest height.
 * Returns STEP_OK, STEP_RETRY (the endpoint failed: backed off),
 * STEP_FATAL (another chain, an unknown version) or STEP_STOP. */
static step read_status(cust_index *c, size_t i, char *msg, size_t msglen) {
  chain_endpoint *e = &c->ep[i];
  char err[256] = "";
  uint64_t lowest = 0;
  cust_status st = cust_chain_endpoint_get(e, "/status", err, sizeof err);
  if (st == CUST_ERR_STOPPED) {
    return STEP_STOP;
  }
  chain_kind k = cust_chain_classify(st != CUST_OK, e->http_status, e->body.data, e->body.len,
                                     &lowest, msg, msglen);
  if (st != CUST_OK) {
    cust_chain_copy_text(msg, msglen, err);
  }
  if (k != CHAIN_OK) {
    note_failure(c, i, k == CHAIN_NOT_YET ? CHAIN_TRANSIENT : k, msg);
    return STEP_RETRY;
  }
  chain_status s;
  if (cust_chain_parse_status(e->body.data, e->body.len, &s, msg, msglen) != CUST_OK) {
    note_failure(c, i, CHAIN_OTHER, msg);
    return STEP_RETRY;
  }
  cust_dialect d;
  if (cust_dialect_from_version(s.version, &d) != CUST_OK) {
    set_error(c, CUST_ERR_UNSUPPORTED,
              "node \"%s\" runs CometBFT \"%s\", which this indexer cannot read (0.34, 0.37 and "
              "0.38 are known): use another node",
              e->url, s.version);
    return STEP_FATAL;
  }
  if (c->chain_id[0] == '\0') {
    cust_chain_copy_text(c->chain_id, sizeof c->chain_id, s.network);
  } else if (strcmp(c->chain_id, s.network) != 0) {
    set_error(c, CUST_ERR_MISMATCH,
              "node \"%s\" serves chain \"%s\" but the index follows \"%s\": remove it from --node "
              "(nothing was written)",
              e->url, s.network, c->chain_id);
    return STEP_FATAL;
  }
  if (!e->has_status) {
    cust_log(c->log, CUST_LOG_DEBUG,
             "node \"%s\": chain \"%s\", CometBFT %s, heights %" PRIu64 "..%" PRIu64, e->url,
             s.network, s.version, s.earliest ? s.earliest : 1, s.latest);
  }
  e->has_status = 1;
  e->dialect = d;
  e->head = s.latest;
  if (s.earliest > e->lowest) {
    e->lowest = s.earliest;
  }
  note_ok(c, i);
  return STEP_OK;
}

/* The endpoint to ask for `height` (0: any): one that may have it, ready
 * soonest, the current one first. Waits until it is ready. -1 when none
 * may have it; -2 when stopping. */
static int pick(cust_index *c, uint64_t height) {
  int best = -1;
  for (size_t i = 0; i < c->nep; i++) {
    const chain_endpoint *e = &c->ep[i];
    if (height != 0 && e->lowest > height) {
      continue;
    }
    if (best < 0 || e->ready_ms < c->ep[best].ready_ms) {
      best = (int)i;
    }
  }
  const chain_endpoint *cur = &c->ep[c->cur];
  if (best >= 0 && cur->ready_ms <= cust_now_ms() && (height == 0 || cur->lowest <= height)) {
    best = (int)c->cur;
  }
  if (best < 0) {
    return -1;
  }
  uint64_t now = cust_now_ms();
  if (c->ep[best].ready_ms > now && nap(c, c->ep[best].ready_ms - now) != 0) {
    return -2;
  }
  return best;
}

static step fatal_pruned(cust_index *c, uint64_t height) {
  char list[384] = "";
  size_t n = 0;
  for (size_t i = 0; i < c->nep && n < sizeof list; i++) {
    int w = snprintf(list + n, sizeof list - n, "%s\"%s\" from %" PRIu64, i ? ", " : "",
                     c->ep[i].url, c->ep[i].lowest);
    if (w < 0) {
      break;
    }
    n += (size_t)w;
  }
  set_error(c, CUST_ERR_NOTFOUND,
            "height %" PRIu64 " is not available on any node (pruned: %s): add an archive node "
            "with --node, or index a new store from a later height with --from-height",
            height, list);
  return STEP_FATAL;
}

/* Learns the head from an endpoint's /status; keeps the block time. */
static step refresh_head(cust_index *c) {
  char msg[256];
  int i = pick(c, 0);
  if (i < 0) {
    return STEP_STOP;
  }
  step s = read_status(c, (size_t)i, msg, sizeof msg);
  if (s != STEP_OK) {
    return s;
  }
  uint64_t h = c->ep[i].head, now = cust_now_ms();
  if (h > c->head) {
    if (c->head_seen_ms != 0 && h - c->head <= 3 && c->head != 0) {
      uint64_t per = (now - c->head_seen_ms) / (h - c->head);
      if (per > 0) {
        c->block_time_ms = (c->block_time_ms * 3 + per) / 4;
      }
    }
    c->head = h;
    c->head_seen_ms = now;
    pthread_mutex_lock(&c->fq.lock);
    c->known_head = h;
    pthread_mutex_unlock(&c->fq.lock);
    shared_lock(c);
    if (c->shared != NULL) {
      c->shared->st.head_height = h;
      c->shared->st.last_head_ms = now;
      c->shared->st.block_time_ms = c->block_time_ms;
    }
    shared_unlock(c);
  }
  return STEP_OK;
}

/* ---- fetching ------------------------------------------------------------------- */

/* An "other" error at `height`: retried on every endpoint a few times, then
 * fatal, since it will not go away by waiting. */
static step other_error(cust_index *c, size_t i, uint64_t height, cust_status st, const char *msg) {
  unsigned limit = (unsigned)(3 * c->nep) < 5 ? 5 : (unsigned)(3 * c->nep);
  if (c->attempt_height != height) {
    c->attempt_height = height;
    c->attempts = 0;
  }
  c->attempts++;
  note_failure(c, i, CHAIN_OTHER, msg);
  if (c->attempts >= limit) {
    set_error(c, st == CUST_OK ? CUST_ERR_REMOTE : st,
              "height %" PRIu64 ": %s (node \"%s\"; %u attempts over %zu node%s): check the node "
              "or add another with --node",
              height, msg, c->ep[i].url, c->attempts, c->nep, c->nep > 1 ? "s" : "");
    return STEP_FATAL;
  }
  return STEP_RETRY;
}

/* Handles the failure of a request for `height` on endpoint i. */
static step failed(cust_index *c, size_t i, uint64_t height, chain_kind k, uint64_t lowest,
                   const char *msg) {
  chain_endpoint *e = &c->ep[i];
  switch (k) {
    case CHAIN_NOT_YET:
      /* not an error: the node is behind or the results are not saved yet */
      e->ready_ms = cust_now_ms() + poll_ms(c);
      return STEP_RETRY;
    case CHAIN_PRUNED:
      e->lowest = lowest > height ? lowest : height + 1;
      e->errors_pruned++;
      cust_log(c->log, c->nep > 1 ? CUST_LOG_INFO : CUST_LOG_DEBUG,
               "node \"%s\" no longer has height %" PRIu64 " (lowest %" PRIu64 ")%s", e->url,
               height, e->lowest, c->nep > 1 ? ": asking another node" : "");
      shared_endpoint(c, i);
      return STEP_RETRY;
    case CHAIN_TRANSIENT:
      note_failure(c, i, k, msg);
      return STEP_RETRY;
    default:
      return other_error(c, i, height, CUST_ERR_REMOTE, msg);
  }
}

/* Reads the metas of [lo, hi]. *have is set when they cover the range, so
 * that empty blocks can be skipped. */
static step fetch_metas(cust_index *c, size_t i, uint64_t lo, uint64_t hi, chain_meta *m,
                        int *have) {
  chain_endpoint *e = &c->ep[i];
  char path[128], err[256] = "", msg[256] = "";
  uint64_t lowest = 0, last = 0;
  *have = 0;
  snprintf(path, sizeof path, "/blockchain?minHeight=%" PRIu64 "&maxHeight=%" PRIu64, lo, hi);
  cust_status st = cust_chain_endpoint_get(e, path, err, sizeof err);
  if (st == CUST_ERR_STOPPED) {
    return STEP_STOP;
  }
  if (st == CUST_ERR_LIMIT) {
    /* the metas only save requests: do without them */
    cust_log(c->log, CUST_LOG_DEBUG,
             "node \"%s\": the metas of heights %" PRIu64 "..%" PRIu64 " are larger than %zu "
             "bytes: fetching every block of them",
             e->url, lo, hi, e->max_answer);
    return STEP_OK;
  }
  chain_kind k = cust_chain_classify(st != CUST_OK, e->http_status, e->body.data, e->body.len,
                                     &lowest, msg, sizeof msg);
  if (st != CUST_OK) {
    cust_chain_copy_text(msg, sizeof msg, err);
  }
  if (k == CHAIN_OTHER) {
    /* an endpoint without /blockchain (a proxy, a light server) still
     * serves blocks: fetch them all */
    cust_log(c->log, CUST_LOG_INFO,
             "node \"%s\" does not serve /blockchain (%s): fetching every "
             "block",
             e->url, msg);
    e->no_blockchain = 1;
    return STEP_OK;
  }
  if (k == CHAIN_NOT_YET) {
    return STEP_OK; /* fetch the blocks; they say what is there */
  }
  if (k != CHAIN_OK) {
    return failed(c, i, lo, k, lowest, msg);
  }
  if (cust_chain_parse_metas(e->body.data, e->body.len, lo, hi, m, &last, msg, sizeof msg) !=
      CUST_OK) {
    note_failure(c, i, CHAIN_TRANSIENT, msg);
    return STEP_RETRY;
  }
  for (uint64_t h = lo; h <= hi; h++) {
    if (!m[h - lo].is_present) {
      return STEP_OK; /* pruned below, or behind above: fetch the blocks */
    }
  }
  for (uint64_t h = lo + 1; h <= hi; h++) {
    if (strcmp(m[h - lo].last_hash, m[h - lo - 1].hash) != 0) {
      set_error(c, CUST_ERR_MISMATCH,
                "node \"%s\" returned block %" PRIu64 " that does not link to block %" PRIu64
                " (last_block_id %s, block %" PRIu64 " is %s): stop using this node (nothing "
                "was written)",
                e->url, h, h - 1, m[h - lo].last_hash, h - 1, m[h - lo - 1].hash);
      return STEP_FATAL;
    }
  }
  *have = 1;
  return STEP_OK;
}

/* Fetches the blocks and results of heights[0..n) from endpoint i in
 * batches, into got[] (items, by position). Stops at the first height that
 * fails; *nok is how many heights succeeded from the start. */
static step fetch_blocks(cust_index *c, size_t i, const uint64_t *heights, size_t n,
                         const chain_meta *metas, uint64_t lo, item **got, size_t *nok) {
  chain_endpoint *e = &c->ep[i];
  chain_req reqs[2 * WINDOW];
  chain_reply replies[2 * WINDOW];
  cust_buf out;
  char err[256] = "", big_msg[320] = "";
  step result = STEP_OK;
  size_t nreq = 2 * n, big_at = SIZE_MAX; /* the request whose answer is too big */
  *nok = 0;
  memset(replies, 0, sizeof replies);
  cust_buf_init(&out);
  for (size_t k = 0; k < n; k++) {
    reqs[2 * k].height = heights[k];
    reqs[2 * k].is_results = 0;
    reqs[2 * k + 1].height = heights[k];
    reqs[2 * k + 1].is_results = 1;
  }
  /* one POST per `span` requests, all to this endpoint */
  if (e->span == 0 || e->span > c->cfg.batch) {
    e->span = c->cfg.batch;
  }
  for (size_t at = 0, m = 0; at < nreq; at += m) {
    m = nreq - at < e->span ? nreq - at : e->span;
    cust_buf_reset(&out);
    if (cust_chain_batch_build(&out, reqs + at, m) != CUST_OK) {
      result = STEP_FATAL;
      set_error(c, CUST_ERR_NOMEM, "out of memory");
      goto cleanup;
    }
    e->is_measuring = m == 1;
    cust_status st = cust_chain_endpoint_post(e, out.data, out.len, err, sizeof err);
    e->is_measuring = 0;
    if (st == CUST_ERR_STOPPED) {
      result = STEP_STOP;
      goto cleanup;
    }
    if (st == CUST_ERR_LIMIT) {
      const chain_req *r0 = &reqs[at];
      if (m > 1) {
        /* halve the batch and ask again, down to one request */
        e->errors_transient++;
        e->failures++;
        shared_endpoint(c, i);
        e->span = (unsigned)(m / 2);
        e->span_ok = 0;
        cust_log(c->log, CUST_LOG_INFO,
                 "node \"%s\": the answer to %zu requests (heights %" PRIu64 "..%" PRIu64
                 ") is larger than %zu bytes: asking %u at a time",
                 e->url, m, r0->height, reqs[at + m - 1].height, e->max_answer, e->span);
        m = 0;
        continue;
      }
      /* the heights before it are handed over; this one is an error */
      snprintf(big_msg, sizeof big_msg,
               "its %s %s %s%zu bytes, over the answer limit of %zu: if the block is that "
               "large, raise --max-response%s",
               r0->is_results ? "results" : "block", r0->is_results ? "are" : "is",
               e->is_size_known ? "" : "more than ", e->answer_size, e->max_answer,
               e->is_size_known ? "" : " (a node that inflates its answers without end is broken)");
      big_at = at;
      break;
    }
    if (st == CUST_OK && e->span < c->cfg.batch && ++e->span_ok >= SPAN_GROW_AFTER) {
      e->span = e->span * 2 < c->cfg.batch ? e->span * 2 : c->cfg.batch;
      e->span_ok = 0;
    }
    if (st != CUST_OK || e->http_status == 429 || e->http_status == 408 || e->http_status >= 502) {
      for (size_t k = at; k < nreq; k++) {
        replies[k].kind = CHAIN_TRANSIENT;
        if (st != CUST_OK) {
          cust_chain_copy_text(replies[k].msg, sizeof replies[k].msg, err);
        } else {
          snprintf(replies[k].msg, sizeof replies[k].msg, "HTTP %ld", e->http_status);
        }
      }
      break;
    }
    if (cust_chain_batch_parse(e->body.data, e->body.len, replies + at, m) != CUST_OK) {
      result = STEP_FATAL;
      set_error(c, CUST_ERR_NOMEM, "out of memory");
      goto cleanup;
    }
    int all_ok = 1;
    for (size_t k = at; k < at + m; k++) {
      all_ok = all_ok && replies[k].kind == CHAIN_OK;
    }
    if (!all_ok) {
      for (size_t k = at + m; k < nreq; k++) {
        replies[k].kind = CHAIN_TRANSIENT;
        cust_chain_copy_text(replies[k].msg, sizeof replies[k].msg, "not asked");
      }
      break;
    }
  }

  for (size_t k = 0; k < n; k++) {
    chain_reply *b = &replies[2 * k], *r = &replies[2 * k + 1];
    uint64_t h = heights[k];
    if (2 * k + 1 >= big_at) {
      result = other_error(c, i, h, CUST_ERR_LIMIT, big_msg);
      goto cleanup;
    }
    if (b->kind != CHAIN_OK || r->kind != CHAIN_OK) {
      chain_reply *bad = b->kind != CHAIN_OK ? b : r;
      result = failed(c, i, h, bad->kind, bad->lowest, bad->msg);
      goto cleanup;
    }
    item *it = item_new(ITEM_BLOCK);
    char why[512];
    if (it == NULL) {
      result = STEP_FATAL;
      set_error(c, CUST_ERR_NOMEM, "out of memory");
      goto cleanup;
    }
    cust_status st =
        cust_block_parse(&it->block, b->json, b->len, r->json, r->len, e->dialect, why, sizeof why);
    if (st == CUST_OK && it->block.height != h) {
      snprintf(why, sizeof why, "asked for block %" PRIu64 ", got %" PRIu64, h, it->block.height);
      st = CUST_ERR_MISMATCH;
    }
    if (st == CUST_OK && metas != NULL && strcmp(it->block.hash, metas[h - lo].hash) != 0) {
      snprintf(why, sizeof why, "block %" PRIu64 " has hash %s but its meta said %s", h,
               it->block.hash, metas[h - lo].hash);
      st = CUST_ERR_MISMATCH;
    }
    if (st != CUST_OK) {
      item_free(it);
      if (st == CUST_ERR_NOMEM) {
        set_error(c, st, "out of memory");
        result = STEP_FATAL;
      } else {
        result = other_error(c, i, h, st, why);
      }
      goto cleanup;
    }
    it->from = it->to = h;
    it->endpoint = i;
    cust_chain_copy_text(it->first_last_hash, sizeof it->first_last_hash, it->block.last_hash);
    cust_chain_copy_text(it->hash, sizeof it->hash, it->block.hash);
    cust_chain_copy_text(it->chain_id, sizeof it->chain_id, it->block.chain_id);
    cust_chain_copy_text(it->time, sizeof it->time, it->block.time);
    got[k] = it;
    *nok = k + 1;
  }
cleanup:
  for (size_t k = 0; k < nreq; k++) {
    cust_chain_reply_clear(&replies[k]);
  }
  cust_buf_release(&out);
  return result;
}

/* One window of at most WINDOW heights from c->next: hands over what it
 * could fetch, in order, and advances c->next. */
static step fetch_window(cust_index *c, uint64_t hi) {
  uint64_t lo = c->next;
  chain_meta metas[WINDOW];
  uint64_t heights[WINDOW];
  item *got[WINDOW];
  size_t n = 0, nok = 0;
  int have = 0;
  step s;

  int i = pick(c, lo);
  if (i == -2) {
    return STEP_STOP;
  }
  if (i < 0) {
    return fatal_pruned(c, lo);
  }
  c->cur = (size_t)i;
  chain_endpoint *e = &c->ep[i];
  if (!e->has_status) {
    char msg[256];
    s = read_status(c, (size_t)i, msg, sizeof msg);
    if (s != STEP_OK || e->lowest > lo) {
      return s == STEP_OK ? STEP_RETRY : s;
    }
  }
  if (!c->cfg.no_skip_empty && !e->no_blockchain && hi > lo) {
    s = fetch_metas(c, (size_t)i, lo, hi, metas, &have);
    if (s != STEP_OK) {
      return s;
    }
  }
  for (uint64_t h = lo; h <= hi; h++) {
    if (!have || metas[h - lo].num_txs > 0) {
      heights[n++] = h;
    }
  }
  memset(got, 0, sizeof got);
  s = STEP_OK;
  if (n > 0) {
    s = fetch_blocks(c, (size_t)i, heights, n, have ? metas : NULL, lo, got, &nok);
  }

  /* hand over, in height order, the empty runs and the fetched blocks */
  size_t k = 0;
  uint64_t h = lo;
  while (h <= hi) {
    if (have && metas[h - lo].num_txs == 0) {
      uint64_t end = h;
      while (end + 1 <= hi && metas[end + 1 - lo].num_txs == 0) {
        end++;
      }
      item *it = item_new(ITEM_EMPTY);
      if (it == NULL) {
        s = STEP_FATAL;
        set_error(c, CUST_ERR_NOMEM, "out of memory");
        break;
      }
      it->from = h;
      it->to = end;
      it->endpoint = (size_t)i;
      cust_chain_copy_text(it->first_last_hash, sizeof it->first_last_hash,
                           metas[h - lo].last_hash);
      cust_chain_copy_text(it->hash, sizeof it->hash, metas[end - lo].hash);
      cust_chain_copy_text(it->chain_id, sizeof it->chain_id, metas[end - lo].chain_id);
      cust_chain_copy_text(it->time, sizeof it->time, metas[end - lo].time);
      if (push(c, it) != 0) {
        s = STEP_STOP;
        break;
      }
      h = end + 1;
      c->next = h;
      continue;
    }
    if (k >= nok) {
      break; /* the fetch stopped here */
    }
    item *it = got[k];
    got[k++] = NULL;
    if (push(c, it) != 0) {
      s = STEP_STOP;
      break;
    }
    h++;
    c->next = h;
  }
  for (size_t j = 0; j < WINDOW; j++) {
    item_free(got[j]);
  }
  if (c->next > c->attempt_height) {
    c->attempts = 0;
  }
  if (s == STEP_OK && c->next > lo) {
    note_ok(c, (size_t)i);
  }
  return s;
}

static void *fetch_main(void *arg) {
  cust_index *c = arg;
  step s = STEP_OK;
  uint64_t until = c->cfg.until;
  pthread_mutex_lock(&c->fq.lock); /* waits until c->fetcher is set */
  pthread_mutex_unlock(&c->fq.lock);
  while (!should_stop(c)) {
    if (until != 0 && c->next > until) {
      item *it = item_new(ITEM_END);
      if (it != NULL) {
        push(c, it);
      }
      return NULL;
    }
    uint64_t target = until != 0 && until < c->head ? until : c->head;
    if (c->next > target) {
      /* at the head: poll for the next block */
      if (nap(c, poll_ms(c)) != 0) {
        break;
      }
      s = refresh_head(c);
    } else {
      uint64_t hi = c->next + WINDOW - 1 < target ? c->next + WINDOW - 1 : target;
      s = fetch_window(c, hi);
    }
    if (s == STEP_FATAL) {
      item *it = item_new(ITEM_FATAL);
      if (it != NULL) {
        cust_chain_copy_text(it->msg, sizeof it->msg, c->ferror);
        it->st = c->fstatus != CUST_OK ? c->fstatus : CUST_ERR_REMOTE;
        push(c, it);
      }
      return NULL;
    }
    if (s == STEP_STOP) {
      break;
    }
  }
  return NULL;
}

/* ---- lifecycle -------------------------------------------------------------------- */

void cust_index_config_init(cust_index_config *c) {
  memset(c, 0, sizeof *c);
}

cust_status cust_index_new(const cust_index_config *cfg, cust_store *store, cust_mapper *mapper,
                           cust_index_shared *shared, const cust_logger *log, cust_index **out) {
  cust_status st = CUST_OK;
  *out = NULL;
  if (cfg == NULL || store == NULL || cfg->nnodes == 0 || cfg->nnodes > CUST_MAX_ENDPOINTS ||
      cfg->batch > 10) {
    cust_log(log, CUST_LOG_ERROR, "the follower needs 1 to %d nodes and a batch of 1 to 10",
             CUST_MAX_ENDPOINTS);
    return CUST_ERR_INVALID;
  }
  cust_index *c = calloc(1, sizeof *c);
  if (c == NULL) {
    return CUST_ERR_NOMEM;
  }
  c->cfg = *cfg;
  c->cfg.nodes = NULL;
  if (c->cfg.batch == 0) {
    c->cfg.batch = 10;
  }
  if (c->cfg.timeout_ms == 0) {
    c->cfg.timeout_ms = 15000;
  }
  if (c->cfg.backoff_max_ms == 0) {
    c->cfg.backoff_max_ms = 10000;
  }
  if (c->cfg.startup_ms == 0) {
    c->cfg.startup_ms = 30000;
  }
  if (c->cfg.queue_blocks == 0) {
    c->cfg.queue_blocks = 256;
  }
  c->store = store;
  c->mapper = mapper;
  c->shared = shared;
  c->log = log;
  c->block_time_ms = 1000;
  c->rng = cust_now_ms() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)c;
  queue_init(&c->fq);
  queue_init(&c->mq);
  pthread_mutex_init(&c->ovlock, NULL);
  cust_arena_init(&c->ov_arena, 0);
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    free(c);
    cust_log(log, CUST_LOG_ERROR, "libcurl could not start");
    return CUST_ERR_INTERNAL;
  }
  c->has_curl = 1;
  for (size_t i = 0; i < cfg->nnodes; i++) {
    st = cust_chain_endpoint_init(&c->ep[i], cfg->nodes[i], c->cfg.timeout_ms, c->cfg.max_response,
                                  &c->stopping, &cust_stop_requested);
    c->nep = i + 1;
    if (st != CUST_OK) {
      char shown[256];
      cust_log(log, CUST_LOG_ERROR, "node \"%s\": %s",
               cust_url_redact(cfg->nodes[i], 1, shown, sizeof shown),
               st == CUST_ERR_INVALID ? "not an http:// or https:// URL" : cust_strerror(st));
      cust_index_free(c);
      return st;
    }
  }
  if (shared != NULL) {
    pthread_mutex_lock(&shared->lock);
    shared->st.nendpoints = c->nep;
    shared->st.block_time_ms = c->block_time_ms;
    pthread_mutex_unlock(&shared->lock);
    for (size_t i = 0; i < c->nep; i++) {
      shared_endpoint(c, i);
    }
  }
  *out = c;
  return CUST_OK;
}

void cust_index_free(cust_index *c) {
  if (c == NULL) {
    return;
  }
  for (size_t i = 0; i < c->nep; i++) {
    cust_chain_endpoint_release(&c->ep[i]);
  }
  queue_release(&c->fq);
  queue_release(&c->mq);
  overlay_drop(c, UINT64_MAX);
  pthread_mutex_destroy(&c->ovlock);
  cust_arena_release(&c->ov_arena);
  free(c->ov_res);
  if (c->has_curl) {
    curl_global_cleanup();
  }
  free(c);
}

const char *cust_index_error(const cust_index *c) {
  return c != NULL ? c->error : "";
}

const char *cust_index_chain_id(const cust_index *c) {
  return c != NULL ? c->chain_id : "";
}

void cust_index_set_mapper(cust_index *c, cust_mapper *mapper) {
  c->mapper = mapper;
}

cust_status cust_index_connect(cust_index *c) {
  char msg[256] = "";
  uint64_t deadline = cust_now_ms() + c->cfg.startup_ms;
  if (c->is_connected) {
    return CUST_OK;
  }
  for (;;) {
    int any = 0;
    for (size_t i = 0; i < c->nep; i++) {
      if (c->ep[i].has_status) {
        any = 1;
        continue;
      }
      step s = read_status(c, i, msg, sizeof msg);
      if (s == STEP_FATAL) {
        return c->status != CUST_OK ? c->status : CUST_ERR_MISMATCH;
      }
      if (s == STEP_STOP) {
        return CUST_ERR_STOPPED;
      }
      any = any || s == STEP_OK;
    }
    if (any) {
      break;
    }
    if (cust_now_ms() >= deadline) {
      return set_error(c, CUST_ERR_NETWORK,
                       "no node answered /status (%s: %s): check --node and that the node "
                       "runs",
                       c->ep[c->nep - 1].url, msg);
    }
    cust_log(c->log, CUST_LOG_INFO, "waiting for a node to answer (%s: %s)", c->ep[c->nep - 1].url,
             msg);
    if (nap(c, 1000) != 0) {
      return CUST_ERR_STOPPED;
    }
  }
  for (size_t i = 0; i < c->nep; i++) {
    if (c->ep[i].has_status) {
      cust_chain_copy_text(c->dialect, sizeof c->dialect, dialect_name(c->ep[i].dialect));
      if (c->ep[i].head > c->head) {
        c->head = c->ep[i].head;
      }
    }
  }
  c->head_seen_ms = cust_now_ms();
  c->known_head = c->head;

  cust_checkpoint cp;
  cust_status st = cust_store_checkpoint(c->store, &cp);
  if (st != CUST_OK) {
    return set_error(c, st, "cannot read the checkpoint of the store: %s", cust_strerror(st));
  }
  if (cp.chain_id[0] != '\0' && strcmp(cp.chain_id, c->chain_id) != 0) {
    return set_error(c, CUST_ERR_MISMATCH,
                     "the store follows chain \"%s\" but the node serves \"%s\": use a node of "
                     "\"%s\", or another --db for \"%s\"",
                     cp.chain_id, c->chain_id, cp.chain_id, c->chain_id);
  }
  st = cust_store_bind_chain(c->store, c->chain_id);
  if (st != CUST_OK) {
    return set_error(c, st, "cannot bind the store to chain \"%s\": %s", c->chain_id,
                     cust_strerror(st));
  }
  if (c->shared != NULL) {
    shared_lock(c);
    cust_chain_copy_text(c->shared->st.chain_id, sizeof c->shared->st.chain_id, c->chain_id);
    cust_chain_copy_text(c->shared->st.dialect, sizeof c->shared->st.dialect, c->dialect);
    c->shared->st.head_height = c->head;
    c->shared->st.last_head_ms = c->head_seen_ms;
    c->shared->st.indexed_height = cp.height;
    shared_unlock(c);
  }
  c->is_connected = 1;
  return CUST_OK;
}

/* ---- mapping ahead of the writer ------------------------------------------------ */

static uint64_t subject_hash(const cust_term *t) {
  uint64_t h = 1469598103934665603ull ^ (uint64_t)t->kind;
  for (size_t i = 0; i < t->len; i++) {
    h = (h ^ (unsigned char)t->value[i]) * 1099511628211ull;
  }
  return h;
}

static int same_text(const char *a, const char *b) {
  return (a == NULL || a[0] == '\0') ? (b == NULL || b[0] == '\0')
                                     : (b != NULL && strcmp(a, b) == 0);
}

/* Term equality as the store sees it: a language tag wins over a datatype,
 * and an empty tag or datatype is none. */
static int same_term(const cust_term *a, const cust_term *b) {
  if (a->kind != b->kind || a->len != b->len ||
      (a->len > 0 && memcmp(a->value, b->value, a->len) != 0)) {
    return 0;
  }
  if (a->kind != CUST_TERM_LITERAL) {
    return 1;
  }
  if (!same_text(a->lang, b->lang)) {
    return 0;
  }
  return (a->lang != NULL && a->lang[0] != '\0') || same_text(a->datatype, b->datatype);
}

/* Does quad q match `pat` (NONE: any; a NONE graph in `pat`: any graph)? */
static int matches(const cust_quad *pat, const cust_quad *q) {
  return (pat->s.kind == CUST_TERM_NONE || same_term(&pat->s, &q->s)) &&
         (pat->p.kind == CUST_TERM_NONE || same_term(&pat->p, &q->p)) &&
         (pat->o.kind == CUST_TERM_NONE || same_term(&pat->o, &q->o)) &&
         (pat->g.kind == CUST_TERM_NONE || same_term(&pat->g, &q->g));
}

/* Indexes a mapped block's changes by subject, so that a read of the
 * overlay probes one bucket per block. Without memory, reads scan them all. */
static void index_changes(item *it) {
  size_t n = it->changes.len, nb = 16;
  if (n == 0 || n >= UINT32_MAX) {
    return;
  }
  while (nb < 2 * n) {
    nb *= 2;
  }
  it->by_subject = calloc(nb, sizeof *it->by_subject);
  it->next_same = malloc(n * sizeof *it->next_same);
  if (it->by_subject == NULL || it->next_same == NULL) {
    free(it->by_subject);
    free(it->next_same);
    it->by_subject = it->next_same = NULL;
    return;
  }
  it->nbuckets = nb;
  /* backwards, so that each bucket lists its changes in chain order */
  for (size_t i = n; i-- > 0;) {
    size_t b = (size_t)subject_hash(&it->changes.items[i].q.s) & (nb - 1);
    it->next_same[i] = it->by_subject[b];
    it->by_subject[b] = (uint32_t)(i + 1);
  }
}

static cust_status copy_term_to(cust_arena *a, cust_term *dst, const cust_term *src) {
  *dst = *src;
  if (src->kind == CUST_TERM_NONE) {
    return CUST_OK;
  }
  dst->value = cust_arena_strndup(a, src->value != NULL ? src->value : "", src->len);
  dst->lang = src->lang != NULL ? cust_arena_strdup(a, src->lang) : NULL;
  dst->datatype = src->datatype != NULL ? cust_arena_strdup(a, src->datatype) : NULL;
  if (dst->value == NULL || (src->lang != NULL && dst->lang == NULL) ||
      (src->datatype != NULL && dst->datatype == NULL)) {
    return CUST_ERR_NOMEM;
  }
  return CUST_OK;
}

/* Adds q to the read's results (copied when `copy`: rows of the reader
 * live only until its next step). */
static cust_status result_add(cust_index *c, const cust_quad *q, int copy) {
  if (cust_grow(&c->ov_res, c->ov_nres, &c->ov_capres, sizeof *c->ov_res, 16) != CUST_OK) {
    return CUST_ERR_NOMEM;
  }
  cust_quad *r = &c->ov_res[c->ov_nres];
  if (!copy) {
    *r = *q;
  } else if (copy_term_to(&c->ov_arena, &r->s, &q->s) != CUST_OK ||
             copy_term_to(&c->ov_arena, &r->p, &q->p) != CUST_OK ||
             copy_term_to(&c->ov_arena, &r->o, &q->o) != CUST_OK ||
             copy_term_to(&c->ov_arena, &r->g, &q->g) != CUST_OK) {
    return CUST_ERR_NOMEM;
  }
  c->ov_nres++;
  return CUST_OK;
}

typedef struct reader_collect {
  cust_index *c;
  cust_status st;
} reader_collect;

static int reader_cb(void *ud, const cust_quad *q) {
  reader_collect *rc = ud;
  rc->st = result_add(rc->c, q, 1);
  return rc->st != CUST_OK;
}

/* Replays one change of an uncommitted block on the read's results. */
static cust_status replay(cust_index *c, const cust_quad *pat, const cust_change *ch) {
  const cust_quad *q = &ch->q;
  if (ch->kind == CUST_CHANGE_REMOVE_SP) {
    size_t k = 0;
    for (size_t i = 0; i < c->ov_nres; i++) {
      const cust_quad *r = &c->ov_res[i];
      int is_gone =
          same_term(&r->s, &q->s) && same_term(&r->p, &q->p) &&
          (q->g.kind == CUST_TERM_NONE ? r->g.kind == CUST_TERM_NONE : same_term(&r->g, &q->g));
      if (!is_gone) {
        c->ov_res[k++] = *r;
      }
    }
    c->ov_nres = k;
    return CUST_OK;
  }
  if (!matches(pat, q)) {
    return CUST_OK;
  }
  for (size_t i = 0; i < c->ov_nres; i++) {
    const cust_quad *r = &c->ov_res[i];
    if (same_term(&r->s, &q->s) && same_term(&r->p, &q->p) && same_term(&r->o, &q->o) &&
        same_term(&r->g, &q->g)) {
      return CUST_OK; /* stored once */
    }
  }
  /* the item stays in the overlay while the lock is held: borrow its terms */
  return result_add(c, q, 0);
}

/* The mapping thread's view: what the reader finds in the committed store,
 * with the changes of the mapped blocks not committed yet replayed on it in
 * chain order. Replaying a block that the store already holds changes
 * nothing (its additions are there, its removals were followed by the same
 * additions), so a commit between the two steps is harmless; the writer
 * drops a block from the overlay only after its commit, and not while a
 * read holds ovlock. */
static cust_status overlay_find(void *ud, const cust_quad *pat, cust_quad_fn fn, void *fn_ud) {
  cust_index *c = ud;
  reader_collect rc = { c, CUST_OK };
  cust_arena_reset(&c->ov_arena);
  c->ov_nres = 0;
  pthread_mutex_lock(&c->ovlock);
  cust_status st = cust_store_find(c->reader, pat, reader_cb, &rc);
  if (st == CUST_OK) {
    st = rc.st;
  }
  int by_subject = pat->s.kind != CUST_TERM_NONE;
  uint64_t h = by_subject ? subject_hash(&pat->s) : 0;
  for (item *it = c->ov_head; it != NULL && st == CUST_OK; it = it->ov_next) {
    const cust_change *items = it->changes.items;
    if (by_subject && it->by_subject != NULL) {
      for (uint32_t i = it->by_subject[h & (it->nbuckets - 1)]; i != 0 && st == CUST_OK;
           i = it->next_same[i - 1]) {
        if (same_term(&items[i - 1].q.s, &pat->s)) {
          st = replay(c, pat, &items[i - 1]);
        }
      }
    } else {
      for (size_t i = 0; i < it->changes.len && st == CUST_OK; i++) {
        if (!by_subject || same_term(&items[i].q.s, &pat->s)) {
          st = replay(c, pat, &items[i]);
        }
      }
    }
  }
  for (size_t i = 0; i < c->ov_nres && st == CUST_OK; i++) {
    if (fn(fn_ud, &c->ov_res[i]) != 0) {
      break;
    }
  }
  pthread_mutex_unlock(&c->ovlock);
  return st;
}

static void overlay_append(cust_index *c, item *it) {
  pthread_mutex_lock(&c->ovlock);
  it->in_overlay = 1;
  it->ov_next = NULL;
  if (c->ov_tail != NULL) {
    c->ov_tail->ov_next = it;
  } else {
    c->ov_head = it;
  }
  c->ov_tail = it;
  pthread_mutex_unlock(&c->ovlock);
}

/* Frees the overlay's blocks up to `height`, which the store now holds. */
static void overlay_drop(cust_index *c, uint64_t height) {
  pthread_mutex_lock(&c->ovlock);
  while (c->ov_head != NULL && c->ov_head->to <= height) {
    item *it = c->ov_head;
    c->ov_head = it->ov_next;
    if (c->ov_head == NULL) {
      c->ov_tail = NULL;
    }
    item_free(it);
  }
  pthread_mutex_unlock(&c->ovlock);
}

/* The mapping thread: maps each fetched block in chain order and hands it to
 * the writer. A block that cannot be mapped (out of memory, a failing read)
 * goes on as an ITEM_FATAL, and the thread stops there. */
static void *map_main(void *arg) {
  cust_index *c = arg;
  cust_graph_view view = { c, overlay_find };
  while (!should_stop(c)) {
    item *it = pop(&c->fq, 200);
    if (it == NULL) {
      continue;
    }
    item_kind kind = it->kind;
    if (kind == ITEM_BLOCK) {
      memset(&it->stats, 0, sizeof it->stats);
      cust_status st =
          cust_mapper_map_block(c->mapper, &it->block, &view, &it->changes, &it->stats);
      if (st != CUST_OK) {
        snprintf(it->msg, sizeof it->msg, "cannot map block %" PRIu64 ": %s", it->from,
                 cust_strerror(st));
        it->st = st;
        it->kind = kind = ITEM_FATAL;
      } else {
        it->is_mapped = 1;
        cust_block_release(&it->block);
        cust_block_init(&it->block);
        index_changes(it);
        overlay_append(c, it);
      }
    }
    if (enqueue(c, &c->mq, it) != 0) {
      item_done(it);
      break;
    }
    if (kind == ITEM_END || kind == ITEM_FATAL) {
      break;
    }
  }
  return NULL;
}

/* ---- the writer ----------------------------------------------------------------- */

/* Progress and rates, kept by the writer. */
typedef struct progress {
  uint64_t start_ms;
  uint64_t last_rate_ms, last_draw_ms, last_log_ms;
  uint64_t rate_blocks, rate_triples; /* totals at last_rate_ms */
  uint64_t blocks, triples;           /* totals */
  uint64_t logged_height;
  double blocks_per_s, triples_per_s;
  int has_line;
} progress;

static void show_progress(cust_index *c, progress *p, const cust_checkpoint *cp, int force) {
  uint64_t now = cust_now_ms();
  if (now - p->last_rate_ms >= 1000) {
    double dt = (double)(now - p->last_rate_ms) / 1000.0;
    double b = (double)(p->blocks - p->rate_blocks) / dt;
    double t = (double)(p->triples - p->rate_triples) / dt;
    p->blocks_per_s = p->blocks_per_s == 0 ? b : 0.5 * p->blocks_per_s + 0.5 * b;
    p->triples_per_s = p->triples_per_s == 0 ? t : 0.5 * p->triples_per_s + 0.5 * t;
    p->rate_blocks = p->blocks;
    p->rate_triples = p->triples;
    p->last_rate_ms = now;
  }
  shared_lock(c);
  if (c->shared != NULL) {
    c->shared->st.blocks_per_s = p->blocks_per_s;
    c->shared->st.triples_per_s = p->triples_per_s;
  }
  shared_unlock(c);
  pthread_mutex_lock(&c->fq.lock);
  uint64_t head = c->known_head;
  pthread_mutex_unlock(&c->fq.lock);
  uint64_t target = c->cfg.until != 0 && (c->cfg.until < head || head == 0) ? c->cfg.until : head;
  if (target < cp->height) {
    target = cp->height;
  }
  char eta[32] = "-";
  if (p->blocks_per_s > 0.5 && target > cp->height) {
    uint64_t secs = (uint64_t)((double)(target - cp->height) / p->blocks_per_s);
    snprintf(eta, sizeof eta, "%" PRIu64 ":%02" PRIu64 ":%02" PRIu64, secs / 3600, secs / 60 % 60,
             secs % 60);
  }
  if (c->cfg.is_tty) {
    if (force || now - p->last_draw_ms >= DRAW_EVERY_MS) {
      fprintf(stderr,
              "\r\033[Kheight %" PRIu64 " / %" PRIu64 "  %.0f blocks/s  %.0f triples/s  "
              "ETA %s",
              cp->height, target, p->blocks_per_s, p->triples_per_s, eta);
      fflush(stderr);
      p->has_line = 1;
      p->last_draw_ms = now;
    }
  } else if (!force && now - p->last_log_ms >= LOG_EVERY_MS && cp->height != p->logged_height) {
    cust_log(c->log, CUST_LOG_INFO,
             "indexed height %" PRIu64 " of %" PRIu64 " (%.0f blocks/s, %.0f triples/s, eta %s)",
             cp->height, target, p->blocks_per_s, p->triples_per_s, eta);
    p->logged_height = cp->height;
    p->last_log_ms = now;
  }
}

/* The checks every item passes before anything of it is written. */
static cust_status check_item(cust_index *c, const item *it, const cust_checkpoint *cp,
                              uint64_t expected) {
  const char *url = c->ep[it->endpoint].url;
  if (it->from != expected) {
    return set_error(c, CUST_ERR_INTERNAL, "expected height %" PRIu64 " but got %" PRIu64, expected,
                     it->from);
  }
  if (strcmp(it->chain_id, c->chain_id) != 0) {
    return set_error(c, CUST_ERR_MISMATCH,
                     "node \"%s\" served block %" PRIu64 " of chain \"%s\" but the index follows "
                     "\"%s\": remove it from --node (nothing was written)",
                     url, it->from, it->chain_id, c->chain_id);
  }
  if (cp->block_hash[0] != '\0' && cp->height + 1 == it->from &&
      strcmp(it->first_last_hash, cp->block_hash) != 0) {
    return set_error(c, CUST_ERR_MISMATCH,
                     "block %" PRIu64 " from node \"%s\" does not link to block %" PRIu64
                     " of the store (its last_block_id is \"%s\", the store holds \"%s\"): the "
                     "node follows another chain or fork; check --node (nothing was written)",
                     it->from, url, cp->height, it->first_last_hash, cp->block_hash);
  }
  return CUST_OK;
}

/* A group: consecutive blocks written in one store transaction, committed
 * with the checkpoint of its last block, so that the store only ever holds
 * whole blocks up to its checkpoint. A group grows while the writer lags
 * behind the fetcher, up to these limits; it is committed as soon as the
 * queue runs dry, so a writer that keeps up commits every block. */
#define GROUP_BLOCKS 64
#define GROUP_CHANGES 50000
#define GROUP_MS 500

typedef struct group {
  int is_open;
  uint64_t start_ms;
  uint64_t blocks, changes; /* blocks covered, quads changed */
  cust_mapper_stats stats;
  cust_checkpoint cp; /* of its last block */
} group;

static cust_status group_add(cust_index *c, group *g, const cust_changes *changes,
                             uint64_t height) {
  cust_status st = CUST_OK;
  if (!g->is_open) {
    st = cust_store_begin(c->store);
    if (st != CUST_OK) {
      return set_error(c, st, "cannot write height %" PRIu64 " to the store: %s", height,
                       cust_strerror(st));
    }
    g->is_open = 1;
    g->start_ms = cust_now_ms();
  }
  if (changes != NULL && changes->len > 0) {
    st = cust_store_apply(c->store, changes);
  }
  if (st != CUST_OK) {
    cust_store_rollback(c->store);
    g->is_open = 0;
    return set_error(c, st, "cannot write height %" PRIu64 " to the store: %s%s", height,
                     cust_strerror(st),
                     st == CUST_ERR_FULL ? ": free some space and run again, it resumes" : "");
  }
  return CUST_OK;
}

/* Commits the open group (nothing when none is open) and moves *cp on. */
static cust_status group_commit(cust_index *c, group *g, cust_checkpoint *cp, progress *p) {
  if (!g->is_open) {
    return CUST_OK;
  }
  g->is_open = 0;
  cust_status st = cust_store_set_checkpoint(c->store, &g->cp);
  if (st == CUST_OK) {
    st = cust_store_commit(c->store);
  }
  if (st != CUST_OK) {
    cust_store_rollback(c->store);
    return set_error(c, st, "cannot write height %" PRIu64 " to the store: %s%s", g->cp.height,
                     cust_strerror(st),
                     st == CUST_ERR_FULL ? ": free some space and run again, it resumes" : "");
  }
  cust_log(c->log, CUST_LOG_DEBUG, "committed heights %" PRIu64 "..%" PRIu64 " (%" PRIu64 " quads)",
           cp->height + 1, g->cp.height, g->changes);
  *cp = g->cp;
  overlay_drop(c, cp->height);
  p->blocks += g->blocks;
  p->triples += g->changes;
  shared_lock(c);
  if (c->shared != NULL) {
    cust_index_status *s = &c->shared->st;
    s->indexed_height = cp->height;
    s->blocks_total += g->blocks;
    s->triples_total += g->changes;
    s->credentials += g->stats.credentials;
    s->rejections += g->stats.rejections;
    s->failed += g->stats.failed;
    s->last_progress_ms = cust_now_ms();
    if (s->head_height < cp->height) {
      s->head_height = cp->height;
    }
  }
  shared_unlock(c);
  g->blocks = g->changes = 0;
  memset(&g->stats, 0, sizeof g->stats);
  show_progress(c, p, cp, 0);
  return CUST_OK;
}

/* Commits what the open group holds after an error of a later block (so the
 * store keeps every good block before it) and returns that error. */
static cust_status group_fail(cust_index *c, group *g, cust_checkpoint *cp, progress *p,
                              cust_status err) {
  (void)group_commit(c, g, cp, p);
  return err;
}

static cust_status write_loop(cust_index *c, cust_checkpoint *cp, uint64_t start) {
  cust_changes changes;
  cust_graph_view view = cust_store_view(c->store);
  progress p;
  group g;
  cust_status st = CUST_OK;
  uint64_t expected = start;
  queue *q = c->has_mapthread ? &c->mq : &c->fq;
  memset(&p, 0, sizeof p);
  memset(&g, 0, sizeof g);
  g.cp = *cp;
  p.start_ms = p.last_rate_ms = p.last_log_ms = cust_now_ms();
  cust_changes_init(&changes);
  while (!cust_stop_requested) {
    item *it = pop(q, g.is_open ? 0 : 200);
    if (it == NULL) {
      if (g.is_open) {
        st = group_commit(c, &g, cp, &p);
        if (st != CUST_OK) {
          break;
        }
      } else {
        show_progress(c, &p, cp, 0);
      }
      continue;
    }
    if (it->kind == ITEM_END) {
      item_done(it);
      break;
    }
    if (it->kind == ITEM_FATAL) {
      cust_chain_copy_text(c->error, sizeof c->error, it->msg);
      shared_error(c, c->error);
      st = it->st;
      item_done(it);
      st = group_fail(c, &g, cp, &p, st);
      break;
    }
    st = check_item(c, it, &g.cp, expected);
    if (st != CUST_OK) {
      item_done(it);
      st = group_fail(c, &g, cp, &p, st);
      break;
    }
    cust_mapper_stats stats;
    memset(&stats, 0, sizeof stats);
    cust_changes_reset(&changes);
    const cust_changes *applied = &changes;
    if (it->kind == ITEM_EMPTY) {
      /* runs of empty blocks that follow are written together */
      item *more;
      while ((more = pop_empty_at(q, it->to + 1)) != NULL) {
        if (strcmp(more->first_last_hash, it->hash) != 0 ||
            strcmp(more->chain_id, it->chain_id) != 0) {
          st = set_error(c, CUST_ERR_MISMATCH,
                         "block %" PRIu64 " from node \"%s\" does not link to block %" PRIu64
                         ": check --node (nothing was written)",
                         more->from, c->ep[more->endpoint].url, more->from - 1);
          item_free(more);
          break;
        }
        it->to = more->to;
        cust_chain_copy_text(it->hash, sizeof it->hash, more->hash);
        cust_chain_copy_text(it->time, sizeof it->time, more->time);
        item_free(more);
      }
      if (st != CUST_OK) {
        item_free(it);
        st = group_fail(c, &g, cp, &p, st);
        break;
      }
    } else if (it->is_mapped) {
      applied = &it->changes;
      stats = it->stats;
    } else {
      st = cust_mapper_map_block(c->mapper, &it->block, &view, &changes, &stats);
      if (st != CUST_OK) {
        set_error(c, st, "cannot map block %" PRIu64 ": %s", it->from, cust_strerror(st));
        item_done(it);
        st = group_fail(c, &g, cp, &p, st);
        break;
      }
    }
    st = group_add(c, &g, it->kind == ITEM_BLOCK ? applied : NULL, it->to);
    if (st != CUST_OK) {
      item_done(it);
      break;
    }
    g.cp.height = it->to;
    cust_chain_copy_text(g.cp.block_hash, sizeof g.cp.block_hash, it->hash);
    cust_chain_copy_text(g.cp.chain_id, sizeof g.cp.chain_id, c->chain_id);
    cust_chain_copy_text(g.cp.block_time, sizeof g.cp.block_time, it->time);
    g.blocks += it->to - it->from + 1;
    g.changes += applied->len;
    g.stats.credentials += stats.credentials;
    g.stats.rejections += stats.rejections;
    g.stats.failed += stats.failed;
    expected = it->to + 1;
    item_done(it);
    if (g.blocks >= GROUP_BLOCKS || g.changes >= GROUP_CHANGES ||
        cust_now_ms() - g.start_ms >= GROUP_MS) {
      st = group_commit(c, &g, cp, &p);
      if (st != CUST_OK) {
        break;
      }
    }
  }
  if (st == CUST_OK) {
    /* stopping: the blocks in hand are committed */
    st = group_commit(c, &g, cp, &p);
  } else if (g.is_open) {
    cust_store_rollback(c->store);
  }
  show_progress(c, &p, cp, 1);
  if (p.has_line) {
    fputc('\n', stderr);
  }
  double secs = (double)(cust_now_ms() - p.start_ms) / 1000.0;
  cust_log(c->log, p.blocks > 0 || st == CUST_OK ? CUST_LOG_INFO : CUST_LOG_DEBUG,
           "indexed up to height %" PRIu64 ": %" PRIu64 " blocks and %" PRIu64 " triples in %.1f s",
           cp->height, p.blocks, p.triples, secs);
  cust_changes_release(&changes);
  return st;
}

cust_status cust_index_run(cust_index *c) {
  cust_checkpoint cp;
  cust_status st;
  if (c->mapper == NULL) {
    return set_error(c, CUST_ERR_INVALID, "the follower has no mapper");
  }
  c->error[0] = '\0';
  st = cust_index_connect(c);
  if (st == CUST_ERR_STOPPED) {
    return CUST_OK;
  }
  if (st != CUST_OK) {
    return st;
  }
  st = cust_store_checkpoint(c->store, &cp);
  if (st != CUST_OK) {
    return set_error(c, st, "cannot read the checkpoint of the store: %s", cust_strerror(st));
  }
  uint64_t start = cp.height + 1;
  if (cp.height == 0) {
    start = c->cfg.from_height ? c->cfg.from_height : 1;
  } else if (c->cfg.from_height != 0 && c->cfg.from_height != start) {
    cust_log(c->log, CUST_LOG_WARN,
             "ignoring --from-height %" PRIu64 ": the store holds heights up to %" PRIu64
             ", resuming at %" PRIu64,
             c->cfg.from_height, cp.height, start);
  }
  if (c->cfg.until != 0 && start > c->cfg.until) {
    cust_log(c->log, CUST_LOG_INFO, "the store is already at height %" PRIu64 ": nothing to do",
             cp.height);
    return CUST_OK;
  }
  cust_log(c->log, CUST_LOG_INFO,
           "following chain \"%s\" from height %" PRIu64 " (head %" PRIu64 ", CometBFT %s, %zu "
           "node%s)",
           c->chain_id, start, c->head, c->dialect, c->nep, c->nep > 1 ? "s" : "");
  shared_lock(c);
  if (c->shared != NULL) {
    c->shared->st.is_running = 1;
    c->shared->st.last_progress_ms = cust_now_ms();
  }
  shared_unlock(c);

  c->next = start;
  c->stopping = 0;
  c->ferror[0] = '\0';
  c->fstatus = CUST_OK;
  /* blocks are mapped ahead on a thread of their own when a second, read-only
   * handle on the store can be opened; otherwise the writer maps them */
  if (cust_store_open_reader(c->store, &c->reader) == CUST_OK) {
    c->has_mapthread = 1;
    if (pthread_create(&c->mapthread, NULL, map_main, c) != 0) {
      c->has_mapthread = 0;
    }
  }
  if (!c->has_mapthread) {
    cust_log(c->log, CUST_LOG_DEBUG, "blocks are mapped by the writer");
  }
  /* the fetcher may run before pthread_create returns: hold the queue lock
   * so that it sees c->fetcher set before its first push */
  pthread_mutex_lock(&c->fq.lock);
  c->has_fetcher = 1;
  if (pthread_create(&c->fetcher, NULL, fetch_main, c) != 0) {
    c->has_fetcher = 0;
    pthread_mutex_unlock(&c->fq.lock);
    st = set_error(c, CUST_ERR_INTERNAL, "cannot start the fetch thread");
  } else {
    pthread_mutex_unlock(&c->fq.lock);
    st = write_loop(c, &cp, start);
  }
  c->stopping = 1;
  queue *qs[2] = { &c->fq, &c->mq };
  for (int i = 0; i < 2; i++) {
    pthread_mutex_lock(&qs[i]->lock);
    pthread_cond_broadcast(&qs[i]->cond);
    pthread_mutex_unlock(&qs[i]->lock);
  }
  if (c->has_fetcher) {
    pthread_join(c->fetcher, NULL);
    c->has_fetcher = 0;
  }
  if (c->has_mapthread) {
    pthread_join(c->mapthread, NULL);
    c->has_mapthread = 0;
  }
  for (int i = 0; i < 2; i++) {
    for (item *it; (it = pop(qs[i], 0)) != NULL;) {
      item_done(it);
    }
  }
  overlay_drop(c, UINT64_MAX);
  cust_store_close(c->reader);
  c->reader = NULL;
  shared_lock(c);
  if (c->shared != NULL) {
    c->shared->st.is_running = 0;
  }
  shared_unlock(c);
  return st;
}
