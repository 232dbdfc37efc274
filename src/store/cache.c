/* The store's node-id cache: a bounded open-addressing hash table from terms
 * to row ids, with its strings in one arena, forgotten all at once when full. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

void cust_node_cache_init(cust_node_cache *c, size_t max_entries, size_t max_bytes) {
  memset(c, 0, sizeof *c);
  c->max_entries = max_entries < 16 ? 16 : max_entries;
  c->max_bytes = max_bytes < 4096 ? 4096 : max_bytes;
  size_t cap = 32;
  while (cap < 2 * c->max_entries) {
    cap *= 2;
  }
  c->cap = cap;
  cust_arena_init(&c->arena, 1024 * 1024);
}

void cust_node_cache_release(cust_node_cache *c) {
  if (c == NULL) {
    return;
  }
  free(c->slots);
  c->slots = NULL;
  c->count = 0;
  cust_arena_release(&c->arena);
}

void cust_node_cache_clear(cust_node_cache *c) {
  if (c->slots != NULL && c->count > 0) {
    memset(c->slots, 0, c->cap * sizeof *c->slots);
    c->clears++;
  }
  c->count = 0;
  cust_arena_reset(&c->arena);
}

/* A multiply-xorshift mix over 8 bytes at a time: fast on long IRIs and good
 * enough for a table whose keys are compared in full anyway. */
static uint64_t mix(uint64_t h, const void *p, size_t n) {
  const unsigned char *s = p;
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, s, 8);
    h = (h ^ w) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    s += 8;
    n -= 8;
  }
  uint64_t w = 0;
  memcpy(&w, s, n);
  h = (h ^ w ^ ((uint64_t)n << 56)) * 0xBF58476D1CE4E5B9ull;
  return h ^ (h >> 31);
}

static const char *lang_of(const cust_term *t) {
  return t->kind == CUST_TERM_LITERAL && t->lang != NULL && t->lang[0] != '\0' ? t->lang : NULL;
}

static const char *datatype_of(const cust_term *t) {
  return t->kind == CUST_TERM_LITERAL && lang_of(t) == NULL ? t->datatype : NULL;
}

uint64_t cust_node_cache_hash(const cust_term *t) {
  uint64_t h = mix(0x12345678u + (uint64_t)t->kind, t->value, t->len);
  const char *lang = lang_of(t), *dt = datatype_of(t);
  if (lang != NULL) {
    h = mix(h ^ 0x4C, lang, strlen(lang));
  }
  if (dt != NULL) {
    h = mix(h ^ 0x44, dt, strlen(dt));
  }
  return h == 0 ? 1 : h;
}

static int same_str(const char *a, const char *b) {
  return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

int64_t cust_node_cache_get(cust_node_cache *c, const cust_term *t, uint64_t h) {
  if (c->slots == NULL) {
    return 0;
  }
  size_t mask = c->cap - 1;
  for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
    const cust_node_slot *e = &c->slots[i];
    if (e->hash == 0) {
      c->misses++;
      return 0;
    }
    if (e->hash == h && e->kind == (uint32_t)t->kind && e->len == t->len &&
        memcmp(e->value, t->value, t->len) == 0 && same_str(e->lang, lang_of(t)) &&
        same_str(e->datatype, datatype_of(t))) {
      c->hits++;
      return e->id;
    }
  }
}

cust_status cust_node_cache_put(cust_node_cache *c, const cust_term *t, uint64_t h, int64_t id) {
  if (t->len > UINT32_MAX) {
    return CUST_OK; /* not worth caching */
  }
  if (c->slots == NULL) {
    c->slots = calloc(c->cap, sizeof *c->slots);
    if (c->slots == NULL) {
      return CUST_ERR_NOMEM;
    }
  }
  if (c->count >= c->max_entries || c->arena.total >= c->max_bytes) {
    cust_node_cache_clear(c);
  }
  const char *lang = lang_of(t), *dt = datatype_of(t);
  cust_node_slot e = { h, id, NULL, NULL, NULL, (uint32_t)t->len, (uint32_t)t->kind };
  e.value = cust_arena_strndup(&c->arena, t->value, t->len);
  if (e.value != NULL && lang != NULL) {
    e.lang = cust_arena_strdup(&c->arena, lang);
  }
  if (e.value != NULL && dt != NULL) {
    e.datatype = cust_arena_strdup(&c->arena, dt);
  }
  if (e.value == NULL || (lang != NULL && e.lang == NULL) || (dt != NULL && e.datatype == NULL)) {
    cust_node_cache_clear(c);
    return CUST_ERR_NOMEM;
  }
  size_t mask = c->cap - 1;
  size_t i = (size_t)h & mask;
  while (c->slots[i].hash != 0) {
    i = (i + 1) & mask;
  }
  c->slots[i] = e;
  c->count++;
  return CUST_OK;
}

void cust_store_set_cache(cust_store *s, size_t max_terms, size_t max_bytes) {
  cust_node_cache_release(&s->cache);
  cust_node_cache_init(&s->cache, max_terms, max_bytes);
}

/* ---- the absent-term filter ---------------------------------------------- */

/* Three bit positions from one 64-bit hash (double hashing). */
static size_t filter_bit(uint64_t h, unsigned i) {
  uint64_t h2 = (h >> 32) | (h << 32) | 1;
  return (size_t)((h + i * h2) & (CUST_TERM_FILTER_BITS - 1));
}

void cust_term_filter_add(cust_term_filter *f, uint64_t h) {
  if (f->bits == NULL) {
    return;
  }
  for (unsigned i = 0; i < 3; i++) {
    size_t b = filter_bit(h, i);
    f->bits[b / 64] |= (uint64_t)1 << (b % 64);
  }
}

int cust_term_filter_maybe(const cust_term_filter *f, uint64_t h) {
  if (!f->ready) {
    return 1;
  }
  for (unsigned i = 0; i < 3; i++) {
    size_t b = filter_bit(h, i);
    if ((f->bits[b / 64] & ((uint64_t)1 << (b % 64))) == 0) {
      return 0;
    }
  }
  return 1;
}

void cust_term_filter_release(cust_term_filter *f) {
  if (f == NULL) {
    return;
  }
  free(f->bits);
  f->bits = NULL;
  f->ready = 0;
}

/* Adds the terms of one query's rows: column 0 the text, for literals 1 the
 * language, 2 the datatype IRI and 3 the datatype id. 0 on error or when a
 * row cannot be hashed as the writer would (a datatype id with no IRI). */
static int filter_scan(cust_store *s, const char *sql, cust_term_kind kind) {
  sqlite3_stmt *q = NULL;
  if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK) {
    sqlite3_finalize(q);
    return 0;
  }
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    const char *text = (const char *)sqlite3_column_text(q, 0);
    if (text == NULL) {
      continue; /* never matches a lookup */
    }
    cust_term t = { kind, text, (size_t)sqlite3_column_bytes(q, 0), NULL, NULL };
    if (kind == CUST_TERM_LITERAL) {
      t.lang = (const char *)sqlite3_column_text(q, 1);
      t.datatype = (const char *)sqlite3_column_text(q, 2);
      if (t.datatype == NULL && sqlite3_column_type(q, 3) != SQLITE_NULL) {
        break;
      }
    }
    cust_term_filter_add(&s->filter, cust_node_cache_hash(&t));
  }
  sqlite3_finalize(q);
  return rc == SQLITE_DONE;
}

void cust_term_filter_consider(cust_store *s) {
  cust_term_filter *f = &s->filter;
  if (f->ready || f->off || ++f->lookups < f->next_check) {
    return;
  }
  /* Ids are never reused: the largest ids bound the number of rows. */
  sqlite3_stmt *q = NULL;
  int64_t n = -1;
  if (sqlite3_prepare_v2(s->db,
                         "SELECT coalesce((SELECT max(id) FROM uris), 0) + "
                         "coalesce((SELECT max(id) FROM blanks), 0) + "
                         "coalesce((SELECT max(id) FROM literals), 0)",
                         -1, &q, NULL) == SQLITE_OK &&
      sqlite3_step(q) == SQLITE_ROW) {
    n = sqlite3_column_int64(q, 0);
  }
  sqlite3_finalize(q);
  if (n < 0 || n > CUST_TERM_FILTER_MAX) {
    f->off = n > CUST_TERM_FILTER_MAX;
    return;
  }
  if (f->lookups < (uint64_t)n / 4) {
    f->next_check = (uint64_t)n / 4; /* reading n terms costs about n / 4 lookups */
    return;
  }
  if (f->bits == NULL) {
    f->bits = calloc(CUST_TERM_FILTER_BITS / 64, sizeof *f->bits);
    if (f->bits == NULL) {
      f->off = 1;
      return;
    }
  } else {
    memset(f->bits, 0, CUST_TERM_FILTER_BITS / 8);
  }
  f->ready = filter_scan(s, "SELECT uri FROM uris", CUST_TERM_IRI) &&
             filter_scan(s, "SELECT blank FROM blanks", CUST_TERM_BLANK) &&
             filter_scan(s,
                         "SELECT l.text, l.language, u.uri, l.datatype FROM literals AS l "
                         "LEFT JOIN uris AS u ON u.id = l.datatype",
                         CUST_TERM_LITERAL);
  if (!f->ready) {
    f->off = 1; /* an error: look terms up from now on */
  }
}
