/* The pure pieces of the server: query strings, paths, Accept headers,
 * gzip, JSON strings, the data-directory lookup and the metrics counters. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zlib.h>

#include "http.h"
#include "http_int.h"

/* ---- data directories -------------------------------------------------------- */

static int is_dir(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

const char *cust_http_data_dir(const char *option, const char *name, char *buf, size_t len) {
  int n;
  if (option != NULL && option[0] != '\0') {
    n = snprintf(buf, len, "%s", option);
  } else {
    n = snprintf(buf, len, "%s/%s", CUST_PKGDATADIR, name);
    if (n >= 0 && (size_t)n < len && !is_dir(buf)) {
      n = snprintf(buf, len, "%s/%s", CUST_SRCDIR, name);
    }
  }
  if (n < 0 || (size_t)n >= len) {
    return NULL;
  }
  return buf;
}

/* ---- escapes and query strings ------------------------------------------------ */

static int hexval(int c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

size_t http_unescape(const char *s, size_t n, int is_form, char *out) {
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    int c = (unsigned char)s[i];
    if (c == '%') {
      int hi = i + 2 < n ? hexval((unsigned char)s[i + 1]) : -1;
      int lo = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return (size_t)-1;
      }
      c = hi * 16 + lo;
      i += 2;
    } else if (c == '+' && is_form) {
      c = ' ';
    }
    if (c == 0) {
      return (size_t)-1;
    }
    out[o++] = (char)c;
  }
  out[o] = '\0';
  return o;
}

static cust_status params_push(http_params *p, const char *name, const char *value) {
  if (p->len == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 8;
    http_param *items = cust_arena_alloc(p->arena, cap * sizeof *items);
    if (items == NULL) {
      return CUST_ERR_NOMEM;
    }
    if (p->len) {
      memcpy(items, p->items, p->len * sizeof *items);
    }
    p->items = items;
    p->cap = cap;
  }
  p->items[p->len].name = name;
  p->items[p->len].value = value;
  p->len++;
  return CUST_OK;
}

cust_status http_params_parse(http_params *p, cust_arena *arena, const char *s, size_t len) {
  p->arena = arena;
  size_t i = 0;
  while (i < len) {
    size_t start = i;
    while (i < len && s[i] != '&' && s[i] != ';') {
      i++;
    }
    size_t end = i;
    i++; /* the separator */
    if (end == start) {
      continue;
    }
    const char *eq = memchr(s + start, '=', end - start);
    size_t nlen = eq ? (size_t)(eq - (s + start)) : end - start;
    const char *v = eq ? eq + 1 : s + end;
    size_t vlen = eq ? (size_t)((s + end) - v) : 0;
    char *name = cust_arena_alloc(arena, nlen + 1);
    char *value = cust_arena_alloc(arena, vlen + 1);
    if (name == NULL || value == NULL) {
      return CUST_ERR_NOMEM;
    }
    if (http_unescape(s + start, nlen, 1, name) == (size_t)-1 ||
        http_unescape(v, vlen, 1, value) == (size_t)-1) {
      return CUST_ERR_INVALID;
    }
    cust_status st = params_push(p, name, value);
    if (st != CUST_OK) {
      return st;
    }
  }
  return CUST_OK;
}

const char *http_params_get(const http_params *p, const char *name) {
  for (size_t i = 0; i < p->len; i++) {
    if (strcmp(p->items[i].name, name) == 0) {
      return p->items[i].value;
    }
  }
  return NULL;
}

size_t http_params_all(const http_params *p, const char *name, const char **out, size_t max) {
  size_t n = 0;
  for (size_t i = 0; i < p->len; i++) {
    if (strcmp(p->items[i].name, name) == 0) {
      if (n < max) {
        out[n] = p->items[i].value;
      }
      n++;
    }
  }
  return n;
}

/* ---- paths ----------------------------------------------------------------------- */

cust_status http_path_normalise(const char *raw, size_t n, char *out, size_t outlen) {
  char *dec = malloc(n + 1);
  cust_status st = CUST_OK;
  size_t o = 0;
  if (dec == NULL) {
    return CUST_ERR_NOMEM;
  }
  /* An escaped slash would become a separator once decoded: refused, so
   * that a segment never hides a path. */
  for (size_t k = 0; k + 2 < n; k++) {
    if (raw[k] == '%' && raw[k + 1] == '2' && (raw[k + 2] == 'f' || raw[k + 2] == 'F')) {
      st = CUST_ERR_INVALID;
      goto done;
    }
  }
  size_t dlen = http_unescape(raw, n, 0, dec);
  if (dlen == (size_t)-1 || dlen == 0 || dec[0] != '/') {
    st = CUST_ERR_INVALID;
    goto done;
  }
  size_t i = 0;
  while (i < dlen) {
    while (i < dlen && dec[i] == '/') {
      i++;
    }
    size_t start = i;
    while (i < dlen && dec[i] != '/') {
      unsigned char c = (unsigned char)dec[i];
      if (c < 0x20 || c == 0x7f || c == '\\') {
        st = CUST_ERR_INVALID;
        goto done;
      }
      i++;
    }
    size_t seg = i - start;
    if (seg == 0) {
      continue;
    }
    if ((seg == 1 && dec[start] == '.') ||
        (seg == 2 && dec[start] == '.' && dec[start + 1] == '.')) {
      st = CUST_ERR_INVALID;
      goto done;
    }
    if (o + 1 + seg + 1 > outlen) {
      st = CUST_ERR_LIMIT;
      goto done;
    }
    out[o++] = '/';
    memcpy(out + o, dec + start, seg);
    o += seg;
  }
  if (o == 0 || (dlen > 1 && dec[dlen - 1] == '/')) {
    if (o + 2 > outlen) {
      st = CUST_ERR_LIMIT;
      goto done;
    }
    out[o++] = '/';
  }
  out[o] = '\0';
done:
  free(dec);
  return st;
}

const char *http_content_type(const char *path) {
  static const struct {
    const char *ext;
    const char *type;
  } types[] = {
    { ".html", "text/html; charset=utf-8" },
    { ".htm", "text/html; charset=utf-8" },
    { ".css", "text/css; charset=utf-8" },
    { ".js", "text/javascript; charset=utf-8" },
    { ".mjs", "text/javascript; charset=utf-8" },
    { ".json", "application/json" },
    { ".map", "application/json" },
    { ".svg", "image/svg+xml" },
    { ".png", "image/png" },
    { ".jpg", "image/jpeg" },
    { ".jpeg", "image/jpeg" },
    { ".gif", "image/gif" },
    { ".ico", "image/x-icon" },
    { ".webp", "image/webp" },
    { ".woff", "font/woff" },
    { ".woff2", "font/woff2" },
    { ".txt", "text/plain; charset=utf-8" },
    { ".ttl", "text/turtle; charset=utf-8" },
    { ".rq", "application/sparql-query" },
    { ".wasm", "application/wasm" },
  };
  const char *dot = strrchr(path, '.');
  const char *slash = strrchr(path, '/');
  if (dot != NULL && (slash == NULL || dot > slash)) {
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
      if (strcasecmp(dot, types[i].ext) == 0) {
        return types[i].type;
      }
    }
  }
  return "application/octet-stream";
}

/* ---- Accept headers ---------------------------------------------------------------- */

/* Parses "q=0.5" style parameters of one range; returns the quality x1000. */
static int range_quality(const char *params, size_t n) {
  int q = 1000;
  size_t i = 0;
  while (i < n) {
    while (i < n && (params[i] == ';' || params[i] == ' ' || params[i] == '\t')) {
      i++;
    }
    if (i + 2 <= n && (params[i] == 'q' || params[i] == 'Q') && params[i + 1] == '=') {
      i += 2;
      int v = 0, digits = 0, scale = 1000;
      if (i < n && (params[i] == '0' || params[i] == '1')) {
        v = (params[i] - '0') * 1000;
        i++;
        if (i < n && params[i] == '.') {
          i++;
          while (i < n && isdigit((unsigned char)params[i]) && digits < 3) {
            scale /= 10;
            v += (params[i] - '0') * scale;
            digits++;
            i++;
          }
        }
        q = v > 1000 ? 1000 : v;
      }
    }
    while (i < n && params[i] != ';') {
      i++;
    }
  }
  return q;
}

static void trim(const char **s, size_t *n) {
  while (*n > 0 && (**s == ' ' || **s == '\t')) {
    (*s)++;
    (*n)--;
  }
  while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t')) {
    (*n)--;
  }
}

int http_accept_quality(const char *accept, const char *type) {
  if (accept == NULL) {
    return 1000;
  }
  const char *slash = strchr(type, '/');
  size_t tmain = slash ? (size_t)(slash - type) : strlen(type);
  size_t tlen = strlen(type);
  int best_spec = -1, best_q = 0, any = 0;
  const char *p = accept;
  while (*p != '\0') {
    const char *end = strchr(p, ',');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    const char *semi = memchr(p, ';', n);
    const char *r = p;
    size_t rn = semi ? (size_t)(semi - p) : n;
    trim(&r, &rn);
    if (rn > 0) {
      any = 1;
      int spec = -1;
      if (rn == 3 && memcmp(r, "*/*", 3) == 0) {
        spec = 0;
      } else if (rn == tmain + 2 && strncasecmp(r, type, tmain) == 0 && r[tmain] == '/' &&
                 r[tmain + 1] == '*') {
        spec = 1;
      } else if (rn == tlen && strncasecmp(r, type, tlen) == 0) {
        spec = 2;
      }
      if (spec > best_spec) {
        best_spec = spec;
        best_q = semi ? range_quality(semi, n - (size_t)(semi - p)) : 1000;
      }
    }
    p = end ? end + 1 : p + n;
  }
  if (!any) {
    return 1000;
  }
  return best_spec < 0 ? 0 : best_q;
}

int http_accepts_gzip(const char *accept_encoding) {
  if (accept_encoding == NULL) {
    return 0;
  }
  int gzip_q = -1, star_q = -1;
  const char *p = accept_encoding;
  while (*p != '\0') {
    const char *end = strchr(p, ',');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    const char *semi = memchr(p, ';', n);
    const char *r = p;
    size_t rn = semi ? (size_t)(semi - p) : n;
    trim(&r, &rn);
    int q = semi ? range_quality(semi, n - (size_t)(semi - p)) : 1000;
    if ((rn == 4 && strncasecmp(r, "gzip", 4) == 0) ||
        (rn == 6 && strncasecmp(r, "x-gzip", 6) == 0)) {
      gzip_q = q;
    } else if (rn == 1 && r[0] == '*') {
      star_q = q;
    }
    p = end ? end + 1 : p + n;
  }
  if (gzip_q >= 0) {
    return gzip_q > 0;
  }
  return star_q > 0;
}

cust_status http_gzip(const char *in, size_t n, cust_buf *out) {
  z_stream z;
  memset(&z, 0, sizeof z);
  /* 15 + 16: a gzip wrapper rather than zlib's. */
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return CUST_ERR_NOMEM;
  }
  cust_status st = CUST_OK;
  uLong bound = deflateBound(&z, (uLong)n);
  st = cust_buf_reserve(out, bound);
  if (st != CUST_OK) {
    goto done;
  }
  z.next_in = (Bytef *)(uintptr_t)in;
  z.avail_in = (uInt)n;
  z.next_out = (Bytef *)(out->data + out->len);
  z.avail_out = (uInt)(out->cap - out->len - 1);
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
    st = CUST_ERR_INTERNAL;
    goto done;
  }
  out->len += z.total_out;
  out->data[out->len] = '\0';
done:
  deflateEnd(&z);
  return st;
}

/* ---- JSON ------------------------------------------------------------------------- */

/* ---- metrics ------------------------------------------------------------------------ */

const double http_hist_bounds[HTTP_HIST_BUCKETS] = { 0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                     0.25,  0.5,   1.0,  2.5,   10.0, 0.0 };
const int http_status_slots[HTTP_STATUS_SLOTS] = { 200, 400, 404, 406, 413, 500, 503, 504, 0 };

const char *const http_route_names[HTTP_ROUTES] = { "other",   "sparql",  "queries", "query",
                                                    "custody", "rewards", "status",  "health",
                                                    "metrics", "static" };

void http_metrics_answer(http_metrics *m, http_route route, int status) {
  if (status >= 100 && status < 100 + HTTP_CODES && route < HTTP_ROUTES) {
    __atomic_add_fetch(&m->answers[route][status - 100], 1, __ATOMIC_RELAXED);
  }
}

void http_metrics_init(http_metrics *m) {
  memset(m, 0, sizeof *m);
}

void http_metrics_query(http_metrics *m, int status, double seconds) {
  size_t slot = HTTP_STATUS_SLOTS - 1;
  for (size_t i = 0; i + 1 < HTTP_STATUS_SLOTS; i++) {
    if (http_status_slots[i] == status) {
      slot = i;
    }
  }
  /* Atomics rather than a lock: every query passes here. */
  __atomic_add_fetch(&m->queries[slot], 1, __ATOMIC_RELAXED);
  for (size_t i = 0; i < HTTP_HIST_BUCKETS; i++) {
    if (i == HTTP_HIST_BUCKETS - 1 || seconds <= http_hist_bounds[i]) {
      __atomic_add_fetch(&m->buckets[i], 1, __ATOMIC_RELAXED);
      break;
    }
  }
  __atomic_add_fetch(&m->duration_us, (uint64_t)(seconds * 1e6), __ATOMIC_RELAXED);
  __atomic_add_fetch(&m->duration_count, 1, __ATOMIC_RELAXED);
}

void http_metrics_read(http_metrics *m, http_metrics *out) {
  memset(out, 0, sizeof *out);
  for (size_t i = 0; i < HTTP_STATUS_SLOTS; i++) {
    out->queries[i] = __atomic_load_n(&m->queries[i], __ATOMIC_RELAXED);
  }
  for (size_t i = 0; i < HTTP_HIST_BUCKETS; i++) {
    out->buckets[i] = __atomic_load_n(&m->buckets[i], __ATOMIC_RELAXED);
  }
  out->duration_us = __atomic_load_n(&m->duration_us, __ATOMIC_RELAXED);
  out->duration_count = __atomic_load_n(&m->duration_count, __ATOMIC_RELAXED);
  out->requests = __atomic_load_n(&m->requests, __ATOMIC_RELAXED);
  out->cache_hits = __atomic_load_n(&m->cache_hits, __ATOMIC_RELAXED);
}

/* ---- Forwarded parameters and tokens ------------------------------------------------ */

int http_forwarded_param(const char *forwarded, const char *name, char *out, size_t outlen) {
  if (forwarded == NULL) {
    return 0;
  }
  size_t nn = strlen(name);
  const char *p = forwarded;
  const char *end = p + strcspn(p, ","); /* the first element only */
  while (p < end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == ';')) {
      p++;
    }
    const char *eq = memchr(p, '=', (size_t)(end - p));
    if (eq == NULL) {
      return 0;
    }
    const char *v = eq + 1;
    const char *ve;
    int is_quoted = v < end && *v == '"';
    if (is_quoted) {
      v++;
      ve = memchr(v, '"', (size_t)(end - v));
      if (ve == NULL) {
        return 0;
      }
    } else {
      ve = v + strcspn(v, ";,");
      if (ve > end) {
        ve = end;
      }
    }
    if ((size_t)(eq - p) == nn && strncasecmp(p, name, nn) == 0) {
      size_t n = (size_t)(ve - v);
      if (n == 0 || n >= outlen) {
        return 0;
      }
      memcpy(out, v, n);
      out[n] = '\0';
      return 1;
    }
    p = ve + (is_quoted ? 1 : 0);
  }
  return 0;
}

int http_token_equal(const char *a, size_t an, const char *b, size_t bn) {
  /* Every byte of the longer one is looked at, whatever differs first. */
  size_t n = an > bn ? an : bn;
  unsigned char diff = (unsigned char)(an != bn);
  for (size_t i = 0; i < n; i++) {
    unsigned char x = i < an ? (unsigned char)a[i] : 0;
    unsigned char y = i < bn ? (unsigned char)b[i] : 0;
    diff |= (unsigned char)(x ^ y);
  }
  return diff == 0;
}
