/* Unit tests of the indexer: the follower in-process against the devnet,
 * directly and through a loopback proxy that breaks its batch answers (not
 * JSON, too large, a gzip bomb). */
#include "config.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include "devnet/devnet.h"
#include "index/index.h"
#include "tap.h"

static void test_new(void) {
  cust_index *c = (cust_index *)1;
  cust_index_config cfg;
  cust_index_config_init(&cfg);
  const char *bad[] = { "ftp://x" };
  cfg.nodes = bad;
  cfg.nnodes = 1;
  ok(cust_index_new(&cfg, NULL, NULL, NULL, NULL, &c) == CUST_ERR_INVALID && c == NULL,
     "no store refused");
  cust_index_free(NULL);
  is_str(cust_index_error(NULL), "", "no chain, no error");
}

/* ---- the follower in-process, against the devnet ---------------------------------- */

static void remove_store(const char *path) {
  char p[600];
  unlink(path);
  snprintf(p, sizeof p, "%s-wal", path);
  unlink(p);
  snprintf(p, sizeof p, "%s-shm", path);
  unlink(p);
}

/* What a test changes of the follower's configuration. */
typedef struct follow_opts {
  size_t max_response;
  uint64_t backoff_max_ms;
  const cust_logger *log;
} follow_opts;

/* Indexes `url` into the store at `path` until `until`; returns the status
 * of cust_index_run and the checkpoint and shared status it left. */
static cust_status follow_with(const char *url, const char *path, uint64_t until,
                               const follow_opts *fo, cust_checkpoint *cp, cust_index_status *out,
                               char *err, size_t errlen) {
  cust_store *s = NULL;
  cust_mapper *m = NULL;
  cust_index *c = NULL;
  cust_index_shared shared;
  cust_index_config cfg;
  const char *nodes[] = { url };
  memset(&shared, 0, sizeof shared);
  memset(cp, 0, sizeof *cp);
  pthread_mutex_init(&shared.lock, NULL);
  cust_index_config_init(&cfg);
  cfg.nodes = nodes;
  cfg.nnodes = 1;
  cfg.until = until;
  cfg.startup_ms = 2000;
  if (fo != NULL) {
    cfg.max_response = fo->max_response;
    cfg.backoff_max_ms = fo->backoff_max_ms;
  }
  const cust_logger *log = fo != NULL ? fo->log : NULL;
  err[0] = '\0';
  cust_status st = cust_store_open(path, CUST_STORE_CREATE, NULL, &s);
  if (st == CUST_OK) {
    st = cust_index_new(&cfg, s, NULL, &shared, log, &c);
  }
  if (st == CUST_OK) {
    st = cust_index_connect(c);
  }
  if (st == CUST_OK) {
    cust_mapper_config mc;
    memset(&mc, 0, sizeof mc);
    mc.chain_id = cust_index_chain_id(c);
    st = cust_mapper_new(&mc, NULL, &m);
  }
  if (st == CUST_OK) {
    cust_index_set_mapper(c, m);
    st = cust_index_run(c);
  }
  if (c != NULL) {
    snprintf(err, errlen, "%s", cust_index_error(c));
  }
  if (s != NULL) {
    cust_store_checkpoint(s, cp);
  }
  *out = shared.st;
  cust_index_free(c);
  cust_mapper_free(m);
  cust_store_close(s);
  pthread_mutex_destroy(&shared.lock);
  return st;
}

static cust_status follow(const char *url, const char *path, uint64_t until, cust_checkpoint *cp,
                          cust_index_status *out, char *err, size_t errlen) {
  return follow_with(url, path, until, NULL, cp, out, err, errlen);
}

/* A logger into a temporary file, read back by log_text. */
static FILE *log_open(cust_logger *log) {
  FILE *f = tmpfile();
  cust_logger_init(log, f, CUST_LOG_DEBUG);
  return f;
}

/* What was logged so far (static; cut at 64 KiB). */
static const char *log_text(FILE *f) {
  static char text[65536];
  size_t n = 0;
  text[0] = '\0';
  if (f != NULL) {
    fflush(f);
    rewind(f);
    n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
  }
  return text;
}

/* ---- a loopback proxy in front of the devnet that breaks batch answers -------------- */

typedef enum px_mode {
  PX_BAD_JSON, /* every POST is answered with cut-off JSON; GETs pass */
  PX_PAD,      /* answers to POSTs of more than `pad_above` requests get `pad` spaces more */
  PX_PAD_AT,   /* answers to POSTs that ask for `height` get `pad` spaces more */
  PX_BOMB_AT   /* answers to POSTs that ask for `height` are a gzip bomb */
} px_mode;

typedef struct proxy {
  struct MHD_Daemon *mhd;
  char url[64];
  const char *upstream;
  px_mode mode;
  size_t pad;
  unsigned pad_above;
  uint64_t height;
  unsigned stop_after;           /* PX_BAD_JSON: request a stop after this many broken answers */
  atomic_uint posts_by_size[11]; /* POSTs seen, by number of requests */
  atomic_uint broken;            /* answers broken on purpose */
  atomic_uint blockchain_ok;     /* /blockchain answers passed on with status 200 */
  unsigned char *bomb;
  size_t bomb_len;
} proxy;

typedef struct px_conn {
  cust_buf body;
} px_conn;

static size_t px_collect(char *p, size_t size, size_t n, void *ud) {
  return cust_buf_append(ud, p, size * n) == CUST_OK ? size * n : 0;
}

static enum MHD_Result px_arg(void *ud, enum MHD_ValueKind kind, const char *key,
                              const char *value) {
  (void)kind;
  cust_buf_printf(ud, "%s%s=%s", strchr(((cust_buf *)ud)->data, '?') ? "&" : "?", key,
                  value ? value : "");
  return MHD_YES;
}

/* Asks the devnet; the answer in `out`, its status returned (0: none). */
static long px_forward(const proxy *px, const char *path, const cust_buf *post, cust_buf *out) {
  long code = 0;
  CURL *h = curl_easy_init();
  if (h == NULL) {
    return 0;
  }
  char url[1024];
  snprintf(url, sizeof url, "%s%s", px->upstream, path);
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, px_collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
  if (post != NULL) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, post->data);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)post->len);
  }
  if (curl_easy_perform(h) == CURLE_OK) {
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  }
  curl_easy_cleanup(h);
  return code;
}

static enum MHD_Result px_send(struct MHD_Connection *mc, long code, const void *data, size_t len,
                               int is_gzip) {
  struct MHD_Response *r =
      MHD_create_response_from_buffer(len, (void *)(uintptr_t)data, MHD_RESPMEM_MUST_COPY);
  if (r == NULL) {
    return MHD_NO;
  }
  MHD_add_response_header(r, "Content-Type", "application/json");
  if (is_gzip) {
    MHD_add_response_header(r, "Content-Encoding", "gzip");
  }
  enum MHD_Result ret = MHD_queue_response(mc, (unsigned)code, r);
  MHD_destroy_response(r);
  return ret;
}

static int px_asks_height(const cust_buf *post, uint64_t h) {
  char needle[64];
  snprintf(needle, sizeof needle, "\"height\":\"%llu\"", (unsigned long long)h);
  return post->data != NULL && strstr(post->data, needle) != NULL;
}

static enum MHD_Result px_request(void *cls, struct MHD_Connection *mc, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls) {
  proxy *px = cls;
  (void)version;
  if (*con_cls == NULL) {
    px_conn *c = calloc(1, sizeof *c);
    if (c == NULL) {
      return MHD_NO;
    }
    cust_buf_init(&c->body);
    cust_buf_puts(&c->body, "");
    *con_cls = c;
    return MHD_YES;
  }
  px_conn *c = *con_cls;
  if (*upload_size > 0) {
    cust_buf_append(&c->body, upload, *upload_size);
    *upload_size = 0;
    return MHD_YES;
  }
  cust_buf path, answer;
  cust_buf_init(&path);
  cust_buf_init(&answer);
  cust_buf_puts(&path, url);
  enum MHD_Result ret;
  if (strcmp(method, "POST") != 0) {
    MHD_get_connection_values(mc, MHD_GET_ARGUMENT_KIND, px_arg, &path);
    long code = px_forward(px, path.data, NULL, &answer);
    if (code == 200 && strcmp(url, "/blockchain") == 0) {
      atomic_fetch_add(&px->blockchain_ok, 1);
    }
    ret = px_send(mc, code ? code : 502, answer.data, answer.len, 0);
  } else {
    unsigned nreq = 0;
    for (const char *p = c->body.data; (p = strstr(p, "\"method\"")) != NULL; p++) {
      nreq++;
    }
    atomic_fetch_add(&px->posts_by_size[nreq < 10 ? nreq : 10], 1);
    if (px->mode == PX_BAD_JSON) {
      static const char cut[] = "[{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{\"block_id\":{";
      if (atomic_fetch_add(&px->broken, 1) + 1 >= px->stop_after && px->stop_after > 0) {
        cust_stop_requested = 1;
      }
      ret = px_send(mc, 200, cut, sizeof cut - 1, 0);
    } else if (px->mode == PX_BOMB_AT && px_asks_height(&c->body, px->height)) {
      atomic_fetch_add(&px->broken, 1);
      ret = px_send(mc, 200, px->bomb, px->bomb_len, 1);
    } else {
      long code = px_forward(px, "/", &c->body, &answer);
      int is_padded = (px->mode == PX_PAD && nreq > px->pad_above) ||
                      (px->mode == PX_PAD_AT && px_asks_height(&c->body, px->height));
      if (is_padded) {
        atomic_fetch_add(&px->broken, 1);
        for (size_t i = 0; i < px->pad; i++) {
          cust_buf_putc(&answer, ' ');
        }
      }
      ret = px_send(mc, code ? code : 502, answer.data, answer.len, 0);
    }
  }
  cust_buf_release(&path);
  cust_buf_release(&answer);
  return ret;
}

static void px_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
  (void)cls;
  (void)mc;
  (void)toe;
  px_conn *c = *con_cls;
  if (c != NULL) {
    cust_buf_release(&c->body);
    free(c);
    *con_cls = NULL;
  }
}

/* gzip of `n` spaces: a few KiB that inflate to n bytes */
static unsigned char *gzip_spaces(size_t n, size_t *len) {
  z_stream z;
  memset(&z, 0, sizeof z);
  if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
    return NULL;
  }
  static unsigned char chunk[65536];
  memset(chunk, ' ', sizeof chunk);
  size_t cap = n / 500 + 4096;
  unsigned char *out = malloc(cap);
  z.next_out = out;
  z.avail_out = (uInt)cap;
  for (size_t done = 0; out != NULL && done < n; done += sizeof chunk) {
    z.next_in = chunk;
    z.avail_in = (uInt)(n - done < sizeof chunk ? n - done : sizeof chunk);
    deflate(&z, Z_NO_FLUSH);
  }
  if (out != NULL && deflate(&z, Z_FINISH) != Z_STREAM_END) {
    free(out);
    out = NULL;
  }
  *len = out != NULL ? cap - z.avail_out : 0;
  deflateEnd(&z);
  return out;
}

static int proxy_start(proxy *px, const char *upstream, px_mode mode) {
  memset(px, 0, sizeof *px);
  px->upstream = upstream;
  px->mode = mode;
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  px->mhd =
      MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL,
                       NULL, px_request, px, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                       MHD_OPTION_NOTIFY_COMPLETED, px_completed, px, MHD_OPTION_END);
  if (px->mhd == NULL) {
    return -1;
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(px->mhd, MHD_DAEMON_INFO_BIND_PORT);
  snprintf(px->url, sizeof px->url, "http://127.0.0.1:%u", info != NULL ? info->port : 0);
  return 0;
}

static void proxy_stop(proxy *px) {
  if (px->mhd != NULL) {
    MHD_stop_daemon(px->mhd);
  }
  free(px->bomb);
  memset(px, 0, sizeof *px);
}

static void test_follow(void) {
  cust_devnet_config dc;
  cust_devnet *full = NULL, *pruned = NULL;
  char dir[] = "/tmp/custodian-test-chain.XXXXXX";
  char path[128], path2[128], err[512];
  cust_checkpoint cp;
  cust_index_status st;
  if (mkdtemp(dir) == NULL) {
    ok(0, "a temporary folder");
    return;
  }
  snprintf(path, sizeof path, "%s/a.db", dir);
  snprintf(path2, sizeof path2, "%s/b.db", dir);
  cust_devnet_config_init(&dc);
  dc.listen = "127.0.0.1:0";
  dc.blocks = 40;
  dc.block_time_ms = 0;
  dc.seed = 11;
  ok(cust_devnet_start(&dc, NULL, &full) == CUST_OK, "a devnet starts");
  dc.earliest = 10;
  ok(cust_devnet_start(&dc, NULL, &pruned) == CUST_OK, "a pruned devnet starts");
  if (full == NULL || pruned == NULL) {
    cust_devnet_stop(full);
    cust_devnet_stop(pruned);
    return;
  }

  ok(follow(cust_devnet_url(full), path, 25, &cp, &st, err, sizeof err) == CUST_OK,
     "index until 25: %s", err);
  is_int(cp.height, 25, "the checkpoint is at 25");
  is_str(cp.chain_id, "axone-devnet-1", "the checkpoint names the chain");
  ok(strlen(cp.block_hash) == 64, "the checkpoint holds the block hash");
  is_int(st.indexed_height, 25, "the shared status has the indexed height");
  is_int(st.head_height, 40, "and the head");
  is_str(st.chain_id, "axone-devnet-1", "and the chain id");
  is_str(st.dialect, "0.38", "and the dialect");
  is_int(st.blocks_total, 25, "and the blocks indexed");
  ok(st.triples_total > 0, "and the triples written (%llu)", (unsigned long long)st.triples_total);
  is_int(st.nendpoints, 1, "one endpoint");
  ok(st.endpoints[0].requests > 0 && st.endpoints[0].is_healthy, "its requests are counted");
  is_int(st.is_running, 0, "not running after the run");

  ok(follow(cust_devnet_url(full), path, 40, &cp, &st, err, sizeof err) == CUST_OK,
     "resume until 40: %s", err);
  is_int(cp.height, 40, "the checkpoint is at 40");
  is_int(st.blocks_total, 15, "only the 15 new blocks were indexed");

  ok(follow(cust_devnet_url(pruned), path2, 40, &cp, &st, err, sizeof err) == CUST_ERR_NOTFOUND,
     "a pruned node alone fails");
  ok(strstr(err, "height 1 is not available") != NULL, "naming the height: %s", err);
  is_int(cp.height, 0, "nothing was written");
  ok(strstr(st.last_error, "not available") != NULL, "the shared status has the error");

  /* a node failing half of its answers: every error is counted by kind,
   * and the index still reaches the height */
  cust_devnet *faulty = NULL;
  char path3[128];
  snprintf(path3, sizeof path3, "%s/c.db", dir);
  dc.earliest = 0;
  dc.blocks = 12;
  dc.faults = 0.5;
  ok(cust_devnet_start(&dc, NULL, &faulty) == CUST_OK, "a faulty devnet starts");
  if (faulty != NULL) {
    ok(follow(cust_devnet_url(faulty), path3, 12, &cp, &st, err, sizeof err) == CUST_OK,
       "a faulty node is followed to the end: %s", err);
    is_int(cp.height, 12, "every height is indexed");
    ok(st.endpoints[0].errors_transient > 0, "transient errors are counted (%llu of %llu)",
       (unsigned long long)st.endpoints[0].errors_transient,
       (unsigned long long)st.endpoints[0].requests);
    is_int(st.endpoints[0].errors_pruned, 0, "none of them is taken for pruning");
  }

  cust_devnet_stop(full);
  cust_devnet_stop(pruned);
  cust_devnet_stop(faulty);
  remove_store(path);
  remove_store(path2);
  remove_store(path3);
  rmdir(dir);
}

/* Batches that fail while /blockchain answers: the node is counted as
 * failing (warning, status, error counters), its failures not cleared. */
static void test_failing_batches(const char *upstream, const char *dir) {
  proxy px;
  char path[160], err[512];
  cust_checkpoint cp;
  cust_index_status st;
  cust_logger log;
  snprintf(path, sizeof path, "%s/bad-json.db", dir);
  if (proxy_start(&px, upstream, PX_BAD_JSON) != 0) {
    ok(0, "a proxy starts");
    return;
  }
  px.stop_after = 6;
  FILE *lf = log_open(&log);
  follow_opts fo = { .backoff_max_ms = 400, .log = &log };
  cust_status rc = follow_with(px.url, path, 12, &fo, &cp, &st, err, sizeof err);
  cust_stop_requested = 0;
  ok(rc == CUST_OK, "a run over broken batches ends on the stop request: %s", err);
  ok(atomic_load(&px.broken) >= 6, "six batches were broken (%u)", atomic_load(&px.broken));
  ok(atomic_load(&px.blockchain_ok) >= 1, "while /blockchain answered (%u times)",
     atomic_load(&px.blockchain_ok));
  is_int(cp.height, 1, "nothing past the empty height 1 was written");
  ok(!st.endpoints[0].is_healthy, "the status shows the node unhealthy");
  ok(st.endpoints[0].errors_transient >= 5, "each broken batch is a counted error (%llu)",
     (unsigned long long)st.endpoints[0].errors_transient);
  const char *text = log_text(lf);
  ok(strstr(text, "is failing: 3 failures in a row without progress") != NULL,
     "the failing-node warning is logged");
  ok(strstr(text, "not JSON") != NULL, "and says what is wrong");
  ok(strstr(st.last_error, "not JSON") != NULL, "the status has the last error: %s", st.last_error);
  if (lf != NULL) {
    fclose(lf);
  }
  proxy_stop(&px);
  remove_store(path);
}

/* Batch answers over --max-response are split in halves down to one
 * request; one block over it is an error naming the height, the size and
 * the flag; a gzip bomb is cut at the limit. */
static void test_split(const char *upstream, const char *dir, const cust_checkpoint *want) {
  proxy px;
  char path[160], err[512];
  cust_checkpoint cp;
  cust_index_status st;
  cust_logger log;
  snprintf(path, sizeof path, "%s/split.db", dir);
  if (proxy_start(&px, upstream, PX_PAD) != 0) {
    ok(0, "a proxy starts");
    return;
  }
  px.pad = 300 * 1024;
  px.pad_above = 2;
  FILE *lf = log_open(&log);
  follow_opts fo = { .max_response = 256 * 1024, .backoff_max_ms = 200, .log = &log };
  ok(follow_with(px.url, path, 40, &fo, &cp, &st, err, sizeof err) == CUST_OK,
     "answers over the limit are split and the index completes: %s", err);
  is_int(cp.height, 40, "every height is indexed");
  is_str(cp.block_hash, want->block_hash, "to the same block as without the proxy");
  ok(atomic_load(&px.posts_by_size[10]) >= 1 && atomic_load(&px.posts_by_size[5]) >= 1 &&
         atomic_load(&px.posts_by_size[2]) >= 1,
     "batches of 10, then 5, then 2 requests were asked (%u, %u, %u)",
     atomic_load(&px.posts_by_size[10]), atomic_load(&px.posts_by_size[5]),
     atomic_load(&px.posts_by_size[2]));
  const char *text = log_text(lf);
  ok(strstr(text, "asking 5 at a time") != NULL && strstr(text, "asking 2 at a time") != NULL,
     "each split is logged");
  ok(st.endpoints[0].errors_transient >= 2, "and counted (%llu)",
     (unsigned long long)st.endpoints[0].errors_transient);
  ok(st.endpoints[0].is_healthy, "a node whose batches split fine ends healthy");
  if (lf != NULL) {
    fclose(lf);
  }
  proxy_stop(&px);
  remove_store(path);

  /* one block over the limit */
  snprintf(path, sizeof path, "%s/one-big.db", dir);
  if (proxy_start(&px, upstream, PX_PAD_AT) != 0) {
    ok(0, "a proxy starts");
    return;
  }
  px.pad = 300 * 1024;
  px.height = 3;
  fo.log = NULL;
  ok(follow_with(px.url, path, 40, &fo, &cp, &st, err, sizeof err) == CUST_ERR_LIMIT,
     "a block over the limit stops the index with CUST_ERR_LIMIT");
  ok(strstr(err, "height 3") != NULL && strstr(err, "262144") != NULL &&
         strstr(err, "--max-response") != NULL,
     "naming the height, the limit and the flag: %s", err);
  ok(strstr(err, " bytes, over the answer limit") != NULL && strstr(err, "more than") == NULL,
     "and the size of the answer");
  is_int(cp.height, 2, "every height before it is committed");
  ok(atomic_load(&px.posts_by_size[1]) >= 1, "it was asked alone before giving up");
  proxy_stop(&px);
  remove_store(path);

  /* a gzip bomb: 64 MiB of spaces in about 64 KiB */
  snprintf(path, sizeof path, "%s/bomb.db", dir);
  if (proxy_start(&px, upstream, PX_BOMB_AT) != 0) {
    ok(0, "a proxy starts");
    return;
  }
  px.height = 3;
  px.bomb = gzip_spaces((size_t)64 << 20, &px.bomb_len);
  ok(px.bomb != NULL && px.bomb_len < (size_t)256 * 1024, "a gzip bomb of %zu bytes", px.bomb_len);
  ok(follow_with(px.url, path, 40, &fo, &cp, &st, err, sizeof err) == CUST_ERR_LIMIT,
     "a gzip bomb is cut at the limit and stops the index");
  ok(strstr(err, "height 3") != NULL && strstr(err, "more than") != NULL &&
         strstr(err, "--max-response") != NULL,
     "the error names the height and the flag: %s", err);
  is_int(cp.height, 2, "every height before it is committed");
  ok(st.endpoints[0].errors_other >= 1 && !st.endpoints[0].is_healthy,
     "the node is counted as failing");
  proxy_stop(&px);
  remove_store(path);
}

static void test_faulty_batches(void) {
  cust_devnet_config dc;
  cust_devnet *dn = NULL;
  char dir[] = "/tmp/custodian-test-proxy.XXXXXX";
  char path[160], err[512];
  cust_checkpoint cp;
  cust_index_status st;
  if (mkdtemp(dir) == NULL) {
    ok(0, "a temporary folder");
    return;
  }
  cust_devnet_config_init(&dc);
  dc.listen = "127.0.0.1:0";
  dc.blocks = 40;
  dc.block_time_ms = 0;
  dc.seed = 11;
  if (cust_devnet_start(&dc, NULL, &dn) != CUST_OK) {
    ok(0, "a devnet starts");
    rmdir(dir);
    return;
  }
  snprintf(path, sizeof path, "%s/direct.db", dir);
  ok(follow(cust_devnet_url(dn), path, 40, &cp, &st, err, sizeof err) == CUST_OK,
     "the devnet indexes directly: %s", err);
  remove_store(path);
  test_failing_batches(cust_devnet_url(dn), dir);
  test_split(cust_devnet_url(dn), dir, &cp);
  cust_devnet_stop(dn);
  rmdir(dir);
}

int main(void) {
  test_new();
  test_follow();
  test_faulty_batches();
  return done_testing();
}
