/* The tokens of SPARQL 1.1 (the terminals of section 19.8): the whole query
 * text is split once, with each token's line and column (1-based, columns
 * in characters), strings and IRIs already unescaped. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sparql/parse_int.h"

typedef struct lexer {
  const char *s;
  size_t n;
  size_t pos; /* where line/col were last computed */
  unsigned line, col;
  cust_arena *arena;
  sq_parse_error *err;
  sq_tok *toks;
  size_t ntoks, cap;
} lexer;

void sq_parse_seterr(sq_parse_error *err, sq_parse_kind kind, unsigned line, unsigned col,
                     const char *fmt, ...) {
  va_list ap;
  if (err == NULL) {
    return;
  }
  err->kind = kind;
  err->line = line;
  err->col = col;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
}

void sq_tok_describe(const sq_tok *t, char *out, size_t outlen) {
  int n = t->len > 40 ? 40 : (int)t->len;
  const char *more = t->len > 40 ? "..." : "";
  switch (t->kind) {
    case SQ_T_EOF:
      snprintf(out, outlen, "the end of the query");
      break;
    case SQ_T_STRING:
      snprintf(out, outlen, "the string \"%.*s%s\"", n, t->text, more);
      break;
    case SQ_T_IRI:
      snprintf(out, outlen, "<%.*s%s>", n, t->text, more);
      break;
    case SQ_T_PNAME:
      snprintf(out, outlen, "'%s%.*s%s'", t->text, n, t->text2, more);
      break;
    case SQ_T_VAR:
      snprintf(out, outlen, "'?%.*s%s'", n, t->text, more);
      break;
    case SQ_T_BLANK:
      snprintf(out, outlen, "'_:%.*s%s'", n, t->text, more);
      break;
    case SQ_T_LANG:
      snprintf(out, outlen, "'@%.*s%s'", n, t->text, more);
      break;
    default:
      snprintf(out, outlen, "'%.*s%s'", n, t->text, more);
      break;
  }
}

/* Moves the line/column counter to byte `pos` (never backwards). */
static void adv_to(lexer *lx, size_t pos) {
  const unsigned char *s = (const unsigned char *)lx->s;
  size_t i = lx->pos;
  unsigned line = lx->line, col = lx->col;
  for (; i < pos; i++) {
    if (s[i] == '\n') {
      line++;
      col = 1;
    } else {
      col += (s[i] & 0xC0) != 0x80;
    }
  }
  lx->pos = i;
  lx->line = line;
  lx->col = col;
}

static cust_status fail(lexer *lx, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static cust_status fail(lexer *lx, size_t pos, const char *fmt, ...) {
  va_list ap;
  adv_to(lx, pos);
  lx->err->kind = SQ_PARSE_SYNTAX;
  lx->err->line = lx->line;
  lx->err->col = lx->col;
  va_start(ap, fmt);
  vsnprintf(lx->err->message, sizeof lx->err->message, fmt, ap);
  va_end(ap);
  return CUST_ERR_INVALID;
}

static int is_alpha(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static int is_digit(unsigned char c) {
  return c >= '0' && c <= '9';
}
static int is_hex(unsigned char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
/* PN_CHARS_BASE: letters and everything beyond ASCII (taken as valid UTF-8) */
static int is_base(unsigned char c) {
  return is_alpha(c) || c >= 0x80;
}
static int is_chars_u(unsigned char c) {
  return is_base(c) || c == '_';
}
static int is_chars(unsigned char c) {
  return is_chars_u(c) || c == '-' || is_digit(c);
}

static unsigned hexval(unsigned char c) {
  if (is_digit(c)) {
    return (unsigned)(c - '0');
  }
  return (unsigned)((c | 0x20) - 'a' + 10);
}

static void put_utf8(cust_buf *b, unsigned long cp, cust_status *st) {
  char u[4];
  size_t n;
  if (cp < 0x80) {
    u[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    u[0] = (char)(0xC0 | (cp >> 6));
    u[1] = (char)(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    u[0] = (char)(0xE0 | (cp >> 12));
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    u[0] = (char)(0xF0 | (cp >> 18));
    u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (char)(0x80 | (cp & 0x3F));
    n = 4;
  }
  if (*st == CUST_OK) {
    *st = cust_buf_append(b, u, n);
  }
}

/* \uXXXX or \UXXXXXXXX at s[i] (the backslash): the code point, or -1. */
static long uescape(const char *s, size_t n, size_t i, size_t *len) {
  size_t digits = s[i + 1] == 'u' ? 4 : 8;
  unsigned long cp = 0;
  if (i + 1 + digits >= n + 1) {
    return -1;
  }
  for (size_t k = 0; k < digits; k++) {
    unsigned char c = (unsigned char)s[i + 2 + k];
    if (!is_hex(c)) {
      return -1;
    }
    cp = cp * 16 + hexval(c);
  }
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return -1;
  }
  *len = 2 + digits;
  return (long)cp;
}

static cust_status push(lexer *lx, sq_tok_kind kind, size_t start, size_t end, const char *text,
                        size_t len) {
  if (lx->ntoks == lx->cap) {
    /* a token takes about 5 bytes of text: one allocation for most queries */
    size_t guess = lx->n / 5 + 16;
    size_t cap = lx->cap ? lx->cap * 2 : guess < 4096 ? guess : 4096;
    sq_tok *t = cust_arena_alloc(lx->arena, cap * sizeof *t);
    if (t == NULL) {
      return CUST_ERR_NOMEM;
    }
    if (lx->ntoks) {
      memcpy(t, lx->toks, lx->ntoks * sizeof *t);
    }
    lx->toks = t;
    lx->cap = cap;
  }
  adv_to(lx, start);
  sq_tok *t = &lx->toks[lx->ntoks++];
  memset(t, 0, sizeof *t);
  t->kind = kind;
  t->line = lx->line;
  t->col = lx->col;
  t->start = start;
  t->end = end;
  if (text == NULL) {
    text = lx->s + start;
    len = end - start;
  }
  t->len = len;
  if (kind == SQ_T_PUNCT) {
    /* the parser compares punctuation by its text: share static copies */
    static const char *const puncts[] = { "^^", "!=", "<=", ">=", "&&", "||", "{", "}", "(",
                                          ")",  "[",  "]",  ".",  ";",  ",",  "|", "/", "^",
                                          "*",  "+",  "-",  "?",  "!",  "=",  "<", ">" };
    for (size_t k = 0; k < sizeof puncts / sizeof puncts[0]; k++) {
      if (strlen(puncts[k]) == len && memcmp(puncts[k], text, len) == 0) {
        t->text = puncts[k];
        return CUST_OK;
      }
    }
  }
  t->text = cust_arena_strndup(lx->arena, text, len);
  return t->text == NULL ? CUST_ERR_NOMEM : CUST_OK;
}

/* A quoted string at s[i]; *end past its closing quote. */
static cust_status lex_string(lexer *lx, size_t i, size_t *end) {
  const char *s = lx->s;
  char q = s[i];
  int is_long = s[i + 1] == q && s[i + 2] == q;
  size_t j = i + (is_long ? 3 : 1);
  cust_buf b;
  cust_status st = CUST_OK;
  cust_buf_init(&b);
  for (;;) {
    unsigned char c = (unsigned char)s[j];
    if (j >= lx->n) {
      cust_buf_release(&b);
      return fail(lx, i, "unterminated string: add the closing %s",
                  is_long ? "triple quote" : "quote");
    }
    if (c == (unsigned char)q) {
      if (!is_long) {
        j++;
        break;
      }
      if (s[j + 1] == q && s[j + 2] == q) {
        /* a long string may end with one or two quotes of its own */
        while (s[j + 3] == q) {
          if (st == CUST_OK) {
            st = cust_buf_putc(&b, q);
          }
          j++;
        }
        j += 3;
        break;
      }
    }
    if (!is_long && (c == '\n' || c == '\r')) {
      cust_buf_release(&b);
      return fail(lx, j, "line break inside a short string: use \\n or a \"\"\"long string\"\"\"");
    }
    if (c == '\\') {
      char e = s[j + 1];
      const char *map = "t\tb\bn\nr\rf\f\"\"''\\\\";
      const char *m = NULL;
      for (const char *k = map; *k != '\0'; k += 2) {
        if (*k == e) {
          m = k;
          break;
        }
      }
      if (m != NULL) {
        if (st == CUST_OK) {
          st = cust_buf_putc(&b, m[1]);
        }
        j += 2;
        continue;
      }
      if (e == 'u' || e == 'U') {
        size_t len = 0;
        long cp = uescape(s, lx->n, j, &len);
        if (cp < 0) {
          cust_buf_release(&b);
          return fail(lx, j, "bad \\%c escape in a string: give %s hex digits of a code point", e,
                      e == 'u' ? "4" : "8");
        }
        put_utf8(&b, (unsigned long)cp, &st);
        j += len;
        continue;
      }
      cust_buf_release(&b);
      return fail(lx, j, "unknown escape '\\%c' in a string", e ? e : ' ');
    }
    if (st == CUST_OK) {
      st = cust_buf_putc(&b, (char)c);
    }
    j++;
  }
  if (st == CUST_OK) {
    st = push(lx, SQ_T_STRING, i, j, b.data ? b.data : "", b.len);
  }
  cust_buf_release(&b);
  *end = j;
  return st;
}

/* An IRIREF at s[i] ('<'): its end, or 0 when the text is no IRI (then '<'
 * is the less-than operator). */
static size_t iri_end(const char *s, size_t i) {
  size_t j = i + 1;
  for (;; j++) {
    unsigned char c = (unsigned char)s[j];
    if (c == '>') {
      return j + 1;
    }
    if (c <= 0x20 || strchr("<\"{}|^`", c) != NULL) {
      return 0;
    }
    if (c == '\\') {
      if (s[j + 1] != 'u' && s[j + 1] != 'U') {
        return 0;
      }
    }
  }
}

static cust_status lex_iri(lexer *lx, size_t i, size_t end) {
  const char *s = lx->s;
  cust_buf b;
  cust_status st = CUST_OK;
  cust_buf_init(&b);
  for (size_t j = i + 1; j + 1 < end;) {
    if (s[j] == '\\') {
      size_t len = 0;
      long cp = uescape(s, lx->n, j, &len);
      if (cp < 0 || cp <= 0x20 || (cp < 0x80 && strchr("<>\"{}|^`\\", (int)cp) != NULL)) {
        cust_buf_release(&b);
        return fail(lx, j, "bad escape in an IRI: only \\u and \\U of allowed characters");
      }
      put_utf8(&b, (unsigned long)cp, &st);
      j += len;
      continue;
    }
    if (st == CUST_OK) {
      st = cust_buf_putc(&b, s[j]);
    }
    j++;
  }
  if (st == CUST_OK) {
    st = push(lx, SQ_T_IRI, i, end, b.data ? b.data : "", b.len);
  }
  cust_buf_release(&b);
  return st;
}

/* The local part of a prefixed name from s[i]: its end (trailing dots left
 * out), decoded into `b` (\-escapes removed, %hh kept). */
static size_t local_end(lexer *lx, size_t i, cust_buf *b, cust_status *st) {
  const char *s = lx->s;
  size_t j = i, last = i; /* last: the end after the last non-dot */
  size_t blen_last = 0;
  for (;;) {
    unsigned char c = (unsigned char)s[j];
    if (is_chars(c) || c == ':' || (j == i && is_digit(c))) {
      if (*st == CUST_OK) {
        *st = cust_buf_putc(b, (char)c);
      }
      j++;
      last = j;
      blen_last = b->len;
    } else if (c == '.' && j > i) {
      if (*st == CUST_OK) {
        *st = cust_buf_putc(b, '.');
      }
      j++;
    } else if (c == '%' && is_hex((unsigned char)s[j + 1]) && is_hex((unsigned char)s[j + 2])) {
      if (*st == CUST_OK) {
        *st = cust_buf_append(b, s + j, 3);
      }
      j += 3;
      last = j;
      blen_last = b->len;
    } else if (c == '\\' && s[j + 1] != '\0' && strchr("_~.-!$&'()*+,;=/?#@%", s[j + 1]) != NULL) {
      if (*st == CUST_OK) {
        *st = cust_buf_putc(b, s[j + 1]);
      }
      j += 2;
      last = j;
      blen_last = b->len;
    } else {
      break;
    }
  }
  b->len = blen_last;
  if (b->data != NULL) {
    b->data[b->len] = '\0';
  }
  return last;
}

static cust_status lex_pname(lexer *lx, size_t i, size_t colon, size_t *end) {
  cust_buf b;
  cust_status st = CUST_OK;
  cust_buf_init(&b);
  size_t e = local_end(lx, colon + 1, &b, &st);
  if (st == CUST_OK) {
    st = push(lx, SQ_T_PNAME, i, e, lx->s + i, colon + 1 - i);
  }
  if (st == CUST_OK) {
    sq_tok *t = &lx->toks[lx->ntoks - 1];
    t->text2 = cust_arena_strndup(lx->arena, b.data ? b.data : "", b.len);
    if (t->text2 == NULL) {
      st = CUST_ERR_NOMEM;
    }
  }
  cust_buf_release(&b);
  *end = e;
  return st;
}

static size_t number_end(const char *s, size_t i, sq_tok_kind *kind) {
  size_t j = i;
  *kind = SQ_T_INTEGER;
  while (is_digit((unsigned char)s[j])) {
    j++;
  }
  if (s[j] == '.' && is_digit((unsigned char)s[j + 1])) {
    *kind = SQ_T_DECIMAL;
    j++;
    while (is_digit((unsigned char)s[j])) {
      j++;
    }
  } else if (s[j] == '.' && (s[j + 1] == 'e' || s[j + 1] == 'E') && j > i) {
    /* 1.e5 is a double */
    size_t k = j + 2;
    if (s[k] == '+' || s[k] == '-') {
      k++;
    }
    if (is_digit((unsigned char)s[k])) {
      j++;
    }
  }
  if (s[j] == 'e' || s[j] == 'E') {
    size_t k = j + 1;
    if (s[k] == '+' || s[k] == '-') {
      k++;
    }
    if (is_digit((unsigned char)s[k])) {
      *kind = SQ_T_DOUBLE;
      j = k;
      while (is_digit((unsigned char)s[j])) {
        j++;
      }
    }
  }
  return j;
}

cust_status sq_lex_tokens(const char *text, cust_arena *arena, sq_tok **toks, size_t *ntoks,
                          sq_parse_error *err) {
  lexer lx = { .s = text, .n = strlen(text), .line = 1, .col = 1, .arena = arena, .err = err };
  const char *s = text;
  size_t i = 0;
  cust_status st = CUST_OK;
  *toks = NULL;
  *ntoks = 0;
  if (strncmp(s, "\xEF\xBB\xBF", 3) == 0) {
    i = lx.pos = 3; /* a byte order mark, as editors on some systems save */
  }
  while (st == CUST_OK) {
    unsigned char c = (unsigned char)s[i];
    size_t end = i + 1;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      i++;
      continue;
    }
    if (c == '#') {
      while (s[i] != '\0' && s[i] != '\n' && s[i] != '\r') {
        i++;
      }
      continue;
    }
    if (i >= lx.n) {
      st = push(&lx, SQ_T_EOF, i, i, "", 0);
      break;
    }
    if (c == '"' || c == '\'') {
      st = lex_string(&lx, i, &end);
    } else if (c == '<' && (end = iri_end(s, i)) != 0) {
      st = lex_iri(&lx, i, end);
    } else if (c == '?' || c == '$') {
      size_t j = i + 1;
      while (is_chars_u((unsigned char)s[j]) || is_digit((unsigned char)s[j])) {
        j++;
      }
      if (j == i + 1) {
        if (c == '$') {
          return fail(&lx, i, "'$' must start a variable name, as in $x");
        }
        st = push(&lx, SQ_T_PUNCT, i, i + 1, NULL, 0);
        end = i + 1;
      } else {
        st = push(&lx, SQ_T_VAR, i, j, s + i + 1, j - i - 1);
        end = j;
      }
    } else if (c == '_' && s[i + 1] == ':') {
      size_t j = i + 2, last;
      if (!is_chars_u((unsigned char)s[j]) && !is_digit((unsigned char)s[j])) {
        return fail(&lx, i, "a blank node label must follow '_:', as in _:b1");
      }
      last = ++j;
      while (is_chars((unsigned char)s[j]) || s[j] == '.') {
        if (s[j] != '.') {
          last = j + 1;
        }
        j++;
      }
      st = push(&lx, SQ_T_BLANK, i, last, s + i + 2, last - i - 2);
      end = last;
    } else if (c == '@') {
      size_t j = i + 1;
      while (is_alpha((unsigned char)s[j])) {
        j++;
      }
      if (j == i + 1) {
        return fail(&lx, i, "a language tag must follow '@', as in @en");
      }
      while (s[j] == '-' &&
             (is_alpha((unsigned char)s[j + 1]) || is_digit((unsigned char)s[j + 1]))) {
        j++;
        while (is_alpha((unsigned char)s[j]) || is_digit((unsigned char)s[j])) {
          j++;
        }
      }
      st = push(&lx, SQ_T_LANG, i, j, s + i + 1, j - i - 1);
      end = j;
    } else if (is_digit(c) || (c == '.' && is_digit((unsigned char)s[i + 1]))) {
      sq_tok_kind k;
      end = number_end(s, i, &k);
      st = push(&lx, k, i, end, NULL, 0);
    } else if (c == ':') {
      st = lex_pname(&lx, i, i, &end);
    } else if (is_base(c)) {
      size_t j = i, last = i + 1;
      while (is_chars((unsigned char)s[j]) || s[j] == '.') {
        if (s[j] != '.') {
          last = j + 1;
        }
        j++;
      }
      if (s[last] == ':') {
        st = lex_pname(&lx, i, last, &end);
      } else {
        j = i;
        while (is_alpha((unsigned char)s[j]) || is_digit((unsigned char)s[j]) || s[j] == '_') {
          j++;
        }
        if (j == i) {
          return fail(&lx, i, "unexpected character '%.*s'", c >= 0x80 ? 1 : 1, s + i);
        }
        st = push(&lx, SQ_T_WORD, i, j, NULL, 0);
        end = j;
      }
    } else {
      static const char *const two[] = { "^^", "!=", "<=", ">=", "&&", "||" };
      size_t len = 0;
      for (size_t k = 0; k < sizeof two / sizeof two[0]; k++) {
        if (s[i] == two[k][0] && s[i + 1] == two[k][1]) {
          len = 2;
          break;
        }
      }
      if (len == 0 && c != '\0' && strchr("{}()[].;,|/^*+-?!=<>", c) != NULL) {
        len = 1;
      }
      if (len == 0) {
        if (c < 0x20) {
          return fail(&lx, i, "unexpected control character 0x%02x", c);
        }
        return fail(&lx, i, "unexpected character '%c'", c);
      }
      end = i + len;
      st = push(&lx, SQ_T_PUNCT, i, end, NULL, 0);
    }
    i = end;
  }
  if (st != CUST_OK) {
    return st;
  }
  *toks = lx.toks;
  *ntoks = lx.ntoks;
  return CUST_OK;
}
