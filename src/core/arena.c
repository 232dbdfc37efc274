/* Arenas and growable buffers: the two ways memory is handed out in bulk. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core.h"

struct cust_arena_chunk {
  cust_arena_chunk *next;
  size_t size; /* usable bytes after the header */
  size_t used;
  /* data follows, 16-byte aligned */
};

#define CHUNK_HEADER ((sizeof(cust_arena_chunk) + 15u) & ~(size_t)15u)

void cust_arena_init(cust_arena *a, size_t chunk_size) {
  a->head = NULL;
  a->chunk_size = chunk_size ? chunk_size : 64 * 1024;
  a->total = 0;
}

void cust_arena_release(cust_arena *a) {
  if (a == NULL) {
    return;
  }
  while (a->head != NULL) {
    cust_arena_chunk *next = a->head->next;
    free(a->head);
    a->head = next;
  }
  a->total = 0;
}

void cust_arena_reset(cust_arena *a) {
  cust_arena_chunk *keep = NULL;
  while (a->head != NULL) {
    cust_arena_chunk *next = a->head->next;
    if (keep == NULL && a->head->size == a->chunk_size) {
      keep = a->head;
    } else {
      free(a->head);
    }
    a->head = next;
  }
  if (keep != NULL) {
    keep->next = NULL;
    keep->used = 0;
  }
  a->head = keep;
  a->total = 0;
}

void *cust_arena_alloc(cust_arena *a, size_t n) {
  size_t need = (n + 15u) & ~(size_t)15u;
  cust_arena_chunk *c = a->head;
  if (need < n) {
    return NULL;
  }
  if (c == NULL || c->size - c->used < need) {
    size_t size = need > a->chunk_size ? need : a->chunk_size;
    c = malloc(CHUNK_HEADER + size);
    if (c == NULL) {
      return NULL;
    }
    c->size = size;
    c->used = 0;
    if (need > a->chunk_size && a->head != NULL) {
      /* an oversized block goes behind the current chunk, which keeps serving */
      c->next = a->head->next;
      a->head->next = c;
      c->used = need;
      a->total += need;
      return (char *)c + CHUNK_HEADER;
    }
    c->next = a->head;
    a->head = c;
  }
  void *p = (char *)c + CHUNK_HEADER + c->used;
  c->used += need;
  a->total += need;
  return p;
}

char *cust_arena_strndup(cust_arena *a, const char *s, size_t n) {
  char *p = cust_arena_alloc(a, n + 1);
  if (p == NULL) {
    return NULL;
  }
  if (n) {
    memcpy(p, s, n);
  }
  p[n] = '\0';
  return p;
}

char *cust_arena_strdup(cust_arena *a, const char *s) {
  return cust_arena_strndup(a, s, strlen(s));
}

char *cust_arena_printf(cust_arena *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) {
    return NULL;
  }
  char *p = cust_arena_alloc(a, (size_t)n + 1);
  if (p == NULL) {
    return NULL;
  }
  va_start(ap, fmt);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return p;
}

void cust_buf_init(cust_buf *b) {
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
}

void cust_buf_release(cust_buf *b) {
  if (b == NULL) {
    return;
  }
  free(b->data);
  cust_buf_init(b);
}

void cust_buf_reset(cust_buf *b) {
  b->len = 0;
  if (b->data != NULL) {
    b->data[0] = '\0';
  }
}

cust_status cust_grow(void *items, size_t n, size_t *cap, size_t size, size_t first) {
  if (n < *cap) {
    return CUST_OK;
  }
  size_t c = *cap ? *cap : first;
  while (c <= n) {
    if (c > SIZE_MAX / 2) {
      return CUST_ERR_NOMEM;
    }
    c *= 2;
  }
  if (size == 0 || c > SIZE_MAX / size) {
    return CUST_ERR_NOMEM;
  }
  void **p = items;
  void *grown = realloc(*p, c * size);
  if (grown == NULL) {
    return CUST_ERR_NOMEM;
  }
  *p = grown;
  *cap = c;
  return CUST_OK;
}

cust_status cust_buf_reserve(cust_buf *b, size_t extra) {
  if (b->len + extra + 1 <= b->cap) {
    return CUST_OK;
  }
  if (b->len + extra + 1 < extra) {
    return CUST_ERR_NOMEM;
  }
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + extra + 1) {
    if (cap > SIZE_MAX / 2) {
      return CUST_ERR_NOMEM;
    }
    cap *= 2;
  }
  char *p = realloc(b->data, cap);
  if (p == NULL) {
    return CUST_ERR_NOMEM;
  }
  b->data = p;
  b->cap = cap;
  return CUST_OK;
}

cust_status cust_buf_append(cust_buf *b, const void *data, size_t len) {
  cust_status st = cust_buf_reserve(b, len);
  if (st != CUST_OK) {
    return st;
  }
  if (len) {
    memcpy(b->data + b->len, data, len);
  }
  b->len += len;
  b->data[b->len] = '\0';
  return CUST_OK;
}

cust_status cust_buf_puts(cust_buf *b, const char *s) {
  return cust_buf_append(b, s, strlen(s));
}

cust_status cust_buf_putc(cust_buf *b, char c) {
  return cust_buf_append(b, &c, 1);
}

cust_status cust_buf_printf(cust_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) {
    return CUST_ERR_INVALID;
  }
  cust_status st = cust_buf_reserve(b, (size_t)n);
  if (st != CUST_OK) {
    return st;
  }
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
  return CUST_OK;
}

char *cust_buf_steal(cust_buf *b, size_t *len) {
  char *p = b->data;
  if (len != NULL) {
    *len = b->len;
  }
  if (p == NULL) {
    p = calloc(1, 1);
  }
  cust_buf_init(b);
  return p;
}
