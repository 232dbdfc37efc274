/* What the files of the SPARQL parser share: the tokens of a query text
 * (parse_lex.c makes them all before parse.c reads them) and the small
 * helpers the grammar, the SSE writer and substitution have in common. */
#ifndef CUST_SPARQL_PARSE_INT_H
#define CUST_SPARQL_PARSE_INT_H

#include "sparql/algebra.h"

typedef enum sq_tok_kind {
  SQ_T_EOF = 0,
  SQ_T_IRI,     /* <...>: `text` the IRI as written, \u escapes decoded */
  SQ_T_PNAME,   /* prefix:local: `text` the prefix with its ':', `text2` the local part */
  SQ_T_BLANK,   /* _:label: `text` the label */
  SQ_T_VAR,     /* ?x or $x: `text` the name */
  SQ_T_STRING,  /* any of the four quotings: `text` after escapes, `len` its bytes */
  SQ_T_LANG,    /* @en: `text` the tag */
  SQ_T_INTEGER, /* `text` the digits as written */
  SQ_T_DECIMAL,
  SQ_T_DOUBLE,
  SQ_T_WORD,  /* a keyword, 'a', true, false: `text` as written */
  SQ_T_PUNCT, /* `text` one of { } ( ) [ ] . ; , | / ^ ^^ * + - ? ! = != < > <= >= && || */
} sq_tok_kind;

typedef struct sq_tok {
  sq_tok_kind kind;
  const char *text; /* in the query's arena */
  size_t len;       /* of `text` */
  const char *text2;
  unsigned line, col;
  size_t start, end; /* byte offsets in the query text */
} sq_tok;

/* Splits `text` into tokens (a final SQ_T_EOF included) allocated from
 * `arena`: *toks and *ntoks. CUST_ERR_INVALID with `err` filled (line,
 * column and what is wrong) for a character that starts no token or an
 * unterminated string or IRI; CUST_ERR_NOMEM. */
cust_status sq_lex_tokens(const char *text, cust_arena *arena, sq_tok **toks, size_t *ntoks,
                          sq_parse_error *err);

/* Fills `err` (kind, place, printf message). */
void sq_parse_seterr(sq_parse_error *err, sq_parse_kind kind, unsigned line, unsigned col,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Appends a token's text as an error message shows it: 'FILTER', "end of
 * query", a string cut to 40 bytes. */
void sq_tok_describe(const sq_tok *t, char *out, size_t outlen);

#endif
