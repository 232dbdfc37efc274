/* A small SPARQL tokenizer for what must be seen in the text itself: the
 * first keyword (to refuse updates before parsing), the one-variable VALUES
 * form that rasqal misreads, DESCRIBE rewritten as the SELECT of its
 * variables, and the name of a construct rasqal's parser does not know. It
 * only moves the query's own tokens around; it never inserts values. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sparql/sparql_int.h"

typedef enum tok_kind {
  TOK_END = 0,
  TOK_IRI,    /* <...> */
  TOK_STRING, /* "..." '...' and the long forms */
  TOK_VAR,    /* ?x $x */
  TOK_WORD,   /* keywords, prefixed names, numbers, true/false */
  TOK_LANG,   /* @en */
  TOK_PUNCT   /* one character, or ^^ */
} tok_kind;

typedef struct tok {
  tok_kind kind;
  size_t start, len;
} tok;

static int is_word_char(unsigned char c) {
  return isalnum(c) || c == '_' || c == ':' || c == '-' || c == '.' || c == '%' || c >= 0x80;
}

/* The token at *pos (after blanks and comments); *pos moves past it. */
static tok next_tok(const char *s, size_t *pos) {
  size_t i = *pos;
  tok t = { TOK_END, 0, 0 };
  for (;;) {
    while (s[i] != '\0' && isspace((unsigned char)s[i])) {
      i++;
    }
    if (s[i] == '#') {
      while (s[i] != '\0' && s[i] != '\n') {
        i++;
      }
      continue;
    }
    break;
  }
  t.start = i;
  unsigned char c = (unsigned char)s[i];
  if (c == '\0') {
    *pos = i;
    return t;
  }
  if (c == '<') {
    size_t j = i + 1;
    while (s[j] != '\0' && s[j] != '>' && s[j] != '<' && s[j] != '"' && s[j] != '{' &&
           s[j] != '}' && s[j] != '|' && s[j] != '^' && s[j] != '`' && s[j] != '\\' &&
           (unsigned char)s[j] > 0x20) {
      j++;
    }
    if (s[j] == '>') {
      t.kind = TOK_IRI;
      i = j + 1;
    } else {
      t.kind = TOK_PUNCT;
      i++;
    }
  } else if (c == '"' || c == '\'') {
    int is_long = s[i + 1] == (char)c && s[i + 2] == (char)c;
    size_t j = i + (is_long ? 3 : 1);
    while (s[j] != '\0') {
      if (s[j] == '\\' && s[j + 1] != '\0') {
        j += 2;
      } else if (s[j] == (char)c && (!is_long || (s[j + 1] == (char)c && s[j + 2] == (char)c))) {
        j += is_long ? 3 : 1;
        break;
      } else {
        j++;
      }
    }
    t.kind = TOK_STRING;
    i = j;
  } else if ((c == '?' || c == '$') && is_word_char((unsigned char)s[i + 1]) && s[i + 1] != ':' &&
             s[i + 1] != '.') {
    size_t j = i + 1;
    while (isalnum((unsigned char)s[j]) || s[j] == '_' || (unsigned char)s[j] >= 0x80) {
      j++;
    }
    t.kind = TOK_VAR;
    i = j;
  } else if (c == '@' && isalpha((unsigned char)s[i + 1])) {
    size_t j = i + 1;
    while (isalnum((unsigned char)s[j]) || s[j] == '-') {
      j++;
    }
    t.kind = TOK_LANG;
    i = j;
  } else if (c == '^' && s[i + 1] == '^') {
    t.kind = TOK_PUNCT;
    i += 2;
  } else if (is_word_char(c) && c != '.' && c != '-') {
    size_t j = i;
    while (is_word_char((unsigned char)s[j])) {
      j++;
    }
    /* a name does not end with a dot: that dot ends the triple */
    while (j > i + 1 && s[j - 1] == '.') {
      j--;
    }
    t.kind = TOK_WORD;
    i = j;
  } else {
    t.kind = TOK_PUNCT;
    i++;
  }
  t.len = i - t.start;
  *pos = i;
  return t;
}

static int tok_is(const char *s, tok t, const char *word) {
  return t.kind == TOK_WORD && strlen(word) == t.len && strncasecmp(s + t.start, word, t.len) == 0;
}

static int punct_is(const char *s, tok t, char c) {
  return t.kind == TOK_PUNCT && t.len == 1 && s[t.start] == c;
}

void sq_lex_first_keyword(const char *query, char *kw, size_t kwlen) {
  size_t pos = 0;
  kw[0] = '\0';
  for (;;) {
    tok t = next_tok(query, &pos);
    if (t.kind == TOK_END) {
      return;
    }
    if (tok_is(query, t, "PREFIX")) {
      next_tok(query, &pos); /* the prefix */
      next_tok(query, &pos); /* its IRI */
      continue;
    }
    if (tok_is(query, t, "BASE")) {
      next_tok(query, &pos);
      continue;
    }
    if (t.kind != TOK_WORD) {
      return;
    }
    size_t n = t.len < kwlen - 1 ? t.len : kwlen - 1;
    for (size_t i = 0; i < n; i++) {
      kw[i] = (char)toupper((unsigned char)query[t.start + i]);
    }
    kw[n] = '\0';
    return;
  }
}

/* One data block value: an IRI, a name, a number (with its sign), a string
 * with its tag or datatype, UNDEF. Returns the end offset, 0 when not one. */
static size_t value_end(const char *s, size_t pos) {
  size_t p = pos;
  tok t = next_tok(s, &p);
  if (t.kind == TOK_PUNCT && (s[t.start] == '+' || s[t.start] == '-')) {
    t = next_tok(s, &p);
    return t.kind == TOK_WORD ? p : 0;
  }
  if (t.kind == TOK_IRI || t.kind == TOK_WORD) {
    return p;
  }
  if (t.kind != TOK_STRING) {
    return 0;
  }
  size_t after = p;
  tok n = next_tok(s, &after);
  if (n.kind == TOK_LANG) {
    return after;
  }
  if (n.kind == TOK_PUNCT && n.len == 2) {
    tok dt = next_tok(s, &after);
    return dt.kind == TOK_IRI || dt.kind == TOK_WORD ? after : 0;
  }
  return p;
}

cust_status sq_lex_rewrite(const char *query, char **out) {
  cust_buf b;
  size_t pos = 0, copied = 0;
  int changed = 0;
  cust_status st = CUST_OK;
  *out = NULL;
  cust_buf_init(&b);
  for (;;) {
    tok t = next_tok(query, &pos);
    if (t.kind == TOK_END) {
      break;
    }
    if (!tok_is(query, t, "VALUES")) {
      continue;
    }
    size_t p = pos;
    tok v = next_tok(query, &p);
    if (v.kind != TOK_VAR) {
      continue;
    }
    tok open = next_tok(query, &p);
    if (!punct_is(query, open, '{')) {
      continue;
    }
    /* VALUES ?x { a b } -> VALUES (?x) { (a) (b) } */
    st = cust_buf_append(&b, query + copied, v.start - copied);
    if (st == CUST_OK) {
      st = cust_buf_printf(&b, "(%.*s) {", (int)v.len, query + v.start);
    }
    for (;;) {
      size_t q = p;
      tok c = next_tok(query, &q);
      if (punct_is(query, c, '}') || c.kind == TOK_END) {
        p = c.kind == TOK_END ? q : c.start;
        if (st == CUST_OK) {
          st = cust_buf_putc(&b, ' ');
        }
        break;
      }
      size_t end = value_end(query, p);
      if (end == 0) {
        /* not a data block we understand: leave it to the parser */
        end = q;
      }
      if (st == CUST_OK) {
        size_t from = c.start;
        st = cust_buf_printf(&b, " (%.*s)", (int)(end - from), query + from);
      }
      p = end;
    }
    copied = p;
    pos = p;
    changed = 1;
  }
  if (st == CUST_OK && changed) {
    st = cust_buf_puts(&b, query + copied);
    if (st == CUST_OK) {
      *out = cust_buf_steal(&b, NULL);
    }
  }
  cust_buf_release(&b);
  return st;
}

cust_status sq_lex_describe_as_select(const char *query, char **out) {
  size_t pos = 0;
  *out = NULL;
  tok t;
  do {
    t = next_tok(query, &pos);
  } while (t.kind != TOK_END && !tok_is(query, t, "DESCRIBE"));
  if (t.kind == TOK_END) {
    return CUST_ERR_INVALID;
  }
  size_t kw = t.start;
  cust_buf vars;
  cust_buf_init(&vars);
  int is_star = 0;
  size_t rest = 0;
  cust_status st = CUST_OK;
  for (;;) {
    size_t p = pos;
    tok n = next_tok(query, &p);
    if (n.kind == TOK_END || tok_is(query, n, "WHERE") || tok_is(query, n, "FROM") ||
        punct_is(query, n, '{')) {
      rest = n.start;
      if (n.kind == TOK_END) {
        cust_buf_release(&vars);
        return CUST_OK; /* no WHERE clause */
      }
      break;
    }
    if (n.kind == TOK_VAR && st == CUST_OK) {
      st = cust_buf_printf(&vars, " %.*s", (int)n.len, query + n.start);
    } else if (punct_is(query, n, '*')) {
      is_star = 1;
    }
    pos = p;
  }
  cust_buf b;
  cust_buf_init(&b);
  if (st == CUST_OK) {
    st = cust_buf_append(&b, query, kw);
  }
  if (st == CUST_OK) {
    st = cust_buf_printf(&b, "SELECT%s ", is_star || vars.len == 0 ? " *" : vars.data);
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(&b, query + rest);
  }
  if (st == CUST_OK) {
    *out = cust_buf_steal(&b, NULL);
  }
  cust_buf_release(&b);
  cust_buf_release(&vars);
  return st;
}

const char *sq_lex_diagnose(const char *query, const char *parser_message) {
  size_t pos = 0;
  tok prev = { TOK_END, 0, 0 };
  for (;;) {
    tok t = next_tok(query, &pos);
    if (t.kind == TOK_END) {
      break;
    }
    if (tok_is(query, t, "EXISTS")) {
      return "FILTER EXISTS and FILTER NOT EXISTS are not supported by this endpoint";
    }
    if (tok_is(query, t, "SERVICE")) {
      return "SERVICE is not allowed: queries read only this store";
    }
    /* a path operator right after a predicate-like token, or a negated
     * property set */
    if (t.kind == TOK_PUNCT && t.len == 1 && strchr("/|^", query[t.start]) != NULL &&
        (prev.kind == TOK_IRI || prev.kind == TOK_WORD || punct_is(query, prev, ')'))) {
      if (query[t.start] != '/' || prev.kind != TOK_WORD || strchr(parser_message, '/')) {
        return "property paths are not supported by this endpoint";
      }
    }
    if ((t.kind == TOK_PUNCT && t.len == 1 && strchr("*+", query[t.start]) != NULL &&
         (prev.kind == TOK_IRI || prev.kind == TOK_WORD) && parser_message != NULL &&
         (strstr(parser_message, "'*'") || strstr(parser_message, "'+'")))) {
      return "property paths are not supported by this endpoint";
    }
    if (punct_is(query, t, '!') && (prev.kind == TOK_VAR || prev.kind == TOK_IRI)) {
      return "property paths are not supported by this endpoint";
    }
    prev = t;
  }
  return NULL;
}

cust_status sq_lex_where_as_ask(const char *query, char **out) {
  size_t pos = 0;
  tok t;
  *out = NULL;
  do {
    t = next_tok(query, &pos);
  } while (t.kind != TOK_END && !tok_is(query, t, "SELECT"));
  if (t.kind == TOK_END) {
    return CUST_ERR_INVALID;
  }
  size_t select = t.start;
  cust_buf from;
  cust_buf_init(&from);
  cust_status st = CUST_OK;
  int depth = 0;
  size_t open = 0;
  for (;;) {
    t = next_tok(query, &pos);
    if (t.kind == TOK_END) {
      cust_buf_release(&from);
      return CUST_ERR_INVALID;
    }
    if (punct_is(query, t, '(')) {
      depth++;
    } else if (punct_is(query, t, ')')) {
      depth--;
    } else if (depth == 0 && punct_is(query, t, '{')) {
      open = t.start;
      break;
    } else if (depth == 0 && tok_is(query, t, "FROM")) {
      size_t p = pos;
      tok n = next_tok(query, &p);
      if (tok_is(query, n, "NAMED")) {
        n = next_tok(query, &p);
      }
      if (st == CUST_OK) {
        st = cust_buf_printf(&from, " %.*s", (int)(p - t.start), query + t.start);
      }
      pos = p;
    }
  }
  int braces = 1;
  while (braces > 0) {
    t = next_tok(query, &pos);
    if (t.kind == TOK_END) {
      cust_buf_release(&from);
      return CUST_ERR_INVALID;
    }
    if (punct_is(query, t, '{')) {
      braces++;
    } else if (punct_is(query, t, '}')) {
      braces--;
    }
  }
  cust_buf b;
  cust_buf_init(&b);
  if (st == CUST_OK) {
    st = cust_buf_append(&b, query, select);
  }
  if (st == CUST_OK) {
    st = cust_buf_printf(&b, "ASK%s ", from.len ? from.data : "");
  }
  if (st == CUST_OK) {
    st = cust_buf_append(&b, query + open, pos - open);
  }
  if (st == CUST_OK) {
    *out = cust_buf_steal(&b, NULL);
  }
  cust_buf_release(&b);
  cust_buf_release(&from);
  return st;
}
