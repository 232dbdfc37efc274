/* What value.c, func.c and agg.c share: XSD names, exact numbers (GMP),
 * canonical lexical forms, date parts and UTF-8 helpers. gmp.h stays inside
 * these three files. */
#ifndef CUST_SPARQL_VALUE_INT_H
#define CUST_SPARQL_VALUE_INT_H

#include <gmp.h>

#include "core/vocab.h"
#include "sparql/value.h"

#define SQV_XSD_STRING CUST_V_XSD "string"
#define SQV_XSD_BOOLEAN CUST_V_XSD "boolean"
#define SQV_XSD_INTEGER CUST_V_XSD "integer"
#define SQV_XSD_DECIMAL CUST_V_XSD "decimal"
#define SQV_XSD_FLOAT CUST_V_XSD "float"
#define SQV_XSD_DOUBLE CUST_V_XSD "double"
#define SQV_XSD_DATETIME CUST_V_XSD "dateTime"
#define SQV_XSD_DATE CUST_V_XSD "date"
#define SQV_XSD_TIME CUST_V_XSD "time"
#define SQV_XSD_DAYTIME CUST_V_XSD "dayTimeDuration"
#define SQV_RDF_LANGSTRING CUST_V_RDF "langString"

/* The fields of a date, time or dateTime lexical form, as written (local
 * time when there is a zone: the zone is kept apart). */
typedef struct sqv_dt {
  int64_t year;
  int month, day, hour, minute, second;
  int32_t frac_ns;
  const char *sec_text; /* the seconds with their fraction, as written */
  size_t sec_len;
  int has_tz;
  int tz_min;
  const char *tz_text; /* "Z", "+05:00" ... (NULL without a zone) */
} sqv_dt;

/* Parses a lexical form of `type` (SQ_V_DATETIME, SQ_V_DATE or SQ_V_TIME);
 * 0 when invalid. */
int sqv_parse_dt(sq_vtype type, const char *s, size_t n, sqv_dt *out);

/* Whether a value is a number (valid integer, decimal, float or double). */
int sqv_is_numeric(const sq_value *v);
/* Whether a value is a string literal of the argument-compatibility rules:
 * a simple literal, an xsd:string or a language-tagged string. */
int sqv_is_stringy(const sq_value *v);
/* An exact number (INTEGER or DECIMAL) into q (initialised by the caller). */
void sqv_to_mpq(const sq_value *v, mpq_t q);

/* Makes `out` the literal (s, n) with lang or datatype, copying s into the
 * arena; SQ_NOMEM when the arena is exhausted. */
sq_rc sqv_literal(sq_fctx *c, const char *s, size_t n, const char *lang, const char *dt,
                  sq_value *out);
sq_rc sqv_iri(sq_fctx *c, const char *s, size_t n, sq_value *out);
sq_rc sqv_blank(sq_fctx *c, const char *s, size_t n, sq_value *out);
sq_rc sqv_bool(sq_fctx *c, int b, sq_value *out);
sq_rc sqv_int(sq_fctx *c, int64_t i, sq_value *out);
sq_rc sqv_mpz(sq_fctx *c, const mpz_t z, sq_value *out);
/* A decimal, canonical ("1.0", "-0.5"); a quotient that does not end is
 * rounded (half to even) to SQV_DECIMAL_DIGITS fractional digits. */
#define SQV_DECIMAL_DIGITS 24
sq_rc sqv_mpq(sq_fctx *c, const mpq_t q, sq_value *out);
/* A float or a double (type SQ_V_FLOAT or SQ_V_DOUBLE), canonical ("1.0E0"). */
sq_rc sqv_double(sq_fctx *c, double d, sq_vtype type, sq_value *out);
/* The canonical text of a decimal into the arena (NULL: no memory). */
char *sqv_mpq_text(cust_arena *a, const mpq_t q);
/* The canonical XSD text of a double (or float when is_float), into buf[32]. */
void sqv_double_text(double d, int is_float, char *buf);

/* UTF-8: the number of code points of (s, n), and the byte offset of code
 * point `cp` (n when past the end). Invalid bytes count one each. */
size_t sqv_utf8_len(const char *s, size_t n);
size_t sqv_utf8_offset(const char *s, size_t n, size_t cp);

/* ASCII case-insensitive equality of two language tags (NULL: none). */
int sqv_lang_eq(const char *a, const char *b);

#endif
