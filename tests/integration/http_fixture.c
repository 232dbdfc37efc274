/* A fixture writer for the http tests and benchmark: puts the quads of an
 * N-Quads file (every graph, the indexer's included) into a new store with a
 * checkpoint, the way the indexer would have written them.
 *   http_fixture DB FILE.nq HEIGHT CHAIN-ID */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mapper/mapper.h"
#include "store/store.h"

typedef struct sink {
  cust_changes *changes;
  cust_status st;
} sink;

static int add_quad(void *ud, const cust_quad *q) {
  sink *s = ud;
  s->st = cust_changes_add(s->changes, q);
  return s->st != CUST_OK;
}

int main(int argc, char **argv) {
  cust_logger log;
  cust_changes changes;
  cust_store *s = NULL;
  char err[600];
  int rc = 1;
  cust_logger_init(&log, stderr, CUST_LOG_WARN);
  cust_changes_init(&changes);
  if (argc != 5) {
    fprintf(stderr, "usage: http_fixture DB FILE.nq HEIGHT CHAIN-ID\n");
    return 2;
  }
  sink k = { &changes, CUST_OK };
  cust_status st = cust_mapper_parse_file(argv[2], NULL, NULL, add_quad, &k, err, sizeof err);
  if (st == CUST_OK) {
    st = k.st;
  }
  if (st != CUST_OK) {
    fprintf(stderr, "http_fixture: cannot read \"%s\": %s\n", argv[2], cust_strerror(st));
    goto done;
  }
  st = cust_store_open(argv[1], CUST_STORE_CREATE, &log, &s);
  if (st == CUST_OK) {
    st = cust_store_bind_chain(s, argv[4]);
  }
  if (st == CUST_OK) {
    st = cust_store_begin(s);
  }
  if (st == CUST_OK) {
    st = cust_store_apply(s, &changes);
  }
  if (st == CUST_OK) {
    cust_checkpoint cp;
    memset(&cp, 0, sizeof cp);
    cp.height = strtoull(argv[3], NULL, 10);
    snprintf(cp.chain_id, sizeof cp.chain_id, "%s", argv[4]);
    snprintf(cp.block_hash, sizeof cp.block_hash, "%064d", 0);
    snprintf(cp.block_time, sizeof cp.block_time, "2024-05-01T00:00:00Z");
    st = cust_store_set_checkpoint(s, &cp);
  }
  if (st == CUST_OK) {
    st = cust_store_commit(s);
  }
  if (st != CUST_OK) {
    fprintf(stderr, "http_fixture: cannot write \"%s\": %s\n", argv[1], cust_strerror(st));
    goto done;
  }
  rc = 0;
done:
  cust_store_close(s);
  cust_changes_release(&changes);
  return rc;
}
