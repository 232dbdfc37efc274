/* SPARQL values: terms classified and parsed per XSD (lexical validity,
 * exact integers and decimals through GMP, IEEE floats, dates with or
 * without zones), effective boolean value, the comparison operators, the
 * total order of ORDER BY and arithmetic with canonical results. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "sparql/value_int.h"

#define XSD_LEN (sizeof(CUST_V_XSD) - 1)

/* ---- lexical forms ------------------------------------------------------ */

static int is_digit(char c) {
  return c >= '0' && c <= '9';
}

/* [+-]?[0-9]+ */
static int lex_integer(const char *s, size_t n) {
  size_t i = 0;
  if (i < n && (s[i] == '+' || s[i] == '-')) {
    i++;
  }
  if (i == n) {
    return 0;
  }
  for (; i < n; i++) {
    if (!is_digit(s[i])) {
      return 0;
    }
  }
  return 1;
}

/* [+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+) */
static int lex_decimal(const char *s, size_t n) {
  size_t i = 0, digits = 0;
  if (i < n && (s[i] == '+' || s[i] == '-')) {
    i++;
  }
  for (; i < n && is_digit(s[i]); i++) {
    digits++;
  }
  if (i < n && s[i] == '.') {
    for (i++; i < n && is_digit(s[i]); i++) {
      digits++;
    }
  }
  return i == n && digits > 0;
}

/* a decimal with an optional exponent, or INF, -INF, +INF, NaN */
static int lex_double(const char *s, size_t n) {
  if ((n == 3 && (memcmp(s, "INF", 3) == 0 || memcmp(s, "NaN", 3) == 0)) ||
      (n == 4 && (memcmp(s, "-INF", 4) == 0 || memcmp(s, "+INF", 4) == 0))) {
    return 1;
  }
  size_t e = 0;
  while (e < n && s[e] != 'e' && s[e] != 'E') {
    e++;
  }
  if (!lex_decimal(s, e)) {
    return 0;
  }
  return e == n || lex_integer(s + e + 1, n - e - 1);
}

/* Parses an integer lexical form into an int64 (0: it does not fit). */
static int int64_of(const char *s, size_t n, int64_t *out) {
  size_t i = 0;
  int neg = 0;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    i++;
  }
  uint64_t acc = 0;
  for (; i < n; i++) {
    unsigned d = (unsigned)(s[i] - '0');
    if (acc > (UINT64_MAX - d) / 10) {
      return 0;
    }
    acc = acc * 10 + d;
  }
  if (neg) {
    if (acc > (uint64_t)INT64_MAX + 1) {
      return 0;
    }
    *out = acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)acc;
  } else {
    if (acc > (uint64_t)INT64_MAX) {
      return 0;
    }
    *out = (int64_t)acc;
  }
  return 1;
}

/* The integer types derived from xsd:integer, with their bounds. */
typedef struct int_type {
  const char *name;
  int has_min, has_max;
  int64_t min, max;
} int_type;

static const int_type INT_TYPES[] = {
  { .name = "integer" },
  { .name = "long", .has_min = 1, .has_max = 1, .min = INT64_MIN, .max = INT64_MAX },
  { .name = "int", .has_min = 1, .has_max = 1, .min = INT32_MIN, .max = INT32_MAX },
  { .name = "short", .has_min = 1, .has_max = 1, .min = INT16_MIN, .max = INT16_MAX },
  { .name = "byte", .has_min = 1, .has_max = 1, .min = INT8_MIN, .max = INT8_MAX },
  { .name = "nonNegativeInteger", .has_min = 1, .min = 0 },
  { .name = "positiveInteger", .has_min = 1, .min = 1 },
  { .name = "nonPositiveInteger", .has_max = 1, .max = 0 },
  { .name = "negativeInteger", .has_max = 1, .max = -1 },
  { .name = "unsignedLong", .has_min = 1, .min = 0 }, /* the upper bound is checked apart */
  { .name = "unsignedInt", .has_min = 1, .has_max = 1, .min = 0, .max = UINT32_MAX },
  { .name = "unsignedShort", .has_min = 1, .has_max = 1, .min = 0, .max = UINT16_MAX },
  { .name = "unsignedByte", .has_min = 1, .has_max = 1, .min = 0, .max = UINT8_MAX },
};

static void parse_integer(const char *s, size_t n, const int_type *ty, sq_value *out) {
  if (!lex_integer(s, n)) {
    return;
  }
  int neg = s[0] == '-';
  size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
  while (i + 1 < n && s[i] == '0') {
    i++;
  }
  int is_zero = n - i == 1 && s[i] == '0';
  int64_t v;
  if (int64_of(s, n, &v)) {
    if ((ty->has_min && v < ty->min) || (ty->has_max && v > ty->max)) {
      return;
    }
    out->i = v;
    out->d = (double)v;
  } else {
    /* beyond int64: below every lower bound when negative, above every
     * upper bound when positive (unsignedLong's is checked apart) */
    if ((neg && ty->has_min) || (!neg && ty->has_max)) {
      return;
    }
    if (strcmp(ty->name, "unsignedLong") == 0 &&
        (n - i > 20 || (n - i == 20 && memcmp(s + i, "18446744073709551615", 20) > 0))) {
      return;
    }
    out->big = s;
    out->d = strtod(s, NULL);
  }
  if (strcmp(ty->name, "unsignedLong") == 0 && out->big == NULL && neg && !is_zero) {
    return;
  }
  out->type = SQ_V_INTEGER;
}

static int digits_at(const char *s, size_t n, size_t *i, size_t count, int *out) {
  int v = 0;
  for (size_t k = 0; k < count; k++) {
    if (*i >= n || !is_digit(s[*i])) {
      return 0;
    }
    v = v * 10 + (s[*i] - '0');
    (*i)++;
  }
  *out = v;
  return 1;
}

static int is_leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m) {
  static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar (year 0
 * is 1 BCE, as XSD 1.1 counts). */
static int64_t days_of(int64_t y, int m, int d) {
  int64_t yy = m <= 2 ? y - 1 : y;
  int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
  int64_t yoe = yy - era * 400;
  int64_t mp = (m + 9) % 12;
  int64_t doy = (153 * mp + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int parse_tz(const char *s, size_t n, size_t i, sqv_dt *out) {
  if (i == n) {
    return 1;
  }
  out->tz_text = s + i;
  if (s[i] == 'Z' && i + 1 == n) {
    out->has_tz = 1;
    return 1;
  }
  if (s[i] != '+' && s[i] != '-') {
    return 0;
  }
  int sign = s[i] == '-' ? -1 : 1, h, m;
  i++;
  if (!digits_at(s, n, &i, 2, &h) || i >= n || s[i++] != ':' || !digits_at(s, n, &i, 2, &m) ||
      i != n) {
    return 0;
  }
  if (m > 59 || h > 14 || (h == 14 && m != 0)) {
    return 0;
  }
  out->has_tz = 1;
  out->tz_min = sign * (h * 60 + m);
  return 1;
}

static int parse_time_part(const char *s, size_t n, size_t *i, sqv_dt *out) {
  if (!digits_at(s, n, i, 2, &out->hour) || *i >= n || s[(*i)++] != ':' ||
      !digits_at(s, n, i, 2, &out->minute) || *i >= n || s[(*i)++] != ':') {
    return 0;
  }
  out->sec_text = s + *i;
  if (!digits_at(s, n, i, 2, &out->second)) {
    return 0;
  }
  if (*i < n && s[*i] == '.') {
    (*i)++;
    size_t start = *i;
    int32_t ns = 0, scale = 100000000;
    while (*i < n && is_digit(s[*i])) {
      ns += (s[*i] - '0') * scale;
      scale /= 10;
      (*i)++;
    }
    if (*i == start) {
      return 0;
    }
    out->frac_ns = ns;
  }
  out->sec_len = (size_t)(s + *i - out->sec_text);
  if (out->hour == 24) {
    return out->minute == 0 && out->second == 0 && out->frac_ns == 0;
  }
  return out->hour < 24 && out->minute < 60 && out->second < 60;
}

int sqv_parse_dt(sq_vtype type, const char *s, size_t n, sqv_dt *out) {
  memset(out, 0, sizeof *out);
  size_t i = 0;
  if (type != SQ_V_TIME) {
    int neg = 0;
    if (i < n && s[i] == '-') {
      neg = 1;
      i++;
    }
    size_t start = i;
    int64_t y = 0;
    while (i < n && is_digit(s[i])) {
      y = y * 10 + (s[i] - '0');
      i++;
      if (i - start > 10) {
        return 0; /* beyond what the seconds since 1970 hold */
      }
    }
    if (i - start < 4 || (i - start > 4 && s[start] == '0')) {
      return 0;
    }
    out->year = neg ? -y : y;
    if (i >= n || s[i++] != '-' || !digits_at(s, n, &i, 2, &out->month) || i >= n ||
        s[i++] != '-' || !digits_at(s, n, &i, 2, &out->day)) {
      return 0;
    }
    if (out->month < 1 || out->month > 12 || out->day < 1 ||
        out->day > days_in_month(out->year, out->month)) {
      return 0;
    }
    if (type == SQ_V_DATETIME) {
      if (i >= n || s[i++] != 'T' || !parse_time_part(s, n, &i, out)) {
        return 0;
      }
    }
  } else if (!parse_time_part(s, n, &i, out)) {
    return 0;
  }
  return parse_tz(s, n, i, out);
}

static void parse_dt(sq_vtype type, const char *s, size_t n, int need_tz, sq_value *out) {
  sqv_dt dt;
  if (!sqv_parse_dt(type, s, n, &dt) || (need_tz && !dt.has_tz)) {
    return;
  }
  int64_t days = type == SQ_V_TIME ? 0 : days_of(dt.year, dt.month, dt.day);
  out->secs = days * 86400 + dt.hour * 3600 + dt.minute * 60 + dt.second - dt.tz_min * 60;
  out->frac_ns = dt.frac_ns;
  out->has_tz = (unsigned char)dt.has_tz;
  out->tz_min = (int16_t)dt.tz_min;
  out->type = type;
}

/* -?P(nY)?(nM)?(nD)?(T(nH)?(nM)?(n(.n)?S)?)?; `which` 0 any, 1 dayTime, 2 yearMonth */
static void parse_duration(const char *s, size_t n, int which, sq_value *out) {
  size_t i = 0;
  int neg = 0;
  if (i < n && s[i] == '-') {
    neg = 1;
    i++;
  }
  if (i >= n || s[i++] != 'P') {
    return;
  }
  static const char date_units[] = "YMD", time_units[] = "HMS";
  int64_t months = 0, secs = 0;
  int32_t frac = 0;
  int parts = 0, in_time = 0, unit = 0;
  while (i < n) {
    if (s[i] == 'T') {
      if (in_time) {
        return;
      }
      in_time = 1;
      unit = 0;
      i++;
      if (i == n) {
        return;
      }
      continue;
    }
    size_t start = i;
    int64_t v = 0;
    while (i < n && is_digit(s[i])) {
      if (i - start >= 12) { /* what the seconds of an int64 hold */
        return;
      }
      v = v * 10 + (s[i] - '0');
      i++;
    }
    if (i == start || i >= n) {
      return;
    }
    int32_t f = 0;
    if (s[i] == '.') {
      if (!in_time) {
        return;
      }
      int32_t scale = 100000000;
      size_t fs = ++i;
      while (i < n && is_digit(s[i])) {
        f += (s[i] - '0') * scale;
        scale /= 10;
        i++;
      }
      if (i == fs || i >= n || s[i] != 'S') {
        return;
      }
    }
    const char *units = in_time ? time_units : date_units;
    const char *u = strchr(units + unit, s[i]);
    if (u == NULL || s[i] == '\0') {
      return;
    }
    unit = (int)(u - units) + 1;
    if (!in_time) {
      if (*u == 'Y') {
        months += v * 12;
      } else if (*u == 'M') {
        months += v;
      } else {
        secs += v * 86400;
      }
    } else {
      secs += *u == 'H' ? v * 3600 : *u == 'M' ? v * 60 : v;
      frac = f;
    }
    if ((which == 1 && !in_time && *u != 'D') || (which == 2 && (in_time || *u == 'D'))) {
      return;
    }
    parts++;
    i++;
  }
  if (parts == 0) {
    return;
  }
  out->months = neg ? -months : months;
  out->secs = neg ? -secs : secs;
  out->frac_ns = neg ? -frac : frac;
  out->type = SQ_V_DURATION;
}

void sq_value_of(const cust_term *t, sq_value *out) {
  memset(out, 0, sizeof *out);
  out->term = *t;
  out->type = SQ_V_OTHER;
  if (t->kind == CUST_TERM_IRI) {
    out->type = SQ_V_IRI;
    return;
  }
  if (t->kind == CUST_TERM_BLANK) {
    out->type = SQ_V_BLANK;
    return;
  }
  if (t->kind != CUST_TERM_LITERAL) {
    return;
  }
  if (t->lang != NULL && t->lang[0] != '\0') {
    out->type = SQ_V_LANG;
    return;
  }
  const char *dt = t->datatype;
  if (dt == NULL || strcmp(dt, SQV_XSD_STRING) == 0) {
    out->type = SQ_V_STRING;
    return;
  }
  if (strncmp(dt, CUST_V_XSD, XSD_LEN) != 0) {
    return;
  }
  const char *name = dt + XSD_LEN, *s = t->value;
  size_t n = t->len;
  if (strlen(s) != n) {
    return; /* a NUL inside is in no XSD lexical space */
  }
  if (strcmp(name, "boolean") == 0) {
    if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0) {
      out->b = 1;
      out->type = SQ_V_BOOLEAN;
    } else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0) {
      out->type = SQ_V_BOOLEAN;
    }
    return;
  }
  for (size_t k = 0; k < sizeof INT_TYPES / sizeof INT_TYPES[0]; k++) {
    if (strcmp(name, INT_TYPES[k].name) == 0) {
      parse_integer(s, n, &INT_TYPES[k], out);
      return;
    }
  }
  if (strcmp(name, "decimal") == 0) {
    if (lex_decimal(s, n)) {
      out->big = s;
      out->d = strtod(s, NULL);
      out->type = SQ_V_DECIMAL;
    }
  } else if (strcmp(name, "double") == 0 || strcmp(name, "float") == 0) {
    if (lex_double(s, n)) {
      int is_float = name[0] == 'f';
      out->d = is_float ? (double)strtof(s, NULL) : strtod(s, NULL);
      out->type = is_float ? SQ_V_FLOAT : SQ_V_DOUBLE;
    }
  } else if (strcmp(name, "dateTime") == 0 || strcmp(name, "dateTimeStamp") == 0) {
    parse_dt(SQ_V_DATETIME, s, n, name[8] == 'S', out);
  } else if (strcmp(name, "date") == 0) {
    parse_dt(SQ_V_DATE, s, n, 0, out);
  } else if (strcmp(name, "time") == 0) {
    parse_dt(SQ_V_TIME, s, n, 0, out);
  } else if (strcmp(name, "duration") == 0) {
    parse_duration(s, n, 0, out);
  } else if (strcmp(name, "dayTimeDuration") == 0) {
    parse_duration(s, n, 1, out);
  } else if (strcmp(name, "yearMonthDuration") == 0) {
    parse_duration(s, n, 2, out);
  }
}

/* ---- shared helpers ------------------------------------------------------- */

int sqv_is_numeric(const sq_value *v) {
  return v->type == SQ_V_INTEGER || v->type == SQ_V_DECIMAL || v->type == SQ_V_FLOAT ||
         v->type == SQ_V_DOUBLE;
}

int sqv_is_stringy(const sq_value *v) {
  return v->type == SQ_V_STRING || v->type == SQ_V_LANG;
}

int sqv_lang_eq(const char *a, const char *b) {
  if (a == NULL || b == NULL) {
    return a == b;
  }
  return strcasecmp(a, b) == 0;
}

/* Sets z from the digits of (s, n), skipping a sign, '+' and '.', 18 digits
 * at a time (no allocation besides GMP's own); negative when s starts with '-'. */
static void mpz_of_digits(mpz_t z, const char *s, size_t n) {
  mpz_set_ui(z, 0);
  unsigned long chunk = 0, scale = 1;
  for (size_t i = 0; i < n; i++) {
    if (!is_digit(s[i])) {
      continue;
    }
    chunk = chunk * 10 + (unsigned long)(s[i] - '0');
    scale *= 10;
    if (scale == 1000000000000000000ul) {
      mpz_mul_ui(z, z, scale);
      mpz_add_ui(z, z, chunk);
      chunk = 0;
      scale = 1;
    }
  }
  if (scale > 1) {
    mpz_mul_ui(z, z, scale);
    mpz_add_ui(z, z, chunk);
  }
  if (n > 0 && s[0] == '-') {
    mpz_neg(z, z);
  }
}

void sqv_to_mpq(const sq_value *v, mpq_t q) {
  if (v->type == SQ_V_INTEGER) {
    if (v->big == NULL) {
      mpz_set_si(mpq_numref(q), (long)v->i);
    } else {
      mpz_of_digits(mpq_numref(q), v->big, strlen(v->big));
    }
    mpz_set_ui(mpq_denref(q), 1);
    return;
  }
  if (v->type == SQ_V_DECIMAL) {
    const char *s = v->big, *dot = strchr(s, '.');
    size_t n = strlen(s);
    mpz_of_digits(mpq_numref(q), s, n);
    mpz_ui_pow_ui(mpq_denref(q), 10, dot ? (unsigned long)(s + n - dot - 1) : 0);
    mpq_canonicalize(q);
    return;
  }
  mpq_set_d(q, isfinite(v->d) ? v->d : 0);
}

size_t sqv_utf8_len(const char *s, size_t n) {
  size_t count = 0;
  for (size_t i = 0; i < n; i++) {
    if (((unsigned char)s[i] & 0xC0) != 0x80) {
      count++;
    }
  }
  return count;
}

size_t sqv_utf8_offset(const char *s, size_t n, size_t cp) {
  size_t i = 0;
  while (i < n && cp > 0) {
    i++;
    while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80) {
      i++;
    }
    cp--;
  }
  return i;
}

/* ---- making values ---------------------------------------------------------- */

/* A value of a term of `kind` whose text is a copy of (s, n) in the arena. */
static sq_rc make_term(sq_fctx *c, cust_term_kind kind, const char *s, size_t n, const char *lang,
                       const char *dt, sq_value *out) {
  char *copy = cust_arena_strndup(c->arena, s, n);
  if (copy == NULL) {
    return SQ_NOMEM;
  }
  cust_term t = { kind, copy, n, lang, dt };
  sq_value_of(&t, out);
  return SQ_OK;
}

sq_rc sqv_literal(sq_fctx *c, const char *s, size_t n, const char *lang, const char *dt,
                  sq_value *out) {
  return make_term(c, CUST_TERM_LITERAL, s, n, lang, dt, out);
}

sq_rc sqv_iri(sq_fctx *c, const char *s, size_t n, sq_value *out) {
  return make_term(c, CUST_TERM_IRI, s, n, NULL, NULL, out);
}

sq_rc sqv_blank(sq_fctx *c, const char *s, size_t n, sq_value *out) {
  return make_term(c, CUST_TERM_BLANK, s, n, NULL, NULL, out);
}

sq_rc sqv_bool(sq_fctx *c, int b, sq_value *out) {
  (void)c;
  cust_term t = { CUST_TERM_LITERAL, b ? "true" : "false", b ? 4 : 5, NULL, SQV_XSD_BOOLEAN };
  sq_value_of(&t, out);
  return SQ_OK;
}

sq_rc sqv_int(sq_fctx *c, int64_t i, sq_value *out) {
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%lld", (long long)i);
  return sqv_literal(c, buf, (size_t)n, NULL, SQV_XSD_INTEGER, out);
}

sq_rc sqv_mpz(sq_fctx *c, const mpz_t z, sq_value *out) {
  size_t cap = mpz_sizeinbase(z, 10) + 2;
  char *s = cust_arena_alloc(c->arena, cap);
  if (s == NULL) {
    return SQ_NOMEM;
  }
  mpz_get_str(s, 10, z);
  cust_term t = { CUST_TERM_LITERAL, s, strlen(s), NULL, SQV_XSD_INTEGER };
  sq_value_of(&t, out);
  return SQ_OK;
}

char *sqv_mpq_text(cust_arena *a, const mpq_t q) {
  mpz_t scaled, r, den;
  mpz_inits(scaled, r, den, NULL);
  mpz_set(den, mpq_denref(q));
  /* the digits needed when the quotient ends: the larger power of 2 or 5 */
  unsigned long twos = mpz_scan1(den, 0), fives = 0, digits;
  mpz_tdiv_q_2exp(den, den, twos);
  while (mpz_divisible_ui_p(den, 5)) {
    mpz_divexact_ui(den, den, 5);
    fives++;
  }
  int ends = mpz_cmp_ui(den, 1) == 0;
  digits = ends ? (twos > fives ? twos : fives) : SQV_DECIMAL_DIGITS;
  mpz_ui_pow_ui(scaled, 10, digits);
  mpz_mul(scaled, scaled, mpq_numref(q));
  if (ends) {
    mpz_divexact(scaled, scaled, mpq_denref(q));
  } else {
    /* round half to even */
    mpz_fdiv_qr(scaled, r, scaled, mpq_denref(q));
    mpz_mul_2exp(r, r, 1);
    int cmp = mpz_cmp(r, mpq_denref(q));
    if (cmp > 0 || (cmp == 0 && mpz_odd_p(scaled))) {
      mpz_add_ui(scaled, scaled, 1);
    }
  }
  int neg = mpz_sgn(scaled) < 0;
  mpz_abs(scaled, scaled);
  char *d = malloc(mpz_sizeinbase(scaled, 10) + 2);
  char *out = NULL;
  if (d != NULL) {
    mpz_get_str(d, 10, scaled);
    size_t n = strlen(d);
    /* integer part and fraction, trailing zeros dropped but one digit kept */
    size_t ilen = n > digits ? n - digits : 0;
    cust_buf b;
    cust_buf_init(&b);
    int okb = 1;
    if (neg) {
      okb &= cust_buf_putc(&b, '-') == CUST_OK;
    }
    if (ilen == 0) {
      okb &= cust_buf_putc(&b, '0') == CUST_OK;
    } else {
      okb &= cust_buf_append(&b, d, ilen) == CUST_OK;
    }
    okb &= cust_buf_putc(&b, '.') == CUST_OK;
    size_t flen = digits;
    char *frac = malloc(flen + 1);
    if (frac != NULL && okb) {
      size_t lead = digits > n ? digits - n : 0;
      memset(frac, '0', lead);
      memcpy(frac + lead, d + ilen, flen - lead);
      while (flen > 1 && frac[flen - 1] == '0') {
        flen--;
      }
      if (flen == 0) {
        frac[flen++] = '0';
      }
      okb &= cust_buf_append(&b, frac, flen) == CUST_OK;
      if (okb) {
        out = cust_arena_strndup(a, b.data, b.len);
      }
    }
    free(frac);
    cust_buf_release(&b);
    free(d);
  }
  mpz_clears(scaled, r, den, NULL);
  return out;
}

sq_rc sqv_mpq(sq_fctx *c, const mpq_t q, sq_value *out) {
  char *s = sqv_mpq_text(c->arena, q);
  if (s == NULL) {
    return SQ_NOMEM;
  }
  cust_term t = { CUST_TERM_LITERAL, s, strlen(s), NULL, SQV_XSD_DECIMAL };
  sq_value_of(&t, out);
  return SQ_OK;
}

void sqv_double_text(double d, int is_float, char *buf) {
  if (isnan(d) || isinf(d) || d == 0) {
    snprintf(buf, 32, "%s",
             isnan(d)     ? "NaN"
             : isinf(d)   ? (d < 0 ? "-INF" : "INF")
             : signbit(d) ? "-0.0E0"
                          : "0.0E0");
    return;
  }
  /* the shortest digits that read back as the same number */
  char tmp[48];
  for (int p = 0; p <= 17; p++) {
    snprintf(tmp, sizeof tmp, "%.*e", p, d);
    if (is_float ? strtof(tmp, NULL) == (float)d : strtod(tmp, NULL) == d) {
      break;
    }
  }
  const char *p = tmp;
  char *o = buf;
  if (*p == '-') {
    *o++ = *p++;
  }
  *o++ = *p++;
  *o++ = '.';
  char frac[24];
  size_t fn = 0;
  if (*p == '.') {
    p++;
    while (is_digit(*p)) {
      frac[fn++] = *p++;
    }
  }
  while (fn > 0 && frac[fn - 1] == '0') {
    fn--;
  }
  if (fn == 0) {
    frac[fn++] = '0';
  }
  memcpy(o, frac, fn);
  o += fn;
  int exp = atoi(p + 1); /* p at 'e' */
  snprintf(o, (size_t)(buf + 32 - o), "E%d", exp);
}

sq_rc sqv_double(sq_fctx *c, double d, sq_vtype type, sq_value *out) {
  char buf[40];
  if (type == SQ_V_FLOAT) {
    d = (double)(float)d;
  }
  sqv_double_text(d, type == SQ_V_FLOAT, buf);
  return sqv_literal(c, buf, strlen(buf), NULL, type == SQ_V_FLOAT ? SQV_XSD_FLOAT : SQV_XSD_DOUBLE,
                     out);
}

/* ---- the query context ---------------------------------------------------------- */

void sq_fctx_init(sq_fctx *c, cust_arena *arena, const char *base) {
  struct timespec ts;
  memset(c, 0, sizeof *c);
  c->arena = arena;
  c->base = base;
  clock_gettime(CLOCK_REALTIME, &ts);
  c->now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
  uint64_t seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ ((uint64_t)getpid() << 40);
  c->rand_state = seed ? seed : 0x9E3779B97F4A7C15ull;
}

/* ---- effective boolean value ----------------------------------------------------- */

/* Whether an ill-typed literal's datatype is xsd:boolean or numeric: its EBV
 * is false (17.2.2), not an error. */
static int is_boolean_or_numeric_type(const char *dt) {
  if (dt == NULL || strncmp(dt, CUST_V_XSD, XSD_LEN) != 0) {
    return 0;
  }
  const char *name = dt + XSD_LEN;
  if (strcmp(name, "boolean") == 0 || strcmp(name, "decimal") == 0 || strcmp(name, "float") == 0 ||
      strcmp(name, "double") == 0) {
    return 1;
  }
  for (size_t k = 0; k < sizeof INT_TYPES / sizeof INT_TYPES[0]; k++) {
    if (strcmp(name, INT_TYPES[k].name) == 0) {
      return 1;
    }
  }
  return 0;
}

sq_rc sq_ebv(const sq_value *v, int *out) {
  *out = 0;
  if (v == NULL) {
    return SQ_ERROR;
  }
  switch (v->type) {
    case SQ_V_BOOLEAN:
      *out = v->b;
      return SQ_OK;
    case SQ_V_STRING:
    case SQ_V_LANG:
      *out = v->term.len > 0;
      return SQ_OK;
    case SQ_V_INTEGER:
      *out = v->big != NULL || v->i != 0;
      return SQ_OK;
    case SQ_V_DECIMAL: {
      if (v->d != 0) {
        *out = 1;
        return SQ_OK;
      }
      mpq_t q;
      mpq_init(q);
      sqv_to_mpq(v, q);
      *out = mpq_sgn(q) != 0;
      mpq_clear(q);
      return SQ_OK;
    }
    case SQ_V_FLOAT:
    case SQ_V_DOUBLE:
      *out = !(v->d == 0 || isnan(v->d));
      return SQ_OK;
    case SQ_V_OTHER:
      if (v->term.kind == CUST_TERM_LITERAL && is_boolean_or_numeric_type(v->term.datatype)) {
        return SQ_OK;
      }
      return SQ_ERROR;
    default:
      return SQ_ERROR;
  }
}

/* ---- comparison -------------------------------------------------------------------- */

enum { CMP_LT = -1, CMP_EQ = 0, CMP_GT = 1, CMP_UNORDERED = 2 };

static int sign_of(int64_t x) {
  return (x > 0) - (x < 0);
}

static int cmp_numbers(const sq_value *a, const sq_value *b) {
  if (a->type == SQ_V_FLOAT || a->type == SQ_V_DOUBLE || b->type == SQ_V_FLOAT ||
      b->type == SQ_V_DOUBLE) {
    if (isnan(a->d) || isnan(b->d)) {
      return CMP_UNORDERED;
    }
    return (a->d > b->d) - (a->d < b->d);
  }
  if (a->type == SQ_V_INTEGER && b->type == SQ_V_INTEGER && a->big == NULL && b->big == NULL) {
    return (a->i > b->i) - (a->i < b->i);
  }
  /* d is the correctly rounded value, and rounding keeps order: different
   * approximations order the exact values; equal ones need the exact test */
  if (a->d != b->d) {
    return (a->d > b->d) - (a->d < b->d);
  }
  mpq_t qa, qb;
  mpq_inits(qa, qb, NULL);
  sqv_to_mpq(a, qa);
  sqv_to_mpq(b, qb);
  int r = mpq_cmp(qa, qb);
  mpq_clears(qa, qb, NULL);
  return (r > 0) - (r < 0);
}

/* Compares two instants (secs, ns); a value without a zone stands for any
 * instant within 14 hours of its local reading, so the answer may be
 * indeterminate (SQ_ERROR). */
static sq_rc cmp_instants(const sq_value *a, const sq_value *b, int *out) {
  if (a->has_tz == b->has_tz) {
    int c = a->secs != b->secs ? sign_of(a->secs - b->secs) : sign_of(a->frac_ns - b->frac_ns);
    *out = c;
    return SQ_OK;
  }
  const int64_t slack = 14 * 3600;
  int64_t a_lo = a->secs - (a->has_tz ? 0 : slack), a_hi = a->secs + (a->has_tz ? 0 : slack);
  int64_t b_lo = b->secs - (b->has_tz ? 0 : slack), b_hi = b->secs + (b->has_tz ? 0 : slack);
  if (a_hi < b_lo || (a_hi == b_lo && a->frac_ns < b->frac_ns)) {
    *out = CMP_LT;
    return SQ_OK;
  }
  if (a_lo > b_hi || (a_lo == b_hi && a->frac_ns > b->frac_ns)) {
    *out = CMP_GT;
    return SQ_OK;
  }
  return SQ_ERROR;
}

static sq_rc cmp_durations(const sq_value *a, const sq_value *b, int *out) {
  if (a->months == b->months) {
    *out = a->secs != b->secs ? sign_of(a->secs - b->secs) : sign_of(a->frac_ns - b->frac_ns);
    return SQ_OK;
  }
  if (a->secs == 0 && b->secs == 0 && a->frac_ns == 0 && b->frac_ns == 0) {
    *out = sign_of(a->months - b->months);
    return SQ_OK;
  }
  /* months against days: ordered only when both parts agree in direction */
  int cm = sign_of(a->months - b->months);
  int cs = a->secs != b->secs ? sign_of(a->secs - b->secs) : sign_of(a->frac_ns - b->frac_ns);
  if (cs == 0 || cs == cm) {
    *out = cm;
    return SQ_OK;
  }
  return SQ_ERROR;
}

static int cmp_bytes(const cust_term *a, const cust_term *b) {
  size_t n = a->len < b->len ? a->len : b->len;
  int c = n ? memcmp(a->value, b->value, n) : 0;
  if (c != 0) {
    return c < 0 ? -1 : 1;
  }
  return (a->len > b->len) - (a->len < b->len);
}

int sq_same_term(const sq_value *a, const sq_value *b) {
  if (a == NULL || b == NULL) {
    return 0;
  }
  const cust_term *x = &a->term, *y = &b->term;
  if (x->kind != y->kind || x->len != y->len || (x->len && memcmp(x->value, y->value, x->len))) {
    return 0;
  }
  if (x->kind != CUST_TERM_LITERAL) {
    return 1;
  }
  const char *lx = x->lang && x->lang[0] ? x->lang : NULL;
  const char *ly = y->lang && y->lang[0] ? y->lang : NULL;
  if (!sqv_lang_eq(lx, ly)) {
    return 0;
  }
  const char *dx = x->datatype && strcmp(x->datatype, SQV_XSD_STRING) ? x->datatype : NULL;
  const char *dy = y->datatype && strcmp(y->datatype, SQV_XSD_STRING) ? y->datatype : NULL;
  if (lx != NULL) {
    return 1;
  }
  return dx == NULL ? dy == NULL : dy != NULL && strcmp(dx, dy) == 0;
}

/* The comparison of two values when their types make one: CMP_* in *out, or
 * SQ_ERROR (no order between them, or an indeterminate one). *is_typed tells
 * = and != whether a failure means "different" (both of known, different
 * types) rather than an error. */
static sq_rc compare3(const sq_value *a, const sq_value *b, int *out, int *is_known) {
  *is_known = 1;
  if (sqv_is_numeric(a) && sqv_is_numeric(b)) {
    *out = cmp_numbers(a, b);
    return SQ_OK;
  }
  if (a->type == b->type) {
    switch (a->type) {
      case SQ_V_STRING:
        *out = cmp_bytes(&a->term, &b->term);
        return SQ_OK;
      case SQ_V_BOOLEAN:
        *out = (a->b > b->b) - (a->b < b->b);
        return SQ_OK;
      case SQ_V_DATETIME:
      case SQ_V_DATE:
      case SQ_V_TIME:
        if (cmp_instants(a, b, out) == SQ_OK) {
          return SQ_OK;
        }
        *is_known = 0; /* indeterminate: = is an error too */
        return SQ_ERROR;
      case SQ_V_DURATION:
        return cmp_durations(a, b, out);
      default:
        break;
    }
  }
  *is_known = a->type != SQ_V_OTHER && b->type != SQ_V_OTHER;
  return SQ_ERROR;
}

sq_rc sq_compare(sq_expr_kind op, const sq_value *a, const sq_value *b, int *out) {
  int c = 0, is_known = 0;
  *out = 0;
  if (a == NULL || b == NULL) {
    return SQ_ERROR;
  }
  sq_rc rc = compare3(a, b, &c, &is_known);
  if (op == SQ_E_EQ || op == SQ_E_NE) {
    int eq;
    if (rc == SQ_OK) {
      eq = c == CMP_EQ;
    } else if (sq_same_term(a, b)) {
      eq = 1;
    } else if (a->type == SQ_V_LANG && b->type == SQ_V_LANG) {
      eq = 0; /* sq_same_term already compared text and tag */
    } else if (a->term.kind == CUST_TERM_LITERAL && b->term.kind == CUST_TERM_LITERAL &&
               !is_known) {
      return SQ_ERROR;
    } else {
      eq = 0;
    }
    *out = op == SQ_E_EQ ? eq : !eq;
    return SQ_OK;
  }
  if (rc != SQ_OK) {
    return SQ_ERROR;
  }
  switch (op) {
    case SQ_E_LT:
      *out = c == CMP_LT;
      break;
    case SQ_E_GT:
      *out = c == CMP_GT;
      break;
    case SQ_E_LE:
      *out = c == CMP_LT || c == CMP_EQ;
      break;
    case SQ_E_GE:
      *out = c == CMP_GT || c == CMP_EQ;
      break;
    default:
      return SQ_ERROR;
  }
  return SQ_OK;
}

/* ---- ORDER BY ---------------------------------------------------------------------- */

static int kind_rank(const sq_value *v) {
  if (v == NULL) {
    return 0;
  }
  switch (v->term.kind) {
    case CUST_TERM_BLANK:
      return 1;
    case CUST_TERM_IRI:
      return 2;
    case CUST_TERM_LITERAL:
      return 3;
    default:
      return 4;
  }
}

static int literal_rank(const sq_value *v) {
  switch (v->type) {
    case SQ_V_STRING:
      return 0;
    case SQ_V_LANG:
      return 1;
    case SQ_V_INTEGER:
    case SQ_V_DECIMAL:
    case SQ_V_FLOAT:
    case SQ_V_DOUBLE:
      return 2;
    case SQ_V_BOOLEAN:
      return 3;
    case SQ_V_DATETIME:
      return 4;
    case SQ_V_DATE:
      return 5;
    case SQ_V_TIME:
      return 6;
    case SQ_V_DURATION:
      return 7;
    default:
      return 8;
  }
}

static int cmp_cstr(const char *a, const char *b) {
  if (a == NULL || b == NULL) {
    return (a != NULL) - (b != NULL);
  }
  int c = strcmp(a, b);
  return (c > 0) - (c < 0);
}

#define ORDER_BY(x)                                                                                \
  do {                                                                                             \
    int order_c_ = (x);                                                                            \
    if (order_c_ != 0) {                                                                           \
      return order_c_;                                                                             \
    }                                                                                              \
  } while (0)

int sq_order(const sq_value *a, const sq_value *b) {
  int ka = kind_rank(a), kb = kind_rank(b);
  ORDER_BY((ka > kb) - (ka < kb));
  if (ka == 0) {
    return 0;
  }
  if (ka != 3) {
    return cmp_bytes(&a->term, &b->term);
  }
  int ra = literal_rank(a), rb = literal_rank(b);
  ORDER_BY((ra > rb) - (ra < rb));
  switch (ra) {
    case 0:
      ORDER_BY(cmp_bytes(&a->term, &b->term));
      break;
    case 1: {
      ORDER_BY(cmp_bytes(&a->term, &b->term));
      int c = strcasecmp(a->term.lang, b->term.lang);
      ORDER_BY((c > 0) - (c < 0));
      break;
    }
    case 2: {
      int na = isnan(a->d) && (a->type == SQ_V_FLOAT || a->type == SQ_V_DOUBLE);
      int nb = isnan(b->d) && (b->type == SQ_V_FLOAT || b->type == SQ_V_DOUBLE);
      ORDER_BY(nb - na); /* NaN before every number */
      if (!na) {
        ORDER_BY(cmp_numbers(a, b));
      }
      ORDER_BY((a->type > b->type) - (a->type < b->type));
      ORDER_BY(cmp_bytes(&a->term, &b->term));
      break;
    }
    case 3:
      ORDER_BY((a->b > b->b) - (a->b < b->b));
      ORDER_BY(cmp_bytes(&a->term, &b->term));
      break;
    case 4:
    case 5:
    case 6:
      ORDER_BY(sign_of(a->secs - b->secs));
      ORDER_BY(sign_of(a->frac_ns - b->frac_ns));
      ORDER_BY((a->has_tz > b->has_tz) - (a->has_tz < b->has_tz));
      ORDER_BY(cmp_bytes(&a->term, &b->term));
      break;
    case 7:
      ORDER_BY(sign_of(a->months - b->months));
      ORDER_BY(sign_of(a->secs - b->secs));
      ORDER_BY(sign_of(a->frac_ns - b->frac_ns));
      ORDER_BY(cmp_bytes(&a->term, &b->term));
      break;
    default:
      ORDER_BY(cmp_cstr(a->term.datatype, b->term.datatype));
      ORDER_BY(cmp_bytes(&a->term, &b->term));
      ORDER_BY(cmp_cstr(a->term.lang, b->term.lang));
      break;
  }
  /* the same value by different datatypes (xsd:int, xsd:integer ...) */
  return cmp_cstr(a->term.datatype, b->term.datatype);
}

/* ---- arithmetic ------------------------------------------------------------------------ */

static sq_rc arith_double(sq_fctx *c, sq_expr_kind op, sq_vtype t, double x, double y,
                          sq_value *out) {
  double r;
  if (t == SQ_V_FLOAT) {
    float fx = (float)x, fy = (float)y, fr;
    switch (op) {
      case SQ_E_ADD:
        fr = fx + fy;
        break;
      case SQ_E_SUB:
        fr = fx - fy;
        break;
      case SQ_E_MUL:
        fr = fx * fy;
        break;
      default:
        fr = fx / fy;
        break;
    }
    r = (double)fr;
  } else {
    switch (op) {
      case SQ_E_ADD:
        r = x + y;
        break;
      case SQ_E_SUB:
        r = x - y;
        break;
      case SQ_E_MUL:
        r = x * y;
        break;
      default:
        r = x / y;
        break;
    }
  }
  return sqv_double(c, r, t, out);
}

static sq_rc arith_exact(sq_fctx *c, sq_expr_kind op, sq_vtype t, const sq_value *a,
                         const sq_value *b, sq_value *out) {
  mpq_t qa, qb, qr;
  mpq_inits(qa, qb, qr, NULL);
  sqv_to_mpq(a, qa);
  sqv_to_mpq(b, qb);
  sq_rc rc = SQ_OK;
  switch (op) {
    case SQ_E_ADD:
      mpq_add(qr, qa, qb);
      break;
    case SQ_E_SUB:
      mpq_sub(qr, qa, qb);
      break;
    case SQ_E_MUL:
      mpq_mul(qr, qa, qb);
      break;
    default:
      if (mpq_sgn(qb) == 0) {
        rc = SQ_ERROR;
      } else {
        mpq_div(qr, qa, qb);
      }
      break;
  }
  if (rc == SQ_OK) {
    rc = t == SQ_V_INTEGER ? sqv_mpz(c, mpq_numref(qr), out) : sqv_mpq(c, qr, out);
  }
  mpq_clears(qa, qb, qr, NULL);
  return rc;
}

sq_rc sq_arith(sq_fctx *c, sq_expr_kind op, const sq_value *a, const sq_value *b, sq_value *out) {
  if (a == NULL || !sqv_is_numeric(a)) {
    return SQ_ERROR;
  }
  if (op == SQ_E_PLUS || op == SQ_E_NEG) {
    if (a->type == SQ_V_FLOAT || a->type == SQ_V_DOUBLE) {
      return sqv_double(c, op == SQ_E_NEG ? -a->d : a->d, a->type, out);
    }
    if (a->type == SQ_V_INTEGER && a->big == NULL && a->i != INT64_MIN) {
      return sqv_int(c, op == SQ_E_NEG ? -a->i : a->i, out);
    }
    mpq_t q;
    mpq_init(q);
    sqv_to_mpq(a, q);
    if (op == SQ_E_NEG) {
      mpq_neg(q, q);
    }
    sq_rc rc = a->type == SQ_V_INTEGER ? sqv_mpz(c, mpq_numref(q), out) : sqv_mpq(c, q, out);
    mpq_clear(q);
    return rc;
  }
  if (b == NULL || !sqv_is_numeric(b)) {
    return SQ_ERROR;
  }
  if (op != SQ_E_ADD && op != SQ_E_SUB && op != SQ_E_MUL && op != SQ_E_DIV) {
    return SQ_ERROR;
  }
  /* promotion: integer < decimal < float < double (the enum's order) */
  sq_vtype t = a->type > b->type ? a->type : b->type;
  if (t == SQ_V_FLOAT || t == SQ_V_DOUBLE) {
    return arith_double(c, op, t, a->d, b->d, out);
  }
  if (t == SQ_V_INTEGER && op != SQ_E_DIV && a->big == NULL && b->big == NULL) {
    int64_t r;
    int over = op == SQ_E_ADD   ? __builtin_add_overflow(a->i, b->i, &r)
               : op == SQ_E_SUB ? __builtin_sub_overflow(a->i, b->i, &r)
                                : __builtin_mul_overflow(a->i, b->i, &r);
    if (!over) {
      return sqv_int(c, r, out);
    }
  }
  if (op == SQ_E_DIV) {
    t = SQ_V_DECIMAL;
  }
  return arith_exact(c, op, t, a, b, out);
}
