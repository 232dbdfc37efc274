/* The built-in functions of SPARQL 1.1 (17.4) and the XSD casts (17.5):
 * term accessors and constructors, strings on code points, REGEX and
 * REPLACE with XPath flags (PCRE2), numbers, dates, hashes (nettle). */
#include "config.h"

#include <ctype.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <wctype.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <nettle/nettle-meta.h>
#include <pcre2.h>

#include "sparql/value_int.h"

typedef const sq_value *const *sq_args;
typedef sq_rc (*fn_impl)(sq_fctx *c, sq_args a, size_t n, sq_value *out, int which);

/* ---- helpers ---------------------------------------------------------------- */

/* The datatype a result keeps from a string argument: xsd:string when it had
 * it, else none (simple, or tagged). */
static const char *kept_dt(const sq_value *v) {
  return v->type == SQ_V_STRING && v->term.datatype != NULL ? SQV_XSD_STRING : NULL;
}

static const char *kept_lang(const sq_value *v) {
  return v->type == SQ_V_LANG ? v->term.lang : NULL;
}

static sq_rc like(sq_fctx *c, const sq_value *v, const char *s, size_t n, sq_value *out) {
  return sqv_literal(c, s, n, kept_lang(v), kept_dt(v), out);
}

static sq_rc simple(sq_fctx *c, const char *s, size_t n, sq_value *out) {
  return sqv_literal(c, s, n, NULL, NULL, out);
}

/* Argument compatibility (17.4.3.1.1): two simple/xsd:string literals, two
 * tagged ones with the same tag, or a tagged one then a simple one. */
static int compatible(const sq_value *a, const sq_value *b) {
  if (a == NULL || b == NULL || !sqv_is_stringy(a) || !sqv_is_stringy(b)) {
    return 0;
  }
  if (b->type == SQ_V_STRING) {
    return 1;
  }
  return a->type == SQ_V_LANG && sqv_lang_eq(a->term.lang, b->term.lang);
}

static const char *find_bytes(const char *h, size_t hn, const char *nd, size_t nn) {
  if (nn == 0) {
    return h;
  }
  return memmem(h, hn, nd, nn);
}

/* Decodes one UTF-8 code point at s[*i] (an invalid byte is taken as itself). */
static uint32_t utf8_next(const char *s, size_t n, size_t *i) {
  const unsigned char *u = (const unsigned char *)s;
  uint32_t c = u[*i];
  size_t extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
  if (extra && *i + extra >= n) {
    (*i)++;
    return c;
  }
  if (extra) {
    c &= (uint32_t)(0x3F >> extra);
    for (size_t k = 1; k <= extra; k++) {
      if ((u[*i + k] & 0xC0) != 0x80) {
        (*i)++;
        return u[*i - 1];
      }
      c = (c << 6) | (u[*i + k] & 0x3F);
    }
  }
  *i += extra + 1;
  return c;
}

static cust_status utf8_put(cust_buf *b, uint32_t c) {
  char t[4];
  size_t n;
  if (c < 0x80) {
    t[0] = (char)c;
    n = 1;
  } else if (c < 0x800) {
    t[0] = (char)(0xC0 | (c >> 6));
    t[1] = (char)(0x80 | (c & 0x3F));
    n = 2;
  } else if (c < 0x10000) {
    t[0] = (char)(0xE0 | (c >> 12));
    t[1] = (char)(0x80 | ((c >> 6) & 0x3F));
    t[2] = (char)(0x80 | (c & 0x3F));
    n = 3;
  } else {
    t[0] = (char)(0xF0 | (c >> 18));
    t[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    t[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    t[3] = (char)(0x80 | (c & 0x3F));
    n = 4;
  }
  return cust_buf_append(b, t, n);
}

/* A result built in a buffer: moved into the arena as a literal like `v`
 * (or simple when v is NULL); the buffer is released. */
static sq_rc from_buf(sq_fctx *c, cust_buf *b, cust_status st, const sq_value *v, sq_value *out) {
  sq_rc rc = SQ_NOMEM;
  if (st == CUST_OK) {
    const char *s = b->data ? b->data : "";
    rc = v ? like(c, v, s, b->len, out) : simple(c, s, b->len, out);
  }
  cust_buf_release(b);
  return rc;
}

static uint64_t next_rand(sq_fctx *c) {
  /* xorshift64* */
  uint64_t x = c->rand_state ? c->rand_state : 0x9E3779B97F4A7C15ull;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  c->rand_state = x;
  return x * 0x2545F4914F6CDD1Dull;
}

static int has_all(sq_args a, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (a[i] == NULL) {
      return 0;
    }
  }
  return 1;
}

/* ---- terms ------------------------------------------------------------------- */

enum { T_STR, T_LANG, T_DATATYPE, T_ISIRI, T_ISBLANK, T_ISLITERAL, T_ISNUMERIC, T_SAMETERM };

static sq_rc fn_term(sq_fctx *c, sq_args a, size_t n, sq_value *out, int which) {
  const sq_value *v = a[0];
  switch (which) {
    case T_STR:
      if (v->term.kind == CUST_TERM_BLANK) {
        return SQ_ERROR;
      }
      return simple(c, v->term.value, v->term.len, out);
    case T_LANG:
      if (v->term.kind != CUST_TERM_LITERAL) {
        return SQ_ERROR;
      }
      return simple(c, kept_lang(v) ? v->term.lang : "", kept_lang(v) ? strlen(v->term.lang) : 0,
                    out);
    case T_DATATYPE: {
      if (v->term.kind != CUST_TERM_LITERAL) {
        return SQ_ERROR;
      }
      const char *dt = v->type == SQ_V_LANG                           ? SQV_RDF_LANGSTRING
                       : v->term.datatype && v->term.datatype[0] != 0 ? v->term.datatype
                                                                      : SQV_XSD_STRING;
      return sqv_iri(c, dt, strlen(dt), out);
    }
    case T_ISIRI:
      return sqv_bool(c, v->type == SQ_V_IRI, out);
    case T_ISBLANK:
      return sqv_bool(c, v->type == SQ_V_BLANK, out);
    case T_ISLITERAL:
      return sqv_bool(c, v->term.kind == CUST_TERM_LITERAL, out);
    case T_ISNUMERIC:
      return sqv_bool(c, sqv_is_numeric(v), out);
    default:
      (void)n;
      return sqv_bool(c, sq_same_term(a[0], a[1]), out);
  }
}

/* RFC 3986 5.2.4: removes "." and ".." segments of a path into `b`. */
static cust_status remove_dots(cust_buf *b, const char *p, size_t n) {
  size_t start = b->len;
  cust_status st = CUST_OK;
  size_t i = 0;
  while (i < n && st == CUST_OK) {
    if (n - i >= 3 && memcmp(p + i, "../", 3) == 0) {
      i += 3;
    } else if (n - i >= 2 && memcmp(p + i, "./", 2) == 0) {
      i += 2;
    } else if (n - i >= 3 && memcmp(p + i, "/./", 3) == 0) {
      i += 2;
    } else if (n - i == 2 && memcmp(p + i, "/.", 2) == 0) {
      st = cust_buf_putc(b, '/');
      break;
    } else if ((n - i >= 4 && memcmp(p + i, "/../", 4) == 0) ||
               (n - i == 3 && memcmp(p + i, "/..", 3) == 0)) {
      int last = n - i == 3;
      i += 3;
      while (b->len > start && b->data[b->len - 1] != '/') {
        b->len--;
      }
      if (b->len > start) {
        b->len--;
      }
      if (last) {
        st = cust_buf_putc(b, '/');
        break;
      }
    } else if ((n - i == 1 && p[i] == '.') || (n - i == 2 && memcmp(p + i, "..", 2) == 0)) {
      break;
    } else {
      size_t j = i + 1;
      while (j < n && p[j] != '/') {
        j++;
      }
      st = cust_buf_append(b, p + i, j - i);
      i = j;
    }
  }
  if (st == CUST_OK && b->data) {
    b->data[b->len] = '\0';
  }
  return st;
}

static size_t scheme_len(const char *s, size_t n) {
  if (n == 0 || !isalpha((unsigned char)s[0])) {
    return 0;
  }
  for (size_t i = 1; i < n; i++) {
    if (s[i] == ':') {
      return i;
    }
    if (!isalnum((unsigned char)s[i]) && s[i] != '+' && s[i] != '-' && s[i] != '.') {
      return 0;
    }
  }
  return 0;
}

/* Resolves `ref` against `base` (RFC 3986 5.2.2) into `b`. */
static cust_status resolve_iri(cust_buf *b, const char *base, const char *ref, size_t rn) {
  if (base == NULL || scheme_len(ref, rn) > 0) {
    return cust_buf_append(b, ref, rn);
  }
  size_t bn = strlen(base), bs = scheme_len(base, bn);
  /* the base's parts: scheme ':' ['//' authority] path ['?' query] */
  size_t auth_end = bs + 1;
  if (bn >= bs + 3 && memcmp(base + bs + 1, "//", 2) == 0) {
    auth_end = bs + 3;
    while (auth_end < bn && base[auth_end] != '/' && base[auth_end] != '?' &&
           base[auth_end] != '#') {
      auth_end++;
    }
  }
  size_t path_end = auth_end;
  while (path_end < bn && base[path_end] != '?' && base[path_end] != '#') {
    path_end++;
  }
  size_t query_end = path_end;
  while (query_end < bn && base[query_end] != '#') {
    query_end++;
  }
  cust_status st;
  if (rn >= 2 && ref[0] == '/' && ref[1] == '/') {
    st = cust_buf_append(b, base, bs + 1);
    return st == CUST_OK ? cust_buf_append(b, ref, rn) : st;
  }
  size_t rpath = 0;
  while (rpath < rn && ref[rpath] != '?' && ref[rpath] != '#') {
    rpath++;
  }
  st = cust_buf_append(b, base, auth_end);
  if (st != CUST_OK) {
    return st;
  }
  if (rpath == 0) {
    st = cust_buf_append(b, base + auth_end, path_end - auth_end);
    if (st == CUST_OK && (rn == 0 || ref[0] == '#')) {
      st = cust_buf_append(b, base + path_end, query_end - path_end);
    }
    return st == CUST_OK ? cust_buf_append(b, ref, rn) : st;
  }
  cust_buf merged;
  cust_buf_init(&merged);
  if (ref[0] == '/') {
    st = cust_buf_append(&merged, ref, rpath);
  } else {
    size_t slash = path_end;
    while (slash > auth_end && base[slash - 1] != '/') {
      slash--;
    }
    if (slash == auth_end && auth_end > bs + 1) {
      st = cust_buf_putc(&merged, '/');
    } else {
      st = cust_buf_append(&merged, base + auth_end, slash - auth_end);
    }
    if (st == CUST_OK) {
      st = cust_buf_append(&merged, ref, rpath);
    }
  }
  if (st == CUST_OK) {
    st = remove_dots(b, merged.data, merged.len);
  }
  cust_buf_release(&merged);
  return st == CUST_OK ? cust_buf_append(b, ref + rpath, rn - rpath) : st;
}

static sq_rc fn_iri(sq_fctx *c, sq_args a, size_t n, sq_value *out, int which) {
  (void)n;
  (void)which;
  if (a[0]->type == SQ_V_IRI) {
    *out = *a[0];
    return SQ_OK;
  }
  if (a[0]->type != SQ_V_STRING) {
    return SQ_ERROR;
  }
  cust_buf b;
  cust_buf_init(&b);
  cust_status st = resolve_iri(&b, c->base, a[0]->term.value, a[0]->term.len);
  sq_rc rc = st == CUST_OK ? sqv_iri(c, b.data ? b.data : "", b.len, out) : SQ_NOMEM;
  cust_buf_release(&b);
  return rc;
}

static sq_rc fn_bnode(sq_fctx *c, sq_args a, size_t n, sq_value *out, int which) {
  (void)which;
  char *label;
  if (n == 0) {
    label = cust_arena_printf(c->arena, "sqb%llu", (unsigned long long)++c->bnode_serial);
  } else {
    if (a[0] == NULL || a[0]->type != SQ_V_STRING) {
      return SQ_ERROR;
    }
    /* the same string in the same solution gives the same label */
    size_t len = a[0]->term.len;
    char *hex = cust_arena_alloc(c->arena, 2 * len + 1);
    if (hex == NULL) {
      return SQ_NOMEM;
    }
    for (size_t i = 0; i < len; i++) {
      snprintf(hex + 2 * i, 3, "%02x", (unsigned char)a[0]->term.value[i]);
    }
    hex[2 * len] = '\0';
    label = cust_arena_printf(c->arena, "sqs%llux%s", (unsigned long long)c->solution, hex);
  }
  if (label == NULL) {
    return SQ_NOMEM;
  }
  return sqv_blank(c, label, strlen(label), out);
}

static int is_lang_tag(const char *s, size_t n) {
  size_t i = 0, part = 0;
  int first = 1;
  if (n == 0) {
    return 0;
  }
  for (; i < n; i++) {
    if (s[i] == '-') {
      if (part == 0) {
        return 0;
      }
      part = 0;
      first = 0;
      continue;
    }
    if (!(isalpha((unsigned char)s[i]) || (!first && isdigit((unsigned char)s[i]))) || ++part > 8) {
      return 0;
    }
  }
  return part > 0;
}

enum { C_STRDT, C_STRLANG };

static sq_rc fn_strdt_lang(sq_fctx *c, sq_args a, size_t n, sq_value *out, int which) {
  (void)n;
  if (a[0]->type != SQ_V_STRING) {
    return SQ_ERROR;
  }
  if (which == C_STRDT) {
    if (a[1]->type != SQ_V_IRI) {
      return SQ_ERROR;
    }
    char *dt = cust_arena_strndup(c->arena, a[1]->term.value, a[1]->term.len);
    if (dt == NULL) {
      return SQ_NOMEM;
    }
    return sqv_literal(c, a[0]->term.value, a[0]->term.len, NULL, dt, out);
  }
  if (a[1]->type != SQ_V_STRING || !is_lang_tag(a[1]->term.value, a[1]->term.len)) {
    return SQ_ERROR;
  }
  char *tag = cust_arena_strndup(c->arena, a[1]->term.value, a[1]->term.len);
  if (tag == NULL) {
    return SQ_NOMEM;
  }
  return sqv_literal(c, a[0]->term.value, a[0]->term.len, tag, NULL, out);
}

enum { U_UUID, U_STRUUID };

static sq_rc fn_uuid(sq_fctx *c, sq_args a, size_t n, sq_value *out, int which) {
  (void)a;
  (void)n;
  unsigned char r[16];
  uint64_t x = next_rand(c), y = next_rand(c);
  memcpy(r, &x, 8);
  memcpy(r + 8, &y, 8);
  r[6] = (unsigned char)((r[6] & 0x0F) | 0x40); /* version 4 */
  r[8] = (unsigned char)((r[8] & 0x3F) | 0x80); /* RFC 4122 variant */
  char buf[64];
  int len = snprintf(buf, sizeof buf,
                     "%s%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                     which == U_UUID ? "urn:uuid:" : "", r[0], r[1], r[2], r[3], r[4], r[5], r[6],
                     r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
  return which == U_UUID ? sqv_iri(c, buf, (size_t)len, out) : simple(c, buf, (size_t)len, out);
}

/* ---- strings ------------------------------------------------------------------ */

static sq_rc fn_strlen(sq_fctx *c, sq_args a, size_t n, sq_value *out, int which) {
  (void)n;
  (void)which;
  if (!sqv_is_stringy(a[0])) {
    return SQ_ERROR;
  }
  return sqv_int(c, (int64_t)sqv_utf8_len(a[0]->term.value, a[0]->term.len), out);
}

/* fn:round of XPath: half toward positive infinity. */
static double xpath_round(double x) {
  if (!isfinite(x) || fabs(x) >= 4503599627370496.0) {
    return x;
  }
  double r = floor(x + 0.5);
  return r == 0 && x < 0 ? -0.0 : r;
}

static sq_rc fn_substr(sq_fctx *c, sq_args a, size_t n, sq_value *out, int which) {
  (void)which;
  const sq_value *s = a[0];
  if (!sqv_is_stringy(s) || !sqv_is_numeric(a[1]) || (n == 3 && !sqv_is_numeric(a[2]))) {
    return SQ_ERROR;
  }
  double start = xpath_round(a[1]->d), end = n == 3 ? start + xpath_round(a[2]->d) : INFINITY;
  size_t i = 0, from = 0, to = s->term.len;
  double pos = 1;
  int in = 0;
  while (i < s->term.len) {
    int take = pos >= start && pos < end;
    if (take && !in) {
      from = i;
      in = 1;
    } else if (!take && in) {
      to = i;
      break;
    }
    i = i + sqv_utf8_offset(s->term.value + i, s->term.len - i, 1);
    pos++;
  }
  if (!in) {
    from = to = 0;
  }
  return like(c, s, s->term.value + from, to - from, out);
}

enum { K_UPPER, K_LOWER };

/* Case mapping without a locale where the answer is plain: ASCII, Latin-1,
 * the regular pairs of Latin Extended-A, basic Greek and Cyrillic letters,
 * and blocks without case (CJK, Hangul, punctuation, emoji). 0 when the
 * C.UTF-8 locale's tables must answer. Making that locale costs about 50 us,
 * so a call only makes it for text that needs it. */
static int quick_case(uint32_t cp, int upper, uint32_t *out) {
  *out = cp;
  if (cp < 0x80) {
    if (upper && cp >= 'a' && cp <= 'z') {
      *out = cp - 32;
    } else if (!upper && cp >= 'A' && cp <= 'Z') {
      *out = cp + 32;
    }
    return 1;
  }
  if (cp < 0x100) {
    if (cp == 0xB5 || cp == 0xFF) {
      return !upper; /* micro sign and y with diaeresis map outside Latin-1 */
    }
    if (upper && cp >= 0xE0 && cp != 0xF7) {
      *out = cp - 32;
    } else if (!upper && cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) {
      *out = cp + 32;
    }
    return 1;
  }
  if ((cp >= 0x100 && cp <= 0x12F) || (cp >= 0x132 && cp <= 0x137) ||
      (cp >= 0x14A && cp <= 0x177)) {
    *out = upper ? (cp & ~1u) : (cp | 1u);
    return 1;
  }
  if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E)) {
    *out = upper ? (cp % 2 ? cp : cp - 1) : (cp % 2 ? cp + 1 : cp);
    return 1;
  }
  if ((cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) || (cp >= 0x410 && cp <= 0x42F)) {
    *out = upper ? cp : cp + 32;
    return 1;
  }
  if ((cp >= 0x3B1 && cp <= 0x3C9 && cp != 0x3C2) || (cp >= 0x430 && cp <= 0x44F)) {
    *out = upper ? cp - 32 : cp;
    return 1;
  }
  if (cp >= 0x400 && cp <= 0x40F) {
    *out = upper ? cp : cp + 80;
    return 1;
  }
  if (cp >= 0x450 && cp <= 0x45F) {
    *out = upper ? cp - 80 : cp;
    return 1;
  }
  return (cp >= 0x2000 && cp <= 0x206F) || (cp >= 0x3000 && cp <= 0x9FFF) ||
         (cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0xFE00 && cp <= 0xFE0F) ||
         (cp >= 0x1F000 && cp <= 0x1FAFF);
}

static sq_rc fn_case(sq_fctx *c, sq_args a, size_t n, sq_value *out, int which) {
  (void)n;
  const sq_value *s = a[0];
  if (!sqv_is_stringy(s)) {
    return SQ_ERROR;
  }
  locale_t loc = (locale_t)0;
  cust_buf b;
  cust_buf_init(&b);
  cust_status st = cust_buf_reserve(&b, s->term.len + 1);
  size_t i = 0;
  while (i < s->term.len && st == CUST_OK) {
    size_t at = i;
    uint32_t cp = utf8_next(s->term.value, s->term.len, &i), mapped;
    if (cp >= 0x80 && i - at == 1) {
      st = cust_buf_append(&b, s->term.value + at, 1); /* not UTF-8: kept as it is */
      continue;
    }
    if (!quick_case(cp, which == K_UPPER, &mapped)) {
      if (loc == (locale_t)0) {
        loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
      }
      if (loc != (locale_t)0) {
        mapped = (uint32_t)(which == K_UPPER ? towupper_l((wint_t)cp, loc)
                                             : towlower_l((wint_t)cp, loc));
      }
    }
    st = utf8_put(&b, mapped);
  }
  if (loc != (locale_t)0) {
    freelocale(loc);
  }
  return from_buf(c, &b, st, s, out);
}

enum { S_STARTS, S_ENDS, S_CONTAINS, S_BEFORE, S_AFTER };

static sq_rc fn_strpair(sq_fctx *c, sq_args a, size_t n, sq_value *out, int which) {
  (void)n;
  if (!compatible(a[0], a[1])) {
    return SQ_ERROR;
  }
  const char *h = a[0]->term.value, *nd = a[1]->term.value;
  size_t hn = a[0]->term.len, nn = a[1]->term.len;
  switch (which) {
    case S_STARTS:
      return sqv_bool(c, nn <= hn && memcmp(h, nd, nn) == 0, out);
    case S_ENDS:
      return sqv_bool(c, nn <= hn && memcmp(h + hn - nn, nd, nn) == 0, out);
    case S_CONTAINS:
      return sqv_bool(c, find_bytes(h, hn, nd, nn) != NULL, out);
    default: {
      const char *at = find_bytes(h, hn, nd, nn);
      if (at == NULL) {
        return simple(c, "", 0, out);
      }
      if (which == S_BEFORE) {
        return like(c, a[0], h, (size_t)(at - h), out);
      }
      return like(c, a[0], at + nn, hn - (size_t)(at - h) - nn, out);
    }
  }
}

static sq_rc fn_encode(sq_fctx *c, sq_args a, size_t n, sq_value *out, int which) {
  (void)n;
  (void)which;
  if (!sqv_is_stringy(a[0])) {
    return SQ_ERROR;
  }
  static const char hex[] = "0123456789ABCDEF";
  cust_buf b;
  cust_buf_init(&b);
  cust_status st = cust_buf_reserve(&b, a[0]->term.len * 3 + 1);
  for (size_t i = 0; i < a[0]->term.len && st == CUST_OK; i++) {
    unsigned char ch = (unsigned char)a[0]->term.value[i];
    if (isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      st = cust_buf_putc(&b, (char)ch);
    } else {
      char t[3] = { '%', hex[ch >> 4], hex[ch & 15] };
      st = cust_buf_append(&b, t, 3);
    }
  }
  return from_buf(c, &b, st, NULL, out);
}

static sq_rc fn_concat(sq_fctx *c, sq_args a, size_t n, sq_value *out, int which) {
  (void)which;
  const char *lang = NULL;
  int same_lang = n > 0, all_xsd = n > 0;
  cust_buf b;
  cust_buf_init(&b);
  cust_status st = cust_buf_reserve(&b, 1);
  for (size_t i = 0; i < n; i++) {
    if (a[i] == NULL || !sqv_is_stringy(a[i])) {
      cust_buf_release(&b);
      return SQ_ERROR;
    }
    if (i == 0) {
      lang = kept_lang(a[i]);
    }
    if (kept_lang(a[i]) == NULL || !sqv_lang_eq(lang, kept_lang(a[i]))) {
      same_lang = 0;
    }
    if (kept_dt(a[i]) == NULL) {
      all_xsd = 0;
    }
    if (st == CUST_OK) {
      st = cust_buf_append(&b, a[i]->term.value, a[i]->term.len);
    }
  }
  sq_rc rc = SQ_NOMEM;
  if (st == CUST_OK) {
    rc = sqv_literal(c, b.data ? b.data : "", b.len, same_lang ? lang : NULL,
                     all_xsd ? SQV_XSD_STRING : NULL, out);
  }
  cust_buf_release(&b);
  return rc;
}

/* RFC 4647 basic filtering. */
static sq_rc fn_langmatches(sq_fctx *c, sq_args a, size_t n, sq_value *out, int which) {
  (void)n;
  (void)which;
  if (a[0]->type != SQ_V_STRING || a[1]->type != SQ_V_STRING) {
    return SQ_ERROR;
  }
  const char *tag = a[0]->term.value, *range = a[1]->term.value;
  size_t tn = a[0]->term.len, rn = a[1]->term.len;
  int m;
  if (rn == 1 && range[0] == '*') {
    m = tn > 0;
  } else {
    m = tn >= rn && strncasecmp(tag, range, rn) == 0 && (tn == rn || tag[rn] == '-') &&
        (rn > 0 || tn == 0);
  }
  return sqv_bool(c, m, out);
}

/* ---- regular expressions ------------------------------------------------------- */

/* Compiles an XPath pattern with its flags; NULL when the flags or the
 * pattern are invalid (or no memory: *nomem set). */
static pcre2_code *compile_regex(const sq_value *pat, const sq_value *flags, int *nomem) {
  /* XPath's $ (without m) matches only at the very end, not before a final newline */
  uint32_t opts = PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY;
  int is_x = 0;
  *nomem = 0;
  if (pat->type != SQ_V_STRING) {
    return NULL;
  }
  if (flags != NULL) {
    if (flags->type != SQ_V_STRING) {
      return NULL;
    }
    for (size_t i = 0; i < flags->term.len; i++) {
      switch (flags->term.value[i]) {
        case 'i':
          opts |= PCRE2_CASELESS;
          break;
        case 's':
          opts |= PCRE2_DOTALL;
          break;
        case 'm':
          opts |= PCRE2_MULTILINE;
          break;
        case 'x':
          is_x = 1;
          break;
        case 'q':
          opts |= PCRE2_LITERAL;
          break;
        default:
          return NULL;
      }
    }
  }
  if (opts & PCRE2_LITERAL) {
    /* the only options PCRE2 takes with a literal pattern */
    opts &= PCRE2_LITERAL | PCRE2_UTF | PCRE2_CASELESS;
  }
  const char *text = pat->term.value;
  size_t len = pat->term.len;
  char *stripped = NULL;
  if (is_x && !(opts & PCRE2_LITERAL)) {
    /* XPath's x drops whitespace outside character classes; unlike PCRE2's
     * extended mode, '#' starts no comment */
    stripped = malloc(len + 1);
    if (stripped == NULL) {
      *nomem = 1;
      return NULL;
    }
    size_t k = 0;
    int in_class = 0;
    for (size_t i = 0; i < len; i++) {
      char ch = text[i];
      if (ch == '\\' && i + 1 < len) {
        stripped[k++] = ch;
        stripped[k++] = text[++i];
        continue;
      }
      if (!in_class && (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r')) {
        continue;
      }
      in_class = ch == '[' ? 1 : ch == ']' ? 0 : in_class;
      stripped[k++] = ch;
    }
    text = stripped;
    len = k;
  }
  int err;
  PCRE2_SIZE off;
  pcre2_code *re = pcre2_compile((PCRE2_SPTR)text, len, opts, &err, &off, NULL);
  if (re == NULL && err == PCRE2_ERROR_NOMEMORY) {
    *nomem = 1;
  }
  free(stripped);
  return re;
}

/* The patterns a query compiled last, with their match data: a FILTER
 * with REGEX compiles its pattern once, not once per solution. */
#define REGEX_KEPT 8

typedef struct regex_entry {
  char *key; /* the pattern, then the flags */
  size_t plen, flen;
  int has_flags;
  pcre2_code *re;
  pcre2_match_data *md;
} regex_entry;

struct sq_regex_cache {
  regex_entry e[REGEX_KEPT];
  size_t n, next; /* next: the entry replaced when all are taken */
};

void sq_fctx_release(sq_fctx *c) {
  if (c == NULL || c->regex == NULL) {
    return;
  }
  for (size_t i = 0; i < c->regex->n; i++) {
    free(c->regex->e[i].key);
    pcre2_match_data_free(c->regex->e[i].md);
    pcre2_code_free(c->regex->e[i].re);
  }
  free(c->regex);
  c->regex = NULL;
}

/* The compiled pattern of REGEX or REPLACE and its match data, from the
 * context's kept patterns or compiled now (and kept). NULL as
 * compile_regex. *is_owned: the caller frees both (they could not be kept). */
static pcre2_code *regex_get(sq_fctx *c, const sq_value *pat, const sq_value *flags, int *nomem,
                             pcre2_match_data **md, int *is_owned) {
  *md = NULL;
  *is_owned = 1;
  *nomem = 0;
  if (pat->type != SQ_V_STRING || (flags != NULL && flags->type != SQ_V_STRING)) {
    return NULL;
  }
  size_t plen = pat->term.len, flen = flags != NULL ? flags->term.len : 0;
  for (size_t i = 0; c->regex != NULL && i < c->regex->n; i++) {
    const regex_entry *k = &c->regex->e[i];
    if (k->plen == plen && k->flen == flen && k->has_flags == (flags != NULL) &&
        memcmp(k->key, pat->term.value, plen) == 0 &&
        (flen == 0 || memcmp(k->key + plen, flags->term.value, flen) == 0)) {
      *md = k->md;
      *is_owned = 0;
      return k->re;
    }
  }
  pcre2_code *re = compile_regex(pat, flags, nomem);
  if (re == NULL) {
    return NULL;
  }
  *md = pcre2_match_data_create_from_pattern(re, NULL);
  if (*md == NULL) {
    pcre2_code_free(re);
    *nomem = 1;
    return NULL;
  }
  if (c->regex == NULL) {
    c->regex = calloc(1, sizeof *c->regex);
  }
  char *key = c->regex != NULL ? malloc(plen + flen + 1) : NULL;
  if (key == NULL) {
    return re; /* not kept: the caller frees it */
  }
  memcpy(key, pat->term.value, plen);
  if (flen > 0) {
    memcpy(key + plen, flags->term.value, flen);
  }
  sq_regex_cache *rc = c->regex;
  regex_entry *slot;
  if (rc->n < REGEX_KEPT) {
    slot = &rc->e[rc->n++];
  } else {
    slot = &rc->e[rc->next];
    rc->next = (rc->next + 1) % REGEX_KEPT;
    free(slot->key);
    pcre2_match_data_free(slot->md);
    pcre2_code_free(slot->re);
  }
  *slot = (regex_entry){ key, plen, flen, flags != NULL, re, *md };
  *is_owned = 0;
  return re;
}

static sq_rc fn_regex(sq_fctx *c, sq_args a, size_t n, sq_value *out, int which) {
  (void)which;
  if (!sqv_is_stringy(a[0])) {
    return SQ_ERROR;
  }
  int nomem, is_owned;
  pcre2_match_data *md;
  pcre2_code *re = regex_get(c, a[1], n == 3 ? a[2] : NULL, &nomem, &md, &is_owned);
  if (re == NULL) {
    return nomem ? SQ_NOMEM : SQ_ERROR;
  }
  int r = pcre2_match(re, (PCRE2_SPTR)a[0]->term.value, a[0]->term.len, 0, 0, md, NULL);
  sq_rc rc = r >= 0 || r == PCRE2_ERROR_NOMATCH ? sqv_bool(c, r >= 0, out) : SQ_ERROR;
  if (is_owned) {
    pcre2_match_data_free(md);
    pcre2_code_free(re);
  }
  return rc;
}

/* Appends the XPath replacement `rep` for one match: $N is group N (empty
 * when it did not take part), \$ and \\ are literal; any other \ or a $ not
 * followed by a digit is an error. */
static sq_rc expand(cust_buf *b, const sq_value *rep, const char *subj, const PCRE2_SIZE *ov,
                    uint32_t ngroups) {
  const char *r = rep->term.value;
  size_t rn = rep->term.len;
  for (size_t i = 0; i < rn; i++) {
    cust_status st = CUST_OK;
    if (r[i] == '\\') {
      if (i + 1 >= rn || (r[i + 1] != '\\' && r[i + 1] != '$')) {
        return SQ_ERROR;
      }
      st = cust_buf_putc(b, r[++i]);
    } else if (r[i] == '$') {
      if (i + 1 >= rn || !isdigit((unsigned char)r[i + 1])) {
        return SQ_ERROR;
      }
      uint32_t g = (uint32_t)(r[++i] - '0');
      while (i + 1 < rn && isdigit((unsigned char)r[i + 1]) &&
             g * 10 + (uint32_t)(r[i + 1] - '0') <= ngroups) {
        g = g * 10 + (uint32_t)(r[++i] - '0');
      }
      if (g <= ngroups && ov[2 * g] != PCRE2_UNSET) {
        st = cust_buf_append(b, subj + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
      }
    } else {
      st = cust_buf_putc(b, r[i]);
    }
    if (st != CUST_OK) {
      return SQ_NOMEM;
    }
  }
  return SQ_OK;
}

static sq_rc fn_replace(sq_fctx *c, sq_args a, size_t n, sq_value *out, int which) {
  (void)which;
  const sq_value *s = a[0];
  if (!sqv_is_stringy(s) || a[2]->type != SQ_V_STRING) {
    return SQ_ERROR;
  }
  int nomem, is_owned;
  pcre2_match_data *md;
  pcre2_code *re = regex_get(c, a[1], n == 4 ? a[3] : NULL, &nomem, &md, &is_owned);
  if (re == NULL) {
    return nomem ? SQ_NOMEM : SQ_ERROR;
  }
  uint32_t ngroups = 0, opts = 0;
  pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &ngroups);
  pcre2_pattern_info(re, PCRE2_INFO_ARGOPTIONS, &opts);
  int is_literal = (opts & PCRE2_LITERAL) != 0;
  cust_buf b;
  cust_buf_init(&b);
  sq_rc rc = cust_buf_reserve(&b, s->term.len + 1) != CUST_OK ? SQ_NOMEM : SQ_OK;
  /* a pattern that matches the empty string is an error (XPath FORX0003) */
  if (rc == SQ_OK && pcre2_match(re, (PCRE2_SPTR) "", 0, 0, 0, md, NULL) >= 0) {
    rc = SQ_ERROR;
  }
  const char *subj = s->term.value;
  size_t len = s->term.len, pos = 0, last = 0;
  while (rc == SQ_OK && pos <= len) {
    int r = pcre2_match(re, (PCRE2_SPTR)subj, len, pos, 0, md, NULL);
    if (r == PCRE2_ERROR_NOMATCH) {
      break;
    }
    if (r < 0) {
      rc = SQ_ERROR;
      break;
    }
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    if (cust_buf_append(&b, subj + last, ov[0] - last) != CUST_OK) {
      rc = SQ_NOMEM;
      break;
    }
    if (is_literal) {
      /* with the q flag the replacement is taken as it is too */
      rc = cust_buf_append(&b, a[2]->term.value, a[2]->term.len) == CUST_OK ? SQ_OK : SQ_NOMEM;
    } else {
      rc = expand(&b, a[2], subj, ov, ngroups);
    }
    last = ov[1];
    if (ov[1] == ov[0]) {
      /* an empty match inside the text: step over one character */
      if (ov[1] >= len) {
        break;
      }
      pos = ov[1] + sqv_utf8_offset(subj + ov[1], len - ov[1], 1);
    } else {
      pos = ov[1];
    }
  }
  if (rc == SQ_OK && cust_buf_append(&b, subj + last, len - last) != CUST_OK) {
    rc = SQ_NOMEM;
  }
  if (rc == SQ_OK) {
    rc = like(c, s, b.data ? b.data : "", b.len, out);
  }
  cust_buf_release(&b);
  if (is_owned) {
    pcre2_match_data_free(md);
    pcre2_code_free(re);
  }
  return rc;
}

/* ---- numbers ------------------------------------------------------------------- */

enum { N_ABS, N_CEIL, N_FLOOR, N_ROUND };

static sq_rc fn_num(sq_fctx *c, sq_args a, size_t n, sq_value *out, int which) {
  (void)n;
  const sq_value *v = a[0];
  if (!sqv_is_numeric(v)) {
    return SQ_ERROR;
  }
  if (v->type == SQ_V_FLOAT || v->type == SQ_V_DOUBLE) {
    double d = v->d;
    d = which == N_ABS     ? fabs(d)
        : which == N_CEIL  ? ceil(d)
        : which == N_FLOOR ? floor(d)
                           : xpath_round(d);
    return sqv_double(c, d, v->type, out);
  }
  mpq_t q;
  mpz_t z;
  mpq_init(q);
  mpz_init(z);
  sqv_to_mpq(v, q);
  sq_rc rc;
  if (which == N_ABS) {
    mpq_abs(q, q);
  } else {
    if (which == N_CEIL) {
      mpz_cdiv_q(z, mpq_numref(q), mpq_denref(q));
    } else if (which == N_FLOOR) {
      mpz_fdiv_q(z, mpq_numref(q), mpq_denref(q));
    } else {
      /* floor(2q + 1) / 2 = floor(q + 1/2) */
      mpz_mul_2exp(z, mpq_numref(q), 1);
      mpz_add(z, z, mpq_denref(q));
      mpz_mul_2exp(mpq_denref(q), mpq_denref(q), 1);
      mpz_fdiv_q(z, z, mpq_denref(q));
    }
    mpq_set_z(q, z);
  }
  rc = v->type == SQ_V_INTEGER ? sqv_mpz(c, mpq_numref(q), out) : sqv_mpq(c, q, out);
  mpz_clear(z);
  mpq_clear(q);
  return rc;
}

static sq_rc fn_rand(sq_fctx *c, sq_args a, size_t n, sq_value *out, int which) {
  (void)a;
  (void)n;
  (void)which;
  double d = (double)(next_rand(c) >> 11) * (1.0 / 9007199254740992.0);
  return sqv_double(c, d, SQ_V_DOUBLE, out);
}

/* ---- dates ---------------------------------------------------------------------- */

static sq_rc fn_now(sq_fctx *c, sq_args a, size_t n, sq_value *out, int which) {
  (void)a;
  (void)n;
  (void)which;
  time_t secs = (time_t)(c->now_ms / 1000);
  int ms = (int)(c->now_ms % 1000);
  if (ms < 0) {
    ms += 1000;
    secs--;
  }
  struct tm tm;
  if (gmtime_r(&secs, &tm) == NULL) {
    return SQ_ERROR;
  }
  char buf[64];
  int len = snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (ms != 0) {
    len += snprintf(buf + len, sizeof buf - (size_t)len, ".%03d", ms);
    while (buf[len - 1] == '0') {
      len--;
    }
  }
  buf[len++] = 'Z';
  return sqv_literal(c, buf, (size_t)len, NULL, SQV_XSD_DATETIME, out);
}

enum { D_YEAR, D_MONTH, D_DAY, D_HOURS, D_MINUTES, D_SECONDS, D_TIMEZONE, D_TZ };

static sq_rc fn_date(sq_fctx *c, sq_args a, size_t n, sq_value *out, int which) {
  (void)n;
  const sq_value *v = a[0];
  int has_date = v->type == SQ_V_DATETIME || v->type == SQ_V_DATE;
  int has_time = v->type == SQ_V_DATETIME || v->type == SQ_V_TIME;
  if ((which <= D_DAY && !has_date) || (which >= D_HOURS && which <= D_SECONDS && !has_time) ||
      (which >= D_TIMEZONE && !has_date && !has_time)) {
    return SQ_ERROR;
  }
  sqv_dt dt;
  if (!sqv_parse_dt(v->type, v->term.value, v->term.len, &dt)) {
    return SQ_ERROR;
  }
  switch (which) {
    case D_YEAR:
      return sqv_int(c, dt.year, out);
    case D_MONTH:
      return sqv_int(c, dt.month, out);
    case D_DAY:
      return sqv_int(c, dt.day, out);
    case D_HOURS:
      return sqv_int(c, dt.hour, out);
    case D_MINUTES:
      return sqv_int(c, dt.minute, out);
    case D_SECONDS: {
      cust_term t = { CUST_TERM_LITERAL, dt.sec_text, dt.sec_len, NULL, SQV_XSD_DECIMAL };
      sq_value sv;
      char *copy = cust_arena_strndup(c->arena, dt.sec_text, dt.sec_len);
      if (copy == NULL) {
        return SQ_NOMEM;
      }
      t.value = copy;
      sq_value_of(&t, &sv);
      mpq_t q;
      mpq_init(q);
      sqv_to_mpq(&sv, q);
      sq_rc rc = sqv_mpq(c, q, out);
      mpq_clear(q);
      return rc;
    }
    case D_TIMEZONE: {
      if (!dt.has_tz) {
        return SQ_ERROR;
      }
      char buf[32];
      int m = dt.tz_min < 0 ? -dt.tz_min : dt.tz_min, len;
      if (m == 0) {
        len = snprintf(buf, sizeof buf, "PT0S");
      } else if (m % 60 == 0) {
        len = snprintf(buf, sizeof buf, "%sPT%dH", dt.tz_min < 0 ? "-" : "", m / 60);
      } else if (m < 60) {
        len = snprintf(buf, sizeof buf, "%sPT%dM", dt.tz_min < 0 ? "-" : "", m);
      } else {
        len = snprintf(buf, sizeof buf, "%sPT%dH%dM", dt.tz_min < 0 ? "-" : "", m / 60, m % 60);
      }
      return sqv_literal(c, buf, (size_t)len, NULL, SQV_XSD_DAYTIME, out);
    }
    default:
      if (!dt.has_tz) {
        return simple(c, "", 0, out);
      }
      return simple(c, dt.tz_text, strlen(dt.tz_text), out);
  }
}

/* ---- hashes ---------------------------------------------------------------------- */

static sq_rc fn_hash(sq_fctx *c, sq_args a, size_t n, sq_value *out, int which) {
  (void)n;
  static const struct nettle_hash *const hashes[] = { &nettle_md5, &nettle_sha1, &nettle_sha256,
                                                      &nettle_sha384, &nettle_sha512 };
  if (a[0]->type != SQ_V_STRING) {
    return SQ_ERROR;
  }
  const struct nettle_hash *h = hashes[which];
  void *ctx = malloc(h->context_size);
  if (ctx == NULL) {
    return SQ_NOMEM;
  }
  unsigned char digest[64];
  char hex[129];
  h->init(ctx);
  h->update(ctx, a[0]->term.len, (const uint8_t *)a[0]->term.value);
  h->digest(ctx, h->digest_size, digest);
  free(ctx);
  for (unsigned i = 0; i < h->digest_size; i++) {
    snprintf(hex + 2 * i, 3, "%02x", digest[i]);
  }
  return simple(c, hex, 2 * (size_t)h->digest_size, out);
}

/* ---- casts (17.5) ------------------------------------------------------------------ */

enum { X_STRING, X_BOOLEAN, X_INTEGER, X_DECIMAL, X_FLOAT, X_DOUBLE, X_DATETIME };

/* The exact decimal a double reads as in its shortest form. */
static void mpq_of_double(mpq_t q, double d) {
  char buf[48];
  sqv_double_text(d, 0, buf); /* "-1.25E2" */
  char *e = strchr(buf, 'E');
  long exp = strtol(e + 1, NULL, 10);
  *e = '\0';
  cust_term t = { CUST_TERM_LITERAL, buf, strlen(buf), NULL, SQV_XSD_DECIMAL };
  sq_value v;
  sq_value_of(&t, &v);
  sqv_to_mpq(&v, q);
  mpz_t p;
  mpz_init(p);
  mpz_ui_pow_ui(p, 10, (unsigned long)(exp < 0 ? -exp : exp));
  if (exp >= 0) {
    mpz_mul(mpq_numref(q), mpq_numref(q), p);
  } else {
    mpz_mul(mpq_denref(q), mpq_denref(q), p);
  }
  mpq_canonicalize(q);
  mpz_clear(p);
}

/* The text of a decimal as XPath casts it to a string: no ".0" when whole. */
static sq_rc decimal_string(sq_fctx *c, const mpq_t q, sq_value *out) {
  char *s = sqv_mpq_text(c->arena, q);
  if (s == NULL) {
    return SQ_NOMEM;
  }
  size_t n = strlen(s);
  if (n > 2 && strcmp(s + n - 2, ".0") == 0) {
    n -= 2;
  }
  return simple(c, s, n, out);
}

static sq_rc cast_string(sq_fctx *c, const sq_value *v, sq_value *out) {
  if (v->type == SQ_V_BLANK) {
    return SQ_ERROR;
  }
  switch (v->type) {
    case SQ_V_INTEGER:
    case SQ_V_DECIMAL: {
      mpq_t q;
      mpq_init(q);
      sqv_to_mpq(v, q);
      sq_rc rc = decimal_string(c, q, out);
      mpq_clear(q);
      return rc;
    }
    case SQ_V_FLOAT:
    case SQ_V_DOUBLE: {
      double d = v->d, m = fabs(d);
      if (isfinite(d) && (d == 0 || (m >= 1e-6 && m < 1e6))) {
        if (d == 0) {
          return simple(c, signbit(d) ? "-0" : "0", signbit(d) ? 2 : 1, out);
        }
        mpq_t q;
        mpq_init(q);
        if (v->type == SQ_V_FLOAT) {
          char buf[48];
          sqv_double_text(d, 1, buf);
          mpq_of_double(q, strtod(buf, NULL));
        } else {
          mpq_of_double(q, d);
        }
        sq_rc rc = decimal_string(c, q, out);
        mpq_clear(q);
        return rc;
      }
      char buf[48];
      sqv_double_text(d, v->type == SQ_V_FLOAT, buf);
      return simple(c, buf, strlen(buf), out);
    }
    case SQ_V_BOOLEAN:
      return simple(c, v->b ? "true" : "false", v->b ? 4 : 5, out);
    default:
      return simple(c, v->term.value, v->term.len, out);
  }
}

/* The lexical form of a string cast's source, without the surrounding
 * whitespace that XSD's whitespace facet collapses. */
static const char *trimmed(const sq_value *v, size_t *n) {
  const char *s = v->term.value;
  size_t len = v->term.len;
  while (len > 0 && strchr(" \t\r\n", s[0]) != NULL) {
    s++;
    len--;
  }
  while (len > 0 && strchr(" \t\r\n", s[len - 1]) != NULL) {
    len--;
  }
  *n = len;
  return s;
}

/* Parses a string as a literal of `dt` (through sq_value_of). */
static sq_rc reparse(sq_fctx *c, const sq_value *v, const char *dt, sq_vtype want, sq_value *tmp) {
  size_t n;
  const char *s = trimmed(v, &n);
  char *copy = cust_arena_strndup(c->arena, s, n);
  if (copy == NULL) {
    return SQ_NOMEM;
  }
  cust_term t = { CUST_TERM_LITERAL, copy, n, NULL, dt };
  sq_value_of(&t, tmp);
  return tmp->type == want ? SQ_OK : SQ_ERROR;
}

static sq_rc fn_cast(sq_fctx *c, sq_args a, size_t n, sq_value *out, int which) {
  (void)n;
  const sq_value *v = a[0];
  sq_value tmp;
  sq_rc rc;
  if (which == X_STRING) {
    return cast_string(c, v, out);
  }
  if (v->type == SQ_V_STRING) {
    /* from a string: the target's lexical space (whitespace trimmed) */
    static const char *const dts[] = {
      NULL,          SQV_XSD_BOOLEAN, SQV_XSD_INTEGER, SQV_XSD_DECIMAL,
      SQV_XSD_FLOAT, SQV_XSD_DOUBLE,  SQV_XSD_DATETIME
    };
    static const sq_vtype want[] = { SQ_V_STRING, SQ_V_BOOLEAN, SQ_V_INTEGER, SQ_V_DECIMAL,
                                     SQ_V_FLOAT,  SQ_V_DOUBLE,  SQ_V_DATETIME };
    rc = reparse(c, v, dts[which], want[which], &tmp);
    if (rc != SQ_OK) {
      return rc;
    }
    if (which == X_DATETIME) {
      *out = tmp;
      return SQ_OK;
    }
    v = &tmp;
  }
  int num = sqv_is_numeric(v), is_fp = v->type == SQ_V_FLOAT || v->type == SQ_V_DOUBLE;
  if (v->type == SQ_V_BOOLEAN) {
    static const sq_vtype fp[] = { [X_FLOAT] = SQ_V_FLOAT, [X_DOUBLE] = SQ_V_DOUBLE };
    switch (which) {
      case X_BOOLEAN:
        return sqv_bool(c, v->b, out);
      case X_INTEGER:
        return sqv_int(c, v->b, out);
      case X_DECIMAL:
        return sqv_literal(c, v->b ? "1.0" : "0.0", 3, NULL, SQV_XSD_DECIMAL, out);
      case X_FLOAT:
      case X_DOUBLE:
        return sqv_double(c, v->b, fp[which], out);
      default:
        return SQ_ERROR;
    }
  }
  switch (which) {
    case X_BOOLEAN:
      if (!num) {
        return SQ_ERROR;
      }
      int b;
      sq_ebv(v, &b);
      return sqv_bool(c, b, out);
    case X_INTEGER:
    case X_DECIMAL: {
      if (!num || (is_fp && !isfinite(v->d))) {
        return SQ_ERROR;
      }
      mpq_t q;
      mpq_init(q);
      if (is_fp) {
        mpq_of_double(q, v->d);
      } else {
        sqv_to_mpq(v, q);
      }
      if (which == X_INTEGER) {
        mpz_tdiv_q(mpq_numref(q), mpq_numref(q), mpq_denref(q));
        rc = sqv_mpz(c, mpq_numref(q), out);
      } else {
        rc = sqv_mpq(c, q, out);
      }
      mpq_clear(q);
      return rc;
    }
    case X_FLOAT:
    case X_DOUBLE:
      if (!num) {
        return SQ_ERROR;
      }
      return sqv_double(c, v->d, which == X_FLOAT ? SQ_V_FLOAT : SQ_V_DOUBLE, out);
    default:
      if (v->type == SQ_V_DATETIME) {
        return sqv_literal(c, v->term.value, v->term.len, NULL, SQV_XSD_DATETIME, out);
      }
      if (v->type == SQ_V_DATE) {
        /* midnight of that day, in its zone */
        sqv_dt dt;
        if (!sqv_parse_dt(SQ_V_DATE, v->term.value, v->term.len, &dt)) {
          return SQ_ERROR;
        }
        size_t dlen = dt.tz_text ? (size_t)(dt.tz_text - v->term.value) : v->term.len;
        char *s = cust_arena_printf(c->arena, "%.*sT00:00:00%s", (int)dlen, v->term.value,
                                    dt.tz_text ? dt.tz_text : "");
        if (s == NULL) {
          return SQ_NOMEM;
        }
        return sqv_literal(c, s, strlen(s), NULL, SQV_XSD_DATETIME, out);
      }
      return SQ_ERROR;
  }
}

/* ---- the table ---------------------------------------------------------------------- */

typedef struct fdef {
  const char *name;
  int min, max; /* max -1: any number */
  fn_impl impl;
  int which;
  int takes_errors; /* called even with a NULL argument */
} fdef;

#define F(n, lo, hi, f, w)                                                                         \
  { .name = n, .min = lo, .max = hi, .impl = f, .which = w }

static const fdef FUNCS[] = {
  F("STR", 1, 1, fn_term, T_STR),
  F("LANG", 1, 1, fn_term, T_LANG),
  F("DATATYPE", 1, 1, fn_term, T_DATATYPE),
  F("ISIRI", 1, 1, fn_term, T_ISIRI),
  F("ISURI", 1, 1, fn_term, T_ISIRI),
  F("ISBLANK", 1, 1, fn_term, T_ISBLANK),
  F("ISLITERAL", 1, 1, fn_term, T_ISLITERAL),
  F("ISNUMERIC", 1, 1, fn_term, T_ISNUMERIC),
  F("SAMETERM", 2, 2, fn_term, T_SAMETERM),
  F("IRI", 1, 1, fn_iri, 0),
  F("URI", 1, 1, fn_iri, 0),
  { .name = "BNODE", .min = 0, .max = 1, .impl = fn_bnode, .takes_errors = 1 },
  F("STRDT", 2, 2, fn_strdt_lang, C_STRDT),
  F("STRLANG", 2, 2, fn_strdt_lang, C_STRLANG),
  F("UUID", 0, 0, fn_uuid, U_UUID),
  F("STRUUID", 0, 0, fn_uuid, U_STRUUID),
  F("STRLEN", 1, 1, fn_strlen, 0),
  F("SUBSTR", 2, 3, fn_substr, 0),
  F("UCASE", 1, 1, fn_case, K_UPPER),
  F("LCASE", 1, 1, fn_case, K_LOWER),
  F("STRSTARTS", 2, 2, fn_strpair, S_STARTS),
  F("STRENDS", 2, 2, fn_strpair, S_ENDS),
  F("CONTAINS", 2, 2, fn_strpair, S_CONTAINS),
  F("STRBEFORE", 2, 2, fn_strpair, S_BEFORE),
  F("STRAFTER", 2, 2, fn_strpair, S_AFTER),
  F("ENCODE_FOR_URI", 1, 1, fn_encode, 0),
  F("CONCAT", 0, -1, fn_concat, 0),
  F("LANGMATCHES", 2, 2, fn_langmatches, 0),
  F("REGEX", 2, 3, fn_regex, 0),
  F("REPLACE", 3, 4, fn_replace, 0),
  F("ABS", 1, 1, fn_num, N_ABS),
  F("CEIL", 1, 1, fn_num, N_CEIL),
  F("FLOOR", 1, 1, fn_num, N_FLOOR),
  F("ROUND", 1, 1, fn_num, N_ROUND),
  F("RAND", 0, 0, fn_rand, 0),
  F("NOW", 0, 0, fn_now, 0),
  F("YEAR", 1, 1, fn_date, D_YEAR),
  F("MONTH", 1, 1, fn_date, D_MONTH),
  F("DAY", 1, 1, fn_date, D_DAY),
  F("HOURS", 1, 1, fn_date, D_HOURS),
  F("MINUTES", 1, 1, fn_date, D_MINUTES),
  F("SECONDS", 1, 1, fn_date, D_SECONDS),
  F("TIMEZONE", 1, 1, fn_date, D_TIMEZONE),
  F("TZ", 1, 1, fn_date, D_TZ),
  F("MD5", 1, 1, fn_hash, 0),
  F("SHA1", 1, 1, fn_hash, 1),
  F("SHA256", 1, 1, fn_hash, 2),
  F("SHA384", 1, 1, fn_hash, 3),
  F("SHA512", 1, 1, fn_hash, 4),
  F(SQV_XSD_STRING, 1, 1, fn_cast, X_STRING),
  F(SQV_XSD_BOOLEAN, 1, 1, fn_cast, X_BOOLEAN),
  F(SQV_XSD_INTEGER, 1, 1, fn_cast, X_INTEGER),
  F(SQV_XSD_DECIMAL, 1, 1, fn_cast, X_DECIMAL),
  F(SQV_XSD_FLOAT, 1, 1, fn_cast, X_FLOAT),
  F(SQV_XSD_DOUBLE, 1, 1, fn_cast, X_DOUBLE),
  F(SQV_XSD_DATETIME, 1, 1, fn_cast, X_DATETIME),
};

#define NFUNCS (sizeof FUNCS / sizeof FUNCS[0])

void sq_func_arity_text(const char *name, int min, int max, char *buf, size_t len) {
  if (max < 0) {
    snprintf(buf, len, "%s takes %d or more arguments", name, min);
  } else if (min == max) {
    snprintf(buf, len, "%s takes %d argument%s", name, min, min == 1 ? "" : "s");
  } else {
    snprintf(buf, len, "%s takes %d to %d arguments", name, min, max);
  }
}

int sq_func_find(const char *fn, size_t nargs, char *why, size_t whylen) {
  if (why != NULL && whylen > 0) {
    why[0] = '\0';
  }
  if (fn == NULL) {
    if (why != NULL) {
      snprintf(why, whylen, "no function name");
    }
    return -1;
  }
  int is_iri = strchr(fn, ':') != NULL;
  for (size_t i = 0; i < NFUNCS; i++) {
    const fdef *f = &FUNCS[i];
    if (is_iri ? strcmp(fn, f->name) != 0 : strcasecmp(fn, f->name) != 0) {
      continue;
    }
    if (nargs < (size_t)f->min || (f->max >= 0 && nargs > (size_t)f->max)) {
      if (why != NULL) {
        sq_func_arity_text(f->name, f->min, f->max, why, whylen);
      }
      return -1;
    }
    return (int)i + 1;
  }
  if (is_iri) {
    return SQ_FUNC_UNKNOWN;
  }
  if (why != NULL) {
    snprintf(why, whylen, "%s is not a SPARQL built-in function", fn);
  }
  return -1;
}

const char *sq_func_arity(const char *name, int *min, int *max) {
  for (size_t i = 0; name != NULL && i < NFUNCS; i++) {
    const fdef *f = &FUNCS[i];
    if (strchr(f->name, ':') == NULL && strcasecmp(name, f->name) == 0) {
      *min = f->min;
      *max = f->max;
      return f->name;
    }
  }
  return NULL;
}

sq_rc sq_func_call(sq_fctx *c, int id, const sq_value *const *args, size_t nargs, sq_value *out) {
  memset(out, 0, sizeof *out);
  if (id <= SQ_FUNC_UNKNOWN || (size_t)id > NFUNCS) {
    return SQ_ERROR;
  }
  const fdef *f = &FUNCS[id - 1];
  if (nargs < (size_t)f->min || (f->max >= 0 && nargs > (size_t)f->max)) {
    return SQ_ERROR;
  }
  if (!f->takes_errors && f->impl != fn_concat && !has_all(args, nargs)) {
    return SQ_ERROR;
  }
  return f->impl(c, args, nargs, out, f->which);
}
