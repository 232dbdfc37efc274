/* The SPARQL 1.1 query parser: a recursive descent over the grammar of
 * section 19 (on the tokens of parse_lex.c) that translates each group as
 * soon as it is read, following section 18.2 of the recommendation:
 *
 *   group    { E1 E2 ... }   G := Z (UNIT); for each element E:
 *              triples        collected with the triples that follow (a FILTER
 *                             between them does not end the block); the block
 *                             becomes BGPs and PATHs joined in order, then
 *                             G := Join(G, block)
 *              FILTER(f)      collected, applied over the whole group at its end
 *              OPTIONAL {P}   G := LeftJoin(G, P', F) where P = Filter(F, P')
 *                             at the top of P's translation, else LeftJoin(G, P)
 *              MINUS {P}      G := Minus(G, P)
 *              BIND(e AS ?v)  G := Extend(G, ?v, e); ?v must not be in scope of G
 *              other          G := Join(G, E')  (groups, UNION, GRAPH, VALUES,
 *                             sub-SELECT)
 *            then G := Filter(filters, G) when there were filters.
 *   Join(Z, A) and Join(A, Z) are A (the simplification of 18.2.2.8).
 *
 *   query    G := where; Group (keys, aggregates) when there is a GROUP BY or
 *            an aggregate in SELECT, HAVING or ORDER BY; Filter(having);
 *            Join with the trailing VALUES; Extend per select expression;
 *            Order; Project; Distinct or Reduced; Slice.
 *
 * Blank nodes of patterns are hidden variables named "_:label" (labelled) or
 * ".bN" (anonymous, collections); path steps use ".pN", aggregate results
 * ".aggN", CONSTRUCT template labels "_t:label". No query can write these. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <strings.h>

#include "core/vocab.h"
#include "sparql/parse_int.h"
#include "sparql/value.h"

#define MAX_DEPTH 256

#define RDF_FIRST CUST_V_RDF "first"
#define RDF_REST CUST_V_RDF "rest"
#define RDF_NIL CUST_V_RDF "nil"

typedef struct prefix {
  const char *name; /* with its ':' */
  const char *iri;
} prefix;

/* one entry of a triples block: a triple, or a path node */
typedef struct titem {
  sq_triple t;
  sq_node *path; /* NULL: t */
} titem;

typedef struct tlist {
  titem *items;
  size_t n, cap;
} tlist;

/* what a SELECT (the query or a sub-select) collects before its translation */
typedef struct sel_item {
  int var;
  sq_expr *expr; /* NULL: the variable itself */
  const sq_tok *at;
} sel_item;

typedef struct sel {
  int is_distinct, is_reduced, is_star;
  sel_item *items;
  size_t nitems, capitems;
  sq_expr **keys;
  int *keyvars;
  size_t nkeys, capkeys, nkeyvars, capkeyvars;
  int has_group_by;
  sq_expr **having;
  size_t nhaving, caphaving;
  sq_expr **order;
  int *desc;
  size_t norder, caporder, ndesc, capdesc;
  uint64_t limit, offset;
  sq_node *values;
  sq_agg *aggs;
  size_t naggs, capaggs;
  const sq_tok *first_agg; /* where the first aggregate was written */
} sel;

typedef struct parser {
  const char *text;
  sq_tok *toks;
  size_t ntoks, i;
  sq_query *q;
  cust_arena *a;
  sq_parse_error *err;
  cust_status st;
  prefix *pfx;
  size_t npfx, cappfx;
  const char *base;
  /* variables: an open-addressing table of indexes + 1 over q->vars */
  int *vhash;
  size_t vhcap;
  size_t capvars;
  int *var_scope;        /* per var: the basic graph pattern of a blank node label */
  const sq_tok **var_at; /* per var: where a blank node label was first used */
  int scope, next_scope;
  int is_template; /* parsing a CONSTRUCT template: its blank nodes are its own */
  int no_paths;    /* a template or CONSTRUCT WHERE: verbs are IRIs, 'a' or variables */
  unsigned depth;
  unsigned nfresh;
  sel *cur; /* the SELECT whose aggregates are being collected */
  int agg_ok;
  tlist *sink; /* where triples go */
} parser;

/* ---- errors and tokens ---------------------------------------------------- */

static const sq_tok *tk(parser *p) {
  return &p->toks[p->i];
}

static const sq_tok *tk_at(parser *p, size_t k) {
  size_t j = p->i + k;
  return &p->toks[j < p->ntoks ? j : p->ntoks - 1];
}

static void advance(parser *p) {
  if (p->i + 1 < p->ntoks) {
    p->i++;
  }
}

static void *fail_at(parser *p, sq_parse_kind kind, const sq_tok *t, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void *fail_at(parser *p, sq_parse_kind kind, const sq_tok *t, const char *fmt, ...) {
  va_list ap;
  if (p->st != CUST_OK) {
    return NULL;
  }
  p->st = CUST_ERR_INVALID;
  p->err->kind = kind;
  p->err->line = t->line;
  p->err->col = t->col;
  va_start(ap, fmt);
  vsnprintf(p->err->message, sizeof p->err->message, fmt, ap);
  va_end(ap);
  return NULL;
}

/* "expected X, found Y" at the current token */
static void *expected(parser *p, const char *what) {
  char found[96];
  sq_tok_describe(tk(p), found, sizeof found);
  return fail_at(p, SQ_PARSE_SYNTAX, tk(p), "expected %s, found %s", what, found);
}

static void *nomem(parser *p) {
  if (p->st == CUST_OK) {
    p->st = CUST_ERR_NOMEM;
    sq_parse_seterr(p->err, SQ_PARSE_SYNTAX, tk(p)->line, tk(p)->col, "out of memory");
  }
  return NULL;
}

static int is_p(const sq_tok *t, const char *punct) {
  return t->kind == SQ_T_PUNCT && strcmp(t->text, punct) == 0;
}

static int is_kw(const sq_tok *t, const char *kw) {
  return t->kind == SQ_T_WORD && strcasecmp(t->text, kw) == 0;
}

static int accept_p(parser *p, const char *punct) {
  if (is_p(tk(p), punct)) {
    advance(p);
    return 1;
  }
  return 0;
}

static int accept_kw(parser *p, const char *kw) {
  if (is_kw(tk(p), kw)) {
    advance(p);
    return 1;
  }
  return 0;
}

static int expect_p(parser *p, const char *punct, const char *context) {
  char what[128];
  if (accept_p(p, punct)) {
    return 1;
  }
  snprintf(what, sizeof what, "'%s'%s%s", punct, context ? " " : "", context ? context : "");
  expected(p, what);
  return 0;
}

static int enter(parser *p) {
  if (++p->depth > MAX_DEPTH) {
    fail_at(p, SQ_PARSE_REFUSED, tk(p),
            "the query nests deeper than %d levels here: flatten its groups or expressions",
            MAX_DEPTH);
    return 0;
  }
  return 1;
}

static void leave(parser *p) {
  p->depth--;
}

/* ---- memory --------------------------------------------------------------- */

static void *zalloc(parser *p, size_t n) {
  void *x = cust_arena_alloc(p->a, n ? n : 1);
  if (x == NULL) {
    return nomem(p);
  }
  memset(x, 0, n ? n : 1);
  return x;
}

/* Room for one more element of an arena array: a pointer to it (zeroed). */
static void *grow(parser *p, void **arr, size_t *n, size_t *cap, size_t elem) {
  if (*n == *cap) {
    size_t c = *cap ? *cap * 2 : 4;
    char *x = cust_arena_alloc(p->a, c * elem);
    if (x == NULL) {
      return nomem(p);
    }
    if (*n) {
      memcpy(x, *arr, *n * elem);
    }
    *arr = x;
    *cap = c;
  }
  char *slot = (char *)*arr + (*n)++ * elem;
  memset(slot, 0, elem);
  return slot;
}

#define GROW(p, arr, n, cap) grow((p), (void **)&(arr), &(n), &(cap), sizeof *(arr))

static char *sdup(parser *p, const char *s) {
  char *d = cust_arena_strdup(p->a, s);
  return d ? d : nomem(p);
}

/* ---- variables ---------------------------------------------------------------- */

static size_t hash_str(const char *s) {
  size_t h = 5381;
  for (; *s != '\0'; s++) {
    h = h * 33 + (unsigned char)*s;
  }
  return h;
}

static int vhash_put(parser *p, int idx) {
  if ((p->q->nvars + 1) * 2 > p->vhcap) {
    size_t cap = p->vhcap ? p->vhcap * 2 : 64;
    int *h = cust_arena_alloc(p->a, cap * sizeof *h);
    if (h == NULL) {
      nomem(p);
      return 0;
    }
    memset(h, 0, cap * sizeof *h);
    for (size_t k = 0; k < p->vhcap; k++) {
      if (p->vhash[k]) {
        size_t j = hash_str(p->q->vars[p->vhash[k] - 1].name) & (cap - 1);
        while (h[j]) {
          j = (j + 1) & (cap - 1);
        }
        h[j] = p->vhash[k];
      }
    }
    p->vhash = h;
    p->vhcap = cap;
  }
  size_t j = hash_str(p->q->vars[idx].name) & (p->vhcap - 1);
  while (p->vhash[j]) {
    j = (j + 1) & (p->vhcap - 1);
  }
  p->vhash[j] = idx + 1;
  return 1;
}

static int var_find(parser *p, const char *name) {
  if (p->vhcap == 0) {
    return -1;
  }
  size_t j = hash_str(name) & (p->vhcap - 1);
  while (p->vhash[j]) {
    if (strcmp(p->q->vars[p->vhash[j] - 1].name, name) == 0) {
      return p->vhash[j] - 1;
    }
    j = (j + 1) & (p->vhcap - 1);
  }
  return -1;
}

/* The index of variable `name` (made when new); -1 on OOM. */
static int var_get(parser *p, const char *name, int is_hidden) {
  int v = var_find(p, name);
  if (v >= 0) {
    return v;
  }
  if (p->q->nvars == p->capvars) {
    size_t cap = p->capvars ? p->capvars * 2 : 16;
    sq_var *vars = cust_arena_alloc(p->a, cap * sizeof *vars);
    int *scope = cust_arena_alloc(p->a, cap * sizeof *scope);
    const sq_tok **at = cust_arena_alloc(p->a, cap * sizeof *at);
    if (vars == NULL || scope == NULL || at == NULL) {
      nomem(p);
      return -1;
    }
    if (p->q->nvars) {
      memcpy(vars, p->q->vars, p->q->nvars * sizeof *vars);
      memcpy(scope, p->var_scope, p->q->nvars * sizeof *scope);
      memcpy(at, p->var_at, p->q->nvars * sizeof *at);
    }
    p->q->vars = vars;
    p->var_scope = scope;
    p->var_at = at;
    p->capvars = cap;
  }
  v = (int)p->q->nvars;
  p->q->vars[v].name = sdup(p, name);
  p->q->vars[v].is_hidden = is_hidden;
  p->var_scope[v] = -1;
  p->var_at[v] = NULL;
  if (p->q->vars[v].name == NULL) {
    return -1;
  }
  p->q->nvars++;
  if (!vhash_put(p, v)) {
    return -1;
  }
  return v;
}

static int var_fresh(parser *p, const char *kind) {
  char name[32];
  snprintf(name, sizeof name, ".%s%u", kind, p->nfresh++);
  return var_get(p, name, 1);
}

/* The hidden variable of a blank node label, checking that one label stays
 * in one basic graph pattern. */
static int var_blank(parser *p, const sq_tok *t) {
  char *name = cust_arena_printf(p->a, "%s%s", p->is_template ? "_t:" : "_:", t->text);
  if (name == NULL) {
    nomem(p);
    return -1;
  }
  int v = var_get(p, name, 1);
  if (v < 0 || p->is_template) {
    return v;
  }
  if (p->var_scope[v] < 0) {
    p->var_scope[v] = p->scope;
    p->var_at[v] = t;
  } else if (p->var_scope[v] != p->scope) {
    fail_at(p, SQ_PARSE_SYNTAX, t,
            "blank node label '_:%s' is used in two basic graph patterns (first at line %u, "
            "column %u): use a variable to join them",
            t->text, p->var_at[v]->line, p->var_at[v]->col);
    return -1;
  }
  return v;
}

/* ---- IRIs ------------------------------------------------------------------------ */

typedef struct iri_parts {
  const char *scheme, *auth, *path, *query, *frag;
  size_t nscheme, nauth, npath, nquery, nfrag;
  int has_scheme, has_auth, has_query, has_frag;
} iri_parts;

static void iri_split(const char *s, iri_parts *r) {
  const char *c = s;
  memset(r, 0, sizeof *r);
  while ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
         (c > s && ((*c >= '0' && *c <= '9') || *c == '+' || *c == '-' || *c == '.'))) {
    c++;
  }
  if (c > s && *c == ':') {
    r->has_scheme = 1;
    r->scheme = s;
    r->nscheme = (size_t)(c - s);
    s = c + 1;
  }
  if (s[0] == '/' && s[1] == '/') {
    r->has_auth = 1;
    r->auth = s + 2;
    r->nauth = strcspn(s + 2, "/?#");
    s = r->auth + r->nauth;
  }
  r->path = s;
  r->npath = strcspn(s, "?#");
  s += r->npath;
  if (*s == '?') {
    r->has_query = 1;
    r->query = s + 1;
    r->nquery = strcspn(s + 1, "#");
    s = r->query + r->nquery;
  }
  if (*s == '#') {
    r->has_frag = 1;
    r->frag = s + 1;
    r->nfrag = strlen(s + 1);
  }
}

/* RFC 3986 5.2.4: remove_dot_segments of (in, n) appended to out */
static cust_status remove_dots(cust_buf *out, const char *in, size_t n) {
  size_t start = out->len;
  size_t i = 0;
  cust_status st = CUST_OK;
  while (i < n && st == CUST_OK) {
    const char *s = in + i;
    size_t left = n - i;
    if (left >= 3 && strncmp(s, "../", 3) == 0) {
      i += 3;
    } else if (left >= 2 && strncmp(s, "./", 2) == 0) {
      i += 2;
    } else if (left >= 3 && strncmp(s, "/./", 3) == 0) {
      i += 2; /* in[i] is now the '/' that replaces "/./" */
    } else if (left == 2 && strncmp(s, "/.", 2) == 0) {
      st = cust_buf_putc(out, '/');
      i = n;
    } else if ((left >= 4 && strncmp(s, "/../", 4) == 0) ||
               (left == 3 && strncmp(s, "/..", 3) == 0)) {
      while (out->len > start && out->data[out->len - 1] != '/') {
        out->len--;
      }
      if (out->len > start) {
        out->len--;
      }
      if (left == 3) {
        st = cust_buf_putc(out, '/');
        i = n;
      } else {
        i += 3;
      }
    } else if ((left == 1 && s[0] == '.') || (left == 2 && strncmp(s, "..", 2) == 0)) {
      i = n;
    } else {
      size_t k = (s[0] == '/') ? 1 : 0;
      while (k < left && s[k] != '/') {
        k++;
      }
      st = cust_buf_append(out, s, k);
      i += k;
    }
  }
  if (out->data != NULL) {
    out->data[out->len] = '\0';
  }
  return st;
}

/* `ref` resolved against `base` (RFC 3986 5.2.2) into the arena. */
static const char *iri_resolve(parser *p, const char *base, const char *ref) {
  iri_parts b, r;
  cust_buf o;
  cust_status st = CUST_OK;
  const char *res;
  iri_split(ref, &r);
  if (base == NULL || r.has_scheme) {
    return sdup(p, ref);
  }
  iri_split(base, &b);
  cust_buf_init(&o);
  if (b.has_scheme) {
    st = cust_buf_append(&o, b.scheme, b.nscheme);
    if (st == CUST_OK) {
      st = cust_buf_putc(&o, ':');
    }
  }
  if (r.has_auth) {
    if (st == CUST_OK) {
      st = cust_buf_printf(&o, "//%.*s", (int)r.nauth, r.auth);
    }
    if (st == CUST_OK) {
      st = remove_dots(&o, r.path, r.npath);
    }
    if (st == CUST_OK && r.has_query) {
      st = cust_buf_printf(&o, "?%.*s", (int)r.nquery, r.query);
    }
  } else {
    if (st == CUST_OK && b.has_auth) {
      st = cust_buf_printf(&o, "//%.*s", (int)b.nauth, b.auth);
    }
    if (r.npath == 0) {
      if (st == CUST_OK) {
        st = cust_buf_append(&o, b.path, b.npath);
      }
      if (st == CUST_OK && (r.has_query || b.has_query)) {
        st = r.has_query ? cust_buf_printf(&o, "?%.*s", (int)r.nquery, r.query)
                         : cust_buf_printf(&o, "?%.*s", (int)b.nquery, b.query);
      }
    } else {
      cust_buf merged;
      cust_buf_init(&merged);
      if (r.path[0] == '/') {
        st = st == CUST_OK ? cust_buf_append(&merged, r.path, r.npath) : st;
      } else {
        if (b.has_auth && b.npath == 0) {
          st = st == CUST_OK ? cust_buf_putc(&merged, '/') : st;
        } else {
          size_t k = b.npath;
          while (k > 0 && b.path[k - 1] != '/') {
            k--;
          }
          st = st == CUST_OK ? cust_buf_append(&merged, b.path, k) : st;
        }
        st = st == CUST_OK ? cust_buf_append(&merged, r.path, r.npath) : st;
      }
      if (st == CUST_OK) {
        st = remove_dots(&o, merged.data ? merged.data : "", merged.len);
      }
      cust_buf_release(&merged);
      if (st == CUST_OK && r.has_query) {
        st = cust_buf_printf(&o, "?%.*s", (int)r.nquery, r.query);
      }
    }
  }
  if (st == CUST_OK && r.has_frag) {
    st = cust_buf_printf(&o, "#%.*s", (int)r.nfrag, r.frag);
  }
  res = st == CUST_OK ? cust_arena_strndup(p->a, o.data ? o.data : "", o.len) : NULL;
  cust_buf_release(&o);
  return res ? res : nomem(p);
}

/* The usual IRI of a prefix the project's queries use, for the error that
 * names a missing PREFIX; "..." for others. */
static const char *known_prefix(const char *name) {
  static const struct {
    const char *name, *iri;
  } known[] = { { "rdf:", CUST_V_RDF },   { "rdfs:", "http://www.w3.org/2000/01/rdf-schema#" },
                { "xsd:", CUST_V_XSD },   { "owl:", "http://www.w3.org/2002/07/owl#" },
                { "prov:", CUST_V_PROV }, { "dcterms:", CUST_V_DCT },
                { "cred:", CUST_V_CRED }, { "sec:", CUST_V_SEC },
                { "cust:", CUST_V_CUST } };
  for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
    if (strcmp(known[k].name, name) == 0) {
      return known[k].iri;
    }
  }
  return "...";
}

/* The IRI of an IRIREF or prefixed name token (the current one); NULL with
 * an error when it is neither or its prefix is not declared. */
static const char *parse_iri(parser *p) {
  const sq_tok *t = tk(p);
  if (t->kind == SQ_T_IRI) {
    advance(p);
    return iri_resolve(p, p->base, t->text);
  }
  if (t->kind == SQ_T_PNAME) {
    for (size_t k = p->npfx; k-- > 0;) {
      if (strcmp(p->pfx[k].name, t->text) == 0) {
        size_t n1 = strlen(p->pfx[k].iri), n2 = strlen(t->text2);
        char *iri = cust_arena_alloc(p->a, n1 + n2 + 1);
        if (iri == NULL) {
          return nomem(p);
        }
        memcpy(iri, p->pfx[k].iri, n1);
        memcpy(iri + n1, t->text2, n2 + 1);
        advance(p);
        return iri;
      }
    }
    return fail_at(p, SQ_PARSE_SYNTAX, t,
                   "prefix '%s' is not declared: add PREFIX %s <%s> before the query", t->text,
                   t->text, known_prefix(t->text));
  }
  return expected(p, "an IRI");
}

static int is_iri_tok(const sq_tok *t) {
  return t->kind == SQ_T_IRI || t->kind == SQ_T_PNAME;
}

/* ---- literals ------------------------------------------------------------------- */

static int is_number_tok(const sq_tok *t) {
  return t->kind == SQ_T_INTEGER || t->kind == SQ_T_DECIMAL || t->kind == SQ_T_DOUBLE;
}

static const char *number_type(sq_tok_kind k) {
  return k == SQ_T_INTEGER   ? CUST_V_XSD "integer"
         : k == SQ_T_DECIMAL ? CUST_V_XSD "decimal"
                             : CUST_V_XSD "double";
}

/* a '+' or '-' written right before a number: one signed literal */
static int is_signed_number(parser *p) {
  const sq_tok *t = tk(p), *n = tk_at(p, 1);
  return (is_p(t, "+") || is_p(t, "-")) && is_number_tok(n) && n->start == t->end;
}

/* A literal at the current token (string, number, boolean); 0 with no
 * error when the token starts none. */
static int parse_literal(parser *p, cust_term *out) {
  const sq_tok *t = tk(p);
  memset(out, 0, sizeof *out);
  if (t->kind == SQ_T_STRING) {
    advance(p);
    out->kind = CUST_TERM_LITERAL;
    out->value = t->text;
    out->len = t->len;
    if (tk(p)->kind == SQ_T_LANG) {
      out->lang = tk(p)->text;
      advance(p);
    } else if (accept_p(p, "^^")) {
      out->datatype = parse_iri(p);
      if (out->datatype == NULL) {
        return -1;
      }
    }
    return 1;
  }
  if (is_number_tok(t) || is_signed_number(p)) {
    const char *sign = "";
    if (!is_number_tok(t)) {
      sign = t->text;
      advance(p);
      t = tk(p);
    }
    advance(p);
    out->kind = CUST_TERM_LITERAL;
    out->value = cust_arena_printf(p->a, "%s%s", sign, t->text);
    if (out->value == NULL) {
      nomem(p);
      return -1;
    }
    out->len = strlen(out->value);
    out->datatype = number_type(t->kind);
    return 1;
  }
  if (is_kw(t, "true") || is_kw(t, "false")) {
    advance(p);
    out->kind = CUST_TERM_LITERAL;
    out->value = is_kw(t, "true") ? "true" : "false";
    out->len = strlen(out->value);
    out->datatype = CUST_V_XSD "boolean";
    return 1;
  }
  return 0;
}

/* ---- nodes ------------------------------------------------------------------------ */

static sq_node *node_new(parser *p, sq_node_kind kind) {
  sq_node *n = zalloc(p, sizeof *n);
  if (n != NULL) {
    n->kind = kind;
    n->limit = UINT64_MAX;
  }
  return n;
}

static int is_unit(const sq_node *n) {
  return n->kind == SQ_N_UNIT || (n->kind == SQ_N_BGP && n->ntriples == 0);
}

static sq_node *node2(parser *p, sq_node_kind kind, sq_node *a, sq_node *b) {
  sq_node *n = node_new(p, kind);
  if (n != NULL) {
    n->sub[0] = a;
    n->sub[1] = b;
  }
  return n;
}

static sq_node *join(parser *p, sq_node *a, sq_node *b) {
  if (a == NULL || b == NULL) {
    return NULL;
  }
  if (is_unit(a)) {
    return b;
  }
  if (is_unit(b)) {
    return a;
  }
  return node2(p, SQ_N_JOIN, a, b);
}

static sq_expr *expr_new(parser *p, sq_expr_kind kind, const sq_tok *at) {
  sq_expr *e = zalloc(p, sizeof *e);
  if (e != NULL) {
    e->kind = kind;
    e->var = -1;
    e->line = at->line;
    e->col = at->col;
  }
  return e;
}

static int expr_add_arg(parser *p, sq_expr *e, sq_expr *arg, size_t *cap) {
  sq_expr **slot;
  if (arg == NULL) {
    return 0;
  }
  slot = GROW(p, e->args, e->nargs, *cap);
  if (slot == NULL) {
    return 0;
  }
  *slot = arg;
  return 1;
}

static sq_expr *expr2(parser *p, sq_expr_kind kind, const sq_tok *at, sq_expr *a, sq_expr *b) {
  sq_expr *e;
  size_t cap = 0;
  if (a == NULL || (b == NULL && kind != SQ_E_NOT && kind != SQ_E_NEG && kind != SQ_E_PLUS)) {
    return NULL;
  }
  e = expr_new(p, kind, at);
  if (e == NULL || !expr_add_arg(p, e, a, &cap) || (b != NULL && !expr_add_arg(p, e, b, &cap))) {
    return NULL;
  }
  return e;
}

/* ---- the in-scope variables of a pattern (18.2.1) --------------------------------- */

static void scope_pt(const sq_pt *t, unsigned char *set) {
  if (t->var >= 0) {
    set[t->var] = 1;
  }
}

static void scope_of(const sq_node *n, unsigned char *set) {
  if (n == NULL) {
    return;
  }
  switch (n->kind) {
    case SQ_N_BGP:
      for (size_t k = 0; k < n->ntriples; k++) {
        scope_pt(&n->triples[k].s, set);
        scope_pt(&n->triples[k].p, set);
        scope_pt(&n->triples[k].o, set);
      }
      break;
    case SQ_N_PATH:
      scope_pt(&n->path_s, set);
      scope_pt(&n->path_o, set);
      break;
    case SQ_N_JOIN:
    case SQ_N_LEFTJOIN:
    case SQ_N_UNION:
      scope_of(n->sub[0], set);
      scope_of(n->sub[1], set);
      break;
    case SQ_N_GRAPH:
      scope_pt(&n->graph, set);
      scope_of(n->sub[0], set);
      break;
    case SQ_N_EXTEND:
      set[n->var] = 1;
      scope_of(n->sub[0], set);
      break;
    case SQ_N_TABLE:
    case SQ_N_PROJECT:
      for (size_t k = 0; k < n->nvars; k++) {
        set[n->vars[k]] = 1;
      }
      break;
    case SQ_N_GROUP:
      for (size_t k = 0; k < n->nexprs; k++) {
        if (n->group_vars[k] >= 0) {
          set[n->group_vars[k]] = 1;
        }
      }
      for (size_t k = 0; k < n->naggs; k++) {
        set[n->agg_vars[k]] = 1;
      }
      break;
    case SQ_N_UNIT:
      break;
    default: /* MINUS, FILTER, ORDER, DISTINCT, REDUCED, SLICE */
      scope_of(n->sub[0], set);
      break;
  }
}

/* Whether `var` is in scope of `n` */
static int in_scope(parser *p, const sq_node *n, int var) {
  unsigned char *set = zalloc(p, p->q->nvars + 1);
  if (set == NULL) {
    return 0;
  }
  scope_of(n, set);
  return set[var];
}

/* ---- expressions -------------------------------------------------------------------- */

static sq_expr *parse_expr(parser *p);
static sq_node *parse_group(parser *p);
static sq_path *parse_path_alt(parser *p);

static int parse_var_tok(parser *p) {
  if (tk(p)->kind != SQ_T_VAR) {
    expected(p, "a variable");
    return -1;
  }
  int v = var_get(p, tk(p)->text, 0);
  advance(p);
  return v;
}

/* '(' Expression (',' Expression)* ')' or NIL into e->args */
static int parse_arglist(parser *p, sq_expr *e, int allow_distinct) {
  size_t cap = 0;
  if (!expect_p(p, "(", "to open the arguments")) {
    return 0;
  }
  if (accept_p(p, ")")) {
    return 1;
  }
  if (allow_distinct) {
    accept_kw(p, "DISTINCT");
  }
  do {
    if (!expr_add_arg(p, e, parse_expr(p), &cap)) {
      return 0;
    }
  } while (accept_p(p, ","));
  return expect_p(p, ")", "to close the arguments");
}

typedef struct builtin {
  const char *name;
  int min, max; /* max -1: any number */
} builtin;

/* The built-ins that are special forms of the evaluator; the functions of
 * 17.4 and their arities are func.c's (sq_func_arity). */
static const builtin special_forms[] = {
  { "COALESCE", 0, -1 },
  { "IF", 3, 3 },
};

static const char *const agg_names[] = { "COUNT", "SUM",    "MIN",         "MAX",
                                         "AVG",   "SAMPLE", "GROUP_CONCAT" };

/* Whether the token names a built-in call (not BOUND, EXISTS or an
 * aggregate, which have forms of their own); fills `out` when it does. */
static int find_builtin(const sq_tok *t, builtin *out) {
  if (t->kind != SQ_T_WORD) {
    return 0;
  }
  for (size_t k = 0; k < sizeof special_forms / sizeof special_forms[0]; k++) {
    if (strcasecmp(t->text, special_forms[k].name) == 0) {
      *out = special_forms[k];
      return 1;
    }
  }
  out->name = sq_func_arity(t->text, &out->min, &out->max);
  return out->name != NULL;
}

static int is_builtin_tok(const sq_tok *t) {
  builtin unused;
  return find_builtin(t, &unused);
}

static int find_agg(const sq_tok *t) {
  if (t->kind != SQ_T_WORD) {
    return -1;
  }
  for (size_t k = 0; k < sizeof agg_names / sizeof agg_names[0]; k++) {
    if (strcasecmp(t->text, agg_names[k]) == 0) {
      return (int)k;
    }
  }
  return -1;
}

static int expr_equal(const sq_expr *a, const sq_expr *b) {
  if (a == NULL || b == NULL) {
    return a == b;
  }
  if (a->kind != b->kind || a->var != b->var || a->nargs != b->nargs || a->agg != b->agg ||
      a->pattern != b->pattern) {
    return 0;
  }
  if (a->kind == SQ_E_CONST && !cust_term_equal(&a->term, &b->term)) {
    return 0;
  }
  if ((a->fn == NULL) != (b->fn == NULL) || (a->fn != NULL && strcmp(a->fn, b->fn) != 0)) {
    return 0;
  }
  for (size_t k = 0; k < a->nargs; k++) {
    if (!expr_equal(a->args[k], b->args[k])) {
      return 0;
    }
  }
  return 1;
}

static sq_expr *parse_aggregate(parser *p, int which) {
  const sq_tok *at = tk(p);
  sq_agg ag;
  sq_expr *e;
  memset(&ag, 0, sizeof ag);
  ag.kind = (sq_agg_kind)which;
  if (!p->agg_ok || p->cur == NULL) {
    return fail_at(p, SQ_PARSE_SYNTAX, at,
                   "aggregate %s is not allowed here: aggregates belong in SELECT, HAVING and "
                   "ORDER BY",
                   agg_names[which]);
  }
  advance(p);
  if (!expect_p(p, "(", "after the aggregate's name")) {
    return NULL;
  }
  ag.distinct = accept_kw(p, "DISTINCT");
  if (ag.kind == SQ_AGG_COUNT && accept_p(p, "*")) {
    ag.expr = NULL;
  } else {
    p->agg_ok = 0;
    ag.expr = parse_expr(p);
    p->agg_ok = 1;
    if (ag.expr == NULL) {
      return NULL;
    }
  }
  if (ag.kind == SQ_AGG_GROUP_CONCAT) {
    ag.separator = " ";
    if (accept_p(p, ";")) {
      if (!accept_kw(p, "SEPARATOR")) {
        return expected(p, "SEPARATOR");
      }
      if (!expect_p(p, "=", "after SEPARATOR")) {
        return NULL;
      }
      if (tk(p)->kind != SQ_T_STRING) {
        return expected(p, "a string as the separator");
      }
      ag.separator = tk(p)->text;
      advance(p);
    }
  }
  if (!expect_p(p, ")", "to close the aggregate")) {
    return NULL;
  }
  sel *s = p->cur;
  size_t k;
  for (k = 0; k < s->naggs; k++) {
    const sq_agg *o = &s->aggs[k];
    if (o->kind == ag.kind && o->distinct == ag.distinct && expr_equal(o->expr, ag.expr) &&
        ((o->separator == NULL && ag.separator == NULL) ||
         (o->separator != NULL && ag.separator != NULL &&
          strcmp(o->separator, ag.separator) == 0))) {
      break;
    }
  }
  if (k == s->naggs) {
    sq_agg *slot = GROW(p, s->aggs, s->naggs, s->capaggs);
    if (slot == NULL) {
      return NULL;
    }
    *slot = ag;
    if (s->first_agg == NULL) {
      s->first_agg = at;
    }
  }
  e = expr_new(p, SQ_E_AGG, at);
  if (e != NULL) {
    e->agg = k;
  }
  return e;
}

static sq_expr *parse_exists(parser *p, sq_expr_kind kind, const sq_tok *at) {
  sq_expr *e = expr_new(p, kind, at);
  sel *saved = p->cur;
  int saved_ok = p->agg_ok;
  if (e == NULL) {
    return NULL;
  }
  p->agg_ok = 0;
  e->pattern = parse_group(p);
  p->cur = saved;
  p->agg_ok = saved_ok;
  return e->pattern ? e : NULL;
}

/* A built-in call, aggregate, EXISTS or NOT EXISTS at the current token; 0
 * when the token is no built-in. */
static sq_expr *parse_builtin(parser *p, int *is_builtin) {
  const sq_tok *at = tk(p);
  builtin bi;
  const builtin *b = find_builtin(at, &bi) ? &bi : NULL;
  int agg = find_agg(at);
  sq_expr *e;
  *is_builtin = 1;
  if (agg >= 0) {
    return parse_aggregate(p, agg);
  }
  if (is_kw(at, "EXISTS")) {
    advance(p);
    return parse_exists(p, SQ_E_EXISTS, at);
  }
  if (is_kw(at, "NOT") && is_kw(tk_at(p, 1), "EXISTS")) {
    advance(p);
    advance(p);
    return parse_exists(p, SQ_E_NOT_EXISTS, at);
  }
  if (is_kw(at, "BOUND")) {
    advance(p);
    if (!expect_p(p, "(", "after BOUND")) {
      return NULL;
    }
    e = expr_new(p, SQ_E_BOUND, at);
    if (e == NULL) {
      return NULL;
    }
    e->var = parse_var_tok(p);
    if (e->var < 0 || !expect_p(p, ")", "to close BOUND")) {
      return NULL;
    }
    return e;
  }
  if (b == NULL) {
    *is_builtin = 0;
    return NULL;
  }
  advance(p);
  if (!is_p(tk(p), "(")) {
    char what[64];
    snprintf(what, sizeof what, "'(' after %s", b->name);
    return expected(p, what);
  }
  if (strcmp(b->name, "IF") == 0) {
    e = expr_new(p, SQ_E_IF, at);
  } else if (strcmp(b->name, "COALESCE") == 0) {
    e = expr_new(p, SQ_E_COALESCE, at);
  } else {
    e = expr_new(p, SQ_E_CALL, at);
    if (e != NULL) {
      /* URI and isURI are other names of IRI and isIRI */
      e->fn = strcmp(b->name, "URI") == 0     ? "IRI"
              : strcmp(b->name, "ISURI") == 0 ? "ISIRI"
                                              : b->name;
    }
  }
  if (e == NULL || !parse_arglist(p, e, 0)) {
    return NULL;
  }
  if (e->kind == SQ_E_CALL) {
    e->fn_id = sq_func_find(e->fn, e->nargs, NULL, 0);
  }
  if (e->nargs < (size_t)b->min || (b->max >= 0 && e->nargs > (size_t)b->max)) {
    char arity[160];
    sq_func_arity_text(b->name, b->min, b->max, arity, sizeof arity);
    return fail_at(p, SQ_PARSE_SYNTAX, at, "%s, found %zu", arity, e->nargs);
  }
  return e;
}

static sq_expr *parse_primary(parser *p) {
  const sq_tok *at = tk(p);
  sq_expr *e;
  int is_builtin = 0;
  cust_term lit;
  int r;
  if (accept_p(p, "(")) {
    e = parse_expr(p);
    if (e == NULL || !expect_p(p, ")", "to close the parenthesis")) {
      return NULL;
    }
    return e;
  }
  if (at->kind == SQ_T_VAR) {
    e = expr_new(p, SQ_E_VAR, at);
    if (e != NULL && (e->var = parse_var_tok(p)) < 0) {
      return NULL;
    }
    return e;
  }
  if (is_iri_tok(at)) {
    const char *iri = parse_iri(p);
    if (iri == NULL) {
      return NULL;
    }
    if (is_p(tk(p), "(")) {
      e = expr_new(p, SQ_E_CALL, at);
      if (e == NULL) {
        return NULL;
      }
      e->fn = iri;
      if (!enter(p)) {
        return NULL;
      }
      r = parse_arglist(p, e, 1);
      leave(p);
      if (r) {
        e->fn_id = sq_func_find(e->fn, e->nargs, NULL, 0);
      }
      return r ? e : NULL;
    }
    e = expr_new(p, SQ_E_CONST, at);
    if (e != NULL) {
      e->term = cust_term_iri(iri);
    }
    return e;
  }
  r = parse_literal(p, &lit);
  if (r < 0) {
    return NULL;
  }
  if (r > 0) {
    e = expr_new(p, SQ_E_CONST, at);
    if (e != NULL) {
      e->term = lit;
    }
    return e;
  }
  if (!enter(p)) {
    return NULL;
  }
  e = parse_builtin(p, &is_builtin);
  leave(p);
  if (is_builtin) {
    return e;
  }
  return expected(p, "an expression");
}

static sq_expr *parse_unary(parser *p) {
  const sq_tok *at = tk(p);
  sq_expr *e;
  if (is_signed_number(p)) {
    return parse_primary(p);
  }
  if (is_p(at, "!") || is_p(at, "-") || is_p(at, "+")) {
    sq_expr_kind k = is_p(at, "!") ? SQ_E_NOT : is_p(at, "-") ? SQ_E_NEG : SQ_E_PLUS;
    advance(p);
    e = parse_primary(p);
    return expr2(p, k, at, e, NULL);
  }
  return parse_primary(p);
}

static sq_expr *parse_mul(parser *p) {
  sq_expr *e = parse_unary(p);
  while (e != NULL) {
    const sq_tok *at = tk(p);
    if (accept_p(p, "*")) {
      e = expr2(p, SQ_E_MUL, at, e, parse_unary(p));
    } else if (accept_p(p, "/")) {
      e = expr2(p, SQ_E_DIV, at, e, parse_unary(p));
    } else {
      break;
    }
  }
  return e;
}

static sq_expr *parse_add(parser *p) {
  sq_expr *e = parse_mul(p);
  while (e != NULL) {
    const sq_tok *at = tk(p);
    if (accept_p(p, "+")) {
      e = expr2(p, SQ_E_ADD, at, e, parse_mul(p));
    } else if (accept_p(p, "-")) {
      e = expr2(p, SQ_E_SUB, at, e, parse_mul(p));
    } else {
      break;
    }
  }
  return e;
}

static sq_expr *parse_rel(parser *p) {
  static const struct {
    const char *op;
    sq_expr_kind kind;
  } ops[] = { { "=", SQ_E_EQ }, { "!=", SQ_E_NE }, { "<", SQ_E_LT },
              { ">", SQ_E_GT }, { "<=", SQ_E_LE }, { ">=", SQ_E_GE } };
  sq_expr *e = parse_add(p);
  const sq_tok *at = tk(p);
  if (e == NULL) {
    return NULL;
  }
  for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
    if (accept_p(p, ops[k].op)) {
      return expr2(p, ops[k].kind, at, e, parse_add(p));
    }
  }
  if (is_kw(at, "IN") || (is_kw(at, "NOT") && is_kw(tk_at(p, 1), "IN"))) {
    sq_expr *in = expr_new(p, is_kw(at, "IN") ? SQ_E_IN : SQ_E_NOT_IN, at);
    size_t cap = 0;
    if (in == NULL || !expr_add_arg(p, in, e, &cap)) {
      return NULL;
    }
    advance(p);
    if (in->kind == SQ_E_NOT_IN) {
      advance(p);
    }
    if (!expect_p(p, "(", "to open the list of IN")) {
      return NULL;
    }
    if (!accept_p(p, ")")) {
      do {
        if (!expr_add_arg(p, in, parse_expr(p), &cap)) {
          return NULL;
        }
      } while (accept_p(p, ","));
      if (!expect_p(p, ")", "to close the list of IN")) {
        return NULL;
      }
    }
    return in;
  }
  return e;
}

static sq_expr *parse_and(parser *p) {
  sq_expr *e = parse_rel(p);
  while (e != NULL) {
    const sq_tok *at = tk(p);
    if (!accept_p(p, "&&")) {
      break;
    }
    e = expr2(p, SQ_E_AND, at, e, parse_rel(p));
  }
  return e;
}

static sq_expr *parse_expr(parser *p) {
  sq_expr *e;
  if (!enter(p)) {
    return NULL;
  }
  e = parse_and(p);
  while (e != NULL) {
    const sq_tok *at = tk(p);
    if (!accept_p(p, "||")) {
      break;
    }
    e = expr2(p, SQ_E_OR, at, e, parse_and(p));
  }
  leave(p);
  return e;
}

/* Constraint: a bracketted expression, a built-in call or a function call */
static sq_expr *parse_constraint(parser *p) {
  const sq_tok *at = tk(p);
  if (is_p(at, "(")) {
    return parse_primary(p);
  }
  if (is_iri_tok(at) && is_p(tk_at(p, 1), "(")) {
    return parse_primary(p);
  }
  if (is_builtin_tok(at) || find_agg(at) >= 0 || is_kw(at, "EXISTS") || is_kw(at, "BOUND") ||
      (is_kw(at, "NOT") && is_kw(tk_at(p, 1), "EXISTS"))) {
    return parse_primary(p);
  }
  return expected(p, "'(' or a function call");
}

/* ---- triples and paths ----------------------------------------------------------- */

static int add_triple(parser *p, sq_pt s, sq_pt pr, sq_pt o) {
  titem *it = GROW(p, p->sink->items, p->sink->n, p->sink->cap);
  if (it == NULL) {
    return 0;
  }
  it->t.s = s;
  it->t.p = pr;
  it->t.o = o;
  return 1;
}

static sq_pt pt_var(int v) {
  sq_pt t;
  memset(&t, 0, sizeof t);
  t.var = v;
  return t;
}

static sq_pt pt_iri(const char *iri) {
  sq_pt t;
  memset(&t, 0, sizeof t);
  t.var = -1;
  t.term = cust_term_iri(iri);
  return t;
}

/* s path o into the sink: links as triples, inverses swapped, sequences
 * through fresh variables; everything else a PATH node (18.2.2.4). */
static int emit_path(parser *p, sq_pt s, sq_path *path, sq_pt o) {
  switch (path->kind) {
    case SQ_PATH_LINK:
      return add_triple(p, s, pt_iri(path->iri), o);
    case SQ_PATH_INV:
      return emit_path(p, o, path->sub[0], s);
    case SQ_PATH_SEQ: {
      sq_pt cur = s;
      for (size_t k = 0; k < path->nsub; k++) {
        sq_pt next = o;
        if (k + 1 < path->nsub) {
          int v = var_fresh(p, "p");
          if (v < 0) {
            return 0;
          }
          next = pt_var(v);
        }
        if (!emit_path(p, cur, path->sub[k], next)) {
          return 0;
        }
        cur = next;
      }
      return 1;
    }
    default: {
      titem *it;
      sq_node *n = node_new(p, SQ_N_PATH);
      if (n == NULL) {
        return 0;
      }
      n->path_s = s;
      n->path_o = o;
      n->path = path;
      it = GROW(p, p->sink->items, p->sink->n, p->sink->cap);
      if (it == NULL) {
        return 0;
      }
      it->path = n;
      return 1;
    }
  }
}

static sq_path *path_new(parser *p, sq_path_kind kind) {
  sq_path *x = zalloc(p, sizeof *x);
  if (x != NULL) {
    x->kind = kind;
  }
  return x;
}

static int path_add(parser *p, sq_path *x, sq_path *sub, size_t *cap) {
  sq_path **slot;
  if (sub == NULL) {
    return 0;
  }
  slot = GROW(p, x->sub, x->nsub, *cap);
  if (slot == NULL) {
    return 0;
  }
  *slot = sub;
  return 1;
}

static sq_path *path_wrap(parser *p, sq_path_kind kind, sq_path *sub) {
  size_t cap = 0;
  sq_path *x;
  if (sub == NULL) {
    return NULL;
  }
  x = path_new(p, kind);
  if (x == NULL || !path_add(p, x, sub, &cap)) {
    return NULL;
  }
  return x;
}

/* iri or 'a' */
static const char *parse_path_iri(parser *p) {
  if (tk(p)->kind == SQ_T_WORD && strcmp(tk(p)->text, "a") == 0) {
    advance(p);
    return CUST_V_TYPE;
  }
  if (!is_iri_tok(tk(p))) {
    return expected(p, "an IRI or 'a' in a property path");
  }
  return parse_iri(p);
}

static int nps_one(parser *p, sq_path *x, size_t *cap, size_t *capinv) {
  int is_inv = accept_p(p, "^");
  const char *iri = parse_path_iri(p);
  const char **slot;
  if (iri == NULL) {
    return 0;
  }
  slot = is_inv ? GROW(p, x->inv_iris, x->ninv, *capinv) : GROW(p, x->iris, x->niris, *cap);
  if (slot == NULL) {
    return 0;
  }
  *slot = iri;
  return 1;
}

static sq_path *parse_path_primary(parser *p) {
  if (accept_p(p, "!")) {
    sq_path *x = path_new(p, SQ_PATH_NPS);
    size_t cap = 0, capinv = 0;
    if (x == NULL) {
      return NULL;
    }
    if (accept_p(p, "(")) {
      if (accept_p(p, ")")) {
        return x;
      }
      do {
        if (!nps_one(p, x, &cap, &capinv)) {
          return NULL;
        }
      } while (accept_p(p, "|"));
      return expect_p(p, ")", "to close the negated property set") ? x : NULL;
    }
    return nps_one(p, x, &cap, &capinv) ? x : NULL;
  }
  if (accept_p(p, "(")) {
    sq_path *x;
    if (!enter(p)) {
      return NULL;
    }
    x = parse_path_alt(p);
    leave(p);
    if (x == NULL || !expect_p(p, ")", "to close the path")) {
      return NULL;
    }
    return x;
  }
  const char *iri = parse_path_iri(p);
  sq_path *x;
  if (iri == NULL) {
    return NULL;
  }
  x = path_new(p, SQ_PATH_LINK);
  if (x != NULL) {
    x->iri = iri;
  }
  return x;
}

static sq_path *parse_path_elt(parser *p) {
  int is_inv = accept_p(p, "^");
  sq_path *x = parse_path_primary(p);
  if (x == NULL) {
    return NULL;
  }
  /* a '?' right after the path is its modifier; "?name" would have been a
   * variable token */
  if (is_p(tk(p), "*")) {
    advance(p);
    x = path_wrap(p, SQ_PATH_STAR, x);
  } else if (is_p(tk(p), "+")) {
    advance(p);
    x = path_wrap(p, SQ_PATH_PLUS, x);
  } else if (is_p(tk(p), "?")) {
    advance(p);
    x = path_wrap(p, SQ_PATH_OPT, x);
  }
  return is_inv ? path_wrap(p, SQ_PATH_INV, x) : x;
}

static sq_path *parse_path_seq(parser *p) {
  sq_path *first = parse_path_elt(p), *x;
  size_t cap = 0;
  if (first == NULL || !is_p(tk(p), "/")) {
    return first;
  }
  x = path_new(p, SQ_PATH_SEQ);
  if (x == NULL || !path_add(p, x, first, &cap)) {
    return NULL;
  }
  while (accept_p(p, "/")) {
    if (!path_add(p, x, parse_path_elt(p), &cap)) {
      return NULL;
    }
  }
  return x;
}

static sq_path *parse_path_alt(parser *p) {
  sq_path *first = parse_path_seq(p), *x;
  size_t cap = 0;
  if (first == NULL || !is_p(tk(p), "|")) {
    return first;
  }
  x = path_new(p, SQ_PATH_ALT);
  if (x == NULL || !path_add(p, x, first, &cap)) {
    return NULL;
  }
  while (accept_p(p, "|")) {
    if (!path_add(p, x, parse_path_seq(p), &cap)) {
      return NULL;
    }
  }
  return x;
}

static int parse_property_list(parser *p, sq_pt s, int is_optional);

static int starts_term(parser *p) {
  const sq_tok *t = tk(p);
  return t->kind == SQ_T_VAR || is_iri_tok(t) || t->kind == SQ_T_BLANK || t->kind == SQ_T_STRING ||
         is_number_tok(t) || is_signed_number(p) || is_kw(t, "true") || is_kw(t, "false") ||
         is_p(t, "[") || is_p(t, "(");
}

/* A graph node (VarOrTerm or a triples node) as a place in a triple; its own
 * triples (collections, [ ... ]) go to the sink first. */
static int parse_node(parser *p, sq_pt *out) {
  const sq_tok *t = tk(p);
  cust_term lit;
  int r;
  memset(out, 0, sizeof *out);
  out->var = -1;
  if (t->kind == SQ_T_VAR) {
    out->var = parse_var_tok(p);
    return out->var >= 0;
  }
  if (t->kind == SQ_T_BLANK) {
    out->var = var_blank(p, t);
    advance(p);
    return out->var >= 0;
  }
  if (is_iri_tok(t)) {
    const char *iri = parse_iri(p);
    if (iri == NULL) {
      return 0;
    }
    out->term = cust_term_iri(iri);
    return 1;
  }
  if (is_p(t, "[")) {
    advance(p);
    out->var = var_fresh(p, "b");
    if (out->var < 0) {
      return 0;
    }
    if (accept_p(p, "]")) {
      return 1;
    }
    if (!enter(p)) {
      return 0;
    }
    r = parse_property_list(p, *out, 0);
    leave(p);
    return r && expect_p(p, "]", "to close the blank node's property list");
  }
  if (is_p(t, "(")) {
    advance(p);
    if (accept_p(p, ")")) {
      *out = pt_iri(RDF_NIL);
      return 1;
    }
    if (!enter(p)) {
      return 0;
    }
    sq_pt head = pt_var(-1), prev = pt_var(-1);
    while (!accept_p(p, ")")) {
      sq_pt item, cell;
      int v = var_fresh(p, "b");
      if (v < 0) {
        return 0;
      }
      cell = pt_var(v);
      if (!parse_node(p, &item)) {
        return 0;
      }
      if (head.var < 0) {
        head = cell;
      } else if (!add_triple(p, prev, pt_iri(RDF_REST), cell)) {
        return 0;
      }
      if (!add_triple(p, cell, pt_iri(RDF_FIRST), item)) {
        return 0;
      }
      prev = cell;
    }
    leave(p);
    if (!add_triple(p, prev, pt_iri(RDF_REST), pt_iri(RDF_NIL))) {
      return 0;
    }
    *out = head;
    return 1;
  }
  r = parse_literal(p, &lit);
  if (r < 0) {
    return 0;
  }
  if (r == 0) {
    expected(p, "a variable, an IRI, a literal or a blank node");
    return 0;
  }
  out->term = lit;
  return 1;
}

/* (Verb ObjectList) ( ';' (Verb ObjectList)? )* for subject s */
static int parse_property_list(parser *p, sq_pt s, int is_optional) {
  int any = 0;
  for (;;) {
    const sq_tok *t = tk(p);
    sq_path *path = NULL;
    sq_pt verb = pt_var(-1);
    if (t->kind == SQ_T_VAR) {
      verb.var = parse_var_tok(p);
      if (verb.var < 0) {
        return 0;
      }
    } else if (is_iri_tok(t) || (t->kind == SQ_T_WORD && strcmp(t->text, "a") == 0) ||
               is_p(t, "^") || is_p(t, "!") || is_p(t, "(")) {
      path = parse_path_alt(p);
      if (path == NULL) {
        return 0;
      }
      if (p->no_paths && path->kind != SQ_PATH_LINK) {
        fail_at(p, SQ_PARSE_SYNTAX, t, "a property path is not allowed in a CONSTRUCT template");
        return 0;
      }
    } else if (!any && is_optional) {
      return 1;
    } else if (any) {
      /* a ';' may end the list */
      return 1;
    } else {
      expected(p, "a property (an IRI, 'a', a variable or a path)");
      return 0;
    }
    any = 1;
    do {
      sq_pt o;
      if (!parse_node(p, &o)) {
        return 0;
      }
      if (path != NULL) {
        if (!emit_path(p, s, path, o)) {
          return 0;
        }
      } else if (!add_triple(p, s, verb, o)) {
        return 0;
      }
    } while (accept_p(p, ","));
    if (!is_p(tk(p), ";")) {
      return 1;
    }
    while (accept_p(p, ";")) {
    }
  }
}

/* TriplesSameSubjectPath into the sink */
static int parse_triples_same_subject(parser *p) {
  sq_pt s;
  int is_node = (is_p(tk(p), "[") && !is_p(tk_at(p, 1), "]")) ||
                (is_p(tk(p), "(") && !is_p(tk_at(p, 1), ")"));
  if (!parse_node(p, &s)) {
    return 0;
  }
  return parse_property_list(p, s, is_node);
}

/* The triples block gathered so far as BGPs and PATHs joined in order */
static sq_node *tlist_node(parser *p, tlist *tl) {
  sq_node *g = NULL;
  size_t k = 0;
  while (k < tl->n) {
    sq_node *n;
    if (tl->items[k].path != NULL) {
      n = tl->items[k].path;
      k++;
    } else {
      size_t j = k;
      while (j < tl->n && tl->items[j].path == NULL) {
        j++;
      }
      n = node_new(p, SQ_N_BGP);
      if (n == NULL) {
        return NULL;
      }
      n->ntriples = j - k;
      n->triples = zalloc(p, n->ntriples * sizeof *n->triples);
      if (n->triples == NULL) {
        return NULL;
      }
      for (size_t m = k; m < j; m++) {
        n->triples[m - k] = tl->items[m].t;
      }
      k = j;
    }
    g = g == NULL ? n : node2(p, SQ_N_JOIN, g, n);
    if (g == NULL) {
      return NULL;
    }
  }
  tl->n = 0;
  return g;
}

/* ---- VALUES --------------------------------------------------------------------------- */

static int parse_data_value(parser *p, cust_term *out) {
  int r;
  memset(out, 0, sizeof *out);
  if (accept_kw(p, "UNDEF")) {
    return 1;
  }
  if (is_iri_tok(tk(p))) {
    const char *iri = parse_iri(p);
    if (iri == NULL) {
      return 0;
    }
    *out = cust_term_iri(iri);
    return 1;
  }
  r = parse_literal(p, out);
  if (r == 0) {
    expected(p, "an IRI, a literal or UNDEF in VALUES");
  }
  return r > 0;
}

/* DataBlock after the keyword VALUES */
static sq_node *parse_values(parser *p) {
  sq_node *n = node_new(p, SQ_N_TABLE);
  size_t capvars = 0, ncells = 0, capcells = 0;
  int is_one = 0;
  if (n == NULL) {
    return NULL;
  }
  if (tk(p)->kind == SQ_T_VAR) {
    int *slot = GROW(p, n->vars, n->nvars, capvars);
    if (slot == NULL || (*slot = parse_var_tok(p)) < 0) {
      return NULL;
    }
    is_one = 1;
  } else if (expect_p(p, "(", "or a variable after VALUES")) {
    while (tk(p)->kind == SQ_T_VAR) {
      int *slot = GROW(p, n->vars, n->nvars, capvars);
      if (slot == NULL || (*slot = parse_var_tok(p)) < 0) {
        return NULL;
      }
    }
    if (!expect_p(p, ")", "to close the variables of VALUES")) {
      return NULL;
    }
  } else {
    return NULL;
  }
  if (!expect_p(p, "{", "to open the rows of VALUES")) {
    return NULL;
  }
  while (!accept_p(p, "}")) {
    const sq_tok *row = tk(p);
    size_t got = 0;
    if (is_one) {
      cust_term *c = GROW(p, n->table, ncells, capcells);
      if (c == NULL || !parse_data_value(p, c)) {
        return NULL;
      }
      n->nrows++;
      continue;
    }
    if (!expect_p(p, "(", "to open a row of VALUES")) {
      return NULL;
    }
    while (!accept_p(p, ")")) {
      cust_term *c = GROW(p, n->table, ncells, capcells);
      if (c == NULL || !parse_data_value(p, c)) {
        return NULL;
      }
      got++;
    }
    if (got != n->nvars) {
      return fail_at(p, SQ_PARSE_SYNTAX, row,
                     "a row of VALUES has %zu value%s for %zu variable%s: give one value (or "
                     "UNDEF) per variable",
                     got, got == 1 ? "" : "s", n->nvars, n->nvars == 1 ? "" : "s");
    }
    n->nrows++;
  }
  return n;
}

/* ---- groups ------------------------------------------------------------------------------- */

static sq_node *parse_subselect(parser *p);

/* GroupOrUnionGraphPattern after the first group */
static sq_node *parse_union(parser *p) {
  sq_node *g = parse_group(p);
  while (g != NULL && accept_kw(p, "UNION")) {
    g = node2(p, SQ_N_UNION, g, parse_group(p));
    if (g != NULL && g->sub[1] == NULL) {
      return NULL;
    }
  }
  return g;
}

static sq_node *parse_group(parser *p) {
  const sq_tok *open = tk(p);
  sq_node *g;
  sq_expr **filters = NULL;
  size_t nfilters = 0, capfilters = 0;
  tlist *tl = zalloc(p, sizeof *tl); /* p->sink points at it */
  tlist *saved_sink = p->sink;
  int saved_scope = p->scope;
  int need_sep = 0;
  if (tl == NULL) {
    return NULL;
  }
  if (!is_p(tk(p), "{")) {
    return expected(p, "'{' to open a group");
  }
  if (!enter(p)) {
    return NULL;
  }
  advance(p);
  p->scope = ++p->next_scope;
  if (is_kw(tk(p), "SELECT")) {
    g = parse_subselect(p);
    if (g != NULL && !is_p(tk(p), "}")) {
      g = expected(p, "'}' after the sub-select");
    }
    advance(p);
    goto done;
  }
  g = node_new(p, SQ_N_UNIT);
  p->sink = tl;
  while (g != NULL) {
    const sq_tok *t = tk(p);
    sq_node *e = NULL;
    if (is_p(t, "}")) {
      advance(p);
      break;
    }
    if (starts_term(p)) {
      if (need_sep) {
        char what[160];
        snprintf(what, sizeof what,
                 "'.' between triple patterns or '}' to close the group opened at line %u",
                 open->line);
        g = expected(p, what);
        break;
      }
      if (!parse_triples_same_subject(p)) {
        g = NULL;
        break;
      }
      need_sep = !accept_p(p, ".");
      continue;
    }
    need_sep = 0;
    if (is_kw(t, "FILTER")) {
      advance(p);
      sq_expr **slot = GROW(p, filters, nfilters, capfilters);
      if (slot == NULL || (*slot = parse_constraint(p)) == NULL) {
        g = NULL;
        break;
      }
      accept_p(p, ".");
      continue;
    }
    /* any other element ends the triples block */
    if (tl->n > 0) {
      g = join(p, g, tlist_node(p, tl));
      p->scope = ++p->next_scope;
      if (g == NULL) {
        break;
      }
    }
    if (is_kw(t, "OPTIONAL")) {
      advance(p);
      e = parse_group(p);
      if (e == NULL) {
        g = NULL;
        break;
      }
      sq_node *lj = node2(p, SQ_N_LEFTJOIN, g, e);
      if (lj != NULL && e->kind == SQ_N_FILTER) {
        lj->sub[1] = e->sub[0];
        lj->exprs = e->exprs;
        lj->nexprs = e->nexprs;
      }
      g = lj;
    } else if (is_kw(t, "MINUS")) {
      advance(p);
      e = parse_group(p);
      g = e ? node2(p, SQ_N_MINUS, g, e) : NULL;
    } else if (is_kw(t, "BIND")) {
      advance(p);
      if (!expect_p(p, "(", "after BIND")) {
        g = NULL;
        break;
      }
      sq_expr *x = parse_expr(p);
      if (x == NULL || !(accept_kw(p, "AS") || expected(p, "AS in BIND"))) {
        g = NULL;
        break;
      }
      const sq_tok *vt = tk(p);
      int v = parse_var_tok(p);
      if (v < 0 || !expect_p(p, ")", "to close BIND")) {
        g = NULL;
        break;
      }
      if (in_scope(p, g, v)) {
        g = fail_at(p, SQ_PARSE_SYNTAX, vt,
                    "BIND assigns ?%s, which the group already binds before it: choose a new "
                    "variable",
                    vt->text);
        break;
      }
      e = node_new(p, SQ_N_EXTEND);
      if (e == NULL) {
        g = NULL;
        break;
      }
      e->sub[0] = g;
      e->var = v;
      e->exprs = zalloc(p, sizeof *e->exprs);
      if (e->exprs == NULL) {
        g = NULL;
        break;
      }
      e->exprs[0] = x;
      e->nexprs = 1;
      g = e;
    } else if (is_kw(t, "VALUES")) {
      advance(p);
      e = parse_values(p);
      g = e ? join(p, g, e) : NULL;
    } else if (is_kw(t, "GRAPH")) {
      advance(p);
      sq_pt gr;
      memset(&gr, 0, sizeof gr);
      gr.var = -1;
      if (tk(p)->kind == SQ_T_VAR) {
        gr.var = parse_var_tok(p);
      } else if (is_iri_tok(tk(p))) {
        const char *iri = parse_iri(p);
        if (iri != NULL) {
          gr.term = cust_term_iri(iri);
        }
      } else {
        g = expected(p, "a variable or an IRI after GRAPH");
        break;
      }
      if (p->st != CUST_OK) {
        g = NULL;
        break;
      }
      e = parse_group(p);
      if (e == NULL) {
        g = NULL;
        break;
      }
      sq_node *gn = node_new(p, SQ_N_GRAPH);
      if (gn == NULL) {
        g = NULL;
        break;
      }
      gn->graph = gr;
      gn->sub[0] = e;
      g = join(p, g, gn);
    } else if (is_kw(t, "SERVICE")) {
      g = fail_at(p, SQ_PARSE_REFUSED, t,
                  "SERVICE is refused: this endpoint makes no outbound requests");
      break;
    } else if (is_p(t, "{")) {
      e = parse_union(p);
      g = e ? join(p, g, e) : NULL;
    } else {
      char what[160];
      snprintf(what, sizeof what,
               "a triple pattern, a graph pattern or '}' to close the group "
               "opened at line %u",
               open->line);
      g = expected(p, what);
      break;
    }
    if (g == NULL) {
      break;
    }
    accept_p(p, ".");
  }
  if (g != NULL && tl->n > 0) {
    g = join(p, g, tlist_node(p, tl));
  }
  if (g != NULL && nfilters > 0) {
    sq_node *f = node_new(p, SQ_N_FILTER);
    if (f == NULL) {
      g = NULL;
    } else {
      f->sub[0] = g;
      f->exprs = filters;
      f->nexprs = nfilters;
      g = f;
    }
  }
done:
  p->sink = saved_sink;
  p->scope = saved_scope;
  leave(p);
  return p->st == CUST_OK ? g : NULL;
}

/* ---- SELECT and the solution modifiers ----------------------------------------------- */

/* ( Var | '(' Expression AS Var ')' )+ | '*' */
static int parse_select_clause(parser *p, sel *s) {
  if (accept_kw(p, "DISTINCT")) {
    s->is_distinct = 1;
  } else if (accept_kw(p, "REDUCED")) {
    s->is_reduced = 1;
  }
  if (accept_p(p, "*")) {
    s->is_star = 1;
    return 1;
  }
  while (tk(p)->kind == SQ_T_VAR || is_p(tk(p), "(")) {
    const sq_tok *at = tk(p);
    sel_item *it = GROW(p, s->items, s->nitems, s->capitems);
    if (it == NULL) {
      return 0;
    }
    it->at = at;
    if (at->kind == SQ_T_VAR) {
      it->var = parse_var_tok(p);
      if (it->var < 0) {
        return 0;
      }
      continue;
    }
    advance(p);
    p->agg_ok = 1;
    it->expr = parse_expr(p);
    p->agg_ok = 0;
    if (it->expr == NULL) {
      return 0;
    }
    if (!accept_kw(p, "AS")) {
      expected(p, "AS and a variable to name the select expression");
      return 0;
    }
    it->at = tk(p);
    it->var = parse_var_tok(p);
    if (it->var < 0 || !expect_p(p, ")", "to close the select expression")) {
      return 0;
    }
    for (size_t k = 0; k + 1 < s->nitems; k++) {
      if (s->items[k].var == it->var) {
        fail_at(p, SQ_PARSE_SYNTAX, it->at, "?%s is already a column of this SELECT",
                p->q->vars[it->var].name);
        return 0;
      }
    }
  }
  if (s->nitems == 0) {
    expected(p, "'*', variables or (expression AS ?var) after SELECT");
    return 0;
  }
  return 1;
}

static int parse_u64(parser *p, uint64_t *out, const char *what) {
  const sq_tok *t = tk(p);
  uint64_t v = 0;
  if (t->kind != SQ_T_INTEGER) {
    char w[64];
    snprintf(w, sizeof w, "an integer after %s", what);
    expected(p, w);
    return 0;
  }
  for (const char *c = t->text; *c != '\0'; c++) {
    unsigned d = (unsigned)(*c - '0');
    if (v > (UINT64_MAX - d) / 10) {
      fail_at(p, SQ_PARSE_SYNTAX, t, "%s %s is too large", what, t->text);
      return 0;
    }
    v = v * 10 + d;
  }
  advance(p);
  *out = v;
  return 1;
}

/* GROUP BY, HAVING, ORDER BY, LIMIT, OFFSET */
static int parse_modifiers(parser *p, sel *s) {
  s->limit = UINT64_MAX;
  if (is_kw(tk(p), "GROUP")) {
    advance(p);
    if (!accept_kw(p, "BY")) {
      expected(p, "BY after GROUP");
      return 0;
    }
    s->has_group_by = 1;
    do {
      const sq_tok *at = tk(p);
      sq_expr *e = NULL;
      int v = -1;
      if (at->kind == SQ_T_VAR) {
        e = expr_new(p, SQ_E_VAR, at);
        if (e == NULL || (e->var = v = parse_var_tok(p)) < 0) {
          return 0;
        }
      } else if (is_p(at, "(")) {
        advance(p);
        e = parse_expr(p);
        if (e == NULL) {
          return 0;
        }
        if (accept_kw(p, "AS")) {
          v = parse_var_tok(p);
          if (v < 0) {
            return 0;
          }
        } else if (e->kind == SQ_E_VAR) {
          v = e->var;
        }
        if (!expect_p(p, ")", "to close the grouping expression")) {
          return 0;
        }
      } else {
        e = parse_constraint(p);
        if (e == NULL) {
          return 0;
        }
      }
      sq_expr **slot = GROW(p, s->keys, s->nkeys, s->capkeys);
      if (slot == NULL) {
        return 0;
      }
      *slot = e;
      int *vs = GROW(p, s->keyvars, s->nkeyvars, s->capkeyvars);
      if (vs == NULL) {
        return 0;
      }
      *vs = v;
    } while (tk(p)->kind == SQ_T_VAR || is_p(tk(p), "(") || is_iri_tok(tk(p)) ||
             is_builtin_tok(tk(p)) || is_kw(tk(p), "BOUND") || is_kw(tk(p), "EXISTS") ||
             (is_kw(tk(p), "NOT") && is_kw(tk_at(p, 1), "EXISTS")));
  }
  if (accept_kw(p, "HAVING")) {
    p->agg_ok = 1;
    do {
      sq_expr **slot = GROW(p, s->having, s->nhaving, s->caphaving);
      if (slot == NULL || (*slot = parse_constraint(p)) == NULL) {
        return 0;
      }
    } while (is_p(tk(p), "(") || is_iri_tok(tk(p)) || is_builtin_tok(tk(p)) ||
             find_agg(tk(p)) >= 0 || is_kw(tk(p), "BOUND") || is_kw(tk(p), "EXISTS") ||
             (is_kw(tk(p), "NOT") && is_kw(tk_at(p, 1), "EXISTS")));
    p->agg_ok = 0;
  }
  if (is_kw(tk(p), "ORDER")) {
    advance(p);
    if (!accept_kw(p, "BY")) {
      expected(p, "BY after ORDER");
      return 0;
    }
    p->agg_ok = 1;
    do {
      const sq_tok *at = tk(p);
      sq_expr *e;
      int is_desc = 0;
      if (is_kw(at, "ASC") || is_kw(at, "DESC")) {
        is_desc = is_kw(at, "DESC");
        advance(p);
        if (!is_p(tk(p), "(")) {
          expected(p, "'(' after ASC or DESC");
          return 0;
        }
        e = parse_primary(p);
      } else if (at->kind == SQ_T_VAR) {
        e = parse_primary(p);
      } else {
        e = parse_constraint(p);
      }
      if (e == NULL) {
        return 0;
      }
      sq_expr **slot = GROW(p, s->order, s->norder, s->caporder);
      if (slot == NULL) {
        return 0;
      }
      *slot = e;
      int *d = GROW(p, s->desc, s->ndesc, s->capdesc);
      if (d == NULL) {
        return 0;
      }
      *d = is_desc;
    } while (tk(p)->kind == SQ_T_VAR || is_p(tk(p), "(") || is_iri_tok(tk(p)) ||
             is_kw(tk(p), "ASC") || is_kw(tk(p), "DESC") || is_builtin_tok(tk(p)) ||
             find_agg(tk(p)) >= 0 || is_kw(tk(p), "BOUND") || is_kw(tk(p), "EXISTS") ||
             (is_kw(tk(p), "NOT") && is_kw(tk_at(p, 1), "EXISTS")));
    p->agg_ok = 0;
  }
  for (int round = 0; round < 2; round++) {
    if (accept_kw(p, "LIMIT")) {
      if (!parse_u64(p, &s->limit, "LIMIT")) {
        return 0;
      }
    } else if (accept_kw(p, "OFFSET")) {
      if (!parse_u64(p, &s->offset, "OFFSET")) {
        return 0;
      }
    }
  }
  return 1;
}

/* A variable of `e` (outside aggregates) that is not one of `ok`, or -1 */
static int ungrouped_var(const sq_expr *e, const unsigned char *ok) {
  if (e == NULL || e->kind == SQ_E_AGG) {
    return -1;
  }
  if ((e->kind == SQ_E_VAR || e->kind == SQ_E_BOUND) && e->var >= 0 && !ok[e->var]) {
    return e->var;
  }
  for (size_t k = 0; k < e->nargs; k++) {
    int v = ungrouped_var(e->args[k], ok);
    if (v >= 0) {
      return v;
    }
  }
  return -1;
}

static sq_node *wrap1(parser *p, sq_node_kind kind, sq_node *sub) {
  sq_node *n;
  if (sub == NULL) {
    return NULL;
  }
  n = node_new(p, kind);
  if (n != NULL) {
    n->sub[0] = sub;
  }
  return n;
}

/* The algebra of a SELECT (or of the pattern of another form when `proj`
 * is 0) over `where`, as 18.2.4 builds it. `*cols` gets the columns. */
static sq_node *finish_select(parser *p, sel *s, sq_node *where, int proj, int **cols,
                              size_t *ncols) {
  sq_node *g = where;
  int is_agg = s->has_group_by || s->naggs > 0;
  unsigned char *grouped = NULL;
  if (g == NULL) {
    return NULL;
  }
  if (is_agg) {
    sq_node *gr = node_new(p, SQ_N_GROUP);
    grouped = zalloc(p, p->q->nvars + 1);
    if (gr == NULL || grouped == NULL) {
      return NULL;
    }
    gr->sub[0] = g;
    gr->exprs = s->keys;
    gr->nexprs = s->nkeys;
    gr->group_vars = s->keyvars;
    gr->aggs = s->aggs;
    gr->naggs = s->naggs;
    gr->agg_vars = zalloc(p, (s->naggs + 1) * sizeof *gr->agg_vars);
    if (gr->agg_vars == NULL) {
      return NULL;
    }
    for (size_t k = 0; k < s->naggs; k++) {
      int v = var_fresh(p, "agg");
      if (v < 0) {
        return NULL;
      }
      gr->agg_vars[k] = v;
    }
    for (size_t k = 0; k < s->nkeys; k++) {
      if (s->keyvars[k] >= 0) {
        grouped[s->keyvars[k]] = 1;
      }
    }
    g = gr;
    if (s->is_star) {
      fail_at(p, SQ_PARSE_SYNTAX, s->first_agg ? s->first_agg : tk(p),
              "SELECT * cannot be used with GROUP BY or aggregates: name the columns");
      return NULL;
    }
  }
  if (s->nhaving > 0) {
    sq_node *f = wrap1(p, SQ_N_FILTER, g);
    if (f == NULL) {
      return NULL;
    }
    f->exprs = s->having;
    f->nexprs = s->nhaving;
    g = f;
  }
  if (s->values != NULL) {
    g = join(p, g, s->values);
  }
  if (g == NULL) {
    return NULL;
  }
  for (size_t k = 0; k < s->nitems; k++) {
    sel_item *it = &s->items[k];
    if (it->expr == NULL) {
      if (is_agg && !grouped[it->var]) {
        fail_at(p, SQ_PARSE_SYNTAX, it->at,
                "?%s is selected but neither grouped nor aggregated: add it to GROUP BY or use "
                "an aggregate such as SAMPLE(?%s)",
                p->q->vars[it->var].name, p->q->vars[it->var].name);
        return NULL;
      }
      continue;
    }
    if (is_agg) {
      int bad = ungrouped_var(it->expr, grouped);
      if (bad >= 0) {
        fail_at(p, SQ_PARSE_SYNTAX, it->at,
                "the expression of ?%s uses ?%s, which is neither grouped nor aggregated",
                p->q->vars[it->var].name, p->q->vars[bad].name);
        return NULL;
      }
    }
    if (in_scope(p, g, it->var)) {
      fail_at(p, SQ_PARSE_SYNTAX, it->at,
              "?%s is already bound by the query's pattern: choose a new name for the select "
              "expression",
              p->q->vars[it->var].name);
      return NULL;
    }
    sq_node *e = wrap1(p, SQ_N_EXTEND, g);
    if (e == NULL) {
      return NULL;
    }
    e->var = it->var;
    e->exprs = zalloc(p, sizeof *e->exprs);
    if (e->exprs == NULL) {
      return NULL;
    }
    e->exprs[0] = it->expr;
    e->nexprs = 1;
    g = e;
    if (is_agg) {
      grouped[it->var] = 1;
    }
  }
  if (s->norder > 0) {
    sq_node *o = wrap1(p, SQ_N_ORDER, g);
    if (o == NULL) {
      return NULL;
    }
    o->exprs = s->order;
    o->nexprs = s->norder;
    o->desc = s->desc;
    g = o;
  }
  if (proj) {
    sq_node *pr = wrap1(p, SQ_N_PROJECT, g);
    if (pr == NULL) {
      return NULL;
    }
    if (s->is_star) {
      unsigned char *set = zalloc(p, p->q->nvars + 1);
      if (set == NULL) {
        return NULL;
      }
      scope_of(g, set);
      pr->vars = zalloc(p, (p->q->nvars + 1) * sizeof *pr->vars);
      if (pr->vars == NULL) {
        return NULL;
      }
      for (size_t v = 0; v < p->q->nvars; v++) {
        if (set[v] && !p->q->vars[v].is_hidden) {
          pr->vars[pr->nvars++] = (int)v;
        }
      }
    } else {
      pr->vars = zalloc(p, (s->nitems + 1) * sizeof *pr->vars);
      if (pr->vars == NULL) {
        return NULL;
      }
      for (size_t k = 0; k < s->nitems; k++) {
        size_t j;
        for (j = 0; j < pr->nvars && pr->vars[j] != s->items[k].var; j++) {
        }
        if (j == pr->nvars) {
          pr->vars[pr->nvars++] = s->items[k].var;
        }
      }
    }
    if (cols != NULL) {
      *cols = pr->vars;
      *ncols = pr->nvars;
    }
    g = pr;
  }
  if (s->is_distinct) {
    g = wrap1(p, SQ_N_DISTINCT, g);
  } else if (s->is_reduced) {
    g = wrap1(p, SQ_N_REDUCED, g);
  }
  if (g != NULL && (s->offset > 0 || s->limit != UINT64_MAX)) {
    g = wrap1(p, SQ_N_SLICE, g);
    if (g != NULL) {
      g->offset = s->offset;
      g->limit = s->limit;
    }
  }
  return g;
}

static int parse_where(parser *p, sq_node **out) {
  accept_kw(p, "WHERE");
  if (!is_p(tk(p), "{")) {
    expected(p, "'{' to open the WHERE pattern");
    return 0;
  }
  *out = parse_group(p);
  return *out != NULL;
}

/* ---- the local variables of a sub-select -------------------------------------------- */

/* A sub-select's variables that it does not project are its own: the
 * recommendation evaluates it bottom-up, so its ?g is not the ?g around it.
 * They are renamed to hidden variables ("/g", "//g" one level further up)
 * so that one index never means two variables and an evaluator may pass
 * bindings into a sub-select. */
typedef struct renamer {
  parser *p;
  int *map; /* old index -> new, -1: keep, -2: not decided yet */
  size_t nmap;
} renamer;

static void rn_var(renamer *r, int *v) {
  if (*v < 0 || (size_t)*v >= r->nmap || r->map[*v] == -1) {
    return;
  }
  if (r->map[*v] == -2) {
    const sq_var *x = &r->p->q->vars[*v];
    char *name;
    if (x->is_hidden && x->name[0] != '/') {
      r->map[*v] = -1; /* blank nodes, path steps, aggregates: one place only */
      return;
    }
    name = cust_arena_printf(r->p->a, "/%s", x->name);
    if (name == NULL) {
      nomem(r->p);
      r->map[*v] = -1;
      return;
    }
    int nv = var_get(r->p, name, 1);
    r->map[*v] = nv < 0 ? -1 : nv;
    if (nv < 0) {
      return;
    }
  }
  *v = r->map[*v];
}

static void rn_node(renamer *r, sq_node *n);

static void rn_expr(renamer *r, sq_expr *e) {
  if (e == NULL) {
    return;
  }
  if (e->kind == SQ_E_VAR || e->kind == SQ_E_BOUND) {
    rn_var(r, &e->var);
  }
  for (size_t k = 0; k < e->nargs; k++) {
    rn_expr(r, e->args[k]);
  }
  rn_node(r, e->pattern);
}

static void rn_node(renamer *r, sq_node *n) {
  if (n == NULL) {
    return;
  }
  for (size_t k = 0; k < n->ntriples; k++) {
    rn_var(r, &n->triples[k].s.var);
    rn_var(r, &n->triples[k].p.var);
    rn_var(r, &n->triples[k].o.var);
  }
  switch (n->kind) {
    case SQ_N_PATH:
      rn_var(r, &n->path_s.var);
      rn_var(r, &n->path_o.var);
      break;
    case SQ_N_GRAPH:
      rn_var(r, &n->graph.var);
      break;
    case SQ_N_EXTEND:
      rn_var(r, &n->var);
      break;
    case SQ_N_GROUP:
      for (size_t k = 0; k < n->nexprs; k++) {
        rn_var(r, &n->group_vars[k]);
      }
      for (size_t k = 0; k < n->naggs; k++) {
        rn_var(r, &n->agg_vars[k]);
        rn_expr(r, n->aggs[k].expr);
      }
      break;
    case SQ_N_TABLE:
    case SQ_N_PROJECT:
      for (size_t k = 0; k < n->nvars; k++) {
        rn_var(r, &n->vars[k]);
      }
      break;
    default:
      break;
  }
  for (size_t k = 0; k < n->nexprs; k++) {
    rn_expr(r, n->exprs[k]);
  }
  rn_node(r, n->sub[0]);
  rn_node(r, n->sub[1]);
}

static int rename_locals(parser *p, sq_node *top) {
  sq_node *proj = top;
  renamer r;
  while (proj != NULL && proj->kind != SQ_N_PROJECT) {
    proj = proj->sub[0];
  }
  if (proj == NULL) {
    return 1;
  }
  r.p = p;
  r.nmap = p->q->nvars;
  r.map = zalloc(p, (r.nmap + 1) * sizeof *r.map);
  if (r.map == NULL) {
    return 0;
  }
  for (size_t k = 0; k < r.nmap; k++) {
    r.map[k] = -2;
  }
  for (size_t k = 0; k < proj->nvars; k++) {
    r.map[proj->vars[k]] = -1;
  }
  rn_node(&r, proj->sub[0]);
  return p->st == CUST_OK;
}

/* SelectClause WhereClause SolutionModifier ValuesClause, at 'SELECT' */
static sq_node *parse_subselect(parser *p) {
  sel *s = zalloc(p, sizeof *s);
  sel *saved = p->cur;
  sq_node *where = NULL, *n = NULL;
  if (s == NULL) {
    return NULL;
  }
  advance(p);
  p->cur = s;
  if (parse_select_clause(p, s) && parse_where(p, &where)) {
    p->cur = s;
    if (parse_modifiers(p, s)) {
      if (accept_kw(p, "VALUES")) {
        s->values = parse_values(p);
      }
      if (p->st == CUST_OK) {
        n = finish_select(p, s, where, 1, NULL, NULL);
      }
      if (n != NULL && !rename_locals(p, n)) {
        n = NULL;
      }
    }
  }
  p->cur = saved;
  p->agg_ok = 0;
  return p->st == CUST_OK ? n : NULL;
}

/* ---- the query ---------------------------------------------------------------------------- */

static int parse_prologue(parser *p) {
  for (;;) {
    if (accept_kw(p, "BASE")) {
      if (tk(p)->kind != SQ_T_IRI) {
        expected(p, "an IRI in <...> after BASE");
        return 0;
      }
      p->base = iri_resolve(p, p->base, tk(p)->text);
      if (p->base == NULL) {
        return 0;
      }
      advance(p);
    } else if (accept_kw(p, "PREFIX")) {
      const sq_tok *name = tk(p);
      if (name->kind != SQ_T_PNAME || name->text2[0] != '\0') {
        expected(p, "a prefix name such as ex: after PREFIX");
        return 0;
      }
      advance(p);
      if (tk(p)->kind != SQ_T_IRI) {
        expected(p, "an IRI in <...> after PREFIX name:");
        return 0;
      }
      prefix *x = GROW(p, p->pfx, p->npfx, p->cappfx);
      if (x == NULL) {
        return 0;
      }
      x->name = name->text;
      x->iri = iri_resolve(p, p->base, tk(p)->text);
      if (x->iri == NULL) {
        return 0;
      }
      advance(p);
    } else {
      return 1;
    }
  }
}

static int parse_dataset(parser *p) {
  sq_query *q = p->q;
  size_t capfrom = 0, capnamed = 0;
  while (accept_kw(p, "FROM")) {
    int is_named = accept_kw(p, "NAMED");
    const char *iri = parse_iri(p);
    const char **slot;
    if (iri == NULL) {
      return 0;
    }
    slot = is_named ? GROW(p, q->from_named, q->nfrom_named, capnamed)
                    : GROW(p, q->from, q->nfrom, capfrom);
    if (slot == NULL) {
      return 0;
    }
    *slot = iri;
  }
  return 1;
}

/* the triples of a template (or of CONSTRUCT WHERE) into q->construct */
static int parse_template(parser *p, int is_where_form) {
  tlist *tl = zalloc(p, sizeof *tl); /* p->sink points at it */
  sq_query *q = p->q;
  tlist *saved = p->sink;
  int ok = tl != NULL && expect_p(p, "{",
                                  is_where_form ? "to open the CONSTRUCT WHERE pattern"
                                                : "to open the CONSTRUCT template");
  if (!ok) {
    return 0;
  }
  p->sink = tl;
  p->is_template = !is_where_form;
  p->no_paths = 1;
  p->scope = ++p->next_scope;
  while (ok && !accept_p(p, "}")) {
    if (!starts_term(p)) {
      expected(p, "a triple pattern or '}'");
      ok = 0;
      break;
    }
    ok = parse_triples_same_subject(p);
    if (ok && !accept_p(p, ".") && !is_p(tk(p), "}")) {
      expected(p, "'.' or '}' in the template");
      ok = 0;
    }
  }
  p->is_template = 0;
  p->no_paths = 0;
  p->sink = saved;
  if (!ok) {
    return 0;
  }
  q->construct = zalloc(p, (tl->n + 1) * sizeof *q->construct);
  if (q->construct == NULL) {
    return 0;
  }
  for (size_t k = 0; k < tl->n; k++) {
    q->construct[q->nconstruct++] = tl->items[k].t;
  }
  return 1;
}

/* CONSTRUCT WHERE: the template is a copy of the pattern whose blank nodes
 * are the template's own (fresh per solution), as in CONSTRUCT { ... } */
static int template_own_blanks(parser *p) {
  sq_query *q = p->q;
  sq_triple *t = zalloc(p, (q->nconstruct + 1) * sizeof *t);
  if (t == NULL) {
    return 0;
  }
  for (size_t k = 0; k < q->nconstruct; k++) {
    sq_pt *pt[3];
    t[k] = q->construct[k];
    pt[0] = &t[k].s;
    pt[1] = &t[k].p;
    pt[2] = &t[k].o;
    for (int i = 0; i < 3; i++) {
      if (pt[i]->var >= 0 && q->vars[pt[i]->var].is_hidden) {
        char *name = cust_arena_printf(p->a, "_t%s", q->vars[pt[i]->var].name);
        if (name == NULL) {
          nomem(p);
          return 0;
        }
        pt[i]->var = var_get(p, name, 1);
        if (pt[i]->var < 0) {
          return 0;
        }
      }
    }
  }
  q->construct = t;
  return 1;
}

static const char *const update_words[] = { "INSERT", "DELETE", "LOAD", "CLEAR", "CREATE",
                                            "DROP",   "COPY",   "MOVE", "ADD",   "WITH" };

static sq_node *parse_query(parser *p) {
  sq_query *q = p->q;
  const sq_tok *t;
  sel *s = zalloc(p, sizeof *s);
  sq_node *where = NULL, *root;
  int proj = 0;
  if (s == NULL || !parse_prologue(p)) {
    return NULL;
  }
  q->base = p->base;
  t = tk(p);
  p->cur = s;
  for (size_t k = 0; k < sizeof update_words / sizeof update_words[0]; k++) {
    if (is_kw(t, update_words[k])) {
      return fail_at(p, SQ_PARSE_UPDATE, t,
                     "SPARQL Update (%s) is not allowed: this endpoint only answers queries",
                     update_words[k]);
    }
  }
  if (accept_kw(p, "SELECT")) {
    q->form = SQ_SELECT;
    proj = 1;
    if (!parse_select_clause(p, s) || !parse_dataset(p) || !parse_where(p, &where)) {
      return NULL;
    }
  } else if (accept_kw(p, "ASK")) {
    q->form = SQ_ASK;
    if (!parse_dataset(p) || !parse_where(p, &where)) {
      return NULL;
    }
  } else if (accept_kw(p, "CONSTRUCT")) {
    q->form = SQ_CONSTRUCT;
    if (is_p(tk(p), "{")) {
      if (!parse_template(p, 0) || !parse_dataset(p) || !parse_where(p, &where)) {
        return NULL;
      }
    } else {
      if (!parse_dataset(p)) {
        return NULL;
      }
      if (!accept_kw(p, "WHERE")) {
        return expected(p, "a template in '{ ... }' or WHERE after CONSTRUCT");
      }
      if (!parse_template(p, 1)) {
        return NULL;
      }
      where = node_new(p, SQ_N_BGP);
      if (where == NULL) {
        return NULL;
      }
      where->triples = q->construct;
      where->ntriples = q->nconstruct;
      if (!template_own_blanks(p)) {
        return NULL;
      }
    }
  } else if (accept_kw(p, "DESCRIBE")) {
    size_t cap = 0;
    q->form = SQ_DESCRIBE;
    if (accept_p(p, "*")) {
      s->is_star = 1;
    } else {
      while (tk(p)->kind == SQ_T_VAR || is_iri_tok(tk(p))) {
        sq_pt *slot = GROW(p, q->describe, q->ndescribe, cap);
        if (slot == NULL || !parse_node(p, slot)) {
          return NULL;
        }
      }
      if (q->ndescribe == 0) {
        return expected(p, "'*', variables or IRIs after DESCRIBE");
      }
    }
    if (!parse_dataset(p)) {
      return NULL;
    }
    if (is_kw(tk(p), "WHERE") || is_p(tk(p), "{")) {
      if (!parse_where(p, &where)) {
        return NULL;
      }
    } else {
      where = node_new(p, SQ_N_UNIT);
    }
    /* DESCRIBE projects its variables */
    proj = 1;
    for (size_t k = 0; k < q->ndescribe; k++) {
      if (q->describe[k].var >= 0) {
        sel_item *it = GROW(p, s->items, s->nitems, s->capitems);
        if (it == NULL) {
          return NULL;
        }
        it->var = q->describe[k].var;
        it->at = t;
      }
    }
    if (!s->is_star && s->nitems == 0) {
      proj = 0;
    }
  } else {
    return expected(p, "SELECT, CONSTRUCT, DESCRIBE or ASK");
  }
  p->cur = s;
  if (!parse_modifiers(p, s)) {
    return NULL;
  }
  if (accept_kw(p, "VALUES")) {
    s->values = parse_values(p);
    if (s->values == NULL) {
      return NULL;
    }
  }
  if (tk(p)->kind != SQ_T_EOF) {
    return expected(p, "the end of the query");
  }
  root = finish_select(p, s, where, proj, &q->result_vars, &q->nresult);
  if (root != NULL && q->form == SQ_DESCRIBE && s->is_star) {
    q->describe = zalloc(p, (q->nresult + 1) * sizeof *q->describe);
    if (q->describe == NULL) {
      return NULL;
    }
    for (size_t k = 0; k < q->nresult; k++) {
      q->describe[k] = pt_var(q->result_vars[k]);
    }
    q->ndescribe = q->nresult;
  }
  if (q->form != SQ_SELECT && q->form != SQ_DESCRIBE) {
    q->result_vars = NULL;
    q->nresult = 0;
  }
  return root;
}

cust_status sq_parse(const char *text, const char *base, sq_query **out, sq_parse_error *err) {
  sq_parse_error local;
  parser p;
  sq_query *q;
  cust_status st;
  *out = NULL;
  if (err == NULL) {
    err = &local;
  }
  memset(err, 0, sizeof *err);
  if (text == NULL) {
    sq_parse_seterr(err, SQ_PARSE_SYNTAX, 1, 1, "no query text");
    return CUST_ERR_INVALID;
  }
  q = calloc(1, sizeof *q);
  if (q == NULL) {
    return CUST_ERR_NOMEM;
  }
  cust_arena_init(&q->arena, 16384);
  memset(&p, 0, sizeof p);
  p.text = text;
  p.q = q;
  p.a = &q->arena;
  p.err = err;
  st = sq_lex_tokens(text, p.a, &p.toks, &p.ntoks, err);
  if (st != CUST_OK) {
    sq_query_free(q);
    return st;
  }
  if (base != NULL) {
    p.base = sdup(&p, base);
  }
  q->root = p.st == CUST_OK ? parse_query(&p) : NULL;
  if (p.st == CUST_OK && q->root == NULL) {
    /* every failing path sets p.st; this is a safety net */
    fail_at(&p, SQ_PARSE_SYNTAX, tk(&p), "malformed query");
  }
  if (p.st != CUST_OK) {
    st = p.st;
    sq_query_free(q);
    return st;
  }
  *out = q;
  return CUST_OK;
}

void sq_query_free(sq_query *q) {
  if (q == NULL) {
    return;
  }
  cust_arena_release(&q->arena);
  free(q);
}
