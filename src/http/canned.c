/* The canned queries: the comment header of a .rq file, parameter checks,
 * and the catalogue of a queries/ directory. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_int.h"

static char *dup_n(const char *s, size_t n) {
  char *p = malloc(n + 1);
  if (p != NULL) {
    memcpy(p, s, n);
    p[n] = '\0';
  }
  return p;
}

static void skip_space(const char **p, const char *end) {
  while (*p < end && (**p == ' ' || **p == '\t')) {
    (*p)++;
  }
}

static size_t trimmed_len(const char *s, const char *end) {
  while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r')) {
    end--;
  }
  return (size_t)(end - s);
}

/* Appends (s, n) to a malloc'd string, with a space in between. */
static int append_text(char **dst, const char *s, size_t n) {
  size_t old = *dst ? strlen(*dst) : 0;
  char *p = realloc(*dst, old + (old ? 1 : 0) + n + 1);
  if (p == NULL) {
    return -1;
  }
  if (old) {
    p[old++] = ' ';
  }
  memcpy(p + old, s, n);
  p[old + n] = '\0';
  *dst = p;
  return 0;
}

static int key_is(const char **p, const char *end, const char *key) {
  size_t n = strlen(key);
  if ((size_t)(end - *p) > n && strncasecmp(*p, key, n) == 0 && (*p)[n] == ':') {
    *p += n + 1;
    skip_space(p, end);
    return 1;
  }
  return 0;
}

/* "NAME (type) — description" */
static cust_status parse_param(const char *p, const char *end, http_qparam *out, char *err,
                               size_t errlen) {
  const char *name = p;
  while (p < end && (isalnum((unsigned char)*p) || *p == '_')) {
    p++;
  }
  size_t nlen = (size_t)(p - name);
  if (nlen == 0 || isdigit((unsigned char)name[0])) {
    snprintf(err, errlen, "a \"# param:\" line needs a variable name first");
    return CUST_ERR_FORMAT;
  }
  skip_space(&p, end);
  if (p >= end || *p != '(') {
    snprintf(err, errlen, "param \"%.*s\" needs a type: (iri), (literal) or (integer)", (int)nlen,
             name);
    return CUST_ERR_FORMAT;
  }
  p++;
  const char *type = p;
  while (p < end && *p != ')') {
    p++;
  }
  size_t tlen = (size_t)(p - type);
  if (p >= end) {
    snprintf(err, errlen, "param \"%.*s\": unclosed \"(\"", (int)nlen, name);
    return CUST_ERR_FORMAT;
  }
  p++;
  if (tlen == 3 && strncmp(type, "iri", 3) == 0) {
    out->type = HTTP_PARAM_IRI;
  } else if (tlen == 7 && strncmp(type, "literal", 7) == 0) {
    out->type = HTTP_PARAM_LITERAL;
  } else if (tlen == 7 && strncmp(type, "integer", 7) == 0) {
    out->type = HTTP_PARAM_INTEGER;
  } else {
    snprintf(err, errlen, "param \"%.*s\": unknown type \"%.*s\" (iri, literal or integer)",
             (int)nlen, name, (int)tlen, type);
    return CUST_ERR_FORMAT;
  }
  skip_space(&p, end);
  /* The separator: an em or en dash, hyphens, or a colon. */
  if (end - p >= 3 && (unsigned char)p[0] == 0xe2 && (unsigned char)p[1] == 0x80 &&
      ((unsigned char)p[2] == 0x94 || (unsigned char)p[2] == 0x93)) {
    p += 3;
  } else {
    while (p < end && (*p == '-' || *p == ':')) {
      p++;
    }
  }
  skip_space(&p, end);
  out->name = dup_n(name, nlen);
  out->description = dup_n(p, trimmed_len(p, end));
  if (out->name == NULL || out->description == NULL) {
    return CUST_ERR_NOMEM;
  }
  return CUST_OK;
}

void http_canned_release(http_canned *c) {
  if (c == NULL) {
    return;
  }
  for (size_t i = 0; i < c->nparams; i++) {
    free(c->params[i].name);
    free(c->params[i].description);
  }
  free(c->params);
  free(c->name);
  free(c->title);
  free(c->description);
  free(c->text);
  memset(c, 0, sizeof *c);
}

cust_status http_canned_parse(const char *name, const char *text, size_t len, http_canned *out,
                              char *err, size_t errlen) {
  cust_status st = CUST_OK;
  const char *p = text, *end = text + len;
  memset(out, 0, sizeof *out);
  err[0] = '\0';
  out->name = dup_n(name, strlen(name));
  out->text = dup_n(text, len);
  if (out->name == NULL || out->text == NULL) {
    st = CUST_ERR_NOMEM;
    goto done;
  }
  while (p < end) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    const char *lend = eol ? eol : end;
    const char *q = p;
    skip_space(&q, lend);
    if (q < lend && *q != '#') {
      break; /* the header ends at the first line that is not a comment */
    }
    if (q < lend) {
      q++;
      skip_space(&q, lend);
      if (key_is(&q, lend, "title")) {
        free(out->title);
        out->title = dup_n(q, trimmed_len(q, lend));
        if (out->title == NULL) {
          st = CUST_ERR_NOMEM;
          goto done;
        }
      } else if (key_is(&q, lend, "description")) {
        if (append_text(&out->description, q, trimmed_len(q, lend)) != 0) {
          st = CUST_ERR_NOMEM;
          goto done;
        }
      } else if (key_is(&q, lend, "param")) {
        http_qparam *ps = realloc(out->params, (out->nparams + 1) * sizeof *ps);
        if (ps == NULL) {
          st = CUST_ERR_NOMEM;
          goto done;
        }
        out->params = ps;
        memset(&ps[out->nparams], 0, sizeof ps[0]);
        out->nparams++;
        st = parse_param(q, lend, &ps[out->nparams - 1], err, errlen);
        if (st != CUST_OK) {
          goto done;
        }
        for (size_t i = 0; i + 1 < out->nparams; i++) {
          if (strcmp(ps[i].name, ps[out->nparams - 1].name) == 0) {
            snprintf(err, errlen, "param \"%s\" is declared twice", ps[i].name);
            st = CUST_ERR_FORMAT;
            goto done;
          }
        }
      }
    }
    p = eol ? eol + 1 : end;
  }
  if (out->title == NULL || out->title[0] == '\0') {
    snprintf(err, errlen, "no \"# title:\" line in the header");
    st = CUST_ERR_FORMAT;
    goto done;
  }
  if (out->description == NULL && (out->description = dup_n("", 0)) == NULL) {
    st = CUST_ERR_NOMEM;
  }
done:
  if (st != CUST_OK) {
    if (st == CUST_ERR_NOMEM && err[0] == '\0') {
      snprintf(err, errlen, "out of memory");
    }
    http_canned_release(out);
  }
  return st;
}

const char *http_param_type_name(http_param_type type) {
  switch (type) {
    case HTTP_PARAM_IRI:
      return "iri";
    case HTTP_PARAM_LITERAL:
      return "literal";
    case HTTP_PARAM_INTEGER:
      return "integer";
  }
  return "literal";
}

const char *http_param_check(http_param_type type, const char *v) {
  size_t n = strlen(v);
  if (type == HTTP_PARAM_INTEGER) {
    size_t i = (v[0] == '-' || v[0] == '+') ? 1 : 0;
    if (i == n || n - i > 19) {
      return "not a decimal integer";
    }
    for (; i < n; i++) {
      if (!isdigit((unsigned char)v[i])) {
        return "not a decimal integer";
      }
    }
    return NULL;
  }
  if (type == HTTP_PARAM_LITERAL) {
    return n > 4096 ? "longer than 4096 bytes" : NULL;
  }
  if (n == 0 || n > 4096) {
    return "not an IRI (empty or longer than 4096 bytes)";
  }
  if (!isalpha((unsigned char)v[0])) {
    return "not an absolute IRI (no scheme)";
  }
  size_t i = 1;
  while (i < n && (isalnum((unsigned char)v[i]) || v[i] == '+' || v[i] == '-' || v[i] == '.')) {
    i++;
  }
  if (i >= n || v[i] != ':') {
    return "not an absolute IRI (no scheme)";
  }
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)v[i];
    if (c <= 0x20 || strchr("<>\"{}|^`\\", c) != NULL) {
      return "not an IRI (spaces and <>\"{}|^`\\ are not allowed)";
    }
  }
  return NULL;
}

/* ---- the catalogue ------------------------------------------------------------------ */

static int valid_name(const char *s, size_t n) {
  if (n == 0 || n > 64) {
    return 0;
  }
  for (size_t i = 0; i < n; i++) {
    if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-') {
      return 0;
    }
  }
  return 1;
}

static int by_name(const void *a, const void *b) {
  return strcmp(((const http_canned *)a)->name, ((const http_canned *)b)->name);
}

static cust_status read_file(const char *path, cust_buf *b) {
  FILE *f = fopen(path, "rb");
  char chunk[8192];
  size_t n;
  cust_status st = CUST_OK;
  if (f == NULL) {
    return CUST_ERR_IO;
  }
  while (st == CUST_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    st = cust_buf_append(b, chunk, n);
  }
  if (st == CUST_OK && ferror(f)) {
    st = CUST_ERR_IO;
  }
  fclose(f);
  return st;
}

cust_status http_catalog_load(http_catalog *c, const char *dir, const cust_logger *log) {
  cust_status st = CUST_OK;
  cust_buf text, path;
  DIR *d = NULL;
  size_t cap = 0;
  c->items = NULL;
  c->len = 0;
  cust_buf_init(&text);
  cust_buf_init(&path);
  d = opendir(dir);
  if (d == NULL) {
    cust_log(log, CUST_LOG_WARN, "no canned queries: cannot read directory \"%s\": %s", dir,
             strerror(errno));
    goto done;
  }
  const struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    size_t n = strlen(e->d_name);
    if (n < 4 || strcmp(e->d_name + n - 3, ".rq") != 0 || !valid_name(e->d_name, n - 3)) {
      continue;
    }
    cust_buf_reset(&text);
    cust_buf_reset(&path);
    if ((st = cust_buf_printf(&path, "%s/%s", dir, e->d_name)) != CUST_OK) {
      goto done;
    }
    if ((st = read_file(path.data, &text)) != CUST_OK) {
      cust_log(log, CUST_LOG_ERROR, "cannot read canned query \"%s\": %s", path.data,
               cust_strerror(st));
      goto done;
    }
    if (c->len == cap) {
      size_t ncap = cap ? cap * 2 : 16;
      http_canned *items = realloc(c->items, ncap * sizeof *items);
      if (items == NULL) {
        st = CUST_ERR_NOMEM;
        goto done;
      }
      c->items = items;
      cap = ncap;
    }
    char name[80];
    char err[256];
    snprintf(name, sizeof name, "%.*s", (int)(n - 3), e->d_name);
    st = http_canned_parse(name, text.data ? text.data : "", text.len, &c->items[c->len], err,
                           sizeof err);
    if (st != CUST_OK) {
      cust_log(log, CUST_LOG_ERROR, "canned query \"%s\": %s: fix its comment header", path.data,
               err);
      goto done;
    }
    c->len++;
  }
  if (c->len > 1) {
    qsort(c->items, c->len, sizeof c->items[0], by_name);
  }
done:
  if (d != NULL) {
    closedir(d);
  }
  cust_buf_release(&text);
  cust_buf_release(&path);
  if (st != CUST_OK) {
    http_catalog_release(c);
  }
  return st;
}

const http_canned *http_catalog_find(const http_catalog *c, const char *name) {
  for (size_t i = 0; i < c->len; i++) {
    if (strcmp(c->items[i].name, name) == 0) {
      return &c->items[i];
    }
  }
  return NULL;
}

void http_catalog_release(http_catalog *c) {
  if (c == NULL) {
    return;
  }
  for (size_t i = 0; i < c->len; i++) {
    http_canned_release(&c->items[i]);
  }
  free(c->items);
  c->items = NULL;
  c->len = 0;
}
