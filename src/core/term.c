/* RDF terms, their N-Quads form, and the change lists that carry a block's
 * effect from the mapper to the store. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core.h"

cust_term cust_term_iri(const char *iri) {
  cust_term t = { CUST_TERM_IRI, iri, strlen(iri), NULL, NULL };
  return t;
}

cust_term cust_term_blank(const char *label) {
  cust_term t = { CUST_TERM_BLANK, label, strlen(label), NULL, NULL };
  return t;
}

cust_term cust_term_literal(const char *text, const char *lang, const char *datatype) {
  cust_term t = { CUST_TERM_LITERAL, text, strlen(text), lang, datatype };
  return t;
}

static int strcmp_null(const char *a, const char *b) {
  if (a == NULL || b == NULL) {
    return (a != NULL) - (b != NULL);
  }
  return strcmp(a, b);
}

int cust_term_compare(const cust_term *a, const cust_term *b) {
  if (a->kind != b->kind) {
    return a->kind < b->kind ? -1 : 1;
  }
  size_t n = a->len < b->len ? a->len : b->len;
  int c = n ? memcmp(a->value, b->value, n) : 0;
  if (c != 0) {
    return c;
  }
  if (a->len != b->len) {
    return a->len < b->len ? -1 : 1;
  }
  c = strcmp_null(a->lang, b->lang);
  if (c != 0) {
    return c;
  }
  return strcmp_null(a->datatype, b->datatype);
}

int cust_term_equal(const cust_term *a, const cust_term *b) {
  return cust_term_compare(a, b) == 0;
}

/* The canonical N-Triples escapes of RDF 1.1: ECHAR for the usual controls,
 * \uXXXX for the remaining C0 controls and DEL; everything else as UTF-8. */
static cust_status write_escaped(cust_buf *b, const char *s, size_t n, int is_iri) {
  cust_status st = cust_buf_reserve(b, n);
  size_t run = 0;
  for (size_t i = 0; st == CUST_OK && i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    const char *esc = NULL;
    char hex[8];
    if (!is_iri) {
      switch (c) {
        case '\\':
          esc = "\\\\";
          break;
        case '"':
          esc = "\\\"";
          break;
        case '\n':
          esc = "\\n";
          break;
        case '\r':
          esc = "\\r";
          break;
        case '\t':
          esc = "\\t";
          break;
        case '\b':
          esc = "\\b";
          break;
        case '\f':
          esc = "\\f";
          break;
        default:
          break;
      }
    }
    if (esc == NULL && (c < 0x20 || c == 0x7f ||
                        (is_iri && (c == ' ' || c == '<' || c == '>' || c == '"' || c == '{' ||
                                    c == '}' || c == '|' || c == '^' || c == '`' || c == '\\')))) {
      snprintf(hex, sizeof hex, "\\u%04X", c);
      esc = hex;
    }
    if (esc != NULL) {
      st = cust_buf_append(b, s + run, i - run);
      if (st == CUST_OK) {
        st = cust_buf_puts(b, esc);
      }
      run = i + 1;
    }
  }
  if (st == CUST_OK) {
    st = cust_buf_append(b, s + run, n - run);
  }
  return st;
}

cust_status cust_term_write_nt(cust_buf *b, const cust_term *t) {
  cust_status st = CUST_OK;
  switch (t->kind) {
    case CUST_TERM_IRI:
      st = cust_buf_putc(b, '<');
      if (st == CUST_OK) {
        st = write_escaped(b, t->value, t->len, 1);
      }
      if (st == CUST_OK) {
        st = cust_buf_putc(b, '>');
      }
      return st;
    case CUST_TERM_BLANK:
      st = cust_buf_puts(b, "_:");
      if (st == CUST_OK) {
        st = cust_buf_append(b, t->value, t->len);
      }
      return st;
    case CUST_TERM_LITERAL:
      st = cust_buf_putc(b, '"');
      if (st == CUST_OK) {
        st = write_escaped(b, t->value, t->len, 0);
      }
      if (st == CUST_OK) {
        st = cust_buf_putc(b, '"');
      }
      if (st == CUST_OK && t->lang != NULL && t->lang[0] != '\0') {
        st = cust_buf_printf(b, "@%s", t->lang);
      } else if (st == CUST_OK && t->datatype != NULL) {
        st = cust_buf_puts(b, "^^<");
        if (st == CUST_OK) {
          st = write_escaped(b, t->datatype, strlen(t->datatype), 1);
        }
        if (st == CUST_OK) {
          st = cust_buf_putc(b, '>');
        }
      }
      return st;
    case CUST_TERM_NONE:
      break;
  }
  return CUST_ERR_INVALID;
}

cust_status cust_quad_write_nq(cust_buf *b, const cust_quad *q) {
  const cust_term *parts[4] = { &q->s, &q->p, &q->o, &q->g };
  for (int i = 0; i < 4; i++) {
    if (i == 3 && q->g.kind == CUST_TERM_NONE) {
      break;
    }
    cust_status st = cust_term_write_nt(b, parts[i]);
    if (st == CUST_OK) {
      st = cust_buf_putc(b, ' ');
    }
    if (st != CUST_OK) {
      return st;
    }
  }
  return cust_buf_puts(b, ".\n");
}

/* ---- change lists ------------------------------------------------------- */

void cust_changes_init(cust_changes *c) {
  c->items = NULL;
  c->len = 0;
  c->cap = 0;
  cust_arena_init(&c->arena, 256 * 1024);
}

void cust_changes_release(cust_changes *c) {
  if (c == NULL) {
    return;
  }
  free(c->items);
  cust_arena_release(&c->arena);
  c->items = NULL;
  c->len = c->cap = 0;
}

void cust_changes_reset(cust_changes *c) {
  c->len = 0;
  cust_arena_reset(&c->arena);
}

void cust_changes_truncate(cust_changes *c, size_t mark) {
  if (mark < c->len) {
    c->len = mark; /* the arena keeps the strings until the next reset */
  }
}

static cust_status copy_term(cust_arena *a, cust_term *dst, const cust_term *src) {
  *dst = *src;
  if (src->kind == CUST_TERM_NONE) {
    dst->value = NULL;
    dst->len = 0;
    return CUST_OK;
  }
  dst->value = cust_arena_strndup(a, src->value, src->len);
  if (dst->value == NULL) {
    return CUST_ERR_NOMEM;
  }
  if (src->lang != NULL && (dst->lang = cust_arena_strdup(a, src->lang)) == NULL) {
    return CUST_ERR_NOMEM;
  }
  if (src->datatype != NULL && (dst->datatype = cust_arena_strdup(a, src->datatype)) == NULL) {
    return CUST_ERR_NOMEM;
  }
  return CUST_OK;
}

static cust_status push(cust_changes *c, cust_change_kind kind, const cust_term *s,
                        const cust_term *p, const cust_term *o, const cust_term *g) {
  static const cust_term none = { CUST_TERM_NONE, NULL, 0, NULL, NULL };
  if (c->len == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 256;
    cust_change *items = realloc(c->items, cap * sizeof *items);
    if (items == NULL) {
      return CUST_ERR_NOMEM;
    }
    c->items = items;
    c->cap = cap;
  }
  cust_change *ch = &c->items[c->len];
  ch->kind = kind;
  cust_status st = copy_term(&c->arena, &ch->q.s, s);
  if (st == CUST_OK) {
    st = copy_term(&c->arena, &ch->q.p, p);
  }
  if (st == CUST_OK) {
    st = copy_term(&c->arena, &ch->q.o, o ? o : &none);
  }
  if (st == CUST_OK) {
    st = copy_term(&c->arena, &ch->q.g, g ? g : &none);
  }
  if (st == CUST_OK) {
    c->len++;
  }
  return st;
}

cust_status cust_changes_add(cust_changes *c, const cust_quad *q) {
  return push(c, CUST_CHANGE_ADD, &q->s, &q->p, &q->o, &q->g);
}

cust_status cust_changes_remove_sp(cust_changes *c, const cust_term *s, const cust_term *p,
                                   const cust_term *g) {
  return push(c, CUST_CHANGE_REMOVE_SP, s, p, NULL, g);
}
