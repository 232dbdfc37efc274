/* The server's answer cache: successful query answers by request, for the
 * current store generation, behind a read-write lock so that concurrent hits
 * never wait on each other (the query module's own cache serialises them);
 * and the flights: identical requests that miss at the same time run once,
 * the others wait for that answer (a new block empties the cache, and every
 * dashboard asks again at once). */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http_int.h"

struct http_cache_entry {
  http_cache_entry *next;
  uint64_t hash;
  char *key;
  size_t keylen;
  char *body;
  size_t len;
  const char *type; /* static, from the query module */
  uint64_t height;
};

struct http_flight {
  http_flight *next;
  uint64_t generation;
  char *key;
  size_t keylen;
  int is_done;
  int waiters;
  int status;
  const char *type;
  uint64_t height;
  cust_buf body;
  int fd; /* a large answer's file (-1: in body), reopened for each waiter */
  uint64_t fd_len;
};

/* A descriptor of its own (own file offset) on the file behind `fd`, or -1. */
static int reopen(int fd) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  int r = open(path, O_RDONLY | O_CLOEXEC);
  return r >= 0 ? r : fcntl(fd, F_DUPFD_CLOEXEC, 0);
}

void http_cache_init(http_cache *c, size_t max_bytes) {
  memset(c, 0, sizeof *c);
  pthread_rwlock_init(&c->lock, NULL);
  pthread_mutex_init(&c->flight_lock, NULL);
  pthread_cond_init(&c->flight_cond, NULL);
  c->max_bytes = max_bytes;
}

static void flight_free(http_flight *f) {
  if (f->fd >= 0) {
    close(f->fd);
  }
  free(f->key);
  cust_buf_release(&f->body);
  free(f);
}

int http_cache_join(http_cache *c, uint64_t generation, const cust_buf *key, cust_sparql_result *r,
                    http_flight **lead) {
  *lead = NULL;
  /* an answer read before one that was already given when this request
   * came is not taken: the request runs by itself instead */
  pthread_rwlock_rdlock(&c->lock);
  uint64_t floor = c->max_height;
  pthread_rwlock_unlock(&c->lock);
  pthread_mutex_lock(&c->flight_lock);
  http_flight *f = c->flights;
  while (f != NULL && (f->generation != generation || f->keylen != key->len ||
                       memcmp(f->key, key->data, key->len) != 0)) {
    f = f->next;
  }
  if (f == NULL) {
    f = calloc(1, sizeof *f);
    if (f != NULL && (f->key = malloc(key->len ? key->len : 1)) != NULL) {
      memcpy(f->key, key->data, key->len);
      f->keylen = key->len;
      f->generation = generation;
      f->fd = -1;
      cust_buf_init(&f->body);
      f->next = c->flights;
      c->flights = f;
      *lead = f;
    } else {
      free(f);
    }
    pthread_mutex_unlock(&c->flight_lock);
    return 0; /* run it (and, when leading, hand the answer on) */
  }
  f->waiters++;
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += 600; /* the query module's time limits end every flight long before */
  while (!f->is_done) {
    if (pthread_cond_timedwait(&c->flight_cond, &c->flight_lock, &until) != 0 && !f->is_done) {
      break;
    }
  }
  int is_answered = 0;
  if (f->is_done && f->height < floor) {
    is_answered = 0;
  } else if (f->is_done && f->fd >= 0) {
    int fd = reopen(f->fd);
    if (fd >= 0) {
      cust_buf_reset(&r->body);
      if (r->body_fd >= 0) {
        close(r->body_fd);
      }
      r->body_fd = fd;
      r->body_fd_len = f->fd_len;
      r->http_status = f->status;
      r->content_type = f->type;
      r->height = f->height;
      r->is_cached = 1;
      is_answered = 1;
    }
  } else if (f->is_done) {
    cust_buf_reset(&r->body);
    if (cust_buf_append(&r->body, f->body.data ? f->body.data : "", f->body.len) == CUST_OK) {
      r->http_status = f->status;
      r->content_type = f->type;
      r->height = f->height;
      r->is_cached = 1;
      is_answered = 1;
    }
  }
  f->waiters--;
  if (f->is_done && f->waiters == 0) {
    flight_free(f);
  }
  pthread_mutex_unlock(&c->flight_lock);
  return is_answered;
}

void http_cache_land(http_cache *c, http_flight *f, const cust_sparql_result *r) {
  if (f == NULL) {
    return;
  }
  pthread_mutex_lock(&c->flight_lock);
  for (http_flight **p = &c->flights; *p != NULL; p = &(*p)->next) {
    if (*p == f) {
      *p = f->next;
      break;
    }
  }
  f->status = r->http_status;
  f->type = r->content_type;
  f->height = r->height;
  if (r->body_fd >= 0) {
    f->fd = reopen(r->body_fd);
    f->fd_len = r->body_fd_len;
  }
  if ((r->body_fd >= 0 && f->fd < 0) ||
      cust_buf_append(&f->body, r->body.data ? r->body.data : "", r->body.len) != CUST_OK) {
    f->status = 503;
    f->type = "application/json";
    cust_buf_reset(&f->body);
    cust_buf_puts(&f->body, "{\"error\": \"overloaded\", \"detail\": \"out of memory\"}\n");
  }
  f->is_done = 1;
  int is_alone = f->waiters == 0;
  pthread_cond_broadcast(&c->flight_cond);
  pthread_mutex_unlock(&c->flight_lock);
  if (is_alone) {
    flight_free(f);
  }
}

static void clear(http_cache *c) {
  for (size_t i = 0; i < HTTP_CACHE_BUCKETS; i++) {
    while (c->buckets[i] != NULL) {
      http_cache_entry *e = c->buckets[i];
      c->buckets[i] = e->next;
      free(e->key);
      free(e->body);
      free(e);
    }
  }
  c->bytes = 0;
}

void http_cache_release(http_cache *c) {
  if (c == NULL) {
    return;
  }
  clear(c);
  pthread_rwlock_destroy(&c->lock);
  pthread_mutex_destroy(&c->flight_lock);
  pthread_cond_destroy(&c->flight_cond);
}

static uint64_t fnv(const char *s, size_t n) {
  uint64_t x = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) {
    x = (x ^ (unsigned char)s[i]) * 1099511628211ull;
  }
  return x;
}

static cust_status put_field(cust_buf *k, const char *s) {
  /* Length-prefixed, so that no two requests share a key. */
  size_t n = s ? strlen(s) : 0;
  cust_status st = cust_buf_printf(k, "%zu:", s ? n : (size_t)-1);
  return st == CUST_OK && n ? cust_buf_append(k, s, n) : st;
}

cust_status http_cache_key(const cust_sparql_request *q, cust_buf *k) {
  cust_status st = put_field(k, q->query);
  st = st ? st : put_field(k, q->accept);
  st = st ? st : put_field(k, q->format);
  st = st ? st : cust_buf_printf(k, "d%zu", q->ndefault);
  for (size_t i = 0; st == CUST_OK && i < q->ndefault; i++) {
    st = put_field(k, q->default_graphs[i]);
  }
  st = st ? st : cust_buf_printf(k, "n%zu", q->nnamed);
  for (size_t i = 0; st == CUST_OK && i < q->nnamed; i++) {
    st = put_field(k, q->named_graphs[i]);
  }
  st = st ? st : cust_buf_printf(k, "b%zu", q->nbind);
  for (size_t i = 0; st == CUST_OK && i < q->nbind; i++) {
    st = put_field(k, q->bind_names[i]);
    st = st ? st : cust_buf_printf(k, "%d", (int)q->bind_values[i].kind);
    st = st ? st : put_field(k, q->bind_values[i].value);
    st = st ? st : put_field(k, q->bind_values[i].lang);
    st = st ? st : put_field(k, q->bind_values[i].datatype);
  }
  return st;
}

int http_cache_get(http_cache *c, uint64_t generation, const cust_buf *key, cust_sparql_result *r) {
  uint64_t h = fnv(key->data, key->len);
  int is_hit = 0;
  pthread_rwlock_rdlock(&c->lock);
  if (c->generation == generation) {
    for (http_cache_entry *e = c->buckets[h % HTTP_CACHE_BUCKETS]; e != NULL; e = e->next) {
      if (e->hash == h && e->keylen == key->len && memcmp(e->key, key->data, key->len) == 0 &&
          e->height >= c->max_height) {
        cust_buf_reset(&r->body);
        if (cust_buf_append(&r->body, e->body, e->len) == CUST_OK) {
          r->http_status = 200;
          r->content_type = e->type;
          r->height = e->height;
          r->is_cached = 1;
          is_hit = 1;
        }
        break;
      }
    }
  }
  pthread_rwlock_unlock(&c->lock);
  return is_hit;
}

void http_cache_put(http_cache *c, uint64_t generation, const cust_buf *key,
                    const cust_sparql_result *r) {
  size_t cost = r->body.len + key->len + sizeof(http_cache_entry);
  pthread_rwlock_wrlock(&c->lock);
  int is_stale = r->height < c->max_height;
  if (r->height > c->max_height) {
    c->max_height = r->height;
  }
  pthread_rwlock_unlock(&c->lock);
  if (is_stale || r->http_status != 200 || r->content_type == NULL || r->body_fd >= 0 ||
      cost > c->max_bytes / 8) {
    return;
  }
  http_cache_entry *e = calloc(1, sizeof *e);
  if (e == NULL || (e->key = malloc(key->len)) == NULL ||
      (e->body = malloc(r->body.len ? r->body.len : 1)) == NULL) {
    if (e != NULL) {
      free(e->key);
      free(e);
    }
    return;
  }
  memcpy(e->key, key->data, key->len);
  e->keylen = key->len;
  if (r->body.len) {
    memcpy(e->body, r->body.data, r->body.len);
  }
  e->len = r->body.len;
  e->type = r->content_type;
  e->height = r->height;
  e->hash = fnv(key->data, key->len);
  pthread_rwlock_wrlock(&c->lock);
  if (generation != c->generation || c->bytes + cost > c->max_bytes) {
    /* A newer store, or full: start over (answers are cheap to make again). */
    clear(c);
    if (generation > c->generation) {
      c->generation = generation;
    }
  }
  if (generation == c->generation) {
    size_t b = e->hash % HTTP_CACHE_BUCKETS;
    e->next = c->buckets[b];
    c->buckets[b] = e;
    c->bytes += cost;
    e = NULL;
  }
  pthread_rwlock_unlock(&c->lock);
  if (e != NULL) {
    free(e->key);
    free(e->body);
    free(e);
  }
}
