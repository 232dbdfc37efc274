/* A load client for the readers-during-indexing test and benchmark: N
 * clients (threads) ask /sparql and canned queries of a server on 127.0.0.1
 * for S seconds, one request at a time each, and check every answer:
 *   - 200, or 503 with Retry-After whose error is "overloaded" or "timeout";
 *   - X-Custodian-Height on every 200, never lower than the client's last;
 *   - the ledger's triple count never lower than the client's last, and the
 *     same for every answer read at the same height (one snapshot per answer);
 *   - no execution with two current statuses (a half-applied block).
 * Prints the counts and latency percentiles; exits 1 on any violation.
 *   http_load HOST:PORT CLIENTS SECONDS [--min-height] [--strict]
 * --min-height: each client sends its last height as X-Custodian-Min-Height
 * (replicas behind a balancer); --strict: any answer but 200 is a violation. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define LEDGER "https%3A%2F%2Fw3id.org%2Fcustodian%2Fgraph%2Fledger"
#define CURRENT "https%3A%2F%2Fw3id.org%2Fcustodian%2Fgraph%2Fcurrent"
#define MAX_HEIGHTS 65536
#define MAX_SAMPLES (1 << 22)

enum kind { K_COUNT, K_DOUBLE_STATUS, K_CANNED, K_ASK };
static const struct {
  enum kind kind;
  const char *path;
} requests[] = {
  { K_COUNT, "/sparql?query=SELECT+%28COUNT%28*%29+AS+%3Fn%29+WHERE+%7B+GRAPH+%3C" LEDGER
             "%3E+%7B+%3Fs+%3Fp+%3Fo+%7D+%7D" },
  { K_DOUBLE_STATUS, "/sparql?query=SELECT+%3Fe+WHERE+%7B+GRAPH+%3C" CURRENT
                     "%3E+%7B+%3Fe+%3Chttps%3A%2F%2Fw3id.org%2Fcustodian%2Fns%23status%3E+%3Fa+%2C+"
                     "%3Fb+FILTER%28%3Fa+%21%3D+%3Fb%29+%7D+%7D+LIMIT+5" },
  { K_CANNED, "/queries/usage-datasets" },
  { K_CANNED, "/queries/compliance-no-final-report" },
  { K_CANNED, "/queries/rejections" },
  { K_ASK, "/sparql?query=ASK+%7B+%3Fs+%3Fp+%3Fo+%7D" },
};
#define NREQ (sizeof requests / sizeof requests[0])

typedef struct shared {
  struct sockaddr_in addr;
  double until;
  pthread_mutex_t lock;
  long long count_at[MAX_HEIGHTS]; /* ledger count by height, -1 unknown */
  double *lat;                     /* seconds, of 200s */
  size_t nlat;
  long ok, overloaded, timeouts, failures;
  unsigned long long min_height, max_height;
  int is_sending_height, is_strict;
} shared;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((format(printf, 2, 3))) static void violation(shared *s, const char *fmt, ...) {
  va_list ap;
  pthread_mutex_lock(&s->lock);
  if (s->failures < 20) {
    fprintf(stderr, "http_load: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
  }
  s->failures++;
  pthread_mutex_unlock(&s->lock);
}

/* The first bytes of `body` with CR and LF shown, for messages. */
static const char *shown(const char *body, char *out, size_t n) {
  size_t k = 0;
  for (const char *p = body; *p != '\0' && k + 3 < n; p++) {
    if (*p == '\r' || *p == '\n') {
      out[k++] = '\\';
      out[k++] = *p == '\r' ? 'r' : 'n';
    } else {
      out[k++] = *p;
    }
  }
  out[k] = '\0';
  return out;
}

/* One request; the whole answer in *buf (headers and body). 0 or -1. */
static int fetch(shared *s, const char *path, unsigned long long min_height, char **buf,
                 size_t *len) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return -1;
  }
  struct timeval tv = { .tv_sec = 60 };
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd, (struct sockaddr *)&s->addr, sizeof s->addr) != 0) {
    close(fd);
    return -1;
  }
  char req[2048], extra[64] = "";
  if (s->is_sending_height && min_height > 0) {
    snprintf(extra, sizeof extra, "X-Custodian-Min-Height: %llu\r\n", min_height);
  }
  int n = snprintf(req, sizeof req,
                   "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/csv\r\n%s"
                   "Connection: close\r\n\r\n",
                   path, extra);
  if (n <= 0 || (size_t)n >= sizeof req || send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
    close(fd);
    return -1;
  }
  size_t cap = 16384, used = 0;
  char *b = malloc(cap + 1);
  for (;;) {
    if (b == NULL) {
      close(fd);
      return -1;
    }
    if (used == cap) {
      char *nb = realloc(b, cap * 2 + 1);
      if (nb == NULL) {
        free(b);
        close(fd);
        return -1;
      }
      b = nb;
      cap *= 2;
    }
    ssize_t r = recv(fd, b + used, cap - used, 0);
    if (r < 0 && errno == EINTR) {
      continue;
    }
    if (r < 0) {
      free(b);
      close(fd);
      return -1;
    }
    if (r == 0) {
      break;
    }
    used += (size_t)r;
  }
  close(fd);
  b[used] = '\0';
  *buf = b;
  *len = used;
  return 0;
}

/* The value of header `name` (without CR), into out; 1 when present. */
static int header(const char *resp, const char *name, char *out, size_t outlen) {
  size_t n = strlen(name);
  const char *end = strstr(resp, "\r\n\r\n");
  for (const char *p = strstr(resp, "\r\n"); p != NULL && p < end; p = strstr(p + 2, "\r\n")) {
    if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':') {
      const char *v = p + 3 + n;
      while (*v == ' ') {
        v++;
      }
      size_t k = strcspn(v, "\r");
      snprintf(out, outlen, "%.*s", (int)(k < outlen ? k : outlen - 1), v);
      return 1;
    }
  }
  return 0;
}

static void *client(void *ud) {
  shared *s = ud;
  unsigned long long last_height = 0;
  long long last_count = -1;
  unsigned seed = (unsigned)(uintptr_t)&last_height;
  size_t i = (size_t)rand_r(&seed) % NREQ;
  while (now_s() < s->until) {
    const char *path = requests[i % NREQ].path;
    enum kind kind = requests[i % NREQ].kind;
    i++;
    char *resp = NULL;
    size_t len = 0;
    double t0 = now_s();
    if (fetch(s, path, last_height, &resp, &len) != 0) {
      violation(s, "%s: no answer (connection failed)", path);
      continue;
    }
    double took = now_s() - t0;
    int status = 0;
    sscanf(resp, "HTTP/1.%*d %d", &status);
    const char *body = strstr(resp, "\r\n\r\n");
    body = body ? body + 4 : "";
    char value[64], show[400];
    if (status == 503 && s->is_strict) {
      violation(s, "%s: status 503: %s", path, shown(body, show, sizeof show));
      free(resp);
      continue;
    }
    if (status == 503) {
      int is_over = strstr(body, "\"overloaded\"") != NULL;
      int is_timeout = strstr(body, "\"timeout\"") != NULL;
      if (!header(resp, "Retry-After", value, sizeof value) || (!is_over && !is_timeout)) {
        violation(s, "a 503 that is not an overload with Retry-After: %s",
                  shown(body, show, sizeof show));
      } else {
        pthread_mutex_lock(&s->lock);
        if (is_over) {
          s->overloaded++;
        } else {
          s->timeouts++;
        }
        pthread_mutex_unlock(&s->lock);
      }
      free(resp);
      continue;
    }
    if (status != 200) {
      violation(s, "%s: status %d: %s", path, status, shown(body, show, sizeof show));
      free(resp);
      continue;
    }
    unsigned long long height = 0;
    if (!header(resp, "X-Custodian-Height", value, sizeof value) ||
        sscanf(value, "%llu", &height) != 1) {
      violation(s, "%s: a 200 without X-Custodian-Height", path);
    } else if (height < last_height) {
      violation(s, "%s: height went back from %llu to %llu", path, last_height, height);
    }
    if (height > last_height) {
      last_height = height;
    }
    if (kind == K_COUNT) {
      long long count = -1;
      if (sscanf(body, "n\r\n%lld", &count) != 1) {
        violation(s, "not a count: %s", shown(body, show, sizeof show));
      } else {
        if (count < last_count) {
          violation(s, "%s: the ledger shrank from %lld to %lld triples", path, last_count, count);
        }
        last_count = count;
        pthread_mutex_lock(&s->lock);
        long long *at = &s->count_at[height % MAX_HEIGHTS];
        long long seen = *at;
        if (seen < 0) {
          *at = count;
        }
        pthread_mutex_unlock(&s->lock);
        if (seen >= 0 && seen != count) {
          violation(s, "%s: two ledger counts at one height: %lld and %lld", path, seen, count);
        }
      }
    } else if (kind == K_DOUBLE_STATUS && strcmp(body, "e\r\n") != 0) {
      violation(s, "an execution with two current statuses: %s", shown(body, show, sizeof show));
    } else if (kind != K_DOUBLE_STATUS && body[0] == '\0') {
      violation(s, "%s: an empty 200", path);
    }
    pthread_mutex_lock(&s->lock);
    s->ok++;
    if (s->nlat < MAX_SAMPLES) {
      s->lat[s->nlat++] = took;
    }
    if (height != 0 && (s->min_height == 0 || height < s->min_height)) {
      s->min_height = height;
    }
    if (height > s->max_height) {
      s->max_height = height;
    }
    pthread_mutex_unlock(&s->lock);
    free(resp);
  }
  return NULL;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  static shared s;
  for (; argc > 4 && strncmp(argv[argc - 1], "--", 2) == 0; argc--) {
    if (strcmp(argv[argc - 1], "--min-height") == 0) {
      s.is_sending_height = 1;
    } else if (strcmp(argv[argc - 1], "--strict") == 0) {
      s.is_strict = 1;
    } else {
      fprintf(stderr, "http_load: unknown option \"%s\"\n", argv[argc - 1]);
      return 2;
    }
  }
  if (argc != 4) {
    fprintf(stderr, "usage: http_load HOST:PORT CLIENTS SECONDS [--min-height] [--strict]\n");
    return 2;
  }
  char host[64];
  int port = 0;
  if (sscanf(argv[1], "%63[^:]:%d", host, &port) != 2 || strcmp(host, "127.0.0.1") != 0) {
    fprintf(stderr, "http_load: \"%s\" is not 127.0.0.1:PORT\n", argv[1]);
    return 2;
  }
  int nclients = atoi(argv[2]);
  double seconds = atof(argv[3]);
  if (nclients <= 0 || nclients > 1024 || seconds <= 0) {
    fprintf(stderr, "http_load: bad CLIENTS or SECONDS\n");
    return 2;
  }
  s.addr.sin_family = AF_INET;
  s.addr.sin_port = htons((uint16_t)port);
  s.addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  s.lat = malloc(MAX_SAMPLES * sizeof *s.lat);
  if (s.lat == NULL) {
    return 1;
  }
  for (size_t i = 0; i < MAX_HEIGHTS; i++) {
    s.count_at[i] = -1;
  }
  pthread_mutex_init(&s.lock, NULL);
  s.until = now_s() + seconds;
  pthread_t *th = calloc((size_t)nclients, sizeof *th);
  for (int i = 0; th != NULL && i < nclients; i++) {
    if (pthread_create(&th[i], NULL, client, &s) != 0) {
      fprintf(stderr, "http_load: cannot start client %d\n", i);
      return 1;
    }
  }
  for (int i = 0; th != NULL && i < nclients; i++) {
    pthread_join(th[i], NULL);
  }
  qsort(s.lat, s.nlat, sizeof *s.lat, cmp_double);
  double p50 = s.nlat ? s.lat[s.nlat / 2] : 0, p99 = s.nlat ? s.lat[s.nlat * 99 / 100] : 0;
  double max = s.nlat ? s.lat[s.nlat - 1] : 0;
  printf("clients %d, %.0f s: %ld answers 200 (%.1f/s), %ld overloaded 503, %ld timeout 503, "
         "%ld violations\n",
         nclients, seconds, s.ok, (double)s.ok / seconds, s.overloaded, s.timeouts, s.failures);
  printf("latency of 200s: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", p50 * 1000, p99 * 1000,
         max * 1000);
  printf("heights read: %llu to %llu\n", s.min_height, s.max_height);
  free(th);
  free(s.lat);
  return s.failures == 0 && s.ok > 0 ? 0 : 1;
}
