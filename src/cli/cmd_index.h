/* What `custodian index` and `custodian run` share: the chain options, the
 * store opened for writing with the ontology and the reward policies
 * loaded, the embedded devnet when no --node is given, and the follower. */
#ifndef CUST_CMD_INDEX_H
#define CUST_CMD_INDEX_H

#include "chain/chain.h"
#include "index/index.h"
#include "cli.h"
#include "devnet/devnet.h"

/* An indexer being set up or running. Embedded struct: zero it, then
 * cust_cli_indexer_open / cust_cli_indexer_close. */
typedef struct cust_cli_indexer {
  cust_store *store;
  cust_mapper *mapper;
  cust_index *chain;
  cust_devnet *devnet;        /* the embedded devnet, when no --node was given */
  const char *db_path;        /* borrowed from the options */
  const char *dataverses[64]; /* borrowed from the options or the devnet */
  size_t ndataverses;
  uint64_t max_submission;
} cust_cli_indexer;

/* Reads the chain options of `ctx`, starts the embedded devnet when no
 * --node is given, opens (creating) the store, loads the ontology and the
 * policies. `shared` may be NULL and is borrowed until close. Returns an
 * exit code: 0 ready, 1 runtime failure, 2 usage error (one line already
 * printed). */
int cust_cli_indexer_open(cust_cli_indexer *ix, cust_ctx *ctx, uint64_t until,
                          cust_index_shared *shared);
/* Connects to the nodes, makes the mapper for their chain and indexes until
 * --until, a stop request or a fatal error. Returns the exit code, the
 * error printed. */
int cust_cli_indexer_run(cust_cli_indexer *ix, cust_ctx *ctx);
/* NULL-safe; closes what open made, the devnet last. */
void cust_cli_indexer_close(cust_cli_indexer *ix);

/* The thread that answers SIGHUP while the main thread indexes: it reads
 * the canned queries of `h` again (when not NULL) and the --policy files
 * into the store at `db_path`, through a handle of its own. Everything is
 * borrowed until cust_cli_reloader_stop. Embedded struct. */
struct cust_http;
typedef struct cust_cli_reloader {
  cust_ctx *ctx;
  struct cust_http *h;
  const char *db_path;
  pthread_t thread;
  int is_running;
  volatile int is_done;
} cust_cli_reloader;

void cust_cli_reloader_start(cust_cli_reloader *r, cust_ctx *ctx, struct cust_http *h,
                             const char *db_path);
/* Idempotent; a zeroed reloader is stopped already. */
void cust_cli_reloader_stop(cust_cli_reloader *r);

#endif
