/* The engine: a pool of worker processes that run queries, and the time and
 * size limits (the answer cache is the server's: http/cache.c). A query
 * stops itself at its deadline (eval.c checks it as it goes); its worker is
 * killed (SIGKILL) and replaced all the same when it overruns, so that no
 * query, however it spends its time or memory, holds the server.
 *
 * Processes. SQLite keeps per-process state (its open files and their
 * locks) that a fork() copies but cannot use: a worker forked from a process
 * that had the store open takes its WAL locks on a stale descriptor. So
 * cust_sparql_new forks and execs the program itself (/proc/self/exe) in a
 * hidden mode, the spawner: a fresh single-threaded process that never opens
 * the store, reads its socket on fd 3 and forks a worker per request. Each
 * worker forbids itself new sockets (seccomp), bounds its memory, opens its
 * own read-only store handle on its first request (retrying with backoff
 * while the writer creates or checkpoints the store) and answers requests one
 * at a time over a socket pair:
 *
 *   frame    = u32 length (host order), payload
 *   request  = query accept format max_results max_bytes open_wait_ms
 *              ndefault {iri} nnamed {iri} nbind {name kind value lang datatype}
 *              timeout_ms
 *   response = status content_type height is_retiring file_len body
 *
 * where each field is a u32 length then the bytes (0xFFFFFFFF: absent) and
 * numbers are decimal text. An answer larger than INLINE_MAX is not in the
 * frame: the worker writes it to an unlinked temporary file ($TMPDIR, else
 * /tmp) and passes the descriptor with the frame (SCM_RIGHTS); file_len is its
 * length (absent when the body is inline). A worker that answered a 5xx
 * (the store could not be opened or read, out of memory) sets is_retiring and
 * exits; its slot starts a new worker for the next query.
 *
 * Lifetimes: workers die with the spawner (PR_SET_PDEATHSIG, which fires
 * when the parent *thread* exits: the spawner has only one) and when their
 * socket closes; the spawner exits when its socket closes, which the
 * engine's process does on cust_sparql_free or by dying. Both ignore SIGINT
 * and SIGTERM, so that a terminal's ^C lets the server finish its answers. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/syscall.h>
#endif

#include "sparql/sparql_int.h"

#define DEFAULT_TIMEOUT_MS 10000
#define DEFAULT_MAX_RESULTS 100000
#define DEFAULT_MAX_QUERY (1024 * 1024)
#define DEFAULT_WORKERS 2
#define DEFAULT_MAX_MEMORY ((size_t)2 * 1024 * 1024 * 1024)
#define DEFAULT_MAX_RESULT_BYTES ((uint64_t)256 * 1024 * 1024)
#define MAX_FRAME (64u * 1024 * 1024)
#define INLINE_MAX (1024u * 1024) /* larger answers travel in a file */
#define MAX_OPEN_WAIT_MS 5000
#define ABSENT 0xFFFFFFFFu
#define SPAWNER_ARG "--internal-sparql-spawner"
#define SPAWNER_FD 3

/* ---- framing ------------------------------------------------------------------- */

static cust_status put_field(cust_buf *b, const char *s, size_t n) {
  uint32_t len = s ? (uint32_t)n : ABSENT;
  cust_status st = cust_buf_append(b, &len, sizeof len);
  return st == CUST_OK && s ? cust_buf_append(b, s, n) : st;
}

static cust_status put_str(cust_buf *b, const char *s) {
  return put_field(b, s, s ? strlen(s) : 0);
}

static cust_status put_num(cust_buf *b, uint64_t v) {
  char tmp[24];
  int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
  return put_field(b, tmp, (size_t)n);
}

typedef struct reader {
  const char *p, *end;
  cust_arena *arena;
  int is_bad;
} reader;

/* A NUL-terminated copy in the arena, or NULL when absent. */
static const char *get_str(reader *rd, size_t *len) {
  uint32_t n;
  if (rd->is_bad || (size_t)(rd->end - rd->p) < sizeof n) {
    rd->is_bad = 1;
    return NULL;
  }
  memcpy(&n, rd->p, sizeof n);
  rd->p += sizeof n;
  if (n == ABSENT) {
    return NULL;
  }
  if ((size_t)(rd->end - rd->p) < n) {
    rd->is_bad = 1;
    return NULL;
  }
  char *s = cust_arena_strndup(rd->arena, rd->p, n);
  rd->p += n;
  if (s == NULL) {
    rd->is_bad = 1;
  }
  if (len != NULL) {
    *len = n;
  }
  return s;
}

static uint64_t get_num(reader *rd) {
  const char *s = get_str(rd, NULL);
  return s ? strtoull(s, NULL, 10) : 0;
}

static int write_all(int fd, const void *data, size_t n) {
  const char *p = data;
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) {
      continue;
    }
    if (w <= 0) {
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int send_frame(int fd, const cust_buf *b) {
  uint32_t len = (uint32_t)b->len;
  if (write_all(fd, &len, sizeof len) != 0) {
    return -1;
  }
  return write_all(fd, b->data, b->len);
}

/* Receives what is there (at most n bytes), keeping a descriptor passed
 * with it in *passed (when passed is not NULL; a second one is closed). */
static ssize_t recv_some(int fd, void *data, size_t n, int *passed) {
  if (passed == NULL) {
    return read(fd, data, n);
  }
  struct msghdr msg;
  struct iovec iov = { .iov_base = data, .iov_len = n };
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = u.buf;
  msg.msg_controllen = sizeof u.buf;
  ssize_t r = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
  for (struct cmsghdr *c = r >= 0 ? CMSG_FIRSTHDR(&msg) : NULL; c != NULL;
       c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
        c->cmsg_len >= CMSG_LEN(sizeof(int))) {
      int got;
      memcpy(&got, CMSG_DATA(c), sizeof got);
      if (*passed < 0) {
        *passed = got;
      } else {
        close(got);
      }
    }
  }
  return r;
}

/* Reads n bytes before `deadline_ms` (0: no deadline). Returns 0, -1 on
 * EOF or error, -2 on timeout. */
static int read_all(int fd, void *data, size_t n, uint64_t deadline_ms, int *passed) {
  char *p = data;
  while (n > 0) {
    if (deadline_ms != 0) {
      uint64_t now = cust_now_ms();
      if (now >= deadline_ms) {
        return -2;
      }
      struct pollfd pfd = { .fd = fd, .events = POLLIN };
      int pr = poll(&pfd, 1, (int)(deadline_ms - now));
      if (pr < 0 && errno == EINTR) {
        continue;
      }
      if (pr == 0) {
        return -2;
      }
      if (pr < 0) {
        return -1;
      }
    }
    ssize_t r = recv_some(fd, p, n, passed);
    if (r < 0 && errno == EINTR) {
      continue;
    }
    if (r <= 0) {
      return -1;
    }
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

/* A frame into `b`, and the descriptor sent with it into *passed (-1 when
 * none; NULL: none expected); same returns as read_all. */
static int recv_frame(int fd, cust_buf *b, uint64_t deadline_ms, int *passed) {
  uint32_t len;
  if (passed != NULL) {
    *passed = -1;
  }
  int rc = read_all(fd, &len, sizeof len, deadline_ms, passed);
  if (rc != 0) {
    return rc;
  }
  if (len > MAX_FRAME) {
    return -1;
  }
  cust_buf_reset(b);
  if (cust_buf_reserve(b, len) != CUST_OK) {
    return -1;
  }
  rc = read_all(fd, b->data, len, deadline_ms, passed);
  if (rc == 0) {
    b->len = len;
    b->data[len] = '\0';
  }
  return rc;
}

/* sendmsg of `n` bytes with the descriptor `fd` attached (none when
 * fd < 0); the bytes sent, or -1. */
static ssize_t send_with_fd(int sock, const void *data, size_t n, int fd) {
  struct msghdr msg;
  struct iovec iov = { .iov_base = (void *)data, .iov_len = n };
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  memset(&msg, 0, sizeof msg);
  memset(&u, 0, sizeof u);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (fd >= 0) {
    msg.msg_control = u.buf;
    msg.msg_controllen = sizeof u.buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
  }
  ssize_t w;
  do {
    w = sendmsg(sock, &msg, MSG_NOSIGNAL);
  } while (w < 0 && errno == EINTR);
  return w;
}

/* Sends a frame with the descriptor `fd` attached to its first bytes. */
static int send_frame_fd(int sock, const cust_buf *b, int fd) {
  uint32_t len = (uint32_t)b->len;
  ssize_t w = send_with_fd(sock, &len, sizeof len, fd);
  if (w <= 0) {
    return -1;
  }
  if ((size_t)w < sizeof len &&
      write_all(sock, (const char *)&len + w, sizeof len - (size_t)w) != 0) {
    return -1;
  }
  return write_all(sock, b->data, b->len);
}

/* ---- the worker ------------------------------------------------------------------------ */

/* Forbids new sockets in this process: whatever a library might try to
 * fetch (a data graph, an XML entity) fails at the lowest level. */
static void seal_network(const cust_logger *log) {
#if defined(__linux__) && (defined(__x86_64__) || defined(__aarch64__))
#if defined(__x86_64__)
  const unsigned arch = AUDIT_ARCH_X86_64;
#else
  const unsigned arch = AUDIT_ARCH_AARCH64;
#endif
  struct sock_filter filter[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EACCES & SECCOMP_RET_DATA)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_connect, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EACCES & SECCOMP_RET_DATA)),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = { .len = (unsigned short)(sizeof filter / sizeof filter[0]),
                             .filter = filter };
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
    cust_log(log, CUST_LOG_WARN, "sparql: cannot forbid sockets to query workers: %s",
             strerror(errno));
  }
#else
  cust_log(log, CUST_LOG_DEBUG, "sparql: no seccomp on this platform");
#endif
}

/* Bounds a worker's memory, so that a query that sorts or joins too much
 * fails in its worker instead of starving the machine. Not under
 * AddressSanitizer, which reserves terabytes of address space. */
static void limit_memory(size_t bytes, const cust_logger *log) {
#if !defined(__SANITIZE_ADDRESS__)
  struct rlimit rl = { .rlim_cur = bytes, .rlim_max = bytes };
  if (setrlimit(RLIMIT_AS, &rl) != 0) {
    cust_log(log, CUST_LOG_WARN, "sparql: cannot limit the memory of query workers: %s",
             strerror(errno));
  }
#else
  (void)bytes;
  (void)log;
#endif
}

/* The worker's log goes to stderr through this tap, which keeps the last
 * error line: what the store said when it could not be opened or read. */
typedef struct log_tap {
  char line[1024]; /* the line being written */
  size_t len;
  char last_error[512]; /* the message of the last error line; "" when none */
  int is_quiet;         /* keep lines from stderr (while retrying) */
} log_tap;

static ssize_t tap_write(void *cookie, const char *data, size_t n) {
  log_tap *t = cookie;
  if (!t->is_quiet) {
    fwrite(data, 1, n, stderr);
  }
  for (size_t i = 0; i < n; i++) {
    if (data[i] != '\n') {
      if (t->len + 1 < sizeof t->line) {
        t->line[t->len++] = data[i];
      }
      continue;
    }
    t->line[t->len] = '\0';
    const char *m = strstr(t->line, ": error: ");
    if (m != NULL) {
      snprintf(t->last_error, sizeof t->last_error, "%s", m + 9);
    }
    t->len = 0;
  }
  return (ssize_t)n;
}

/* Writes the answer to an unlinked temporary file; its descriptor, or -1
 * with errno set. */
static int answer_file(const cust_buf *body) {
  const char *dir = getenv("TMPDIR");
  if (dir == NULL || dir[0] == '\0') {
    dir = "/tmp";
  }
  int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
    char path[4096];
    snprintf(path, sizeof path, "%s/custodian-answer.XXXXXX", dir);
    fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0) {
      unlink(path);
    }
  }
  if (fd < 0) {
    return -1;
  }
  const char *p = body->data;
  size_t n = body->len;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) {
      continue;
    }
    if (w <= 0) {
      int err = w < 0 ? errno : ENOSPC;
      close(fd);
      errno = err;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return fd;
}

/* Sends `r`: inline when small, else in a file. */
static void answer(int sock, cust_sparql_result *r, int is_retiring) {
  cust_buf b;
  cust_buf_init(&b);
  int fd = -1;
  if (r->body.len > INLINE_MAX) {
    fd = answer_file(&r->body);
    if (fd < 0) {
      char detail[300];
      snprintf(detail, sizeof detail,
               "the query worker cannot write the answer (%zu bytes) to a temporary file: %s",
               r->body.len, strerror(errno));
      sq_fail(r, 503, "server error", detail);
    }
  }
  cust_status st = put_num(&b, (uint64_t)r->http_status);
  st = st ? st : put_str(&b, r->content_type);
  st = st ? st : put_num(&b, r->height);
  st = st ? st : put_num(&b, (uint64_t)is_retiring);
  if (fd >= 0) {
    st = st ? st : put_num(&b, r->body.len);
    st = st ? st : put_field(&b, "", 0);
  } else {
    st = st ? st : put_field(&b, NULL, 0);
    st = st ? st : put_field(&b, r->body.data ? r->body.data : "", r->body.len);
  }
  if (st == CUST_OK) {
    if (fd >= 0) {
      send_frame_fd(sock, &b, fd);
    } else {
      send_frame(sock, &b);
    }
  }
  if (fd >= 0) {
    close(fd);
  }
  cust_buf_release(&b);
}

/* Opens the store and the executor, retrying with backoff until
 * `deadline` while the writer creates or checkpoints the store. */
static cust_status open_store(const char *db_path, const cust_logger *log, log_tap *tap,
                              uint64_t deadline, cust_store **store, sq_exec **x) {
  unsigned wait = 20;
  for (;;) {
    tap->last_error[0] = '\0';
    tap->is_quiet = 1; /* one line when it gives up, not one per try */
    cust_status st = cust_store_open(db_path, CUST_STORE_READONLY, log, store);
    if (st == CUST_OK) {
      st = sq_exec_new(*store, log, x);
      if (st != CUST_OK) {
        cust_store_close(*store);
        *store = NULL;
      }
    }
    tap->is_quiet = 0;
    if (st == CUST_OK) {
      sq_exec_watch_errors(*x, tap->last_error);
      return CUST_OK;
    }
    uint64_t now = cust_now_ms();
    if (st == CUST_ERR_VERSION || now + wait >= deadline) {
      cust_log(log, CUST_LOG_WARN, "sparql: a query worker cannot open the store: %s",
               tap->last_error[0] ? tap->last_error : cust_strerror(st));
      return st;
    }
    struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)wait * 1000000L };
    nanosleep(&ts, NULL);
    wait = wait * 2 > 500 ? 500 : wait * 2;
  }
}

/* Whether this worker's address space came close to its limit, where an
 * allocation inside a library (SQLite, PCRE2) may have failed in a way it
 * does not report as such. */
static int is_near_memory_limit(size_t limit) {
#if !defined(__SANITIZE_ADDRESS__)
  /* VmPeak (the peak of what RLIMIT_AS bounds), read without stdio: this
   * runs after every query */
  char text[4096];
  unsigned long long kb = 0;
  int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  ssize_t n = fd >= 0 ? read(fd, text, sizeof text - 1) : -1;
  if (fd >= 0) {
    close(fd);
  }
  if (n > 0) {
    text[n] = '\0';
    const char *at = strstr(text, "\nVmPeak:");
    if (at != NULL) {
      kb = strtoull(at + 8, NULL, 10);
    }
  }
  return kb * 1024 >= (unsigned long long)limit - limit / 4;
#else
  (void)limit;
  return 0;
#endif
}

/* Runs a request, again when the store logged an error meanwhile (a
 * statement that failed: SQLITE_SCHEMA after the writer's ANALYZE, a busy
 * WAL). A failure that lasts is answered 503 with the store's message. */
static cust_status run_checked(sq_exec *x, const sq_request *req, cust_sparql_result *r,
                               log_tap *tap, const cust_logger *log) {
  enum { TRIES = 3 };
  cust_status st = CUST_OK;
  for (int i = 0; i < TRIES; i++) {
    tap->last_error[0] = '\0';
    tap->is_quiet = i + 1 < TRIES;
    cust_sparql_result_release(r);
    cust_sparql_result_init(r);
    st = sq_exec_run(x, req, r);
    tap->is_quiet = 0;
    if (st != CUST_OK || tap->last_error[0] == '\0') {
      return st;
    }
    cust_log(log, CUST_LOG_INFO, "sparql: the store failed during a query (%s): %s",
             tap->last_error, i + 1 < TRIES ? "running it again" : "giving up");
  }
  if (r->http_status < 500) {
    char detail[700];
    snprintf(detail, sizeof detail, "reading the store failed: %s: try again", tap->last_error);
    sq_fail(r, 503, "store unavailable", detail);
  }
  return st;
}

static void worker_main(int fd, const char *db_path, size_t max_memory, cust_log_level level,
                        pid_t spawner) {
  cust_store *store = NULL;
  sq_exec *x = NULL;
  cust_buf in;
  cust_arena arena;
  log_tap tap;
  cust_logger log;
  memset(&tap, 0, sizeof tap);
  cookie_io_functions_t io = { .write = tap_write };
  FILE *logf = fopencookie(&tap, "w", io);
  if (logf != NULL) {
    setvbuf(logf, NULL, _IOLBF, 0);
  }
  cust_logger_init(&log, logf ? logf : stderr, level);
  prctl(PR_SET_NAME, "sparql-worker", 0, 0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != spawner) {
    return; /* the spawner died before the line above */
  }
  limit_memory(max_memory, &log);
  /* Keep freed memory: each scan with DISTINCT builds and frees a small
   * temporary b-tree, and memory returned to the kernel at its end would be
   * faulted in again, page by page, by the next one. */
  mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
  mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
  seal_network(&log);
  cust_buf_init(&in);
  cust_arena_init(&arena, 16 * 1024);
  int is_retiring = 0;
  while (!is_retiring && recv_frame(fd, &in, 0, NULL) == 0) {
    cust_sparql_result r;
    sq_request req;
    reader rd = { in.data, in.data + in.len, &arena, 0 };
    memset(&req, 0, sizeof req);
    cust_sparql_result_init(&r);
    req.query = get_str(&rd, NULL);
    req.accept = get_str(&rd, NULL);
    req.format = get_str(&rd, NULL);
    req.max_results = get_num(&rd);
    req.max_bytes = get_num(&rd);
    uint64_t open_wait = get_num(&rd);
    req.ndefault = (size_t)get_num(&rd);
    const char **dg = cust_arena_alloc(&arena, (req.ndefault + 1) * sizeof *dg);
    for (size_t i = 0; dg && i < req.ndefault && !rd.is_bad; i++) {
      dg[i] = get_str(&rd, NULL);
    }
    req.default_graphs = dg;
    req.nnamed = (size_t)get_num(&rd);
    const char **ng = cust_arena_alloc(&arena, (req.nnamed + 1) * sizeof *ng);
    for (size_t i = 0; ng && i < req.nnamed && !rd.is_bad; i++) {
      ng[i] = get_str(&rd, NULL);
    }
    req.named_graphs = ng;
    req.nbind = (size_t)get_num(&rd);
    const char **names = cust_arena_alloc(&arena, (req.nbind + 1) * sizeof *names);
    cust_term *vals = cust_arena_alloc(&arena, (req.nbind + 1) * sizeof *vals);
    for (size_t i = 0; names && vals && i < req.nbind && !rd.is_bad; i++) {
      names[i] = get_str(&rd, NULL);
      memset(&vals[i], 0, sizeof vals[i]);
      vals[i].kind = (cust_term_kind)get_num(&rd);
      vals[i].value = get_str(&rd, &vals[i].len);
      vals[i].lang = get_str(&rd, NULL);
      vals[i].datatype = get_str(&rd, NULL);
      if (vals[i].value == NULL) {
        rd.is_bad = 1;
      }
    }
    req.bind_names = names;
    req.bind_values = vals;
    req.timeout_ms = get_num(&rd);
    char open_error[512] = "";
    if (!rd.is_bad && req.query != NULL && x == NULL) {
      cust_status st = open_store(db_path, &log, &tap, cust_now_ms() + open_wait, &store, &x);
      if (st != CUST_OK) {
        snprintf(open_error, sizeof open_error, "%s",
                 tap.last_error[0] ? tap.last_error : cust_strerror(st));
      }
    }
    tap.last_error[0] = '\0';
    if (rd.is_bad || req.query == NULL || !dg || !ng || !names || !vals) {
      sq_fail(&r, 500, "internal error", "a malformed request reached the query worker");
    } else if (x == NULL) {
      char detail[700];
      snprintf(detail, sizeof detail, "the query worker cannot open the store: %s: try again",
               open_error);
      sq_fail(&r, 503, "store unavailable", detail);
    } else if (run_checked(x, &req, &r, &tap, &log) != CUST_OK) {
      sq_fail(&r, 503, "out of memory",
              "the query worker ran out of memory: narrow the query or try again");
    } else if (r.http_status == 200 && req.max_bytes != 0 && r.body.len > req.max_bytes) {
      char detail[300];
      snprintf(detail, sizeof detail,
               "the answer is %zu bytes; the limit is %llu bytes: add LIMIT or select less",
               r.body.len, (unsigned long long)req.max_bytes);
      sq_fail(&r, 413, "result too large", detail);
    } else if (r.http_status == 200 && is_near_memory_limit(max_memory)) {
      char detail[300];
      snprintf(detail, sizeof detail,
               "the query came close to the memory limit of a query worker (%zu MiB), where "
               "values may be lost: narrow the query",
               max_memory >> 20);
      sq_fail(&r, 503, "out of memory", detail);
    }
    is_retiring = r.http_status >= 500;
    answer(fd, &r, is_retiring);
    cust_sparql_result_release(&r);
    cust_arena_reset(&arena);
  }
  cust_arena_release(&arena);
  cust_buf_release(&in);
  sq_exec_free(x);
  cust_store_close(store);
  if (logf != NULL) {
    fclose(logf);
  }
}

/* ---- the spawner ----------------------------------------------------------------------------- */

static int send_fd(int sock, int fd, pid_t pid) {
  return send_with_fd(sock, &pid, sizeof pid, fd) == (ssize_t)sizeof pid ? 0 : -1;
}

static int recv_fd(int sock, int *fd, pid_t *pid) {
  *fd = -1;
  return read_all(sock, pid, sizeof *pid, 0, fd) == 0 && *fd >= 0 ? 0 : -1;
}

static void spawner_main(int sock, const char *db_path, size_t max_memory, cust_log_level level) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_IGN;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGPIPE, &sa, NULL);
  sa.sa_flags = SA_NOCLDWAIT; /* workers are reaped by the kernel */
  sigaction(SIGCHLD, &sa, NULL);
  pid_t self = getpid();
  prctl(PR_SET_NAME, "sparql-spawner", 0, 0, 0);
  for (;;) {
    char c;
    ssize_t n = read(sock, &c, 1);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return;
    }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
      send_fd(sock, -1, -1);
      continue;
    }
    pid_t pid = fork();
    if (pid == 0) {
      close(sock);
      close(sv[0]);
      sa.sa_handler = SIG_DFL;
      sa.sa_flags = 0;
      sigaction(SIGCHLD, &sa, NULL);
      worker_main(sv[1], db_path, max_memory, level, self);
      _exit(0);
    }
    close(sv[1]);
    if (pid < 0 || send_fd(sock, sv[0], pid) != 0) {
      if (pid > 0) {
        kill(pid, SIGKILL);
      } else {
        send_fd(sock, -1, -1);
      }
    }
    close(sv[0]);
  }
}

int cust_sparql_child_main(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], SPAWNER_ARG) != 0) {
    return -1;
  }
  if (argc != 5) {
    fprintf(stderr, "custodian: error: %s is internal to the query engine\n", SPAWNER_ARG);
    return 2;
  }
  int level = atoi(argv[4]);
  if (level < CUST_LOG_ERROR || level > CUST_LOG_DEBUG) {
    level = CUST_LOG_WARN;
  }
  close_range(SPAWNER_FD + 1, ~0u, 0);
  spawner_main(SPAWNER_FD, argv[2], (size_t)strtoull(argv[3], NULL, 10), (cust_log_level)level);
  return 0;
}

typedef struct worker_slot {
  pid_t pid;
  int fd; /* -1: to be spawned */
  int is_busy;
} worker_slot;

struct cust_sparql {
  char *db_path;
  cust_sparql_limits limits;
  const cust_logger *log;
  pthread_mutex_t lock; /* slots */
  pthread_cond_t idle;
  pthread_mutex_t spawn_lock;
  int spawner_fd;
  pid_t spawner_pid;
  worker_slot *slots;
  size_t nslots;
};

/* ---- the pool ----------------------------------------------------------------------------------
 */

/* Starts the spawner: this program anew, in its hidden mode. 0 or -1. */
static int start_spawner(cust_sparql *e) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    cust_log(e->log, CUST_LOG_ERROR, "sparql: socketpair: %s", strerror(errno));
    return -1;
  }
  /* everything the child needs, made before the fork: between fork and
   * exec only async-signal-safe calls are allowed */
  char mem[24], lvl[8];
  snprintf(mem, sizeof mem, "%zu", e->limits.max_memory);
  snprintf(lvl, sizeof lvl, "%d", e->log != NULL ? (int)e->log->level : (int)CUST_LOG_ERROR);
  char arg0[] = "custodian-sparql", arg1[] = SPAWNER_ARG;
  char *const argv[] = { arg0, arg1, e->db_path, mem, lvl, NULL };
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    cust_log(e->log, CUST_LOG_ERROR, "sparql: cannot fork the worker spawner: %s", strerror(errno));
    close(sv[0]);
    close(sv[1]);
    return -1;
  }
  if (pid == 0) {
    if (sv[1] == SPAWNER_FD ? fcntl(SPAWNER_FD, F_SETFD, 0) != 0
                            : dup2(sv[1], SPAWNER_FD) != SPAWNER_FD) {
      _exit(127);
    }
    close_range(SPAWNER_FD + 1, ~0u, 0);
    execv("/proc/self/exe", argv);
    static const char msg[] = "custodian: error: sparql: cannot start the query worker spawner: "
                              "exec of /proc/self/exe failed\n";
    ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)w;
    _exit(127);
  }
  close(sv[1]);
  e->spawner_fd = sv[0];
  e->spawner_pid = pid;
  return 0;
}

static void stop_spawner(cust_sparql *e) {
  if (e->spawner_fd >= 0) {
    close(e->spawner_fd);
    e->spawner_fd = -1;
  }
  if (e->spawner_pid > 0) {
    kill(e->spawner_pid, SIGKILL);
    waitpid(e->spawner_pid, NULL, 0);
    e->spawner_pid = -1;
  }
}

static int spawn_worker(cust_sparql *e, worker_slot *w) {
  int fd = -1;
  pid_t pid = -1;
  pthread_mutex_lock(&e->spawn_lock);
  char c = 'S';
  for (int tries = 0; tries < 2 && fd < 0; tries++) {
    if (tries > 0) {
      /* the spawner died (killed, out of memory): a new one */
      cust_log(e->log, CUST_LOG_WARN, "sparql: the query worker spawner stopped; starting another");
      stop_spawner(e);
      if (start_spawner(e) != 0) {
        break;
      }
    }
    if (e->spawner_fd < 0 || write_all(e->spawner_fd, &c, 1) != 0 ||
        recv_fd(e->spawner_fd, &fd, &pid) != 0) {
      fd = -1;
    }
  }
  pthread_mutex_unlock(&e->spawn_lock);
  if (fd < 0 || pid <= 0) {
    cust_log(e->log, CUST_LOG_ERROR, "sparql: cannot start a query worker");
    return -1;
  }
  w->fd = fd;
  w->pid = pid;
  return 0;
}

/* Whether an idle worker is still there: its end of the socket is neither
 * closed nor readable (an idle worker sends nothing). */
static int is_alive(int fd) {
  struct pollfd p = { .fd = fd, .events = POLLIN };
  return poll(&p, 1, 0) == 0;
}

static void kill_worker(worker_slot *w) {
  if (w->fd >= 0) {
    close(w->fd);
    w->fd = -1;
  }
  if (w->pid > 0) {
    kill(w->pid, SIGKILL);
    w->pid = -1;
  }
}

cust_status cust_sparql_new(const char *db_path, const cust_sparql_limits *limits,
                            const cust_logger *log, cust_sparql **out) {
  *out = NULL;
  cust_sparql *e = calloc(1, sizeof *e);
  if (e == NULL) {
    return CUST_ERR_NOMEM;
  }
  if (limits != NULL) {
    e->limits = *limits;
  }
  if (e->limits.timeout_ms == 0) {
    e->limits.timeout_ms = DEFAULT_TIMEOUT_MS;
  }
  if (e->limits.max_results == 0) {
    e->limits.max_results = DEFAULT_MAX_RESULTS;
  }
  if (e->limits.max_query_len == 0) {
    e->limits.max_query_len = DEFAULT_MAX_QUERY;
  }
  if (e->limits.max_memory == 0) {
    e->limits.max_memory = DEFAULT_MAX_MEMORY;
  }
  if (e->limits.workers == 0) {
    e->limits.workers = DEFAULT_WORKERS;
  }
  if (e->limits.max_result_bytes == 0) {
    e->limits.max_result_bytes = DEFAULT_MAX_RESULT_BYTES;
  }
  e->log = log;
  e->spawner_fd = -1;
  e->db_path = strdup(db_path);
  e->nslots = e->limits.workers;
  e->slots = calloc(e->nslots, sizeof *e->slots);
  if (e->db_path == NULL || e->slots == NULL) {
    free(e->db_path);
    free(e->slots);
    free(e);
    return CUST_ERR_NOMEM;
  }
  pthread_mutex_init(&e->lock, NULL);
  pthread_mutex_init(&e->spawn_lock, NULL);
  pthread_cond_init(&e->idle, NULL);
  for (size_t i = 0; i < e->nslots; i++) {
    e->slots[i].fd = -1;
    e->slots[i].pid = -1;
  }
  if (start_spawner(e) != 0) {
    cust_sparql_free(e);
    return CUST_ERR_IO;
  }
  for (size_t i = 0; i < e->nslots; i++) {
    if (spawn_worker(e, &e->slots[i]) != 0) {
      cust_sparql_free(e);
      return CUST_ERR_IO;
    }
  }
  *out = e;
  return CUST_OK;
}

void cust_sparql_free(cust_sparql *e) {
  if (e == NULL) {
    return;
  }
  for (size_t i = 0; e->slots && i < e->nslots; i++) {
    kill_worker(&e->slots[i]);
  }
  stop_spawner(e);
  pthread_mutex_destroy(&e->lock);
  pthread_mutex_destroy(&e->spawn_lock);
  pthread_cond_destroy(&e->idle);
  free(e->slots);
  free(e->db_path);
  free(e);
}

void cust_sparql_result_init(cust_sparql_result *r) {
  memset(r, 0, sizeof *r);
  cust_buf_init(&r->body);
  r->content_type = "application/json";
  r->body_fd = -1;
}

void cust_sparql_result_release(cust_sparql_result *r) {
  if (r != NULL) {
    cust_buf_release(&r->body);
    if (r->body_fd >= 0) {
      close(r->body_fd);
      r->body_fd = -1;
    }
  }
}

cust_status cust_sparql_result_write(const cust_sparql_result *r, FILE *out) {
  if (r->body_fd < 0) {
    return r->body.len == 0 || fwrite(r->body.data, 1, r->body.len, out) == r->body.len
               ? CUST_OK
               : CUST_ERR_IO;
  }
  char buf[64 * 1024];
  uint64_t off = 0;
  while (off < r->body_fd_len) {
    size_t want = r->body_fd_len - off < sizeof buf ? (size_t)(r->body_fd_len - off) : sizeof buf;
    ssize_t n = pread(r->body_fd, buf, want, (off_t)off);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0 || fwrite(buf, 1, (size_t)n, out) != (size_t)n) {
      return CUST_ERR_IO;
    }
    off += (uint64_t)n;
  }
  return CUST_OK;
}

static worker_slot *acquire(cust_sparql *e, uint64_t deadline) {
  worker_slot *w = NULL;
  pthread_mutex_lock(&e->lock);
  for (;;) {
    for (size_t i = 0; i < e->nslots; i++) {
      if (!e->slots[i].is_busy) {
        w = &e->slots[i];
        w->is_busy = 1;
        break;
      }
    }
    if (w != NULL || cust_now_ms() >= deadline) {
      break;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t wait = deadline - cust_now_ms();
    if (wait > 100) {
      wait = 100; /* re-check the clock, which may not be the cond's */
    }
    ts.tv_sec += (time_t)(wait / 1000);
    ts.tv_nsec += (long)(wait % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&e->idle, &e->lock, &ts);
  }
  pthread_mutex_unlock(&e->lock);
  return w;
}

static void release(cust_sparql *e, worker_slot *w) {
  pthread_mutex_lock(&e->lock);
  w->is_busy = 0;
  pthread_cond_signal(&e->idle);
  pthread_mutex_unlock(&e->lock);
}

static cust_status encode_request(const cust_sparql *e, const cust_sparql_request *req,
                                  cust_buf *b) {
  cust_status st = put_str(b, req->query);
  if (st == CUST_OK) {
    st = put_str(b, req->accept);
  }
  if (st == CUST_OK) {
    st = put_str(b, req->format);
  }
  if (st == CUST_OK) {
    st = put_num(b, e->limits.max_results);
  }
  if (st == CUST_OK) {
    st = put_num(b, e->limits.max_result_bytes);
  }
  if (st == CUST_OK) {
    /* a worker gives up opening the store in time to say why */
    uint64_t wait = e->limits.timeout_ms / 2;
    st = put_num(b, wait < MAX_OPEN_WAIT_MS ? wait : MAX_OPEN_WAIT_MS);
  }
  if (st == CUST_OK) {
    st = put_num(b, req->ndefault);
  }
  for (size_t i = 0; i < req->ndefault && st == CUST_OK; i++) {
    st = put_str(b, req->default_graphs[i]);
  }
  if (st == CUST_OK) {
    st = put_num(b, req->nnamed);
  }
  for (size_t i = 0; i < req->nnamed && st == CUST_OK; i++) {
    st = put_str(b, req->named_graphs[i]);
  }
  if (st == CUST_OK) {
    st = put_num(b, req->nbind);
  }
  for (size_t i = 0; i < req->nbind && st == CUST_OK; i++) {
    const cust_term *v = &req->bind_values[i];
    st = put_str(b, req->bind_names[i]);
    if (st == CUST_OK) {
      st = put_num(b, (uint64_t)v->kind);
    }
    if (st == CUST_OK) {
      st = put_field(b, v->value ? v->value : "", v->value ? v->len : 0);
    }
    if (st == CUST_OK) {
      st = put_str(b, v->lang);
    }
    if (st == CUST_OK) {
      st = put_str(b, v->datatype);
    }
  }
  if (st == CUST_OK) {
    st = put_num(b, e->limits.timeout_ms);
  }
  return st;
}

/* The static content type that equals `s`. */
static const char *static_type(const char *s) {
  static const sq_format all[] = { SQ_FMT_JSON,   SQ_FMT_XML,      SQ_FMT_CSV,    SQ_FMT_TSV,
                                   SQ_FMT_TURTLE, SQ_FMT_NTRIPLES, SQ_FMT_NQUADS, SQ_FMT_RDFXML };
  for (size_t i = 0; s != NULL && i < sizeof all / sizeof all[0]; i++) {
    if (strcmp(sq_format_type(all[i]), s) == 0) {
      return sq_format_type(all[i]);
    }
  }
  return "application/json";
}

static cust_status run_in_worker(cust_sparql *e, const cust_sparql_request *req,
                                 cust_sparql_result *r) {
  uint64_t start = cust_now_ms();
  uint64_t timeout = e->limits.timeout_ms;
  char detail[160];
  worker_slot *w = acquire(e, start + timeout);
  if (w == NULL) {
    snprintf(detail, sizeof detail,
             "all %zu query workers stayed busy for %llu ms: try again later", e->nslots,
             (unsigned long long)timeout);
    return sq_fail(r, 503, "overloaded", detail);
  }
  cust_buf b;
  cust_arena arena;
  cust_buf_init(&b);
  cust_arena_init(&arena, 4096);
  cust_status st = CUST_OK;
  if (w->fd >= 0 && !is_alive(w->fd)) {
    cust_log(e->log, CUST_LOG_WARN, "sparql: an idle query worker had stopped; starting another");
    kill_worker(w);
  }
  if (w->fd < 0 && spawn_worker(e, w) != 0) {
    st = sq_fail(r, 503, "overloaded", "no query worker could be started");
    goto done;
  }
  st = encode_request(e, req, &b);
  if (st != CUST_OK) {
    goto done;
  }
  uint64_t deadline = cust_now_ms() + timeout;
  int passed = -1;
  int rc = send_frame(w->fd, &b) == 0 ? recv_frame(w->fd, &b, deadline, &passed) : -1;
  if (rc != 0) {
    if (passed >= 0) {
      close(passed);
    }
    kill_worker(w);
    if (rc == -2) {
      snprintf(detail, sizeof detail, "query timed out after %llu ms", (unsigned long long)timeout);
      cust_log(e->log, CUST_LOG_INFO, "sparql: %s; its worker was stopped", detail);
      st = sq_fail(r, 503, "timeout", detail);
    } else {
      cust_log(e->log, CUST_LOG_ERROR, "sparql: a query worker died");
      st = sq_fail(r, 500, "query failed",
                   "the query worker stopped (out of memory, or a fault in the engine)");
    }
    goto done;
  }
  reader rd = { b.data, b.data + b.len, &arena, 0 };
  int status = (int)get_num(&rd);
  const char *type = get_str(&rd, NULL);
  uint64_t height = get_num(&rd);
  int is_retiring = get_num(&rd) != 0;
  const char *file_len = get_str(&rd, NULL);
  size_t len = 0;
  const char *body = get_str(&rd, &len);
  if (is_retiring) {
    /* it exits by itself (no kill: its pid may be gone and reused); the
     * slot starts a new worker for the next query */
    close(w->fd);
    w->fd = -1;
    w->pid = -1;
  }
  if (rd.is_bad || body == NULL || (file_len != NULL) != (passed >= 0)) {
    if (passed >= 0) {
      close(passed);
    }
    kill_worker(w);
    st = sq_fail(r, 500, "internal error", "a malformed answer came from the query worker");
    goto done;
  }
  r->http_status = status;
  r->content_type = static_type(type);
  r->height = height;
  cust_buf_reset(&r->body);
  if (r->body_fd >= 0) {
    close(r->body_fd);
  }
  r->body_fd = passed;
  r->body_fd_len = file_len != NULL ? strtoull(file_len, NULL, 10) : 0;
  st = file_len != NULL ? CUST_OK : cust_buf_append(&r->body, body, len);
done:
  cust_buf_release(&b);
  cust_arena_release(&arena);
  release(e, w);
  return st;
}

cust_status cust_sparql_run(cust_sparql *e, const cust_sparql_request *req, cust_sparql_result *r) {
  r->is_cached = 0;
  if (req->query == NULL || req->query[0] == '\0') {
    return sq_fail(r, 400, "malformed query", "no query was given");
  }
  size_t qlen = strlen(req->query);
  if (qlen > e->limits.max_query_len) {
    char detail[160];
    snprintf(detail, sizeof detail, "the query is %zu bytes long; the limit is %zu bytes", qlen,
             e->limits.max_query_len);
    return sq_fail(r, 413, "query too long", detail);
  }
  return run_in_worker(e, req, r);
}
