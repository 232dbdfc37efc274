/* The aggregates of SPARQL 1.1 (18.5): COUNT, SUM, AVG, MIN, MAX, SAMPLE and
 * GROUP_CONCAT, each one running state per group, with DISTINCT kept as a
 * hash set of the terms seen. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sparql/value_int.h"

/* Terms seen by a DISTINCT aggregate: open addressing over copies held in
 * the arena; equality is sq_same_term's. */
typedef struct seen_set {
  sq_value *slots; /* term.kind NONE: empty */
  size_t cap, count;
} seen_set;

struct sq_agg_state {
  sq_agg_kind kind;
  int is_distinct;
  const char *separator;
  cust_arena *arena;
  int is_error;      /* SUM, AVG: a non-number was seen */
  uint64_t count;    /* values stepped (after DISTINCT) */
  int has_value;     /* MIN, MAX, SAMPLE */
  sq_value best;     /* MIN, MAX, SAMPLE: strings copied into the arena */
  sq_vtype sum_type; /* SUM, AVG: the promoted type so far */
  mpq_t exact;       /* ... the sum while it is an integer or a decimal */
  double fp;         /* ... and once a float or a double came */
  cust_buf text;     /* GROUP_CONCAT */
  seen_set seen;
};

static uint64_t term_hash(const cust_term *t) {
  /* FNV-1a over what sq_same_term compares */
  uint64_t h = 1469598103934665603ull ^ (uint64_t)t->kind;
  for (size_t i = 0; i < t->len; i++) {
    h = (h ^ (unsigned char)t->value[i]) * 1099511628211ull;
  }
  if (t->kind == CUST_TERM_LITERAL && t->lang != NULL) {
    for (const char *p = t->lang; *p; p++) {
      unsigned char ch = (unsigned char)*p;
      h = (h ^ (ch >= 'A' && ch <= 'Z' ? ch + 32u : ch)) * 1099511628211ull;
    }
  } else if (t->kind == CUST_TERM_LITERAL && t->datatype != NULL &&
             strcmp(t->datatype, SQV_XSD_STRING) != 0) {
    for (const char *p = t->datatype; *p; p++) {
      h = (h ^ (unsigned char)*p) * 1099511628211ull;
    }
  }
  return h;
}

static sq_rc copy_value(cust_arena *a, const sq_value *v, sq_value *out) {
  cust_term t = v->term;
  t.value = cust_arena_strndup(a, v->term.value, v->term.len);
  t.lang = v->term.lang ? cust_arena_strdup(a, v->term.lang) : NULL;
  t.datatype = v->term.datatype ? cust_arena_strdup(a, v->term.datatype) : NULL;
  if (t.value == NULL || (v->term.lang && t.lang == NULL) ||
      (v->term.datatype && t.datatype == NULL)) {
    return SQ_NOMEM;
  }
  sq_value_of(&t, out);
  return SQ_OK;
}

/* Adds v to the set: 1 when it is new, 0 when seen before, SQ_NOMEM. */
static int seen_add(seen_set *s, cust_arena *a, const sq_value *v) {
  if (s->count * 2 >= s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    sq_value *slots = calloc(cap, sizeof *slots);
    if (slots == NULL) {
      return SQ_NOMEM;
    }
    for (size_t i = 0; i < s->cap; i++) {
      if (s->slots[i].term.kind != CUST_TERM_NONE) {
        size_t j = term_hash(&s->slots[i].term) & (cap - 1);
        while (slots[j].term.kind != CUST_TERM_NONE) {
          j = (j + 1) & (cap - 1);
        }
        slots[j] = s->slots[i];
      }
    }
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
  }
  size_t j = term_hash(&v->term) & (s->cap - 1);
  while (s->slots[j].term.kind != CUST_TERM_NONE) {
    if (sq_same_term(&s->slots[j], v)) {
      return 0;
    }
    j = (j + 1) & (s->cap - 1);
  }
  if (copy_value(a, v, &s->slots[j]) != SQ_OK) {
    s->slots[j].term.kind = CUST_TERM_NONE;
    return SQ_NOMEM;
  }
  s->count++;
  return 1;
}

sq_rc sq_agg_new(const sq_agg *a, cust_arena *arena, sq_agg_state **out) {
  *out = NULL;
  sq_agg_state *s = calloc(1, sizeof *s);
  if (s == NULL) {
    return SQ_NOMEM;
  }
  s->kind = a->kind;
  s->is_distinct = a->distinct;
  s->separator = a->separator ? a->separator : " ";
  s->arena = arena;
  s->sum_type = SQ_V_INTEGER;
  mpq_init(s->exact);
  cust_buf_init(&s->text);
  *out = s;
  return SQ_OK;
}

void sq_agg_free(sq_agg_state *s) {
  if (s == NULL) {
    return;
  }
  mpq_clear(s->exact);
  cust_buf_release(&s->text);
  free(s->seen.slots);
  free(s);
}

static void add_number(sq_agg_state *s, const sq_value *v) {
  sq_vtype t = v->type > s->sum_type ? v->type : s->sum_type;
  if (t == SQ_V_FLOAT || t == SQ_V_DOUBLE) {
    if (s->sum_type != SQ_V_FLOAT && s->sum_type != SQ_V_DOUBLE) {
      s->fp = mpq_get_d(s->exact);
    }
    s->fp = t == SQ_V_FLOAT ? (double)((float)s->fp + (float)v->d) : s->fp + v->d;
  } else {
    mpq_t q;
    mpq_init(q);
    sqv_to_mpq(v, q);
    mpq_add(s->exact, s->exact, q);
    mpq_clear(q);
  }
  s->sum_type = t;
}

sq_rc sq_agg_step(sq_agg_state *s, sq_fctx *c, const sq_value *v) {
  (void)c;
  if (v == NULL) {
    /* an error or unbound: skipped by COUNT, MIN, MAX, SAMPLE and
     * GROUP_CONCAT, fatal to SUM and AVG */
    if (s->kind == SQ_AGG_SUM || s->kind == SQ_AGG_AVG) {
      s->is_error = 1;
    }
    return SQ_OK;
  }
  if (s->is_error) {
    return SQ_OK;
  }
  if (s->is_distinct) {
    int r = seen_add(&s->seen, s->arena, v);
    if (r < 0) {
      return SQ_NOMEM;
    }
    if (r == 0) {
      return SQ_OK;
    }
  }
  s->count++;
  switch (s->kind) {
    case SQ_AGG_COUNT:
      return SQ_OK;
    case SQ_AGG_SUM:
    case SQ_AGG_AVG:
      if (!sqv_is_numeric(v)) {
        s->is_error = 1;
        return SQ_OK;
      }
      add_number(s, v);
      return SQ_OK;
    case SQ_AGG_MIN:
    case SQ_AGG_MAX:
    case SQ_AGG_SAMPLE: {
      if (s->has_value) {
        if (s->kind == SQ_AGG_SAMPLE) {
          return SQ_OK;
        }
        int o = sq_order(v, &s->best);
        if ((s->kind == SQ_AGG_MIN && o >= 0) || (s->kind == SQ_AGG_MAX && o <= 0)) {
          return SQ_OK;
        }
      }
      sq_rc rc = copy_value(s->arena, v, &s->best);
      if (rc != SQ_OK) {
        return rc;
      }
      s->has_value = 1;
      return SQ_OK;
    }
    case SQ_AGG_GROUP_CONCAT:
      if (v->term.kind == CUST_TERM_BLANK) {
        s->is_error = 1;
        return SQ_OK;
      }
      if ((s->count > 1 && cust_buf_puts(&s->text, s->separator) != CUST_OK) ||
          cust_buf_append(&s->text, v->term.value, v->term.len) != CUST_OK) {
        return SQ_NOMEM;
      }
      return SQ_OK;
    default:
      return SQ_ERROR;
  }
}

sq_rc sq_agg_result(sq_agg_state *s, sq_fctx *c, sq_value *out) {
  memset(out, 0, sizeof *out);
  if (s->is_error) {
    return SQ_ERROR;
  }
  switch (s->kind) {
    case SQ_AGG_COUNT:
      return sqv_int(c, (int64_t)s->count, out);
    case SQ_AGG_SUM:
      if (s->sum_type == SQ_V_FLOAT || s->sum_type == SQ_V_DOUBLE) {
        return sqv_double(c, s->fp, s->sum_type, out);
      }
      return s->sum_type == SQ_V_INTEGER ? sqv_mpz(c, mpq_numref(s->exact), out)
                                         : sqv_mpq(c, s->exact, out);
    case SQ_AGG_AVG: {
      if (s->count == 0) {
        return sqv_int(c, 0, out);
      }
      if (s->sum_type == SQ_V_FLOAT || s->sum_type == SQ_V_DOUBLE) {
        double d = s->sum_type == SQ_V_FLOAT ? (double)((float)s->fp / (float)s->count)
                                             : s->fp / (double)s->count;
        return sqv_double(c, d, s->sum_type, out);
      }
      mpq_t q;
      mpq_init(q);
      mpz_set_ui(mpq_numref(q), (unsigned long)s->count);
      mpq_div(q, s->exact, q);
      sq_rc rc = sqv_mpq(c, q, out);
      mpq_clear(q);
      return rc;
    }
    case SQ_AGG_MIN:
    case SQ_AGG_MAX:
    case SQ_AGG_SAMPLE:
      if (!s->has_value) {
        return SQ_ERROR;
      }
      *out = s->best;
      return SQ_OK;
    case SQ_AGG_GROUP_CONCAT:
      return sqv_literal(c, s->text.data ? s->text.data : "", s->text.len, NULL, NULL, out);
    default:
      return SQ_ERROR;
  }
}
