/* Loading the project's ontology files into the ontology graph, replacing
 * what an earlier start put there. */
#include "config.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "mapper_int.h"
#include "store/store.h"

typedef struct load_ctx {
  cust_changes *changes;
  cust_status st;
} load_ctx;

static int add_change(void *ud, const cust_quad *q) {
  load_ctx *lc = ud;
  lc->st = cust_changes_add(lc->changes, q);
  return lc->st != CUST_OK;
}

typedef struct old_ctx {
  cust_changes *changes;
  smap seen; /* (s, p) pairs already scheduled for removal */
  cust_arena *arena;
  cust_status st;
} old_ctx;

static int remove_old(void *ud, const cust_quad *q) {
  old_ctx *oc = ud;
  char *key = cust_arena_printf(oc->arena, "%d %s %s", q->s.kind, q->s.value, q->p.value);
  int is_new = 0;
  if (key == NULL || cust_smap_slot(&oc->seen, key, strlen(key), 1, &is_new) == NULL) {
    oc->st = CUST_ERR_NOMEM;
    return 1;
  }
  if (is_new) {
    oc->st = cust_changes_remove_sp(oc->changes, &q->s, &q->p, &q->g);
  }
  return oc->st != CUST_OK;
}

static int compare_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_ontology_file(const char *name) {
  size_t n = strlen(name);
  return n > 4 && strcmp(name + n - 4, ".ttl") == 0 && strncmp(name, "policy", 6) != 0 &&
         name[0] != '.';
}

cust_status cust_mapper_load_ontology(cust_store *s, const char *dir, const cust_logger *log) {
  cust_status st = CUST_OK;
  cust_changes changes;
  cust_arena arena;
  char **names = NULL;
  size_t nnames = 0, cap = 0;
  int is_open_tx = 0;
  char err[600];
  cust_changes_init(&changes);
  cust_arena_init(&arena, 64 * 1024);

  DIR *d = opendir(dir);
  if (d == NULL) {
    cust_log(log, CUST_LOG_ERROR, "cannot read the ontology folder \"%s\": give --ontology DIR",
             dir);
    st = CUST_ERR_NOTFOUND;
    goto cleanup;
  }
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (!is_ontology_file(e->d_name)) {
      continue;
    }
    if (nnames == cap) {
      size_t ncap = cap ? cap * 2 : 16;
      char **nn = realloc(names, ncap * sizeof *nn);
      if (nn == NULL) {
        st = CUST_ERR_NOMEM;
        break;
      }
      names = nn;
      cap = ncap;
    }
    names[nnames] = cust_arena_printf(&arena, "%s/%s", dir, e->d_name);
    if (names[nnames] == NULL) {
      st = CUST_ERR_NOMEM;
      break;
    }
    nnames++;
  }
  closedir(d);
  if (st != CUST_OK) {
    goto cleanup;
  }
  if (nnames > 0) {
    qsort(names, nnames, sizeof *names, compare_names);
  }

  old_ctx oc = { &changes, { NULL, 0, 0, &arena }, &arena, CUST_OK };
  cust_quad pat;
  memset(&pat, 0, sizeof pat);
  pat.g = cust_term_iri(CUST_GRAPH_ONTOLOGY);
  st = cust_store_find(s, &pat, remove_old, &oc);
  if (st == CUST_OK) {
    st = oc.st;
  }
  if (st != CUST_OK) {
    cust_log(log, CUST_LOG_ERROR, "cannot read the ontology graph: %s", cust_strerror(st));
    goto cleanup;
  }
  for (size_t i = 0; i < nnames; i++) {
    load_ctx lc = { &changes, CUST_OK };
    st = cust_mapper_parse_file(names[i], NULL, CUST_GRAPH_ONTOLOGY, add_change, &lc, err,
                                sizeof err);
    if (st == CUST_OK) {
      st = lc.st;
    }
    if (st != CUST_OK) {
      cust_log(log, CUST_LOG_ERROR, "%s", err[0] ? err : cust_strerror(st));
      goto cleanup;
    }
  }
  st = cust_store_begin(s);
  if (st != CUST_OK) {
    goto cleanup;
  }
  is_open_tx = 1;
  st = cust_store_apply(s, &changes);
  if (st == CUST_OK) {
    st = cust_store_commit(s);
  }
  if (st == CUST_OK) {
    is_open_tx = 0;
  }
  if (st != CUST_OK) {
    cust_log(log, CUST_LOG_ERROR, "cannot write the ontology graph: %s", cust_strerror(st));
    goto cleanup;
  }
  cust_log(log, CUST_LOG_DEBUG, "loaded %zu ontology files from \"%s\"", nnames, dir);

cleanup:
  if (is_open_tx) {
    cust_store_rollback(s);
  }
  free(names);
  cust_arena_release(&arena);
  cust_changes_release(&changes);
  return st;
}
