/* The table of commands and their options: the command line of
 * ../shared/spec/interface.md. Each command's options are one array, so that
 * --help, the environment and the config file all come from the same place. */
#include "config.h"

#include "cli.h"

#define OPT_CONFIG                                                                                 \
  { "config", 1, 0, "FILE  read options from FILE (lines \"name = value\")" }
#define OPT_DB                                                                                     \
  { "db", 1, 0, "PATH  the store (default ./custodian.db)" }
#define OPT_HELP                                                                                   \
  { "help", 0, 0, "      show this help" }
#define OPT_VERBOSE                                                                                \
  { "verbose", 0, 0, "      log debug lines" }
#define OPT_QUIET                                                                                  \
  { "quiet", 0, 0, "      log errors only" }, {                                                    \
    "log-format", 1, 0,                                                                            \
        "text|json  log lines as text (with a UTC time when stderr is not a terminal) or JSON"     \
  }

#define CHAIN_OPTS                                                                                 \
  { "node", 1, 1,                                                                                  \
    "URL  a CometBFT RPC endpoint (repeat for failover); none: the embedded devnet" },             \
      { "dataverse", 1, 1, "ADDR  a dataverse contract to index (repeat); none: any contract" },   \
      { "from-height", 1, 0, "N  first height to index on an empty store" },                       \
      { "batch", 1, 0, "N  JSON-RPC requests per batch (1..10, default 10)" },                     \
      { "max-response", 1, 0, "BYTES  largest RPC answer read, decoded (default 536870912)" }, {   \
    "max-submission", 1, 0, "BYTES  largest credential accepted (default 1048576)"                 \
  }

#define SERVE_OPTS                                                                                 \
  { "listen", 1, 0, "HOST:PORT  where to serve HTTP (default 127.0.0.1:8080; port 0: any)" },      \
      { "web", 1, 0, "DIR  the dashboard's files (default: the installed web/)" },                 \
      { "queries", 1, 0, "DIR  the canned queries (default: the installed queries/)" },            \
      { "query-timeout", 1, 0, "MS  time limit of one query (default 10000)" },                    \
      { "max-results", 1, 0, "N  result rows/triples limit of one query (default 100000)" },       \
      { "max-result-bytes", 1, 0, "BYTES  size limit of one answer (default 268435456)" },         \
      { "query-workers", 1, 0, "N  query worker processes: queries at once (default 2)" },         \
      { "threads", 1, 0, "N  worker threads (default 4)" },                                        \
      { "request-timeout", 1, 0,                                                                   \
        "MS  a request's head and body must arrive within MS, else 408 and close (default "        \
        "10000)" },                                                                                \
      { "max-conns", 1, 0, "N  open connections; past N, 503 with Retry-After (default 512)" },    \
      { "max-conns-per-ip", 1, 0,                                                                  \
        "N  open connections per client address; past N, closed at accept (default 32)" },         \
      { "max-height-wait", 1, 0,                                                                   \
        "MS  how long a request with min_height waits for the index, else 503 (default 5000)" },   \
      { "trusted-proxy", 1, 1,                                                                     \
        "ADDR[,ADDR...]  reverse proxies (IPs or CIDRs): no per-address limit, and the client is " \
        "read from X-Forwarded-For/Forwarded" },                                                   \
      { "access-log", 1, 0, "FILE|-  one line per request (- for stdout)" },                       \
      { "tls-cert", 1, 0,                                                                          \
        "FILE  serve HTTPS with this PEM certificate (chain); needs --tls-key" },                  \
      { "tls-key", 1, 0, "FILE  the PEM private key of --tls-cert" },                              \
      { "api-token", 1, 0,                                                                         \
        "TOKEN  require \"Authorization: Bearer TOKEN\" on the API (not on /health)" },            \
      { "ops-token", 1, 0,                                                                         \
        "TOKEN  require \"Authorization: Bearer TOKEN\" on /metrics and /status" },                \
      { "ops-listen", 1, 0,                                                                        \
        "HOST:PORT  serve /metrics and /status there only (and /health on both)" },                \
  {                                                                                                \
    "base-path", 1, 0, "/PREFIX  the path under which a reverse proxy publishes the service"       \
  }

static const cust_optspec run_opts[] = {
  CHAIN_OPTS,
  SERVE_OPTS,
  { "mirror", 1, 0, "URL  also mirror the store to this SPARQL Update endpoint (a thread)" },
  { "mirror-auth", 1, 0, "USER:PASSWORD  credentials of --mirror (HTTP basic or digest)" },
  { "mirror-auth-file", 1, 0, "FILE  read the --mirror credentials (user:password) from FILE" },
  { "mirror-graph-store", 1, 0, "URL  the --mirror target's Graph Store endpoint, for rebuilds" },
  { "policy", 1, 1, "FILE.ttl  a reward policy (repeat)" },
  { "ontology", 1, 0, "DIR  the ontology files (default: the installed ontology/)" },
  OPT_DB,
  OPT_CONFIG,
  OPT_VERBOSE,
  OPT_QUIET,
  OPT_HELP,
  { NULL, 0, 0, NULL },
};

static const cust_optspec index_opts[] = {
  CHAIN_OPTS,
  { "until", 1, 0, "HEIGHT  stop after indexing HEIGHT" },
  { "no-skip-empty", 0, 0, "      fetch every block (do not skip empty ones with /blockchain)" },
  { "policy", 1, 1, "FILE.ttl  a reward policy (repeat)" },
  { "ontology", 1, 0, "DIR  the ontology files (default: the installed ontology/)" },
  OPT_DB,
  OPT_CONFIG,
  OPT_VERBOSE,
  OPT_QUIET,
  OPT_HELP,
  { NULL, 0, 0, NULL },
};

static const cust_optspec serve_opts[] = {
  SERVE_OPTS, OPT_DB, OPT_CONFIG, OPT_VERBOSE, OPT_QUIET, OPT_HELP, { NULL, 0, 0, NULL },
};

static const cust_optspec devnet_opts[] = {
  { "ontology", 1, 0,
    "VERSION  okp4-v3, axone-v4 or axone-v5: what the credentials speak "
    "(default axone-v4)" },
  { "listen", 1, 0, "HOST:PORT  where to serve the RPC (default 127.0.0.1:26657; port 0: any)" },
  { "seed", 1, 0, "N  the seed of the simulated chain (default 1)" },
  { "blocks", 1, 0, "N  stop producing at height N (default: never)" },
  { "block-time", 1, 0, "MS  time between blocks (default 1000)" },
  { "faults", 1, 0, "RATE  fraction of responses that fail like real nodes do (0..1)" },
  { "dialect", 1, 0, "0.34|0.37|0.38  the RPC dialect (default 0.38)" },
  { "scale", 1, 0, "N  parallel workflows per 40-block cycle (default 1; 8 executions each)" },
  { "earliest", 1, 0, "N  pretend heights below N were pruned" },
  { "chain-id", 1, 0, "ID  the chain id (default axone-devnet-1; okp4-devnet-1 with okp4 v5)" },
  { "contract", 1, 0,
    "VERSION  okp4-dataverse-v5|axone-dataverse-v6|axone-dataverse-v8 (default v8)" },
  { "manifest", 1, 0, "FILE  write what heights 1..--blocks hold, as JSON, before serving" },
  { "empty-blocks", 1, 0,
    "N  a sparse chain: N empty blocks after each block of the workload (default 0)" },
  OPT_CONFIG,
  OPT_VERBOSE,
  OPT_QUIET,
  OPT_HELP,
  { NULL, 0, 0, NULL },
};

static const cust_optspec query_opts[] = {
  { "format", 1, 0, "json|xml|csv|tsv|turtle|ntriples|nquads|rdfxml  the result format" },
  { "f", 1, 0, "FILE  read the query from FILE (- for stdin)" },
  { "query-timeout", 1, 0, "MS  time limit (default 10000)" },
  { "max-results", 1, 0, "N  result limit (default 100000)" },
  { "max-result-bytes", 1, 0, "BYTES  size limit of the answer (default 268435456)" },
  { "default-graph-uri", 1, 1, "IRI  a graph of the default graph (repeatable; replaces FROM)" },
  { "named-graph-uri", 1, 1, "IRI  a named graph (repeatable; replaces FROM NAMED)" },
  OPT_DB,
  OPT_CONFIG,
  OPT_VERBOSE,
  OPT_QUIET,
  OPT_HELP,
  { NULL, 0, 0, NULL },
};

static const cust_optspec rewards_opts[] = {
  { "execution", 1, 0, "IRI  the execution to reward" },
  { "amount", 1, 0,
    "N  the amount to split (default: the order's funds, else the policy's price)" },
  { "policy", 1, 0, "IRI  the policy to apply (default: the zone's, else the default)" },
  { "format", 1, 0, "json|csv|msg  the answer, account CSV rows or a MsgMultiSend (default json)" },
  { "account-prefix", 1, 0, "HRP  bech32 prefix of payee accounts (default: the chain's)" },
  { "from", 1, 0, "ADDR  --format msg: the paying account (default: the payer's)" },
  OPT_DB,
  OPT_CONFIG,
  OPT_VERBOSE,
  OPT_QUIET,
  OPT_HELP,
  { NULL, 0, 0, NULL },
};

static const cust_optspec custody_opts[] = {
  { "resource", 1, 0, "IRI  the resource (or execution) to start from" },
  { "direction", 1, 0, "up|down  upstream sources or downstream uses (default up)" },
  { "depth", 1, 0, "N  how far to walk (default 16)" },
  OPT_DB,
  OPT_CONFIG,
  OPT_VERBOSE,
  OPT_QUIET,
  OPT_HELP,
  { NULL, 0, 0, NULL },
};

static const cust_optspec export_opts[] = {
  { "graph", 1, 0, "IRI  export this graph only" },
  OPT_DB,
  OPT_CONFIG,
  OPT_VERBOSE,
  OPT_QUIET,
  OPT_HELP,
  { NULL, 0, 0, NULL },
};

static const cust_optspec load_opts[] = {
  { "graph", 1, 0, "IRI  the graph to add to (required)" },
  { "base", 1, 0, "IRI  base IRI for relative references" },
  OPT_DB,
  OPT_CONFIG,
  OPT_VERBOSE,
  OPT_QUIET,
  OPT_HELP,
  { NULL, 0, 0, NULL },
};

static const cust_optspec mirror_opts[] = {
  { "to", 1, 0, "URL  the target's SPARQL Update endpoint (required)" },
  { "query-url", 1, 0, "URL  the target's SPARQL query endpoint (default: --to)" },
  { "graph-store", 1, 0,
    "URL  the target's Graph Store Protocol endpoint: rebuilds upload N-Triples there" },
  { "auth", 1, 0, "USER:PASSWORD  the target's credentials (HTTP basic or digest)" },
  { "auth-file", 1, 0, "FILE  read the credentials (user:password) from FILE's first line" },
  { "batch-bytes", 1, 0, "BYTES  size of one request (default 524288)" },
  { "batch-commits", 1, 0, "N  store commits in one catch-up request (default 256)" },
  { "once", 0, 0, "      stop once the target holds the store's last commit" },
  OPT_DB,
  OPT_CONFIG,
  OPT_VERBOSE,
  OPT_QUIET,
  OPT_HELP,
  { NULL, 0, 0, NULL },
};

const cust_command cust_commands[] = {
  { .name = "run",
    .synopsis = "run [--node URL]... [--db PATH] [--listen HOST:PORT] [--dataverse ADDR]... "
                "[--from-height N] [--policy FILE.ttl]... [--config FILE]",
    .summary = "index a chain and serve it (no --node: the embedded devnet)",
    .options = run_opts,
    .run = cust_cmd_run },
  { .name = "index",
    .synopsis = "index [--node URL]... [--db PATH] [--dataverse ADDR]... [--from-height N] "
                "[--until HEIGHT]",
    .summary = "index only; exits after --until HEIGHT",
    .options = index_opts,
    .run = cust_cmd_index },
  { .name = "serve",
    .synopsis = "serve [--db PATH] [--listen HOST:PORT]",
    .summary = "serve a store, opened read-only",
    .options = serve_opts,
    .run = cust_cmd_serve },
  { .name = "devnet",
    .synopsis = "devnet [--listen HOST:PORT] [--seed N] [--blocks N] [--block-time MS] "
                "[--faults RATE] [--dialect 0.34|0.37|0.38] [--scale N] [--manifest FILE] "
                "[--empty-blocks N] [--contract VERSION] [--ontology okp4-v3|axone-v4|axone-v5]",
    .summary = "a simulated OKP4 node speaking the CometBFT JSON-RPC",
    .options = devnet_opts,
    .run = cust_cmd_devnet },
  { .name = "query",
    .synopsis = "query [--db PATH] [--format json|xml|csv|tsv|turtle|ntriples] 'SPARQL' | -f FILE "
                "[--default-graph-uri IRI]... [--named-graph-uri IRI]...",
    .summary = "run a SPARQL query on the store",
    .options = query_opts,
    .run = cust_cmd_query },
  { .name = "rewards",
    .synopsis = "rewards [--db PATH] --execution IRI [--amount N] [--policy IRI] "
                "[--format json|csv|msg] [--account-prefix HRP] [--from ADDR]",
    .summary = "split an execution's payment among its providers",
    .options = rewards_opts,
    .run = cust_cmd_rewards },
  { .name = "custody",
    .synopsis = "custody [--db PATH] --resource IRI [--direction up|down] [--depth N]",
    .summary = "the chain of custody around a resource, as JSON",
    .options = custody_opts,
    .run = cust_cmd_custody },
  { .name = "export",
    .synopsis = "export [--db PATH] [--graph IRI]",
    .summary = "the store as sorted N-Quads on stdout",
    .options = export_opts,
    .run = cust_cmd_export },
  { .name = "mirror",
    .synopsis = "mirror [--db PATH] --to SPARQL-UPDATE-URL [--query-url URL] [--graph-store URL] "
                "[--auth USER:PASSWORD | --auth-file FILE] [--once]",
    .summary = "push the store's commits to a SPARQL 1.1 store, exactly once, in chain order",
    .options = mirror_opts,
    .run = cust_cmd_mirror },
  { .name = "load",
    .synopsis = "load [--db PATH] --graph IRI FILE...",
    .summary = "add RDF files (Turtle, N-Triples, N-Quads, RDF/XML) to a graph",
    .options = load_opts,
    .run = cust_cmd_load },
  { .name = NULL },
};
