/* Connections: the per-address and total limits, the request deadline
 * (a watchdog thread), and the client address behind a trusted proxy.
 *
 * Every accepted socket gets an http_conn (libmicrohttpd's socket context),
 * linked in one list under one lock. A request must arrive whole, head and
 * body, within --request-timeout of the moment the server starts waiting
 * for it (the accept, or the end of the previous answer on a kept-alive
 * connection); libmicrohttpd's own timeout is an idle timeout that every
 * byte resets, so it cannot stop a client that sends one byte a second. The
 * watchdog looks at the list every 100 ms and shuts down the socket of a
 * request that is late (with a 408 when its request line had come); the
 * connection's thread then sees the end of the stream and closes it. The
 * socket is shut down under the lock, and libmicrohttpd reports a connection
 * closed before it closes the descriptor, so the watchdog never touches a
 * descriptor that was reused.
 *
 * The watchdog also cuts a slow reader: an answer waiting in the socket
 * must move at READER_MIN_RATE (see check_reader).
 *
 * Limits: an untrusted address (an IPv6 /64) with --max-conns-per-ip open
 * connections has its next ones closed at accept, without an answer; trusted
 * proxies are exempt, but the clients they forward (X-Forwarded-For /
 * Forwarded) may have at most that many requests in hand (then 429). Past
 * --max-conns open connections, a new one is answered 503 with Retry-After;
 * libmicrohttpd itself closes at accept past a slack above that. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <linux/sockios.h>
#include <linux/tcp.h> /* TCP_INFO with tcpi_bytes_acked */
#include <microhttpd.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <time.h>

#include "http_int.h"

#define WATCH_MS 100
#define WARN_EVERY_MS 10000
#define CLIENT_MAX 64

#define READER_CHECK_MS 500
#define READER_MIN_RATE 1024 /* bytes a second */

enum { WARN_PER_IP = 0, WARN_TOTAL, WARN_CLIENT, WARN_TIMEOUT, WARN_SLOW, WARN_KINDS };
_Static_assert(sizeof((http_conns *)0)->warned_ms / sizeof(uint64_t) == WARN_KINDS,
               "one warning clock per kind");

struct http_conn {
  http_conn *prev, *next;
  int fd;
  int family; /* AF_INET or AF_INET6 (IPv4-mapped addresses as AF_INET) */
  unsigned char ip[16];
  int is_trusted;
  int is_over;                              /* accepted past --max-conns: answered 503 */
  int is_waiting;                           /* the server waits for (the rest of) a request */
  int has_uri;                              /* its request line has come */
  int is_in_hand;                           /* a request of a forwarded client is being answered */
  int is_killed;                            /* shut down by the watchdog */
  uint64_t since_ms;                        /* when the wait started */
  uint64_t checked_ms, mark_ms, acked_mark; /* the answer's progress (check_reader) */
  char client[CLIENT_MAX];
};

/* ---- addresses ------------------------------------------------------------------------- */

/* The address of `sa` as (family, 4 or 16 bytes); IPv4-mapped IPv6 as IPv4. */
static int sa_ip(const struct sockaddr *sa, unsigned char ip[16]) {
  if (sa == NULL) {
    return 0;
  }
  if (sa->sa_family == AF_INET) {
    memcpy(ip, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
    return AF_INET;
  }
  if (sa->sa_family == AF_INET6) {
    const unsigned char *a = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
    static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    if (memcmp(a, mapped, 12) == 0) {
      memcpy(ip, a + 12, 4);
      return AF_INET;
    }
    memcpy(ip, a, 16);
    return AF_INET6;
  }
  return 0;
}

static int net_has(const http_net *net, int family, const unsigned char *ip) {
  if (net->family != family) {
    return 0;
  }
  unsigned full = net->bits / 8, rest = net->bits % 8;
  if (memcmp(net->addr, ip, full) != 0) {
    return 0;
  }
  if (rest == 0) {
    return 1;
  }
  unsigned char mask = (unsigned char)(0xffu << (8 - rest));
  return (net->addr[full] & mask) == (ip[full] & mask);
}

static int nets_have(const http_net *nets, size_t n, int family, const unsigned char *ip) {
  for (size_t i = 0; i < n; i++) {
    if (net_has(&nets[i], family, ip)) {
      return 1;
    }
  }
  return 0;
}

int http_net_contains(const http_net *nets, size_t n, const struct sockaddr *sa) {
  unsigned char ip[16];
  int family = sa_ip(sa, ip);
  return family != 0 && nets_have(nets, n, family, ip);
}

/* Parses a numeric IPv4 or IPv6 address (of `n` bytes) into (family, ip). */
static int parse_ip(const char *s, size_t n, unsigned char ip[16]) {
  char buf[INET6_ADDRSTRLEN + 1];
  if (n == 0 || n >= sizeof buf) {
    return 0;
  }
  memcpy(buf, s, n);
  buf[n] = '\0';
  if (inet_pton(AF_INET, buf, ip) == 1) {
    return AF_INET;
  }
  if (inet_pton(AF_INET6, buf, ip) == 1) {
    static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    if (memcmp(ip, mapped, 12) == 0) {
      memmove(ip, ip + 12, 4);
      return AF_INET;
    }
    return AF_INET6;
  }
  return 0;
}

cust_status http_net_parse(const char *s, http_net *out) {
  memset(out, 0, sizeof *out);
  const char *slash = strchr(s, '/');
  size_t n = slash ? (size_t)(slash - s) : strlen(s);
  int family = parse_ip(s, n, out->addr);
  if (family == 0) {
    return CUST_ERR_INVALID;
  }
  unsigned max = family == AF_INET ? 32 : 128;
  unsigned bits = max;
  if (slash != NULL) {
    const char *b = slash + 1;
    size_t bn = strlen(b);
    if (bn == 0 || bn > 3 || strspn(b, "0123456789") != bn) {
      return CUST_ERR_INVALID;
    }
    bits = (unsigned)atoi(b);
    if (bits > max) {
      return CUST_ERR_INVALID;
    }
  }
  out->family = family;
  out->bits = bits;
  for (unsigned i = 0; i < 16; i++) {
    unsigned keep = i * 8 >= bits ? 0 : bits - i * 8 >= 8 ? 8 : bits - i * 8;
    out->addr[i] &= (unsigned char)(0xff00u >> keep);
  }
  return CUST_OK;
}

static void ip_text(int family, const unsigned char *ip, char *out, size_t len) {
  if (family == 0 || inet_ntop(family, ip, out, (socklen_t)len) == NULL) {
    snprintf(out, len, "unknown");
  }
}

/* One address of a forwarding header, with quotes, brackets and a port
 * taken off: `"[2001:db8::1]:4711"`, `192.0.2.1:80`, `2001:db8::1`. */
static int forwarded_ip(const char *s, size_t n, unsigned char ip[16]) {
  while (n > 0 && isspace((unsigned char)*s)) {
    s++, n--;
  }
  while (n > 0 && isspace((unsigned char)s[n - 1])) {
    n--;
  }
  if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
    s++, n -= 2;
  }
  if (n > 0 && s[0] == '[') {
    const char *close = memchr(s, ']', n);
    if (close == NULL) {
      return 0;
    }
    return parse_ip(s + 1, (size_t)(close - s - 1), ip);
  }
  const char *colon = memchr(s, ':', n);
  if (colon != NULL && memchr(colon + 1, ':', n - (size_t)(colon - s) - 1) == NULL) {
    n = (size_t)(colon - s); /* IPv4 with a port */
  }
  return parse_ip(s, n, ip);
}

/* The value of the first for= pair of one Forwarded element, or NULL. */
static const char *forwarded_for(const char *el, size_t n, size_t *vn) {
  const char *p = el, *end = el + n;
  while (p < end) {
    const char *semi = memchr(p, ';', (size_t)(end - p));
    const char *e = semi ? semi : end;
    while (p < e && isspace((unsigned char)*p)) {
      p++;
    }
    if (e - p > 4 && strncasecmp(p, "for=", 4) == 0) {
      *vn = (size_t)(e - p - 4);
      return p + 4;
    }
    p = semi ? semi + 1 : end;
  }
  return NULL;
}

int http_forwarded_client(const char *forwarded, const char *xff, const http_net *trusted,
                          size_t ntrusted, char *out, size_t outlen) {
  int is_rfc = forwarded != NULL && forwarded[0] != '\0';
  const char *h = is_rfc ? forwarded : xff;
  if (h == NULL) {
    return 0;
  }
  unsigned char ip[16];
  int family = 0;
  /* From the right: the nearest hop that is not one of our proxies. */
  const char *end = h + strlen(h);
  while (end > h) {
    const char *start = end;
    while (start > h && start[-1] != ',') {
      start--;
    }
    const char *v = start;
    size_t vn = (size_t)(end - start);
    if (is_rfc) {
      v = forwarded_for(start, (size_t)(end - start), &vn);
    }
    if (v == NULL || (family = forwarded_ip(v, vn, ip)) == 0) {
      return 0; /* "unknown", an obfuscated name or garbage: no client known */
    }
    if (!nets_have(trusted, ntrusted, family, ip)) {
      break;
    }
    end = start > h ? start - 1 : h;
  }
  if (family == 0) {
    return 0;
  }
  ip_text(family, ip, out, outlen);
  return 1;
}

/* ---- the connection list ------------------------------------------------------------------- */

static http_conn *conn_of(struct MHD_Connection *c) {
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return ci != NULL ? ci->socket_context : NULL;
}

int http_conns_is_trusted(http_conns *t, struct MHD_Connection *c) {
  (void)t;
  const http_conn *k = conn_of(c);
  return k != NULL && k->is_trusted;
}

int http_same_client(int family, const unsigned char *a, const unsigned char *b) {
  /* One IPv6 host commonly holds a whole /64: count it as one client. */
  return memcmp(a, b, family == AF_INET ? 4 : 8) == 0;
}

static size_t count_ip(const http_conns *t, int family, const unsigned char *ip) {
  size_t n = 0;
  for (const http_conn *k = t->head; k != NULL; k = k->next) {
    n += k->family == family && http_same_client(family, k->ip, ip);
  }
  return n;
}

/* Logs at debug level, and as a warning at most every few seconds per kind
 * so that a flood does not flood the log too. Called with the lock held. */
static void note(http_conns *t, int kind, uint64_t now, const char *client) {
  static const char *const what[][2] = {
    [WARN_PER_IP] = { "refused a connection from", "it has --max-conns-per-ip open already" },
    [WARN_TOTAL] = { "answered 503 to", "--max-conns connections are open" },
    [WARN_CLIENT] = { "answered 429 to",
                      "a client behind a trusted proxy with --max-conns-per-ip requests in hand" },
    [WARN_TIMEOUT] = { "closed a connection from",
                       "its request did not arrive within --request-timeout" },
    [WARN_SLOW] = { "closed a connection from", "it takes its answer slower than 1 KiB/s" },
  };
  cust_log_level level = CUST_LOG_DEBUG;
  if (t->warned_ms[kind] == 0 || now - t->warned_ms[kind] >= WARN_EVERY_MS) {
    t->warned_ms[kind] = now;
    level = CUST_LOG_WARN;
  }
  cust_log(t->log, level, "http: %s \"%s\": %s", what[kind][0], client, what[kind][1]);
}

enum MHD_Result http_conns_accept(void *cls, const struct sockaddr *addr, socklen_t len) {
  http_conns *t = cls;
  unsigned char ip[16];
  (void)len;
  int family = sa_ip(addr, ip);
  if (family == 0 || nets_have(t->trusted, t->ntrusted, family, ip)) {
    return MHD_YES;
  }
  pthread_mutex_lock(&t->lock);
  int is_ok = count_ip(t, family, ip) < t->per_ip;
  if (!is_ok) {
    char text[INET6_ADDRSTRLEN];
    ip_text(family, ip, text, sizeof text);
    t->stats.refused_ip++;
    note(t, WARN_PER_IP, cust_now_ms(), text);
  }
  pthread_mutex_unlock(&t->lock);
  return is_ok ? MHD_YES : MHD_NO;
}

static void conn_open(http_conns *t, struct MHD_Connection *c, void **socket_context) {
  http_conn *k = calloc(1, sizeof *k);
  if (k == NULL) {
    return; /* not counted; the deadline cannot apply, the idle timeout still does */
  }
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
  k->fd = ci != NULL ? ci->connect_fd : -1;
  ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  k->family = sa_ip(ci != NULL ? ci->client_addr : NULL, k->ip);
  k->is_trusted = k->family != 0 && nets_have(t->trusted, t->ntrusted, k->family, k->ip);
  ip_text(k->family, k->ip, k->client, sizeof k->client);
  k->is_waiting = 1;
  k->since_ms = cust_now_ms();
  pthread_mutex_lock(&t->lock);
  k->next = t->head;
  if (t->head != NULL) {
    t->head->prev = k;
  }
  t->head = k;
  t->count++;
  if (t->count > t->max) {
    k->is_over = 1;
    t->stats.refused_total++;
    note(t, WARN_TOTAL, k->since_ms, k->client);
  }
  pthread_mutex_unlock(&t->lock);
  *socket_context = k;
}

static void conn_close(http_conns *t, void **socket_context) {
  http_conn *k = *socket_context;
  if (k == NULL) {
    return;
  }
  pthread_mutex_lock(&t->lock);
  if (k->prev != NULL) {
    k->prev->next = k->next;
  } else {
    t->head = k->next;
  }
  if (k->next != NULL) {
    k->next->prev = k->prev;
  }
  t->count--;
  pthread_mutex_unlock(&t->lock);
  free(k);
  *socket_context = NULL;
}

void http_conns_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                       enum MHD_ConnectionNotificationCode code) {
  if (code == MHD_CONNECTION_NOTIFY_STARTED) {
    conn_open(cls, c, socket_context);
  } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
    conn_close(cls, socket_context);
  }
}

void http_conns_uri(http_conns *t, struct MHD_Connection *c) {
  http_conn *k = conn_of(c);
  if (k != NULL) {
    pthread_mutex_lock(&t->lock);
    k->has_uri = 1;
    pthread_mutex_unlock(&t->lock);
  }
}

/* Copies at most len-1 bytes of s, with anything but printable ASCII as '?',
 * so that a request line cannot forge log lines. */
static void printable(const char *s, char *out, size_t len) {
  size_t i = 0;
  for (; s != NULL && s[i] != '\0' && i + 1 < len; i++) {
    out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
  }
  out[i] = '\0';
}

http_verdict http_conns_begin(http_conns *t, struct MHD_Connection *c, const char *method,
                              const char *uri, char *client, size_t clientlen) {
  http_conn *k = conn_of(c);
  snprintf(client, clientlen, "unknown");
  if (k == NULL) {
    return HTTP_VERDICT_OK;
  }
  char fwd[CLIENT_MAX];
  int is_forwarded =
      k->is_trusted &&
      http_forwarded_client(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Forwarded"),
                            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For"),
                            t->trusted, t->ntrusted, fwd, sizeof fwd);
  http_verdict v = HTTP_VERDICT_OK;
  pthread_mutex_lock(&t->lock);
  if (is_forwarded) {
    snprintf(k->client, sizeof k->client, "%s", fwd);
  } else {
    ip_text(k->family, k->ip, k->client, sizeof k->client); /* the last request's may be there */
  }
  snprintf(client, clientlen, "%s", k->client);
  if (k->is_over) {
    v = HTTP_VERDICT_BUSY;
  } else if (is_forwarded) {
    size_t n = 0;
    for (const http_conn *o = t->head; o != NULL; o = o->next) {
      n += o->is_in_hand && strcmp(o->client, k->client) == 0;
    }
    if (n >= t->per_ip) {
      v = HTTP_VERDICT_TOO_MANY;
      t->stats.refused_client++;
      note(t, WARN_CLIENT, cust_now_ms(), k->client);
    } else {
      k->is_in_hand = 1;
    }
  }
  pthread_mutex_unlock(&t->lock);
  if (t->log != NULL && t->log->level >= CUST_LOG_DEBUG) {
    char m[16], u[256], shown[256];
    printable(method, m, sizeof m);
    printable(cust_url_redact(uri, 0, shown, sizeof shown), u, sizeof u);
    cust_log(t->log, CUST_LOG_DEBUG, "http: \"%s\" %s %s", client, m, u);
  }
  return v;
}

void http_conns_received(http_conns *t, struct MHD_Connection *c) {
  http_conn *k = conn_of(c);
  if (k != NULL) {
    pthread_mutex_lock(&t->lock);
    k->is_waiting = 0;
    k->mark_ms = 0;
    pthread_mutex_unlock(&t->lock);
  }
}

void http_conns_done(http_conns *t, struct MHD_Connection *c) {
  http_conn *k = conn_of(c);
  if (k != NULL) {
    pthread_mutex_lock(&t->lock);
    k->is_waiting = 1;
    k->has_uri = 0;
    k->is_in_hand = 0;
    k->since_ms = cust_now_ms();
    pthread_mutex_unlock(&t->lock);
  }
}

enum MHD_Result http_conns_refuse(struct MHD_Connection *c, int status, const char *detail) {
  char body[256];
  int n = snprintf(body, sizeof body, "{\"error\": \"%s\", \"detail\": \"%s\"}\n",
                   status == 429 ? "too many requests" : "overloaded", detail);
  if (n < 0 || (size_t)n >= sizeof body) {
    return MHD_NO;
  }
  struct MHD_Response *resp =
      MHD_create_response_from_buffer((size_t)n, body, MHD_RESPMEM_MUST_COPY);
  if (resp == NULL) {
    return MHD_NO;
  }
  MHD_add_response_header(resp, "Content-Type", "application/json");
  MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
  MHD_add_response_header(resp, "Retry-After", status == 429 ? "1" : "5");
  MHD_add_response_header(resp, "Connection", "close");
  MHD_add_response_header(resp, "Server", PACKAGE_NAME "/" PACKAGE_VERSION);
  enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, resp);
  MHD_destroy_response(resp);
  return ret;
}

void http_conns_stats(http_conns *t, http_conn_stats *out) {
  pthread_mutex_lock(&t->lock);
  *out = t->stats;
  out->open = t->count;
  pthread_mutex_unlock(&t->lock);
}

/* ---- the watchdog ------------------------------------------------------------------------ */

#define LATE_BODY                                                                                  \
  "{\"error\": \"request timeout\", \"detail\": \"the request did not arrive within "              \
  "--request-timeout: send it whole, faster\"}\n"

/* While an answer waits in the socket's send queue, the client must take at
 * least READER_MIN_RATE bytes a second of it, counted over each
 * --request-timeout (TCP_INFO's bytes acknowledged); otherwise it is a slow
 * reader that holds a thread, and its connection is shut down. While the
 * queue is empty (the request is being worked on, or the client keeps up),
 * nothing is counted. */
static void check_reader(http_conns *t, http_conn *k, uint64_t now) {
  int queued = 0;
  struct tcp_info ti;
  socklen_t len = sizeof ti;
  memset(&ti, 0, sizeof ti);
  if (ioctl(k->fd, SIOCOUTQ, &queued) != 0 || queued <= 0 ||
      getsockopt(k->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
      len < offsetof(struct tcp_info, tcpi_bytes_acked) + sizeof ti.tcpi_bytes_acked) {
    k->mark_ms = 0;
    return;
  }
  uint64_t need = READER_MIN_RATE * t->timeout_ms / 1000;
  if (k->mark_ms == 0 || ti.tcpi_bytes_acked - k->acked_mark >= need) {
    k->mark_ms = now;
    k->acked_mark = ti.tcpi_bytes_acked;
    return;
  }
  if (now - k->mark_ms >= t->timeout_ms) {
    k->is_killed = 1;
    t->stats.slow_readers++;
    note(t, WARN_SLOW, now, k->client);
    /* The answer in the queue is dropped at close (a reset), rather than
     * left for the kernel to trickle out. */
    struct linger drop = { .l_onoff = 1, .l_linger = 0 };
    setsockopt(k->fd, SOL_SOCKET, SO_LINGER, &drop, sizeof drop);
    shutdown(k->fd, SHUT_RDWR);
  }
}

static void sweep(http_conns *t, uint64_t now) {
  char late[256];
  int late_len = snprintf(late, sizeof late,
                          "HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\n"
                          "Connection: close\r\nContent-Length: %zu\r\n\r\n%s",
                          sizeof LATE_BODY - 1, LATE_BODY);
  for (http_conn *k = t->head; k != NULL; k = k->next) {
    if (!k->is_waiting && !k->is_killed && k->fd >= 0 && now - k->checked_ms >= READER_CHECK_MS) {
      k->checked_ms = now;
      check_reader(t, k, now);
    }
    if (!k->is_waiting || k->is_killed || k->fd < 0 || now - k->since_ms < t->timeout_ms) {
      continue;
    }
    k->is_killed = 1;
    if (k->has_uri) {
      /* Best effort: a socket that cannot take it now is closed all the same. */
      ssize_t w = send(k->fd, late, (size_t)late_len, MSG_DONTWAIT | MSG_NOSIGNAL);
      (void)w;
      t->stats.timed_out++;
      note(t, WARN_TIMEOUT, now, k->client);
    }
    shutdown(k->fd, SHUT_RDWR);
  }
}

static void *watch(void *arg) {
  http_conns *t = arg;
  pthread_mutex_lock(&t->lock);
  while (!t->is_stopping) {
    sweep(t, cust_now_ms());
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += WATCH_MS * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&t->wake, &t->lock, &ts);
  }
  pthread_mutex_unlock(&t->lock);
  return NULL;
}

/* Parses the comma-separated networks of list[0..n) into `out` (NULL: only
 * checks); *nout is how many there are. On a bad one, says which in `err`. */
static cust_status parse_proxies(const char *const *list, size_t n, http_net *out, size_t *nout,
                                 char *err, size_t errlen) {
  *nout = 0;
  for (size_t i = 0; i < n; i++) {
    const char *p = list[i];
    for (;;) {
      const char *comma = strchr(p, ',');
      size_t len = comma ? (size_t)(comma - p) : strlen(p);
      const char *q = p;
      char one[128];
      http_net net;
      while (len > 0 && isspace((unsigned char)*q)) {
        q++, len--;
      }
      while (len > 0 && isspace((unsigned char)q[len - 1])) {
        len--;
      }
      if (len < sizeof one) {
        memcpy(one, q, len);
        one[len] = '\0';
      }
      if (len >= sizeof one || http_net_parse(one, &net) != CUST_OK) {
        snprintf(err, errlen,
                 "bad --trusted-proxy \"%.*s\": give IP addresses or CIDR networks (192.0.2.1, "
                 "10.0.0.0/8, 2001:db8::/32), comma-separated",
                 (int)(len < 64 ? len : 64), q);
        return CUST_ERR_INVALID;
      }
      if (out != NULL) {
        out[*nout] = net;
      }
      (*nout)++;
      if (comma == NULL) {
        break;
      }
      p = comma + 1;
    }
  }
  return CUST_OK;
}

cust_status cust_http_check_proxies(const char *const *list, size_t n, char *err, size_t errlen) {
  size_t count = 0;
  return parse_proxies(list, n, NULL, &count, err, errlen);
}

cust_status http_conns_init(http_conns *t, const cust_http_config *cfg, const cust_logger *log) {
  char err[256];
  size_t n = 0;
  memset(t, 0, sizeof *t);
  pthread_mutex_init(&t->lock, NULL);
  pthread_cond_init(&t->wake, NULL);
  t->log = log;
  t->timeout_ms = cfg->request_timeout_ms ? cfg->request_timeout_ms : CUST_HTTP_REQUEST_TIMEOUT_MS;
  t->max = cfg->max_conns ? cfg->max_conns : CUST_HTTP_MAX_CONNS;
  t->per_ip = cfg->max_conns_per_ip ? cfg->max_conns_per_ip : CUST_HTTP_MAX_CONNS_PER_IP;
  cust_status st =
      parse_proxies(cfg->trusted_proxies, cfg->ntrusted_proxies, NULL, &n, err, sizeof err);
  if (st == CUST_OK && n > 0) {
    t->trusted = calloc(n, sizeof *t->trusted);
    st = t->trusted == NULL ? CUST_ERR_NOMEM
                            : parse_proxies(cfg->trusted_proxies, cfg->ntrusted_proxies, t->trusted,
                                            &t->ntrusted, err, sizeof err);
  }
  if (st == CUST_ERR_INVALID) {
    cust_log(log, CUST_LOG_ERROR, "%s", err);
  }
  if (st != CUST_OK) {
    return st;
  }
  if (pthread_create(&t->watchdog, NULL, watch, t) != 0) {
    return CUST_ERR_NOMEM;
  }
  t->has_watchdog = 1;
  return CUST_OK;
}

void http_conns_release(http_conns *t) {
  if (t == NULL || t->log == NULL) {
    return;
  }
  if (t->has_watchdog) {
    pthread_mutex_lock(&t->lock);
    t->is_stopping = 1;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->watchdog, NULL);
  }
  free(t->trusted);
  pthread_mutex_destroy(&t->lock);
  pthread_cond_destroy(&t->wake);
  memset(t, 0, sizeof *t);
}
