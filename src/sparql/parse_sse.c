/* The algebra of a parsed query as an S-expression (the notation of the
 * recommendation's examples and of Jena's SSE), and the substitution of a
 * canned query's parameters into it.
 *
 *   (bgp (triple ?s <p> "o"))   (path ?s (seq <p> (path* <q>)) ?o)
 *   (join A B)  (leftjoin A B [expr...])  (filter (exprs...) A)  (union A B)
 *   (minus A B)  (graph ?g A)  (extend ((?v expr)) A)  (table unit)
 *   (table (vars ?x ?y) (row [?x 1] [?y <a>]) ...)
 *   (group (keys...) ((?.agg0 (count distinct ?x)) ...) A)  key "(?v expr)" when named
 *   (order (?a (desc ?b)) A)  (project (?a ?b) A)  (distinct A)  (reduced A)
 *   (slice offset limit A) with _ for none
 * Expressions are prefix forms: (= ?a 1), (&& ..), (! ..), (in ?x 1 2),
 * (notin ..), (- ?x) for negation, (bound ?x), (exists A), (notexists A),
 * built-ins by their lowercased names (strlen ?x), functions by <iri>, an
 * aggregate's value by its variable. Integers, decimals, doubles and
 * booleans are written bare; hidden variables keep their names (?_:b, ?.b0). */
#include "config.h"

#include <ctype.h>

#include "core/vocab.h"
#include "sparql/parse_int.h"

typedef struct writer {
  cust_buf *b;
  const sq_query *q;
  cust_status st;
} writer;

static void put(writer *w, const char *s) {
  if (w->st == CUST_OK) {
    w->st = cust_buf_puts(w->b, s);
  }
}

static void putv(writer *w, int var) {
  if (w->st == CUST_OK) {
    w->st = var >= 0 && (size_t)var < w->q->nvars
                ? cust_buf_printf(w->b, "?%s", w->q->vars[var].name)
                : cust_buf_puts(w->b, "?<bad>");
  }
}

static int is_bare(const cust_term *t) {
  static const char *const types[] = { CUST_V_XSD "integer", CUST_V_XSD "decimal",
                                       CUST_V_XSD "double", CUST_V_XSD "boolean" };
  if (t->kind != CUST_TERM_LITERAL || t->datatype == NULL) {
    return 0;
  }
  for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) {
    if (strcmp(t->datatype, types[k]) == 0) {
      return 1;
    }
  }
  return 0;
}

static void put_term(writer *w, const cust_term *t) {
  if (w->st != CUST_OK) {
    return;
  }
  if (t->kind == CUST_TERM_NONE) {
    put(w, "UNDEF");
  } else if (is_bare(t)) {
    put(w, t->value);
  } else {
    w->st = cust_term_write_nt(w->b, t);
  }
}

static void put_pt(writer *w, const sq_pt *t) {
  if (t->var >= 0) {
    putv(w, t->var);
  } else {
    put_term(w, &t->term);
  }
}

static void put_path(writer *w, const sq_path *x) {
  static const char *const names[] = { "link", "reverse", "seq", "alt", "path*", "path+", "path?" };
  if (x->kind == SQ_PATH_LINK) {
    cust_term t = cust_term_iri(x->iri);
    put_term(w, &t);
    return;
  }
  if (x->kind == SQ_PATH_NPS) {
    put(w, "(notoneof");
    for (size_t k = 0; k < x->niris; k++) {
      cust_term t = cust_term_iri(x->iris[k]);
      put(w, " ");
      put_term(w, &t);
    }
    for (size_t k = 0; k < x->ninv; k++) {
      cust_term t = cust_term_iri(x->inv_iris[k]);
      put(w, " (reverse ");
      put_term(w, &t);
      put(w, ")");
    }
    put(w, ")");
    return;
  }
  put(w, "(");
  put(w, names[x->kind]);
  for (size_t k = 0; k < x->nsub; k++) {
    put(w, " ");
    put_path(w, x->sub[k]);
  }
  put(w, ")");
}

static void put_node(writer *w, const sq_node *n);

static const char *op_name(sq_expr_kind k) {
  switch (k) {
    case SQ_E_OR:
      return "||";
    case SQ_E_AND:
      return "&&";
    case SQ_E_NOT:
      return "!";
    case SQ_E_EQ:
      return "=";
    case SQ_E_NE:
      return "!=";
    case SQ_E_LT:
      return "<";
    case SQ_E_GT:
      return ">";
    case SQ_E_LE:
      return "<=";
    case SQ_E_GE:
      return ">=";
    case SQ_E_IN:
      return "in";
    case SQ_E_NOT_IN:
      return "notin";
    case SQ_E_ADD:
    case SQ_E_PLUS:
      return "+";
    case SQ_E_SUB:
    case SQ_E_NEG:
      return "-";
    case SQ_E_MUL:
      return "*";
    case SQ_E_DIV:
      return "/";
    case SQ_E_BOUND:
      return "bound";
    case SQ_E_IF:
      return "if";
    case SQ_E_COALESCE:
      return "coalesce";
    default:
      return "?";
  }
}

static void put_expr(writer *w, const sq_expr *e, const sq_node *group);

static void put_agg(writer *w, const sq_agg *a) {
  static const char *const names[] = {
    "count", "sum", "min", "max", "avg", "sample", "group_concat"
  };
  put(w, "(");
  put(w, names[a->kind]);
  if (a->distinct) {
    put(w, " distinct");
  }
  if (a->expr != NULL) {
    put(w, " ");
    put_expr(w, a->expr, NULL);
  }
  if (a->kind == SQ_AGG_GROUP_CONCAT && a->separator != NULL && strcmp(a->separator, " ") != 0) {
    cust_term t = cust_term_literal(a->separator, NULL, NULL);
    put(w, " ");
    put_term(w, &t);
  }
  put(w, ")");
}

/* `group`: the GROUP node whose aggregates SQ_E_AGG names, if known */
static void put_expr(writer *w, const sq_expr *e, const sq_node *group) {
  if (e == NULL) {
    put(w, "<null>");
    return;
  }
  switch (e->kind) {
    case SQ_E_VAR:
      putv(w, e->var);
      return;
    case SQ_E_CONST:
      put_term(w, &e->term);
      return;
    case SQ_E_AGG:
      if (group != NULL && e->agg < group->naggs) {
        putv(w, group->agg_vars[e->agg]);
      } else if (w->st == CUST_OK) {
        w->st = cust_buf_printf(w->b, "?.agg#%zu", e->agg);
      }
      return;
    case SQ_E_EXISTS:
    case SQ_E_NOT_EXISTS:
      put(w, e->kind == SQ_E_EXISTS ? "(exists " : "(notexists ");
      put_node(w, e->pattern);
      put(w, ")");
      return;
    case SQ_E_BOUND:
      put(w, "(bound ");
      putv(w, e->var);
      put(w, ")");
      return;
    case SQ_E_CALL: {
      put(w, "(");
      if (strncmp(e->fn, "http", 4) == 0 || strchr(e->fn, ':') != NULL) {
        cust_term t = cust_term_iri(e->fn);
        put_term(w, &t);
      } else if (w->st == CUST_OK) {
        for (const char *c = e->fn; *c != '\0' && w->st == CUST_OK; c++) {
          w->st = cust_buf_putc(w->b, (char)tolower((unsigned char)*c));
        }
      }
      break;
    }
    default:
      put(w, "(");
      put(w, op_name(e->kind));
      break;
  }
  for (size_t k = 0; k < e->nargs; k++) {
    put(w, " ");
    put_expr(w, e->args[k], group);
  }
  put(w, ")");
}

/* the GROUP right below `n` through the nodes a query puts above it */
static const sq_node *group_below(const sq_node *n) {
  while (n != NULL && n->kind != SQ_N_GROUP) {
    if (n->kind != SQ_N_FILTER && n->kind != SQ_N_EXTEND && n->kind != SQ_N_ORDER &&
        n->kind != SQ_N_JOIN) {
      return NULL;
    }
    n = n->sub[0];
  }
  return n;
}

static void put_exprs(writer *w, sq_expr **e, size_t n, const sq_node *group) {
  if (n == 1) {
    put_expr(w, e[0], group);
    return;
  }
  put(w, "(exprlist");
  for (size_t k = 0; k < n; k++) {
    put(w, " ");
    put_expr(w, e[k], group);
  }
  put(w, ")");
}

static void put_node(writer *w, const sq_node *n) {
  const sq_node *group;
  if (n == NULL) {
    put(w, "<null>");
    return;
  }
  switch (n->kind) {
    case SQ_N_UNIT:
      put(w, "(table unit)");
      return;
    case SQ_N_BGP:
      if (n->ntriples == 0) {
        put(w, "(table unit)");
        return;
      }
      put(w, "(bgp");
      for (size_t k = 0; k < n->ntriples; k++) {
        put(w, " (triple ");
        put_pt(w, &n->triples[k].s);
        put(w, " ");
        put_pt(w, &n->triples[k].p);
        put(w, " ");
        put_pt(w, &n->triples[k].o);
        put(w, ")");
      }
      put(w, ")");
      return;
    case SQ_N_PATH:
      put(w, "(path ");
      put_pt(w, &n->path_s);
      put(w, " ");
      put_path(w, n->path);
      put(w, " ");
      put_pt(w, &n->path_o);
      put(w, ")");
      return;
    case SQ_N_JOIN:
    case SQ_N_UNION:
    case SQ_N_MINUS:
    case SQ_N_LEFTJOIN:
      put(w, n->kind == SQ_N_JOIN    ? "(join "
             : n->kind == SQ_N_UNION ? "(union "
             : n->kind == SQ_N_MINUS ? "(minus "
                                     : "(leftjoin ");
      put_node(w, n->sub[0]);
      put(w, " ");
      put_node(w, n->sub[1]);
      if (n->kind == SQ_N_LEFTJOIN && n->nexprs > 0) {
        put(w, " ");
        put_exprs(w, n->exprs, n->nexprs, NULL);
      }
      put(w, ")");
      return;
    case SQ_N_FILTER:
      group = group_below(n->sub[0]);
      put(w, "(filter ");
      put_exprs(w, n->exprs, n->nexprs, group);
      put(w, " ");
      put_node(w, n->sub[0]);
      put(w, ")");
      return;
    case SQ_N_GRAPH:
      put(w, "(graph ");
      put_pt(w, &n->graph);
      put(w, " ");
      put_node(w, n->sub[0]);
      put(w, ")");
      return;
    case SQ_N_EXTEND:
      group = group_below(n->sub[0]);
      put(w, "(extend ((");
      putv(w, n->var);
      put(w, " ");
      put_expr(w, n->exprs[0], group);
      put(w, ")) ");
      put_node(w, n->sub[0]);
      put(w, ")");
      return;
    case SQ_N_TABLE:
      put(w, "(table (vars");
      for (size_t k = 0; k < n->nvars; k++) {
        put(w, " ");
        putv(w, n->vars[k]);
      }
      put(w, ")");
      for (size_t r = 0; r < n->nrows; r++) {
        put(w, " (row");
        for (size_t k = 0; k < n->nvars; k++) {
          const cust_term *c = &n->table[r * n->nvars + k];
          if (c->kind == CUST_TERM_NONE) {
            continue;
          }
          put(w, " [");
          putv(w, n->vars[k]);
          put(w, " ");
          put_term(w, c);
          put(w, "]");
        }
        put(w, ")");
      }
      put(w, ")");
      return;
    case SQ_N_GROUP:
      put(w, "(group (");
      for (size_t k = 0; k < n->nexprs; k++) {
        const sq_expr *e = n->exprs[k];
        put(w, k ? " " : "");
        if (n->group_vars[k] >= 0 && !(e->kind == SQ_E_VAR && e->var == n->group_vars[k])) {
          put(w, "(");
          putv(w, n->group_vars[k]);
          put(w, " ");
          put_expr(w, e, NULL);
          put(w, ")");
        } else {
          put_expr(w, e, NULL);
        }
      }
      put(w, ") (");
      for (size_t k = 0; k < n->naggs; k++) {
        put(w, k ? " (" : "(");
        putv(w, n->agg_vars[k]);
        put(w, " ");
        put_agg(w, &n->aggs[k]);
        put(w, ")");
      }
      put(w, ") ");
      put_node(w, n->sub[0]);
      put(w, ")");
      return;
    case SQ_N_ORDER:
      group = group_below(n->sub[0]);
      put(w, "(order (");
      for (size_t k = 0; k < n->nexprs; k++) {
        put(w, k ? " " : "");
        if (n->desc[k]) {
          put(w, "(desc ");
        }
        put_expr(w, n->exprs[k], group);
        if (n->desc[k]) {
          put(w, ")");
        }
      }
      put(w, ") ");
      put_node(w, n->sub[0]);
      put(w, ")");
      return;
    case SQ_N_PROJECT:
      put(w, "(project (");
      for (size_t k = 0; k < n->nvars; k++) {
        put(w, k ? " " : "");
        putv(w, n->vars[k]);
      }
      put(w, ") ");
      put_node(w, n->sub[0]);
      put(w, ")");
      return;
    case SQ_N_DISTINCT:
    case SQ_N_REDUCED:
      put(w, n->kind == SQ_N_DISTINCT ? "(distinct " : "(reduced ");
      put_node(w, n->sub[0]);
      put(w, ")");
      return;
    case SQ_N_SLICE:
      put(w, "(slice ");
      if (n->offset > 0 && w->st == CUST_OK) {
        w->st = cust_buf_printf(w->b, "%llu ", (unsigned long long)n->offset);
      } else {
        put(w, "_ ");
      }
      if (n->limit != UINT64_MAX && w->st == CUST_OK) {
        w->st = cust_buf_printf(w->b, "%llu ", (unsigned long long)n->limit);
      } else {
        put(w, "_ ");
      }
      put_node(w, n->sub[0]);
      put(w, ")");
      return;
  }
  put(w, "<unknown>");
}

cust_status sq_query_write_sse(cust_buf *b, const sq_query *q) {
  writer w = { b, q, CUST_OK };
  put_node(&w, q->root);
  return w.st;
}

/* ---- substitution ------------------------------------------------------------ */

typedef struct subst {
  int var;
  cust_term value;
  sq_query *q;
  cust_status st;
} subst;

static void sub_pt(subst *s, sq_pt *t) {
  if (t->var == s->var) {
    t->var = -1;
    t->term = s->value;
  }
}

static void sub_node(subst *s, sq_node *n);

static void sub_expr(subst *s, sq_expr *e) {
  if (e == NULL) {
    return;
  }
  if (e->kind == SQ_E_VAR && e->var == s->var) {
    e->kind = SQ_E_CONST;
    e->var = -1;
    e->term = s->value;
  } else if (e->kind == SQ_E_BOUND && e->var == s->var) {
    /* a parameter always has its value */
    e->kind = SQ_E_CONST;
    e->var = -1;
    e->term = cust_term_literal("true", NULL, CUST_V_XSD "boolean");
  }
  for (size_t k = 0; k < e->nargs; k++) {
    sub_expr(s, e->args[k]);
  }
  if (e->pattern != NULL) {
    sub_node(s, e->pattern);
  }
}

static void sub_node(subst *s, sq_node *n) {
  if (n == NULL || s->st != CUST_OK) {
    return;
  }
  for (size_t k = 0; k < n->ntriples; k++) {
    sub_pt(s, &n->triples[k].s);
    sub_pt(s, &n->triples[k].p);
    sub_pt(s, &n->triples[k].o);
  }
  if (n->kind == SQ_N_PATH) {
    sub_pt(s, &n->path_s);
    sub_pt(s, &n->path_o);
  }
  if (n->kind == SQ_N_GRAPH) {
    sub_pt(s, &n->graph);
  }
  for (size_t k = 0; k < n->nexprs; k++) {
    sub_expr(s, n->exprs[k]);
  }
  for (size_t k = 0; k < n->naggs; k++) {
    sub_expr(s, n->aggs[k].expr);
  }
  if ((n->kind == SQ_N_EXTEND && n->var == s->var)) {
    s->st = CUST_ERR_INVALID;
    return;
  }
  if (n->kind == SQ_N_TABLE) {
    for (size_t k = 0; k < n->nvars; k++) {
      if (n->vars[k] == s->var) {
        s->st = CUST_ERR_INVALID;
        return;
      }
    }
  }
  sub_node(s, n->sub[0]);
  sub_node(s, n->sub[1]);
  if (n->kind == SQ_N_PROJECT) {
    for (size_t k = 0; k < n->nvars; k++) {
      if (n->vars[k] == s->var) {
        /* the column keeps its place and answers the value */
        sq_node *e = cust_arena_alloc(&s->q->arena, sizeof *e);
        sq_expr *x = cust_arena_alloc(&s->q->arena, sizeof *x);
        sq_expr **xs = cust_arena_alloc(&s->q->arena, sizeof *xs);
        if (e == NULL || x == NULL || xs == NULL) {
          s->st = CUST_ERR_NOMEM;
          return;
        }
        memset(e, 0, sizeof *e);
        memset(x, 0, sizeof *x);
        x->kind = SQ_E_CONST;
        x->var = -1;
        x->term = s->value;
        xs[0] = x;
        e->kind = SQ_N_EXTEND;
        e->sub[0] = n->sub[0];
        e->var = s->var;
        e->exprs = xs;
        e->nexprs = 1;
        e->limit = UINT64_MAX;
        n->sub[0] = e;
        break;
      }
    }
  }
}

static const char *adup(cust_arena *a, const char *s, cust_status *st) {
  char *d;
  if (s == NULL) {
    return NULL;
  }
  d = cust_arena_strdup(a, s);
  if (d == NULL) {
    *st = CUST_ERR_NOMEM;
  }
  return d;
}

cust_status sq_query_substitute(sq_query *q, const char *name, const cust_term *value) {
  subst s;
  int var = -1;
  cust_status st = CUST_OK;
  if (value == NULL || (value->kind != CUST_TERM_IRI && value->kind != CUST_TERM_LITERAL)) {
    return CUST_ERR_INVALID;
  }
  for (size_t k = 0; k < q->nvars; k++) {
    if (!q->vars[k].is_hidden && strcmp(q->vars[k].name, name) == 0) {
      var = (int)k;
      break;
    }
  }
  if (var < 0) {
    return CUST_ERR_NOTFOUND;
  }
  memset(&s, 0, sizeof s);
  s.q = q;
  s.value = *value;
  s.value.value = adup(&q->arena, value->value, &st);
  s.value.lang = adup(&q->arena, value->lang, &st);
  s.value.datatype = adup(&q->arena, value->datatype, &st);
  if (st != CUST_OK) {
    return st;
  }
  s.value.len = value->value ? strlen(s.value.value) : 0;
  if (value->value != NULL && value->len != 0) {
    s.value.len = value->len;
  }
  /* the parameter is textual: the sub-selects' own copies of the variable
   * ("/name", "//name" ...) take the value too */
  for (size_t k = 0; s.st == CUST_OK && k < q->nvars; k++) {
    const char *n = q->vars[k].name;
    if ((int)k != var && (n[0] != '/' || strcmp(n + strspn(n, "/"), name) != 0)) {
      continue;
    }
    s.var = (int)k;
    sub_node(&s, q->root);
    for (size_t j = 0; j < q->nconstruct; j++) {
      sub_pt(&s, &q->construct[j].s);
      sub_pt(&s, &q->construct[j].p);
      sub_pt(&s, &q->construct[j].o);
    }
    for (size_t j = 0; j < q->ndescribe; j++) {
      sub_pt(&s, &q->describe[j]);
    }
  }
  return s.st;
}
