/* RDF parsing with raptor: from memory only, with network and file access
 * off, blank nodes renamed; and the string map the mapper's state uses. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mapper_int.h"

/* ---- string map ------------------------------------------------------------ */

static uint64_t hash_bytes(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 1099511628211ULL;
  }
  return h;
}

void cust_smap_init(smap *m, cust_arena *arena) {
  m->tab = NULL;
  m->cap = 0;
  m->len = 0;
  m->arena = arena;
}

static smap_entry *find_entry(smap_entry *tab, size_t cap, const char *key, size_t klen) {
  size_t i = (size_t)hash_bytes(key, klen) & (cap - 1);
  for (;;) {
    smap_entry *e = &tab[i];
    if (e->key == NULL || (e->klen == klen && memcmp(e->key, key, klen) == 0)) {
      return e;
    }
    i = (i + 1) & (cap - 1);
  }
}

static int grow(smap *m) {
  size_t cap = m->cap ? m->cap * 2 : 64;
  smap_entry *tab = cust_arena_alloc(m->arena, cap * sizeof *tab);
  if (tab == NULL) {
    return -1;
  }
  memset(tab, 0, cap * sizeof *tab);
  for (size_t i = 0; i < m->cap; i++) {
    if (m->tab[i].key != NULL) {
      *find_entry(tab, cap, m->tab[i].key, m->tab[i].klen) = m->tab[i];
    }
  }
  m->tab = tab;
  m->cap = cap;
  return 0;
}

void **cust_smap_slot(smap *m, const char *key, size_t klen, int create, int *is_new) {
  if (is_new != NULL) {
    *is_new = 0;
  }
  if (m->cap == 0) {
    if (!create) {
      return NULL;
    }
    if (grow(m) != 0) {
      if (is_new != NULL) {
        *is_new = -1;
      }
      return NULL;
    }
  }
  smap_entry *e = find_entry(m->tab, m->cap, key, klen);
  if (e->key != NULL) {
    return &e->val;
  }
  if (!create) {
    return NULL;
  }
  if ((m->len + 1) * 4 > m->cap * 3) {
    if (grow(m) != 0) {
      if (is_new != NULL) {
        *is_new = -1;
      }
      return NULL;
    }
    e = find_entry(m->tab, m->cap, key, klen);
  }
  char *k = cust_arena_strndup(m->arena, key, klen);
  if (k == NULL) {
    if (is_new != NULL) {
      *is_new = -1;
    }
    return NULL;
  }
  e->key = k;
  e->klen = klen;
  e->val = NULL;
  m->len++;
  if (is_new != NULL) {
    *is_new = 1;
  }
  return &e->val;
}

void *cust_smap_get(const smap *m, const char *key, size_t klen) {
  if (m->cap == 0) {
    return NULL;
  }
  smap_entry *e = find_entry(m->tab, m->cap, key, klen);
  return e->key != NULL ? e->val : NULL;
}

/* ---- raptor -------------------------------------------------------------------- */

cust_status cust_mapper_rdf_world(raptor_world **out) {
  *out = NULL;
  raptor_world *w = raptor_new_world();
  if (w == NULL) {
    return CUST_ERR_NOMEM;
  }
  /* the parsers never fetch anything, so the WWW library is left alone */
  raptor_world_set_flag(w, RAPTOR_WORLD_FLAG_WWW_SKIP_INIT_FINISH, 1);
  if (raptor_world_open(w) != 0) {
    raptor_free_world(w);
    return CUST_ERR_NOMEM;
  }
  *out = w;
  return CUST_OK;
}

typedef struct parse_ctx {
  raptor_parser *parser;
  cust_arena *arena;
  const char *blank_prefix;
  smap blanks; /* raptor label -> renamed label */
  unsigned long nblanks;
  cust_quad_fn fn;
  void *ud;
  cust_status st;
  int is_stopped;
  int is_datatype_leaky; /* see on_statement */
  char *err;
  size_t errlen;
} parse_ctx;

static void on_log(void *ud, raptor_log_message *msg) {
  parse_ctx *c = ud;
  if (msg->level < RAPTOR_LOG_LEVEL_ERROR || c->st != CUST_OK) {
    return;
  }
  c->st = CUST_ERR_FORMAT;
  if (c->err != NULL && c->errlen > 0) {
    int line = msg->locator != NULL ? msg->locator->line : -1;
    if (line > 0) {
      snprintf(c->err, c->errlen, "line %d: %s", line, msg->text ? msg->text : "syntax error");
    } else {
      snprintf(c->err, c->errlen, "%s", msg->text ? msg->text : "syntax error");
    }
  }
}

static int refuse_uri(void *ud, raptor_uri *uri) {
  (void)ud;
  (void)uri;
  return 1;
}

static void fail(parse_ctx *c, cust_status st, const char *what) {
  if (c->st == CUST_OK) {
    c->st = st;
    if (c->err != NULL && c->errlen > 0) {
      snprintf(c->err, c->errlen, "%s", what);
    }
  }
  raptor_parser_parse_abort(c->parser);
}

static int convert(parse_ctx *c, const raptor_term *rt, cust_term *t) {
  memset(t, 0, sizeof *t);
  if (rt == NULL) {
    t->kind = CUST_TERM_NONE;
    return 0;
  }
  const unsigned char *s = NULL;
  size_t n = 0;
  switch (rt->type) {
    case RAPTOR_TERM_TYPE_URI:
      t->kind = CUST_TERM_IRI;
      s = raptor_uri_as_counted_string(rt->value.uri, &n);
      break;
    case RAPTOR_TERM_TYPE_LITERAL:
      t->kind = CUST_TERM_LITERAL;
      s = rt->value.literal.string;
      n = rt->value.literal.string_len;
      if (rt->value.literal.language != NULL && rt->value.literal.language_len > 0) {
        t->lang = cust_arena_strndup(c->arena, (const char *)rt->value.literal.language,
                                     rt->value.literal.language_len);
        if (t->lang == NULL) {
          return -1;
        }
      } else if (rt->value.literal.datatype != NULL) {
        size_t dn = 0;
        const unsigned char *d = raptor_uri_as_counted_string(rt->value.literal.datatype, &dn);
        t->datatype = cust_arena_strndup(c->arena, (const char *)d, dn);
        if (t->datatype == NULL) {
          return -1;
        }
      }
      break;
    case RAPTOR_TERM_TYPE_BLANK: {
      t->kind = CUST_TERM_BLANK;
      const char *label = (const char *)rt->value.blank.string;
      size_t ln = rt->value.blank.string_len;
      int is_new = 0;
      void **slot = cust_smap_slot(&c->blanks, label, ln, 1, &is_new);
      if (slot == NULL) {
        return -1;
      }
      if (is_new) {
        *slot = cust_arena_printf(c->arena, "%sb%lu", c->blank_prefix, c->nblanks++);
        if (*slot == NULL) {
          return -1;
        }
      }
      t->value = *slot;
      t->len = strlen(t->value);
      return 0;
    }
    case RAPTOR_TERM_TYPE_UNKNOWN:
    default:
      return -2;
  }
  if (s == NULL) {
    s = (const unsigned char *)"";
  }
  if (memchr(s, '\0', n) != NULL) {
    return -2;
  }
  t->value = cust_arena_strndup(c->arena, (const char *)s, n);
  if (t->value == NULL) {
    return -1;
  }
  t->len = n;
  return 0;
}

static void on_statement(void *ud, raptor_statement *rs) {
  parse_ctx *c = ud;
  /* raptor 2.0.15's N-Triples/N-Quads term reader keeps one reference too
   * many to the (interned) datatype IRI of each typed literal; dropping it
   * here keeps a long-running mapper from growing with every new datatype */
  if (c->is_datatype_leaky && rs->object != NULL && rs->object->type == RAPTOR_TERM_TYPE_LITERAL &&
      rs->object->value.literal.datatype != NULL) {
    raptor_free_uri(rs->object->value.literal.datatype);
  }
  if (c->st != CUST_OK || c->is_stopped) {
    return;
  }
  cust_quad q;
  const raptor_term *parts[4] = { rs->subject, rs->predicate, rs->object, rs->graph };
  cust_term *dst[4] = { &q.s, &q.p, &q.o, &q.g };
  for (int i = 0; i < 4; i++) {
    int rc = convert(c, parts[i], dst[i]);
    if (rc == -1) {
      fail(c, CUST_ERR_NOMEM, "out of memory");
      return;
    }
    if (rc == -2 || (i < 3 && dst[i]->kind == CUST_TERM_NONE)) {
      fail(c, CUST_ERR_INVALID, "a term holds a NUL character or is of an unknown kind");
      return;
    }
  }
  if (c->fn(c->ud, &q) != 0) {
    c->is_stopped = 1;
    raptor_parser_parse_abort(c->parser);
  }
}

cust_status cust_mapper_rdf_parse(raptor_world *world, const char *syntax,
                                  const unsigned char *data, size_t len, const char *base,
                                  const char *blank_prefix, cust_arena *arena, cust_quad_fn fn,
                                  void *ud, char *err, size_t errlen) {
  cust_status st = CUST_OK;
  raptor_uri *base_uri = NULL;
  parse_ctx c;
  memset(&c, 0, sizeof c);
  c.arena = arena;
  c.blank_prefix = blank_prefix != NULL ? blank_prefix : "";
  cust_smap_init(&c.blanks, arena);
  c.fn = fn;
  c.ud = ud;
  c.is_datatype_leaky = raptor_version_decimal <= 20015 &&
                        (strcmp(syntax, "nquads") == 0 || strcmp(syntax, "ntriples") == 0);
  c.err = err;
  c.errlen = errlen;
  if (err != NULL && errlen > 0) {
    err[0] = '\0';
  }

  c.parser = raptor_new_parser(world, syntax);
  base_uri = raptor_new_uri(world, (const unsigned char *)(base ? base : "urn:custodian:base"));
  if (c.parser == NULL || base_uri == NULL) {
    st = c.parser == NULL ? CUST_ERR_UNSUPPORTED : CUST_ERR_NOMEM;
    if (err != NULL && errlen > 0) {
      snprintf(err, errlen, "cannot make a \"%s\" parser", syntax);
    }
    goto cleanup;
  }
  raptor_world_set_log_handler(world, &c, on_log);
  raptor_parser_set_option(c.parser, RAPTOR_OPTION_NO_NET, NULL, 1);
  raptor_parser_set_option(c.parser, RAPTOR_OPTION_NO_FILE, NULL, 1);
  raptor_parser_set_option(c.parser, RAPTOR_OPTION_LOAD_EXTERNAL_ENTITIES, NULL, 0);
  raptor_parser_set_uri_filter(c.parser, refuse_uri, NULL);
  raptor_parser_set_statement_handler(c.parser, &c, on_statement);
  if (raptor_parser_parse_start(c.parser, base_uri) != 0) {
    if (c.st == CUST_OK) {
      c.st = CUST_ERR_FORMAT;
      if (err != NULL && errlen > 0) {
        snprintf(err, errlen, "the parser would not start");
      }
    }
  } else if (c.st == CUST_OK) {
    /* raptor reports syntax errors through the log handler, not the result */
    static const unsigned char empty[1] = { 0 };
    if (raptor_parser_parse_chunk(c.parser, len ? data : empty, len, 1) != 0 && c.st == CUST_OK &&
        !c.is_stopped) {
      c.st = CUST_ERR_FORMAT;
      if (err != NULL && errlen > 0 && err[0] == '\0') {
        snprintf(err, errlen, "syntax error");
      }
    }
  }
  st = c.st;
  raptor_world_set_log_handler(world, NULL, NULL);

cleanup:
  if (base_uri != NULL) {
    raptor_free_uri(base_uri);
  }
  if (c.parser != NULL) {
    raptor_free_parser(c.parser);
  }
  return st;
}

/* ---- a strict check of N-Quads --------------------------------------------------- */

/* raptor 2.0.15 leaks the terms of a statement it rejects after reading
 * some of them, so a submission is checked against the N-Quads grammar of
 * RDF 1.1 first (UTF-8, IRIs with a scheme, escapes, labels, language tags,
 * 3 or 4 terms of the right kinds per line); raptor then parses what passed. */
enum { TOK_NONE = 0, TOK_IRI, TOK_BLANK, TOK_LITERAL };

typedef struct scan {
  const unsigned char *p;
  size_t i, len;
  const char *what;
} scan;

static int is_alpha(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(unsigned char c) {
  return c >= '0' && c <= '9';
}

static int hex_value(unsigned char c) {
  if (is_digit(c)) {
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

/* Length of the valid UTF-8 sequence at s->i, or 0. */
static size_t utf8_len(const scan *s) {
  const unsigned char *p = s->p + s->i;
  size_t left = s->len - s->i;
  unsigned char c = p[0];
  size_t n;
  uint32_t cp, min;
  if (c < 0x80) {
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    n = 2, cp = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, cp = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (left < n) {
    return 0;
  }
  for (size_t k = 1; k < n; k++) {
    if ((p[k] & 0xC0) != 0x80) {
      return 0;
    }
    cp = (cp << 6) | (p[k] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return n;
}

/* A \uXXXX or \UXXXXXXXX at s->i (on the backslash); advances. */
static int uchar(scan *s) {
  size_t n = s->p[s->i + 1] == 'u' ? 4 : 8;
  if (s->i + 2 + n > s->len) {
    return -1;
  }
  uint32_t cp = 0;
  for (size_t k = 0; k < n; k++) {
    int h = hex_value(s->p[s->i + 2 + k]);
    if (h < 0) {
      return -1;
    }
    cp = (cp << 4) | (uint32_t)h;
  }
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return -1; /* no NUL, no surrogate, nothing beyond Unicode */
  }
  s->i += 2 + n;
  return 0;
}

static int iri(scan *s) {
  size_t start = ++s->i; /* after '<' */
  if (s->i >= s->len || !is_alpha(s->p[s->i])) {
    s->what = "an IRI must start with a scheme (an absolute IRI)";
    return -1;
  }
  while (s->i < s->len && (is_alpha(s->p[s->i]) || is_digit(s->p[s->i]) || s->p[s->i] == '+' ||
                           s->p[s->i] == '-' || s->p[s->i] == '.')) {
    s->i++;
  }
  if (s->i >= s->len || s->p[s->i] != ':') {
    s->what = "an IRI must start with a scheme (an absolute IRI)";
    return -1;
  }
  (void)start;
  while (s->i < s->len && s->p[s->i] != '>') {
    unsigned char c = s->p[s->i];
    if (c == '\\') {
      if (s->i + 1 >= s->len || (s->p[s->i + 1] != 'u' && s->p[s->i + 1] != 'U') || uchar(s) != 0) {
        s->what = "an IRI holds a bad escape";
        return -1;
      }
      continue;
    }
    if (c <= 0x20 || strchr("<\"{}|^`", c) != NULL) {
      s->what = "an IRI holds a character that IRIs cannot hold";
      return -1;
    }
    size_t n = utf8_len(s);
    if (n == 0) {
      s->what = "an IRI is not valid UTF-8";
      return -1;
    }
    s->i += n;
  }
  if (s->i >= s->len) {
    s->what = "an IRI is not closed by '>'";
    return -1;
  }
  s->i++;
  return 0;
}

static int is_label_ascii(unsigned char c) {
  return is_alpha(c) || is_digit(c) || c == '_' || c == '-' || c == '.';
}

static int blank(scan *s) {
  s->i += 2; /* after "_:" */
  size_t start = s->i;
  if (s->i >= s->len || !(is_alpha(s->p[s->i]) || is_digit(s->p[s->i]) || s->p[s->i] == '_')) {
    s->what = "a blank node label must start with a letter, a digit or '_'";
    return -1;
  }
  while (s->i < s->len && is_label_ascii(s->p[s->i])) {
    s->i++;
  }
  while (s->i > start && s->p[s->i - 1] == '.') {
    s->i--; /* a final '.' ends the statement, not the label */
  }
  return 0;
}

static int literal(scan *s) {
  s->i++; /* after '"' */
  while (s->i < s->len && s->p[s->i] != '"') {
    unsigned char c = s->p[s->i];
    if (c == '\n' || c == '\r') {
      s->what = "a literal is not closed by '\"' on its line";
      return -1;
    }
    if (c == '\\') {
      unsigned char e = s->i + 1 < s->len ? s->p[s->i + 1] : 0;
      if (e == 'u' || e == 'U') {
        if (uchar(s) != 0) {
          s->what = "a literal holds a bad \\u escape (or a NUL)";
          return -1;
        }
        continue;
      }
      if (e == 0 || strchr("tbnrf\"\\", e) == NULL) { /* raptor refuses \' */
        s->what = "a literal holds a bad escape";
        return -1;
      }
      s->i += 2;
      continue;
    }
    size_t n = c == 0 ? 0 : utf8_len(s);
    if (n == 0) {
      s->what = "a literal is not valid UTF-8, or holds a NUL";
      return -1;
    }
    s->i += n;
  }
  if (s->i >= s->len) {
    s->what = "a literal is not closed by '\"'";
    return -1;
  }
  s->i++;
  if (s->i < s->len && s->p[s->i] == '@') {
    s->i++;
    size_t start = s->i;
    while (s->i < s->len && is_alpha(s->p[s->i])) {
      s->i++;
    }
    if (s->i == start) {
      s->what = "a language tag must start with a letter";
      return -1;
    }
    while (s->i < s->len && s->p[s->i] == '-') {
      size_t sub = ++s->i;
      while (s->i < s->len && (is_alpha(s->p[s->i]) || is_digit(s->p[s->i]))) {
        s->i++;
      }
      if (s->i == sub) {
        s->what = "a language tag has an empty part";
        return -1;
      }
    }
  } else if (s->i + 1 < s->len && s->p[s->i] == '^' && s->p[s->i + 1] == '^') {
    s->i += 2;
    if (s->i >= s->len || s->p[s->i] != '<') {
      s->what = "a datatype must be an IRI";
      return -1;
    }
    return iri(s);
  }
  return 0;
}

cust_status cust_mapper_nquads_check(const unsigned char *data, size_t len, char *err,
                                     size_t errlen) {
  scan s = { data, 0, len, NULL };
  size_t line = 1;
  int kinds[4];
  size_t nterms = 0;
  while (s.i < len && s.what == NULL) {
    unsigned char c = data[s.i];
    if (c == '\n' || c == '\r') {
      if (nterms > 0) {
        s.what = "the statement ends before its final '.'";
        break;
      }
      line += c == '\n';
      s.i++;
    } else if (c == ' ' || c == '\t') {
      s.i++;
    } else if (c == '#') {
      while (s.i < len && data[s.i] != '\n' && data[s.i] != '\r') {
        size_t n = utf8_len(&s);
        if (n == 0 || data[s.i] == 0) {
          s.what = "a comment is not valid UTF-8";
          break;
        }
        s.i += n;
      }
    } else if (c == '.') {
      if (nterms < 3) {
        s.what = "a statement needs a subject, a predicate and an object";
      } else if (kinds[0] == TOK_LITERAL || kinds[1] != TOK_IRI ||
                 (nterms == 4 && kinds[3] == TOK_LITERAL)) {
        s.what = kinds[1] != TOK_IRI ? "the predicate must be an IRI"
                                     : "a literal can be neither subject nor graph name";
      }
      nterms = 0;
      s.i++;
      /* nothing but blanks or a comment may follow on the line */
      while (s.what == NULL && s.i < len && (data[s.i] == ' ' || data[s.i] == '\t')) {
        s.i++;
      }
      if (s.what == NULL && s.i < len && data[s.i] != '\n' && data[s.i] != '\r' &&
          data[s.i] != '#') {
        s.what = "a statement must end its line";
      }
    } else {
      if (nterms == 4) {
        s.what = "a statement has at most four terms";
        break;
      }
      int kind = TOK_NONE, rc = -1;
      if (c == '<') {
        kind = TOK_IRI;
        rc = iri(&s);
      } else if (c == '_' && s.i + 1 < len && data[s.i + 1] == ':') {
        kind = TOK_BLANK;
        rc = blank(&s);
      } else if (c == '"') {
        kind = TOK_LITERAL;
        rc = literal(&s);
      } else {
        s.what = "unexpected character";
      }
      if (rc != 0) {
        break;
      }
      kinds[nterms++] = kind;
    }
  }
  if (s.what == NULL && nterms > 0) {
    s.what = "the statement ends before its final '.'";
  }
  if (s.what != NULL && s.i < len && strcmp(s.what, "unexpected character") == 0) {
    unsigned char c = data[s.i];
    if (c > 0x20 && c < 0x7f) {
      snprintf(err, errlen,
               "line %zu: unexpected character '%c' (N-Quads terms start with <, _: "
               "or \")",
               line, c);
    } else {
      snprintf(err, errlen, "line %zu: unexpected byte 0x%02x", line, c);
    }
    return CUST_ERR_FORMAT;
  }
  if (s.what != NULL) {
    snprintf(err, errlen, "line %zu: %s", line, s.what);
    return CUST_ERR_FORMAT;
  }
  return CUST_OK;
}

/* ---- files ----------------------------------------------------------------------- */

static const char *syntax_of(const char *path) {
  static const struct {
    const char *ext;
    const char *syntax;
  } table[] = {
    { ".ttl", "turtle" }, { ".turtle", "turtle" }, { ".nt", "ntriples" }, { ".nq", "nquads" },
    { ".rdf", "rdfxml" }, { ".xml", "rdfxml" },    { ".owl", "rdfxml" },
  };
  size_t n = strlen(path);
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
    size_t e = strlen(table[i].ext);
    if (n > e && strcasecmp(path + n - e, table[i].ext) == 0) {
      return table[i].syntax;
    }
  }
  return NULL;
}

typedef struct file_ctx {
  cust_quad_fn fn;
  void *ud;
  cust_term graph; /* NONE: keep the file's graphs */
} file_ctx;

static int file_quad(void *ud, const cust_quad *q) {
  file_ctx *f = ud;
  if (f->graph.kind == CUST_TERM_NONE) {
    return f->fn(f->ud, q);
  }
  cust_quad copy = *q;
  copy.g = f->graph;
  return f->fn(f->ud, &copy);
}

static cust_status read_file(const char *path, unsigned char **out, size_t *len, char *err,
                             size_t errlen) {
  cust_status st = CUST_OK;
  cust_buf b;
  cust_buf_init(&b);
  *out = NULL;
  *len = 0;
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    snprintf(err, errlen, "cannot open \"%s\": %s", path, strerror(errno));
    return errno == ENOENT ? CUST_ERR_NOTFOUND : CUST_ERR_IO;
  }
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    st = cust_buf_append(&b, chunk, n);
    if (st != CUST_OK) {
      snprintf(err, errlen, "cannot read \"%s\": out of memory", path);
      goto cleanup;
    }
  }
  if (ferror(f)) {
    snprintf(err, errlen, "cannot read \"%s\": %s", path, strerror(errno));
    st = CUST_ERR_IO;
    goto cleanup;
  }
  *out = (unsigned char *)cust_buf_steal(&b, len);
  if (*out == NULL) {
    st = CUST_ERR_NOMEM;
  }

cleanup:
  fclose(f);
  cust_buf_release(&b);
  return st;
}

cust_status cust_mapper_parse_file(const char *path, const char *base_iri, const char *graph_iri,
                                   cust_quad_fn fn, void *ud, char *err, size_t errlen) {
  cust_status st = CUST_OK;
  raptor_world *world = NULL;
  unsigned char *data = NULL;
  size_t len = 0;
  cust_arena arena;
  char tmp[512];
  char *base = NULL;
  cust_arena_init(&arena, 64 * 1024);
  if (err == NULL || errlen == 0) {
    err = tmp;
    errlen = sizeof tmp;
  }
  err[0] = '\0';

  const char *syntax = syntax_of(path);
  if (syntax == NULL) {
    snprintf(err, errlen,
             "cannot tell the syntax of \"%s\": name it .ttl, .nt, .nq or .rdf (RDF/XML)", path);
    st = CUST_ERR_UNSUPPORTED;
    goto cleanup;
  }
  st = read_file(path, &data, &len, err, errlen);
  if (st != CUST_OK) {
    goto cleanup;
  }
  /* the same file always gives the same blank labels, distinct from other files' */
  unsigned char digest[32];
  char hex[65];
  cust_sha256(data, len, digest);
  cust_hex_upper(digest, 32, hex);
  hex[12] = '\0';
  char prefix[24];
  snprintf(prefix, sizeof prefix, "f%.12s", hex);
  if (base_iri == NULL) {
    base = cust_arena_printf(&arena, "urn:custodian:file:%s", hex);
    if (base == NULL) {
      st = CUST_ERR_NOMEM;
      goto cleanup;
    }
  }

  st = cust_mapper_rdf_world(&world);
  if (st != CUST_OK) {
    snprintf(err, errlen, "cannot start raptor: %s", cust_strerror(st));
    goto cleanup;
  }
  file_ctx fc;
  memset(&fc, 0, sizeof fc);
  fc.fn = fn;
  fc.ud = ud;
  if (graph_iri != NULL) {
    fc.graph = cust_term_iri(graph_iri);
  }
  char perr[400];
  st = cust_mapper_rdf_parse(world, syntax, data, len, base_iri ? base_iri : base, prefix, &arena,
                             file_quad, &fc, perr, sizeof perr);
  if (st != CUST_OK) {
    snprintf(err, errlen, "cannot parse \"%s\": %s", path, perr[0] ? perr : cust_strerror(st));
  }

cleanup:
  if (world != NULL) {
    raptor_free_world(world);
  }
  free(data);
  cust_arena_release(&arena);
  return st;
}
