/* Unit tests of the mapping thread's view: what the committed store holds,
 * with the changes of mapped blocks not committed yet replayed on it, must
 * equal what the store holds once those blocks are written, before and
 * after their commit. */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "index/follower.c"
#include "tap.h"

static void remove_store(const char *path) {
  char p[600];
  unlink(path);
  snprintf(p, sizeof p, "%s-wal", path);
  unlink(p);
  snprintf(p, sizeof p, "%s-shm", path);
  unlink(p);
}

static const cust_term none = { .kind = CUST_TERM_NONE };

static cust_quad quad(const char *s, const char *p, cust_term o, const char *g) {
  cust_quad q = { cust_term_iri(s), cust_term_iri(p), o, g != NULL ? cust_term_iri(g) : none };
  return q;
}

/* The sorted N-Quads of what `find` gives for `pat`, one string. */
typedef struct lines {
  char *v[64];
  size_t n;
} lines;

static int line_cb(void *ud, const cust_quad *q) {
  lines *l = ud;
  cust_buf b;
  cust_buf_init(&b);
  cust_quad_write_nq(&b, q);
  if (l->n < 64) {
    l->v[l->n++] = cust_buf_steal(&b, NULL);
  } else {
    cust_buf_release(&b);
  }
  return 0;
}

static int by_text(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *joined(lines *l) {
  cust_buf b;
  cust_buf_init(&b);
  cust_buf_puts(&b, "");
  qsort(l->v, l->n, sizeof l->v[0], by_text);
  for (size_t i = 0; i < l->n; i++) {
    cust_buf_puts(&b, l->v[i]);
    free(l->v[i]);
  }
  l->n = 0;
  return cust_buf_steal(&b, NULL);
}

static char *via_overlay(cust_index *c, const cust_quad *pat) {
  lines l = { .n = 0 };
  if (overlay_find(c, pat, line_cb, &l) != CUST_OK) {
    return NULL;
  }
  return joined(&l);
}

static char *via_store(cust_store *s, const cust_quad *pat) {
  lines l = { .n = 0 };
  if (cust_store_find(s, pat, line_cb, &l) != CUST_OK) {
    return NULL;
  }
  return joined(&l);
}

static item *mapped_item(uint64_t height) {
  item *it = item_new(ITEM_BLOCK);
  it->from = it->to = height;
  it->is_mapped = 1;
  return it;
}

static void test_overlay(void) {
  char path[] = "/tmp/custodian-overlay-XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  remove_store(path);
  cust_store *s = NULL;
  ok(cust_store_open(path, CUST_STORE_CREATE, NULL, &s) == CUST_OK, "a store");
  if (s == NULL) {
    return;
  }
  const char *S1 = "urn:s1", *S2 = "urn:s2", *S3 = "urn:s3", *P1 = "urn:p1", *P2 = "urn:p2";
  const char *G1 = "urn:g1", *G2 = "urn:g2";
  cust_term o1 = cust_term_iri("urn:o1"), o2 = cust_term_iri("urn:o2");
  cust_term o3 = cust_term_iri("urn:o3");
  cust_term x = cust_term_literal("x", NULL, NULL), y = cust_term_literal("y", "en", NULL);
  cust_term n7 = cust_term_literal("7", NULL, "http://www.w3.org/2001/XMLSchema#integer");
  cust_quad base[] = { quad(S1, P1, o1, G1), quad(S1, P2, x, G1), quad(S2, P1, o2, NULL),
                       quad(S2, P1, o1, G2), quad(S3, P2, n7, G2) };
  cust_store_begin(s);
  for (size_t i = 0; i < sizeof base / sizeof base[0]; i++) {
    cust_store_add(s, &base[i]);
  }
  ok(cust_store_commit(s) == CUST_OK, "the committed facts");

  /* two mapped blocks, the first indexed by subject, the second scanned */
  item *a = mapped_item(10), *b = mapped_item(11);
  cust_quad q;
  q = quad(S1, P1, o3, G1);
  cust_changes_add(&a->changes, &q);
  cust_term s1 = cust_term_iri(S1), s2 = cust_term_iri(S2), p1 = cust_term_iri(P1);
  cust_term p2 = cust_term_iri(P2), g1 = cust_term_iri(G1);
  cust_changes_remove_sp(&a->changes, &s1, &p2, &g1);
  q = quad(S1, P2, y, G1);
  cust_changes_add(&a->changes, &q);
  q = quad(S1, P2, y, G1); /* twice: stored once */
  cust_changes_add(&a->changes, &q);
  index_changes(a);
  q = quad(S3, P1, o1, G2);
  cust_changes_add(&b->changes, &q);
  q = quad(S1, P1, o1, G1); /* already stored */
  cust_changes_add(&b->changes, &q);
  cust_changes_remove_sp(&b->changes, &s2, &p1, &none); /* the default graph only */
  q = quad(S1, P2, n7, G1);
  cust_changes_add(&b->changes, &q);

  cust_index *c = calloc(1, sizeof *c);
  pthread_mutex_init(&c->ovlock, NULL);
  cust_arena_init(&c->ov_arena, 0);
  ok(cust_store_open_reader(s, &c->reader) == CUST_OK, "a reader beside the writer");
  overlay_append(c, a);
  overlay_append(c, b);

  cust_quad pats[] = {
    { s1, p1, none, none },
    { s1, p2, none, g1 },
    { s2, p1, none, none },
    { none, p1, none, cust_term_iri(G2) },
    { cust_term_iri(S3), none, none, none },
    { s1, p2, y, none },
    { none, p2, n7, none },
  };
  size_t npats = sizeof pats / sizeof pats[0];
  char *before[16];
  for (size_t i = 0; i < npats; i++) {
    before[i] = via_overlay(c, &pats[i]);
  }
  /* what the writer then writes, not committed yet: the reader does not
   * see it, the overlay still answers */
  cust_store_begin(s);
  cust_store_apply(s, &a->changes);
  cust_store_apply(s, &b->changes);
  for (size_t i = 0; i < npats; i++) {
    char *want = via_store(s, &pats[i]);
    ok(before[i] != NULL && want != NULL && strcmp(before[i], want) == 0,
       "pattern %zu: the overlay gives what the store will hold", i);
    if (before[i] == NULL || want == NULL || strcmp(before[i], want) != 0) {
      printf("# overlay:\n%s# store:\n%s", before[i] ? before[i] : "(error)\n",
             want ? want : "(error)\n");
    }
    free(want);
  }
  ok(cust_store_commit(s) == CUST_OK, "the blocks are committed");
  /* committed but still in the overlay: replaying them changes nothing */
  for (size_t i = 0; i < npats; i++) {
    char *again = via_overlay(c, &pats[i]);
    ok(again != NULL && before[i] != NULL && strcmp(again, before[i]) == 0,
       "pattern %zu: the same after the commit", i);
    free(again);
  }
  overlay_drop(c, 10);
  ok(c->ov_head == b && c->ov_tail == b, "dropping height 10 keeps block 11");
  overlay_drop(c, UINT64_MAX);
  ok(c->ov_head == NULL && c->ov_tail == NULL, "dropping all empties the overlay");
  for (size_t i = 0; i < npats; i++) {
    char *after = via_overlay(c, &pats[i]);
    ok(after != NULL && before[i] != NULL && strcmp(after, before[i]) == 0,
       "pattern %zu: the same from the store alone", i);
    free(after);
    free(before[i]);
  }
  cust_store_close(c->reader);
  cust_arena_release(&c->ov_arena);
  free(c->ov_res);
  pthread_mutex_destroy(&c->ovlock);
  free(c);
  cust_store_close(s);
  remove_store(path);
}

int main(void) {
  test_overlay();
  return done_testing();
}
