/* The triples source that rasqal matches patterns against: the store's librdf
 * model, with the dataset of the query (the default graph is the merge of all
 * graphs unless the request names some; GRAPH visits the store's graphs). It
 * never dereferences a URI: a graph that is not in the store is empty. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sparql/sparql_int.h"

/* ---- conversions ------------------------------------------------------------ */

static char *dup_n(const unsigned char *s, size_t n) {
  char *c = malloc(n + 1);
  if (c != NULL) {
    memcpy(c, s, n);
    c[n] = '\0';
  }
  return c;
}

librdf_node *sq_node_from_literal(sq_dataset *d, rasqal_literal *l) {
  if (l == NULL) {
    return NULL;
  }
  switch (l->type) {
    case RASQAL_LITERAL_URI:
      return librdf_new_node_from_uri(d->lw, (librdf_uri *)l->value.uri);
    case RASQAL_LITERAL_BLANK:
      return librdf_new_node_from_blank_identifier(d->lw, l->string);
    case RASQAL_LITERAL_VARIABLE:
    case RASQAL_LITERAL_PATTERN:
    case RASQAL_LITERAL_QNAME:
    case RASQAL_LITERAL_UNKNOWN:
      return NULL;
    default: {
      size_t len = 0;
      int err = 0;
      const unsigned char *s = rasqal_literal_as_counted_string(l, &len, 0, &err);
      if (s == NULL || err) {
        return NULL;
      }
      raptor_uri *dt = rasqal_literal_datatype(l);
      const char *lang = l->language;
      if (l->type == RASQAL_LITERAL_STRING && lang == NULL) {
        dt = l->datatype;
      }
      return librdf_new_node_from_typed_counted_literal(
          d->lw, s, len, lang, lang ? strlen(lang) : 0, lang ? NULL : (librdf_uri *)dt);
    }
  }
}

rasqal_literal *sq_literal_from_node(sq_dataset *d, librdf_node *n) {
  const raptor_term *t = n;
  switch (t->type) {
    case RAPTOR_TERM_TYPE_URI:
      return rasqal_new_uri_literal(d->rw, raptor_uri_copy(t->value.uri));
    case RAPTOR_TERM_TYPE_BLANK: {
      char *b = dup_n(t->value.blank.string, t->value.blank.string_len);
      return b ? rasqal_new_simple_literal(d->rw, RASQAL_LITERAL_BLANK, (unsigned char *)b) : NULL;
    }
    case RAPTOR_TERM_TYPE_LITERAL: {
      char *s = dup_n(t->value.literal.string, t->value.literal.string_len);
      char *lang = NULL;
      raptor_uri *dt = NULL;
      if (s == NULL) {
        return NULL;
      }
      if (t->value.literal.language != NULL && t->value.literal.language_len > 0) {
        lang = dup_n(t->value.literal.language, t->value.literal.language_len);
        if (lang == NULL) {
          free(s);
          return NULL;
        }
      } else if (t->value.literal.datatype != NULL) {
        dt = raptor_uri_copy(t->value.literal.datatype);
      }
      /* rasqal takes the strings and the datatype, also when it fails */
      return rasqal_new_string_literal(d->rw, (unsigned char *)s, lang, dt, NULL);
    }
    default:
      return NULL;
  }
}

void sq_term_from_literal(rasqal_literal *l, cust_term *out) {
  memset(out, 0, sizeof *out);
  if (l == NULL) {
    return;
  }
  switch (l->type) {
    case RASQAL_LITERAL_URI: {
      size_t len = 0;
      out->kind = CUST_TERM_IRI;
      out->value = (const char *)raptor_uri_as_counted_string(l->value.uri, &len);
      out->len = len;
      return;
    }
    case RASQAL_LITERAL_BLANK:
      out->kind = CUST_TERM_BLANK;
      out->value = (const char *)l->string;
      out->len = l->string_len;
      return;
    case RASQAL_LITERAL_UNKNOWN:
    case RASQAL_LITERAL_VARIABLE:
    case RASQAL_LITERAL_PATTERN:
    case RASQAL_LITERAL_QNAME:
      return;
    default: {
      size_t len = 0;
      int err = 0;
      const unsigned char *s = rasqal_literal_as_counted_string(l, &len, 0, &err);
      if (s == NULL || err) {
        return;
      }
      out->kind = CUST_TERM_LITERAL;
      out->value = (const char *)s;
      out->len = len;
      if (l->language != NULL && l->language[0] != '\0') {
        out->lang = l->language;
      } else {
        raptor_uri *dt = rasqal_literal_datatype(l);
        out->datatype = dt ? (const char *)raptor_uri_as_string(dt) : NULL;
      }
    }
  }
}

rasqal_literal *sq_literal_from_term(sq_dataset *d, const cust_term *t) {
  switch (t->kind) {
    case CUST_TERM_IRI: {
      raptor_uri *uri =
          raptor_new_uri_from_counted_string(d->raw, (const unsigned char *)t->value, t->len);
      return uri ? rasqal_new_uri_literal(d->rw, uri) : NULL;
    }
    case CUST_TERM_BLANK: {
      char *b = dup_n((const unsigned char *)t->value, t->len);
      return b ? rasqal_new_simple_literal(d->rw, RASQAL_LITERAL_BLANK, (unsigned char *)b) : NULL;
    }
    case CUST_TERM_LITERAL: {
      char *s = dup_n((const unsigned char *)t->value, t->len);
      char *lang = t->lang ? strdup(t->lang) : NULL;
      raptor_uri *dt = t->datatype && !t->lang
                           ? raptor_new_uri(d->raw, (const unsigned char *)t->datatype)
                           : NULL;
      if (s == NULL || (t->lang && lang == NULL)) {
        free(s);
        free(lang);
        if (dt) {
          raptor_free_uri(dt);
        }
        return NULL;
      }
      return rasqal_new_string_literal(d->rw, (unsigned char *)s, lang, dt, NULL);
    }
    default:
      return NULL;
  }
}

void sq_term_from_raptor(const raptor_term *t, cust_term *out) {
  memset(out, 0, sizeof *out);
  if (t == NULL) {
    return;
  }
  switch (t->type) {
    case RAPTOR_TERM_TYPE_URI: {
      size_t len = 0;
      out->kind = CUST_TERM_IRI;
      out->value = (const char *)raptor_uri_as_counted_string(t->value.uri, &len);
      out->len = len;
      break;
    }
    case RAPTOR_TERM_TYPE_BLANK:
      out->kind = CUST_TERM_BLANK;
      out->value = (const char *)t->value.blank.string;
      out->len = t->value.blank.string_len;
      break;
    case RAPTOR_TERM_TYPE_LITERAL:
      out->kind = CUST_TERM_LITERAL;
      out->value = (const char *)t->value.literal.string;
      out->len = t->value.literal.string_len;
      if (t->value.literal.language != NULL && t->value.literal.language_len > 0) {
        out->lang = (const char *)t->value.literal.language;
      } else if (t->value.literal.datatype != NULL) {
        out->datatype = (const char *)raptor_uri_as_string(t->value.literal.datatype);
      }
      break;
    default:
      break;
  }
}

/* ---- a set of statements, to merge graphs ---------------------------------- */

typedef struct seen_entry {
  struct seen_entry *next;
  uint64_t hash;
  size_t len;
  char key[];
} seen_entry;

typedef struct seen_set {
  seen_entry **buckets;
  size_t nbuckets, count;
} seen_set;

static uint64_t fnv(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) {
    h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
  }
  return h;
}

static void seen_release(seen_set *s) {
  for (size_t i = 0; i < s->nbuckets; i++) {
    seen_entry *e = s->buckets[i];
    while (e != NULL) {
      seen_entry *n = e->next;
      free(e);
      e = n;
    }
  }
  free(s->buckets);
  memset(s, 0, sizeof *s);
}

/* Adds the key; returns 1 when it is new, 0 when seen, -1 on OOM. */
static int seen_add(seen_set *s, const char *key, size_t len) {
  if (s->count >= s->nbuckets) {
    size_t nb = s->nbuckets ? s->nbuckets * 2 : 256;
    seen_entry **b = calloc(nb, sizeof *b);
    if (b == NULL) {
      return -1;
    }
    for (size_t i = 0; i < s->nbuckets; i++) {
      seen_entry *e = s->buckets[i];
      while (e != NULL) {
        seen_entry *n = e->next;
        e->next = b[e->hash % nb];
        b[e->hash % nb] = e;
        e = n;
      }
    }
    free(s->buckets);
    s->buckets = b;
    s->nbuckets = nb;
  }
  uint64_t h = fnv(key, len);
  for (seen_entry *e = s->buckets[h % s->nbuckets]; e != NULL; e = e->next) {
    if (e->hash == h && e->len == len && memcmp(e->key, key, len) == 0) {
      return 0;
    }
  }
  seen_entry *e = malloc(sizeof *e + len);
  if (e == NULL) {
    return -1;
  }
  e->hash = h;
  e->len = len;
  memcpy(e->key, key, len);
  e->next = s->buckets[h % s->nbuckets];
  s->buckets[h % s->nbuckets] = e;
  s->count++;
  return 1;
}

/* ---- the answers of a query's lookups ---------------------------------------
 * rasqal evaluates the right side of OPTIONAL and of some joins again for
 * every row on the left, without the left row's values: the same pattern
 * is asked for many times. The quads of each indexed lookup are kept for the
 * query (up to a bound), with the rasqal values made from them, so that a
 * repeated lookup reads neither the store nor makes new values. */

#define MEMO_MAX_QUADS 500000 /* quads kept per query, in all lookups */

typedef struct memo_entry {
  struct memo_entry *next;
  uint64_t hash;
  char *key;
  size_t keylen;
  cust_quad *found;
  size_t nfound, cap;
  rasqal_literal **values; /* 4 per quad, made on first use */
  cust_arena arena;
} memo_entry;

typedef struct sq_memo sq_memo;

struct sq_memo {
  memo_entry **buckets;
  size_t nbuckets, count, nquads;
};

static void entry_free(memo_entry *e) {
  if (e == NULL) {
    return;
  }
  if (e->values != NULL) {
    for (size_t i = 0; i < e->nfound * 4; i++) {
      if (e->values[i] != NULL) {
        rasqal_free_literal(e->values[i]);
      }
    }
    free(e->values);
  }
  free(e->found);
  free(e->key);
  cust_arena_release(&e->arena);
  free(e);
}

static memo_entry *entry_new(const char *key, size_t keylen, uint64_t hash) {
  memo_entry *e = calloc(1, sizeof *e);
  if (e == NULL) {
    return NULL;
  }
  e->key = malloc(keylen + 1);
  if (e->key == NULL) {
    free(e);
    return NULL;
  }
  memcpy(e->key, key, keylen);
  e->key[keylen] = '\0';
  e->keylen = keylen;
  e->hash = hash;
  cust_arena_init(&e->arena, 1024);
  return e;
}

void sq_source_release(sq_dataset *d) {
  sq_memo *mm = d ? d->memo : NULL;
  if (mm == NULL) {
    return;
  }
  for (size_t i = 0; i < mm->nbuckets; i++) {
    memo_entry *e = mm->buckets[i];
    while (e != NULL) {
      memo_entry *n = e->next;
      entry_free(e);
      e = n;
    }
  }
  free(mm->buckets);
  free(mm);
  d->memo = NULL;
}

static memo_entry *memo_get(sq_dataset *d, const char *key, size_t keylen, uint64_t hash) {
  sq_memo *mm = d->memo;
  if (mm == NULL || mm->nbuckets == 0) {
    return NULL;
  }
  for (memo_entry *e = mm->buckets[hash % mm->nbuckets]; e != NULL; e = e->next) {
    if (e->hash == hash && e->keylen == keylen && memcmp(e->key, key, keylen) == 0) {
      return e;
    }
  }
  return NULL;
}

/* Keeps `e` for the query; 0 when it is not kept (the caller still owns it). */
static int memo_put(sq_dataset *d, memo_entry *e) {
  sq_memo *mm = d->memo;
  if (mm == NULL) {
    mm = calloc(1, sizeof *mm);
    if (mm == NULL) {
      return 0;
    }
    d->memo = mm;
  }
  if (mm->nquads + e->nfound > MEMO_MAX_QUADS) {
    return 0;
  }
  if (mm->count >= mm->nbuckets) {
    size_t nb = mm->nbuckets ? mm->nbuckets * 2 : 64;
    memo_entry **b = calloc(nb, sizeof *b);
    if (b == NULL) {
      return 0;
    }
    for (size_t i = 0; i < mm->nbuckets; i++) {
      memo_entry *x = mm->buckets[i];
      while (x != NULL) {
        memo_entry *n = x->next;
        x->next = b[x->hash % nb];
        b[x->hash % nb] = x;
        x = n;
      }
    }
    free(mm->buckets);
    mm->buckets = b;
    mm->nbuckets = nb;
  }
  e->next = mm->buckets[e->hash % mm->nbuckets];
  mm->buckets[e->hash % mm->nbuckets] = e;
  mm->count++;
  mm->nquads += e->nfound;
  return 1;
}

/* ---- matching ------------------------------------------------------------------ */

typedef struct sq_source {
  sq_dataset *d;
  rasqal_variable **gvars; /* the variables of the query's GRAPH ?var */
  size_t ngvars;
} sq_source;

typedef struct sq_match {
  sq_dataset *d;
  /* the values the GRAPH variables had when the match was set up: a GRAPH
   * elsewhere (a later pattern, a sibling GRAPH) sets its variable to each
   * graph in turn, and rasqal builds the rows of this match from the
   * variables, so they are set back before each binding */
  rasqal_variable **env_vars;
  rasqal_literal **env_vals; /* owned */
  size_t nenv;
  librdf_statement *pattern;
  librdf_node *const *graphs; /* keep the statements of these graphs */
  size_t ngraphs;
  librdf_node *current_graph; /* the graph of the current statement (borrowed) */
  librdf_node *fixed_graph;   /* owned: a single graph */
  int is_all;                 /* every graph, the store's default graph too */
  int is_any_named;           /* every named graph: `graphs` need not be searched */
  int is_dedup;
  int is_done;
  librdf_stream *stream;
  seen_set seen;
  cust_buf key;
  /* a lookup with a bound term goes through the store's own indexed find
   * and is collected in `e` (kept for the query, or owned when too large);
   * a scan of everything streams from librdf */
  int is_collected;
  memo_entry *e;
  int owns_e;
  size_t pos;
} sq_match;

static void match_free(sq_match *m) {
  if (m == NULL) {
    return;
  }
  if (m->stream != NULL) {
    librdf_free_stream(m->stream);
  }
  if (m->pattern != NULL) {
    librdf_free_statement(m->pattern);
  }
  if (m->fixed_graph != NULL) {
    librdf_free_node(m->fixed_graph);
  }
  for (size_t i = 0; i < m->nenv; i++) {
    rasqal_free_literal(m->env_vals[i]);
  }
  free(m->env_vars);
  free(m->env_vals);
  seen_release(&m->seen);
  cust_buf_release(&m->key);
  if (m->owns_e) {
    entry_free(m->e);
  }
  free(m);
}

/* The key of a triple for de-duplication: each term's kind, then its value,
 * language and datatype, each with its length (no escaping needed). */
static int key_part(cust_buf *b, const char *v, size_t len) {
  uint32_t n = (uint32_t)len;
  return cust_buf_append(b, &n, sizeof n) == CUST_OK &&
         (len == 0 || cust_buf_append(b, v, len) == CUST_OK);
}

static int terms_key(sq_match *m, const cust_term *t) {
  cust_buf_reset(&m->key);
  for (int i = 0; i < 3; i++) {
    char kind = (char)t[i].kind;
    if (cust_buf_append(&m->key, &kind, 1) != CUST_OK || !key_part(&m->key, t[i].value, t[i].len) ||
        !key_part(&m->key, t[i].lang, t[i].lang ? strlen(t[i].lang) : 0) ||
        !key_part(&m->key, t[i].datatype, t[i].datatype ? strlen(t[i].datatype) : 0)) {
      return -1;
    }
  }
  return 0;
}

static int statement_key(sq_match *m, librdf_statement *st) {
  cust_term t[3];
  sq_term_from_raptor(st->subject, &t[0]);
  sq_term_from_raptor(st->predicate, &t[1]);
  sq_term_from_raptor(st->object, &t[2]);
  return terms_key(m, t);
}

static int graph_named(librdf_node *const *v, size_t n, const cust_term *g) {
  for (size_t i = 0; i < n; i++) {
    const char *s = (const char *)librdf_uri_as_string(librdf_node_get_uri(v[i]));
    if (strlen(s) == g->len && memcmp(s, g->value, g->len) == 0) {
      return 1;
    }
  }
  return 0;
}

static int copy_term(cust_arena *a, cust_term *dst, const cust_term *src) {
  *dst = *src;
  dst->value = cust_arena_strndup(a, src->value ? src->value : "", src->len);
  dst->lang = src->lang ? cust_arena_strdup(a, src->lang) : NULL;
  dst->datatype = src->datatype ? cust_arena_strdup(a, src->datatype) : NULL;
  return dst->value != NULL && (!src->lang || dst->lang) && (!src->datatype || dst->datatype);
}

/* Keeps a quad of the store's find: in a wanted graph, and not seen yet. */
static int collect(void *ud, const cust_quad *q) {
  sq_match *m = ud;
  if (!m->is_all && m->fixed_graph == NULL &&
      (q->g.kind != CUST_TERM_IRI ||
       (!m->is_any_named && !graph_named(m->graphs, m->ngraphs, &q->g)))) {
    return 0;
  }
  if (m->is_dedup) {
    const cust_term t[3] = { q->s, q->p, q->o };
    int r = terms_key(m, t) == 0 ? seen_add(&m->seen, m->key.data, m->key.len) : -1;
    if (r == 0) {
      return 0;
    }
    if (r < 0) {
      m->d->has_error = CUST_ERR_NOMEM;
      return 1;
    }
  }
  memo_entry *e = m->e;
  if (e->nfound == e->cap) {
    size_t cap = e->cap ? e->cap * 2 : 4;
    cust_quad *f = realloc(e->found, cap * sizeof *f);
    if (f == NULL) {
      m->d->has_error = CUST_ERR_NOMEM;
      return 1;
    }
    e->found = f;
    e->cap = cap;
  }
  cust_quad *c = &e->found[e->nfound];
  if (!copy_term(&e->arena, &c->s, &q->s) || !copy_term(&e->arena, &c->p, &q->p) ||
      !copy_term(&e->arena, &c->o, &q->o) || !copy_term(&e->arena, &c->g, &q->g)) {
    m->d->has_error = CUST_ERR_NOMEM;
    return 1;
  }
  e->nfound++;
  return 0;
}

static int graph_in(librdf_node *const *v, size_t n, librdf_node *g) {
  for (size_t i = 0; i < n; i++) {
    if (librdf_node_equals(v[i], g)) {
      return 1;
    }
  }
  return 0;
}

/* Moves to the next acceptable statement. Every match reads the whole store
 * through librdf_model_find_statements, which uses the store's indexes, and
 * keeps the statements of the wanted graphs: librdf's in-context search
 * reads the whole graph for every pattern. */
static void match_settle(sq_match *m) {
  if (m->stream == NULL && !m->is_done) {
    m->stream = librdf_model_find_statements(m->d->model, m->pattern);
    if (m->stream == NULL) {
      m->d->has_error = CUST_ERR_IO; /* librdf could not read the store */
      m->is_done = 1;
      return;
    }
  }
  for (; !m->is_done; librdf_stream_next(m->stream)) {
    if (librdf_stream_end(m->stream)) {
      m->is_done = 1;
      return;
    }
    if (!m->is_all) {
      librdf_node *g = librdf_stream_get_context2(m->stream);
      if (g == NULL) {
        continue; /* the store's own default graph is in the merge only */
      }
      if (m->fixed_graph != NULL ? !librdf_node_equals(g, m->fixed_graph)
                                 : !m->is_any_named && !graph_in(m->graphs, m->ngraphs, g)) {
        continue;
      }
      m->current_graph = g;
    }
    if (!m->is_dedup) {
      return;
    }
    librdf_statement *st = librdf_stream_get_object(m->stream);
    if (st == NULL || statement_key(m, st) != 0) {
      m->d->has_error = CUST_ERR_NOMEM;
      m->is_done = 1;
      return;
    }
    int r = seen_add(&m->seen, m->key.data, m->key.len);
    if (r < 0) {
      m->d->has_error = CUST_ERR_NOMEM;
      m->is_done = 1;
      return;
    }
    if (r == 1) {
      return;
    }
  }
}

/* The value rasqal gives a GRAPH's variable before that GRAPH is visited. */
static int is_no_graph(rasqal_literal *l) {
  static const char none[] = SQ_NO_GRAPH_IRI;
  if (l == NULL || l->type != RASQAL_LITERAL_URI) {
    return 0;
  }
  size_t len = 0;
  const unsigned char *s = raptor_uri_as_counted_string(l->value.uri, &len);
  return s != NULL && len == sizeof none - 1 && memcmp(s, none, len) == 0;
}

/* Keeps the values of the GRAPH variables that have one (a real graph, not
 * the first one rasqal sets before the GRAPH runs). 0 on OOM. */
static int env_save(sq_match *m, const sq_source *src) {
  if (src == NULL || src->ngvars == 0) {
    return 1;
  }
  m->env_vars = calloc(src->ngvars, sizeof *m->env_vars);
  m->env_vals = calloc(src->ngvars, sizeof *m->env_vals);
  if (m->env_vars == NULL || m->env_vals == NULL) {
    return 0;
  }
  for (size_t i = 0; i < src->ngvars; i++) {
    rasqal_variable *v = src->gvars[i];
    if (v->value == NULL || is_no_graph(v->value)) {
      continue;
    }
    m->env_vals[m->nenv] = rasqal_new_literal_from_literal(v->value);
    if (m->env_vals[m->nenv] == NULL) {
      return 0;
    }
    m->env_vars[m->nenv++] = v;
  }
  return 1;
}

static int env_restore(sq_match *m) {
  for (size_t i = 0; i < m->nenv; i++) {
    rasqal_variable *v = m->env_vars[i];
    if (v->value != m->env_vals[i]) {
      rasqal_literal *l = rasqal_new_literal_from_literal(m->env_vals[i]);
      if (l == NULL) {
        m->d->has_error = CUST_ERR_NOMEM;
        return 0;
      }
      rasqal_variable_set_value(v, l);
    }
  }
  return 1;
}

/* Sets up a match of `t`: variables with a value are constants; the others
 * are reported in `bindings`. */
static sq_match *match_new(sq_source *src, rasqal_triple *t, rasqal_variable *bindings[4]) {
  sq_dataset *d = src->d;
  sq_match *m = calloc(1, sizeof *m);
  librdf_node *nodes[3] = { NULL, NULL, NULL };
  rasqal_literal *parts[3] = { t->subject, t->predicate, t->object };
  rasqal_literal *consts[3] = { NULL, NULL, NULL }, *gconst = NULL;
  if (m == NULL) {
    /* rasqal reads a match that cannot start as one with no triple */
    d->has_error = CUST_ERR_NOMEM;
    return NULL;
  }
  m->d = d;
  cust_buf_init(&m->key);
  if (bindings != NULL && !env_save(m, src)) {
    goto fail;
  }
  /* a variable that has a value already (from the GRAPH being visited or
   * from the row on the left of a join) is a constant of this match, which
   * does not bind it: rasqal would clear it when the match ends, and the
   * patterns after it would then be asked for without it */
  rasqal_variable *gvar = t->origin != NULL ? rasqal_literal_as_variable(t->origin) : NULL;
  for (int i = 0; i < 3; i++) {
    rasqal_variable *v = rasqal_literal_as_variable(parts[i]);
    int is_free = v && (v->value == NULL || (v != gvar && is_no_graph(v->value)));
    if (bindings != NULL) {
      bindings[i] = is_free ? v : NULL;
    }
    consts[i] = is_free ? NULL : v ? v->value : parts[i];
  }
  if (t->origin != NULL) {
    rasqal_variable *v = rasqal_literal_as_variable(t->origin);
    gconst = v ? v->value : t->origin;
    if (bindings != NULL) {
      bindings[3] = v && v->value == NULL ? v : NULL;
    }
    if (gconst != NULL) {
      m->fixed_graph = sq_node_from_literal(d, gconst);
      if (m->fixed_graph == NULL) {
        goto fail;
      }
    } else {
      m->graphs = d->named;
      m->ngraphs = d->nnamed;
      m->is_any_named = d->is_named_all;
    }
  } else if (d->defaults != NULL) {
    m->graphs = d->defaults;
    m->ngraphs = d->ndefaults;
    m->is_dedup = d->ndefaults > 1;
  } else {
    m->is_all = 1;
    m->is_dedup = 1;
  }
  if (d->store != NULL && (consts[0] != NULL || consts[1] != NULL || consts[2] != NULL)) {
    cust_quad pat;
    memset(&pat, 0, sizeof pat);
    cust_term *pt[3] = { &pat.s, &pat.p, &pat.o };
    for (int i = 0; i < 3; i++) {
      if (consts[i] != NULL) {
        sq_term_from_literal(consts[i], pt[i]);
        if (pt[i]->kind == CUST_TERM_NONE) {
          d->has_error = d->has_error ? d->has_error : CUST_ERR_INTERNAL;
          goto fail;
        }
      }
    }
    if (gconst != NULL) {
      sq_term_from_literal(gconst, &pat.g);
    }
    m->is_collected = 1;
    /* the key: the pattern and which graphs it reads */
    const cust_term kt[4] = { pat.s, pat.p, pat.o, pat.g };
    char mode = m->is_all ? 'A' : m->fixed_graph ? 'F' : m->graphs == d->named ? 'N' : 'D';
    cust_buf_reset(&m->key);
    for (int i = 0; i < 4; i++) {
      if ((kt[i].kind == CUST_TERM_NONE ? cust_buf_putc(&m->key, '?')
                                        : cust_term_write_nt(&m->key, &kt[i])) != CUST_OK ||
          cust_buf_putc(&m->key, ' ') != CUST_OK) {
        goto fail;
      }
    }
    if (cust_buf_putc(&m->key, mode) != CUST_OK) {
      goto fail;
    }
    uint64_t h = fnv(m->key.data, m->key.len);
    m->e = memo_get(d, m->key.data, m->key.len, h);
    if (m->e == NULL) {
      m->e = entry_new(m->key.data, m->key.len, h);
      if (m->e == NULL) {
        goto fail;
      }
      m->owns_e = 1;
      cust_status fst = cust_store_find(d->store, &pat, collect, m);
      if (fst != CUST_OK && !d->has_error) {
        d->has_error = fst;
      }
      seen_release(&m->seen);
      if (!d->has_error && memo_put(d, m->e)) {
        m->owns_e = 0;
      }
    }
    m->is_done = m->e->nfound == 0;
    return m;
  }
  for (int i = 0; i < 3; i++) {
    if (consts[i] != NULL) {
      nodes[i] = sq_node_from_literal(d, consts[i]);
      if (nodes[i] == NULL) {
        goto fail;
      }
    }
  }
  m->pattern = librdf_new_statement_from_nodes(d->lw, nodes[0], nodes[1], nodes[2]);
  nodes[0] = nodes[1] = nodes[2] = NULL; /* consumed */
  if (m->pattern == NULL) {
    goto fail;
  }
  match_settle(m);
  return m;
fail:
  for (int i = 0; i < 3; i++) {
    if (nodes[i] != NULL) {
      librdf_free_node(nodes[i]);
    }
  }
  if (!d->has_error) {
    d->has_error = CUST_ERR_NOMEM;
  }
  match_free(m);
  return NULL;
}

/* Sets `v` to the value of term k (s, p, o, g) of the current quad: made
 * once per quad of the lookup, shared by reference afterwards. */
static int set_var_cached(sq_match *m, rasqal_variable *v, int k, const cust_term *t) {
  memo_entry *e = m->e;
  if (e->values == NULL) {
    e->values = calloc(e->nfound * 4, sizeof *e->values);
    if (e->values == NULL) {
      m->d->has_error = CUST_ERR_NOMEM;
      return 0;
    }
  }
  rasqal_literal **slot = &e->values[m->pos * 4 + (size_t)k];
  if (*slot == NULL) {
    *slot = sq_literal_from_term(m->d, t);
    if (*slot == NULL) {
      m->d->has_error = CUST_ERR_NOMEM;
      return 0;
    }
  }
  rasqal_literal *l = rasqal_new_literal_from_literal(*slot);
  if (l == NULL) {
    m->d->has_error = CUST_ERR_NOMEM;
    return 0;
  }
  rasqal_variable_set_value(v, l);
  return 1;
}

static rasqal_triple_parts bind_collected(sq_match *m, rasqal_variable *bindings[4],
                                          rasqal_triple_parts parts) {
  const cust_quad *q = &m->e->found[m->pos];
  const cust_term *n[3] = { &q->s, &q->p, &q->o };
  static const unsigned bit[3] = { RASQAL_TRIPLE_SUBJECT, RASQAL_TRIPLE_PREDICATE,
                                   RASQAL_TRIPLE_OBJECT };
  unsigned result = 0;
  for (int i = 0; i < 3; i++) {
    if (bindings[i] == NULL || !(parts & bit[i])) {
      continue;
    }
    int is_repeat = 0;
    for (int j = 0; j < i; j++) {
      if (bindings[j] == bindings[i] && (parts & bit[j])) {
        if (!cust_term_equal(n[j], n[i])) {
          return RASQAL_TRIPLE_NONE;
        }
        is_repeat = 1;
      }
    }
    if (!is_repeat) {
      if (!set_var_cached(m, bindings[i], i, n[i])) {
        return RASQAL_TRIPLE_NONE;
      }
      result |= bit[i];
    }
  }
  if (bindings[3] != NULL && (parts & RASQAL_TRIPLE_ORIGIN) && q->g.kind == CUST_TERM_IRI) {
    if (!set_var_cached(m, bindings[3], 3, &q->g)) {
      return RASQAL_TRIPLE_NONE;
    }
    result |= RASQAL_TRIPLE_ORIGIN;
  }
  /* none (every variable had a value): still a match, which rasqal reads
   * from a non-empty answer */
  return (rasqal_triple_parts)(result ? result : (unsigned)parts);
}

static int set_var(sq_match *m, rasqal_variable *v, librdf_node *n) {
  rasqal_literal *l = sq_literal_from_node(m->d, n);
  if (l == NULL) {
    m->d->has_error = CUST_ERR_NOMEM;
    return 0;
  }
  rasqal_variable_set_value(v, l);
  return 1;
}

static rasqal_triple_parts bind_match(rasqal_triples_match *rtm, void *ud,
                                      rasqal_variable *bindings[4], rasqal_triple_parts parts) {
  sq_match *m = rtm->user_data;
  unsigned result = 0;
  (void)ud;
  if (!env_restore(m)) {
    return RASQAL_TRIPLE_NONE;
  }
  if (m->is_collected) {
    return m->pos < m->e->nfound ? bind_collected(m, bindings, parts) : RASQAL_TRIPLE_NONE;
  }
  if (m->is_done || m->stream == NULL) {
    return RASQAL_TRIPLE_NONE;
  }
  librdf_statement *st = librdf_stream_get_object(m->stream);
  if (st == NULL) {
    return RASQAL_TRIPLE_NONE;
  }
  librdf_node *n[3] = { st->subject, st->predicate, st->object };
  static const unsigned bit[3] = { RASQAL_TRIPLE_SUBJECT, RASQAL_TRIPLE_PREDICATE,
                                   RASQAL_TRIPLE_OBJECT };
  /* a variable used twice in the triple must take the same value */
  for (int i = 0; i < 3; i++) {
    if (bindings[i] == NULL || !(parts & bit[i])) {
      continue;
    }
    int is_repeat = 0;
    for (int j = 0; j < i; j++) {
      if (bindings[j] == bindings[i] && (parts & bit[j])) {
        if (!librdf_node_equals(n[j], n[i])) {
          return RASQAL_TRIPLE_NONE;
        }
        is_repeat = 1;
      }
    }
    if (!is_repeat) {
      if (!set_var(m, bindings[i], n[i])) {
        return RASQAL_TRIPLE_NONE;
      }
      result |= bit[i];
    }
  }
  if (bindings[3] != NULL && (parts & RASQAL_TRIPLE_ORIGIN) && m->current_graph != NULL) {
    if (!set_var(m, bindings[3], m->current_graph)) {
      return RASQAL_TRIPLE_NONE;
    }
    result |= RASQAL_TRIPLE_ORIGIN;
  }
  return (rasqal_triple_parts)(result ? result : (unsigned)parts);
}

static void next_match(rasqal_triples_match *rtm, void *ud) {
  sq_match *m = rtm->user_data;
  (void)ud;
  if (m->is_collected) {
    m->pos++;
    m->is_done = m->pos >= m->e->nfound;
    return;
  }
  if (!m->is_done && m->stream != NULL) {
    librdf_stream_next(m->stream);
    match_settle(m);
  }
}

static int is_end(rasqal_triples_match *rtm, void *ud) {
  sq_match *m = rtm->user_data;
  (void)ud;
  return m == NULL || m->is_done;
}

static void finish_match(rasqal_triples_match *rtm, void *ud) {
  (void)ud;
  match_free(rtm->user_data);
  rtm->user_data = NULL;
}

static int init_triples_match(rasqal_triples_match *rtm, rasqal_triples_source *rts, void *ud,
                              rasqal_triple_meta *meta, rasqal_triple *t) {
  sq_source *src = ud;
  (void)rts;
  rtm->bind_match = bind_match;
  rtm->next_match = next_match;
  rtm->is_end = is_end;
  rtm->finish = finish_match;
  rtm->user_data = match_new(src, t, meta->bindings);
  return rtm->user_data == NULL;
}

static int triple_present(rasqal_triples_source *rts, void *ud, rasqal_triple *t) {
  sq_source *src = ud;
  (void)rts;
  sq_match *m = match_new(src, t, NULL);
  int found = m != NULL && !m->is_done;
  match_free(m);
  return found;
}

static void free_source(void *ud) {
  sq_source *src = ud;
  free(src->gvars);
  src->gvars = NULL;
  src->ngvars = 0;
}

/* Collects the variables of the GRAPH ?var in `gp` and its sub-patterns. 0 on
 * OOM. */
static int collect_gvars(sq_source *src, rasqal_graph_pattern *gp) {
  if (gp == NULL) {
    return 1;
  }
  if (rasqal_graph_pattern_get_operator(gp) == RASQAL_GRAPH_PATTERN_OPERATOR_GRAPH) {
    rasqal_literal *o = rasqal_graph_pattern_get_origin(gp);
    rasqal_variable *v = o ? rasqal_literal_as_variable(o) : NULL;
    int is_new = v != NULL;
    for (size_t i = 0; is_new && i < src->ngvars; i++) {
      is_new = src->gvars[i] != v;
    }
    if (is_new) {
      rasqal_variable **g = realloc(src->gvars, (src->ngvars + 1) * sizeof *g);
      if (g == NULL) {
        return 0;
      }
      src->gvars = g;
      src->gvars[src->ngvars++] = v;
    }
  }
  rasqal_graph_pattern *sub;
  for (int i = 0; (sub = rasqal_graph_pattern_get_sub_graph_pattern(gp, i)) != NULL; i++) {
    if (!collect_gvars(src, sub)) {
      return 0;
    }
  }
  return 1;
}

static int new_source(rasqal_query *q, void *factory_ud, void *ud, rasqal_triples_source *rts) {
  sq_source *src = ud;
  (void)factory_ud;
  src->d = rasqal_query_get_user_data(q);
  src->gvars = NULL;
  src->ngvars = 0;
  if (src->d == NULL) {
    return 1;
  }
  if (!collect_gvars(src, rasqal_query_get_query_graph_pattern(q))) {
    src->d->has_error = CUST_ERR_NOMEM;
    free_source(src);
    return 1;
  }
  rts->version = 1;
  rts->user_data = src;
  rts->init_triples_match = init_triples_match;
  rts->triple_present = triple_present;
  rts->free_triples_source = free_source;
  return 0;
}

static int register_factory(rasqal_triples_source_factory *f) {
  f->version = 1;
  f->user_data_size = sizeof(sq_source);
  f->new_triples_source = new_source;
  return 0;
}

int sq_source_register(rasqal_world *rw) {
  return rasqal_set_triples_source_factory(rw, register_factory, NULL);
}
