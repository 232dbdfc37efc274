/* Loading reward policies: Turtle files (the shipped default, then the
 * operator's --policy files) parsed by the mapper, validated with the line
 * of each rule broken, and written to the policies graph in one transaction. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "custody/custody.h"
#include "mapper/mapper.h"
#include "rewards.h"

typedef cust_rewards_quads quadvec;

static cust_status copy_term(cust_arena *a, const cust_term *in, cust_term *out) {
  *out = *in;
  if (in->kind == CUST_TERM_NONE) {
    return CUST_OK;
  }
  out->value = cust_arena_strndup(a, in->value, in->len);
  out->lang = in->lang ? cust_arena_strdup(a, in->lang) : NULL;
  out->datatype = in->datatype ? cust_arena_strdup(a, in->datatype) : NULL;
  if (out->value == NULL || (in->lang && !out->lang) || (in->datatype && !out->datatype)) {
    return CUST_ERR_NOMEM;
  }
  return CUST_OK;
}

int cust_rewards_quads_collect(void *ud, const cust_quad *q) {
  quadvec *v = ud;
  if (v->len == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 64;
    cust_quad *items = realloc(v->items, cap * sizeof *items);
    if (items == NULL) {
      v->st = CUST_ERR_NOMEM;
      return 1;
    }
    v->items = items;
    v->cap = cap;
  }
  cust_quad *c = &v->items[v->len];
  v->st = copy_term(v->arena, &q->s, &c->s);
  if (v->st == CUST_OK) {
    v->st = copy_term(v->arena, &q->p, &c->p);
  }
  if (v->st == CUST_OK) {
    v->st = copy_term(v->arena, &q->o, &c->o);
  }
  if (v->st == CUST_OK) {
    v->st = copy_term(v->arena, &q->g, &c->g);
  }
  if (v->st == CUST_OK) {
    v->len++;
  }
  return v->st != CUST_OK;
}

/* ---- where a triple was written ---------------------------------------------- */

/* The parser reports no positions, so a triple's line is found in the text:
 * the first line, from where its subject first appears, that names both its
 * predicate and its object. */
typedef struct text_lines {
  char **items;
  size_t len;
  char *data;
} text_lines;

static cust_status read_lines(const char *path, text_lines *tl) {
  memset(tl, 0, sizeof *tl);
  FILE *fp = fopen(path, "rb");
  if (fp == NULL) {
    return CUST_ERR_IO;
  }
  cust_buf b;
  cust_buf_init(&b);
  char chunk[8192];
  size_t n;
  cust_status st = CUST_OK;
  while (st == CUST_OK && (n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
    st = cust_buf_append(&b, chunk, n);
  }
  fclose(fp);
  if (st == CUST_OK) {
    st = cust_buf_putc(&b, '\n');
  }
  if (st != CUST_OK) {
    cust_buf_release(&b);
    return st;
  }
  size_t count = 0;
  for (size_t i = 0; i < b.len; i++) {
    count += b.data[i] == '\n';
  }
  tl->items = calloc(count + 1, sizeof *tl->items);
  if (tl->items == NULL) {
    cust_buf_release(&b);
    return CUST_ERR_NOMEM;
  }
  tl->data = cust_buf_steal(&b, NULL);
  char *p = tl->data;
  for (char *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
    *nl = '\0';
    tl->items[tl->len++] = p;
  }
  cust_buf_release(&b);
  return CUST_OK;
}

static void free_lines(text_lines *tl) {
  free(tl->items);
  free(tl->data);
}

static const char *tail(const char *iri) {
  const char *best = iri;
  for (const char *c = iri; *c; c++) {
    if (*c == '/' || *c == '#' || *c == ':') {
      best = c + 1;
    }
  }
  return *best ? best : iri;
}

/* The first line at or after `from` (1-based) containing `a` and `b` (NULL:
 * anything); 0 when none. */
static unsigned find_line(const text_lines *tl, unsigned from, const char *a, const char *b) {
  for (size_t i = from ? from - 1 : 0; i < tl->len; i++) {
    if ((a == NULL || strstr(tl->items[i], a)) && (b == NULL || strstr(tl->items[i], b))) {
      return (unsigned)i + 1;
    }
  }
  return 0;
}

static unsigned subject_line(const text_lines *tl, const quadvec *v, const cust_term *s, int hops) {
  if (s->kind == CUST_TERM_IRI) {
    unsigned at = find_line(tl, 1, s->value, NULL);
    return at ? at : find_line(tl, 1, tail(s->value), NULL);
  }
  for (size_t i = 0; hops > 0 && i < v->len; i++) {
    const cust_term *o = &v->items[i].o;
    if (o->kind == s->kind && strcmp(o->value, s->value) == 0) {
      return subject_line(tl, v, &v->items[i].s, hops - 1);
    }
  }
  return 1;
}

static unsigned quad_line(const text_lines *tl, const quadvec *v, const cust_quad *q) {
  unsigned from = subject_line(tl, v, &q->s, 4);
  const char *pn = tail(q->p.value);
  const char *on = q->o.kind == CUST_TERM_LITERAL ? q->o.value
                   : q->o.kind == CUST_TERM_IRI   ? tail(q->o.value)
                                                  : NULL;
  if (strcmp(q->p.value, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type") == 0) {
    pn = NULL;
  }
  unsigned at = find_line(tl, from, pn, on);
  if (at == 0) {
    at = find_line(tl, from, pn ? pn : on, NULL);
  }
  return at ? at : from;
}

/* Parses `path` into `v` (quads in the policies graph) and reads its
 * policies into `ps`. */
static cust_status read_file(cust_rewards_policies *ps, const char *path, quadvec *v, char *err,
                             size_t errlen) {
  size_t start = v->len;
  char why[400];
  cust_status st = cust_mapper_parse_file(path, NULL, CUST_GRAPH_POLICIES,
                                          cust_rewards_quads_collect, v, why, sizeof why);
  if (st == CUST_OK) {
    st = v->st;
  }
  if (st != CUST_OK) {
    snprintf(err, errlen, "cannot read reward policies: %s", why[0] ? why : cust_strerror(st));
    v->len = start;
    return st;
  }
  text_lines tl;
  unsigned *lines = NULL;
  st = read_lines(path, &tl);
  if (st == CUST_OK) {
    lines = calloc(v->len - start + 1, sizeof *lines);
    st = lines ? CUST_OK : CUST_ERR_NOMEM;
  }
  for (size_t i = start; st == CUST_OK && i < v->len; i++) {
    lines[i - start] = quad_line(&tl, v, &v->items[i]);
  }
  if (st == CUST_OK) {
    st =
        cust_rewards_policies_parse(ps, v->items + start, lines, v->len - start, path, err, errlen);
  } else {
    snprintf(err, errlen, "cannot read \"%s\": %s", path, cust_strerror(st));
  }
  if (st != CUST_OK) {
    v->len = start;
  }
  free(lines);
  free_lines(&tl);
  return st;
}

cust_status cust_rewards_policies_read_file(cust_rewards_policies *ps, const char *path, char *err,
                                            size_t errlen) {
  cust_arena a;
  cust_arena_init(&a, 16 * 1024);
  quadvec v = { NULL, 0, 0, &a, CUST_OK };
  cust_status st = read_file(ps, path, &v, err, errlen);
  free(v.items);
  cust_arena_release(&a);
  return st;
}

/* ---- loading into the store ------------------------------------------------------ */

static int has_default(const cust_rewards_policies *ps, size_t from) {
  for (size_t i = from; i < ps->len; i++) {
    if (ps->items[i].zone == NULL) {
      return 1;
    }
  }
  return 0;
}

static int is_named_default(const char *path) {
  const char *base = strrchr(path, '/');
  return strcmp(base ? base + 1 : path, "policy-default.ttl") == 0;
}

/* The shipped default policy file: installed, else in the source tree. */
static const char *shipped_default(char *buf, size_t len) {
  snprintf(buf, len, "%s/ontology/policy-default.ttl", CUST_PKGDATADIR);
  if (access(buf, R_OK) == 0) {
    return buf;
  }
  snprintf(buf, len, "%s/ontology/policy-default.ttl", CUST_SRCDIR);
  if (access(buf, R_OK) == 0) {
    return buf;
  }
  return NULL;
}

static cust_status write_graph(cust_store *s, const quadvec *v, char *err, size_t errlen) {
  cust_arena a;
  cust_arena_init(&a, 16 * 1024);
  quadvec old = { NULL, 0, 0, &a, CUST_OK };
  cust_changes ch;
  cust_changes_init(&ch);
  cust_quad pat;
  memset(&pat, 0, sizeof pat);
  pat.g = cust_term_iri(CUST_GRAPH_POLICIES);
  cust_status st = cust_store_find(s, &pat, cust_rewards_quads_collect, &old);
  if (st == CUST_OK) {
    st = old.st;
  }
  for (size_t i = 0; st == CUST_OK && i < old.len; i++) {
    st = cust_changes_remove_sp(&ch, &old.items[i].s, &old.items[i].p, &pat.g);
  }
  for (size_t i = 0; st == CUST_OK && i < v->len; i++) {
    st = cust_changes_add(&ch, &v->items[i]);
  }
  int is_open = 0;
  if (st == CUST_OK) {
    st = cust_store_begin(s);
    is_open = st == CUST_OK;
  }
  if (st == CUST_OK) {
    st = cust_store_apply(s, &ch);
  }
  if (st == CUST_OK) {
    st = cust_store_commit(s);
    is_open = 0;
  }
  if (is_open) {
    cust_store_rollback(s);
  }
  if (st != CUST_OK) {
    snprintf(err, errlen, "cannot write the reward policies to the store: %s", cust_strerror(st));
  }
  cust_changes_release(&ch);
  free(old.items);
  cust_arena_release(&a);
  return st;
}

cust_status cust_rewards_load_policies(cust_store *s, const char *const *paths, size_t n, char *err,
                                       size_t errlen) {
  cust_arena a;
  cust_rewards_policies ps, shipped;
  quadvec v, dv;
  char path[4096];
  char tmp[16];
  cust_status st = CUST_OK;
  cust_arena_init(&a, 16 * 1024);
  cust_rewards_policies_init(&ps);
  cust_rewards_policies_init(&shipped);
  memset(&v, 0, sizeof v);
  memset(&dv, 0, sizeof dv);
  v.arena = &a;
  dv.arena = &a;
  if (err == NULL || errlen == 0) {
    err = tmp;
    errlen = sizeof tmp;
  }
  err[0] = '\0';
  int is_default_given = 0;
  for (size_t i = 0; i < n; i++) {
    is_default_given |= is_named_default(paths[i]);
  }
  for (size_t i = 0; st == CUST_OK && i < n; i++) {
    st = read_file(&ps, paths[i], &v, err, errlen);
  }
  const char *dflt = is_default_given ? NULL : shipped_default(path, sizeof path);
  if (st == CUST_OK && dflt) {
    st = read_file(&shipped, dflt, &dv, err, errlen);
    /* a default policy in the operator's files replaces the shipped file */
    if (st == CUST_OK && !has_default(&ps, 0)) {
      for (size_t i = 0; i < dv.len; i++) {
        cust_rewards_quads_collect(&v, &dv.items[i]);
      }
      st = v.st;
    }
  }
  if (st == CUST_OK) {
    /* the files together: one policy per zone, one default */
    cust_rewards_policies all;
    cust_rewards_policies_init(&all);
    st = cust_rewards_policies_parse(&all, v.items, NULL, v.len, "policy files", err, errlen);
    cust_rewards_policies_release(&all);
  }
  if (st == CUST_OK) {
    st = write_graph(s, &v, err, errlen);
  }
  free(v.items);
  free(dv.items);
  cust_rewards_policies_release(&ps);
  cust_rewards_policies_release(&shipped);
  cust_arena_release(&a);
  return st;
}
