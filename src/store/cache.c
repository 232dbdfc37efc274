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
