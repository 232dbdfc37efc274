/* The command line: options from the command line, the environment and a
 * config file; the process context; and one entry point per command. */
#ifndef CUST_CLI_H
#define CUST_CLI_H

#include "core/core.h"

/* ---- options ------------------------------------------------------------ */

typedef struct cust_optspec {
  const char *name; /* long name without "--", e.g. "from-height" */
  int has_arg;      /* 0: a flag; 1: takes a value */
  int is_multi;     /* may be given several times (--node, --policy, …) */
  const char *help; /* one line for --help, with the value's name first */
} cust_optspec;

/* Parsed options: every (name, value) pair, in the order of precedence
 * already resolved (command line over environment over config file).
 * Embedded struct: cust_opts_init/cust_opts_release. */
typedef struct cust_opt {
  const char *name; /* borrowed from the spec table */
  char *value;      /* owned; "1" for flags */
} cust_opt;

typedef struct cust_opts {
  cust_opt *items;
  size_t len, cap;
  char **args; /* positional arguments, owned */
  size_t nargs, args_cap;
} cust_opts;

void cust_opts_init(cust_opts *o);
void cust_opts_release(cust_opts *o);

/* Parses argv (without the program and command names) against `spec`
 * (terminated by a {NULL} entry), then fills what the command line did not
 * give from the environment (CUSTODIAN_<NAME>, dashes as underscores; multi
 * options split on commas) and from the config file named by --config or
 * CUSTODIAN_CONFIG (lines `name = value`, `#` comments). On a usage error
 * writes one line to `err` and returns CUST_ERR_INVALID. */
cust_status cust_opts_parse(cust_opts *o, const cust_optspec *spec, int argc, char **argv,
                            char *err, size_t errlen);

/* The last value of `name`, or `dflt` when absent. Borrowed from `o`. */
const char *cust_opts_get(const cust_opts *o, const char *name, const char *dflt);
int cust_opts_has(const cust_opts *o, const char *name);
/* All values of a multi option, in order, into `out` (up to `max`); returns
 * how many there are (which may exceed max). */
size_t cust_opts_all(const cust_opts *o, const char *name, const char **out, size_t max);
/* Parses an unsigned decimal option; CUST_ERR_INVALID with a message in
 * `err` when it is not one. */
cust_status cust_opts_u64(const cust_opts *o, const char *name, uint64_t dflt, uint64_t *out,
                          char *err, size_t errlen);

/* ---- the process context ------------------------------------------------ */

/* Made once in main() and passed to every command. It owns the logger and
 * the options; commands open what else they need (the store, Redland worlds)
 * and keep it here so that one cleanup path closes everything. */
typedef struct cust_ctx {
  cust_logger log;
  cust_opts opts;
  int is_tty;       /* stderr is a terminal: show progress lines */
  FILE *access_log; /* --access-log, opened by cust_cli_http_options; closed by main() */
} cust_ctx;

/* ---- commands ------------------------------------------------------------ */

/* Each returns the process exit code: 0 success, 1 runtime failure, 2 usage. */
typedef int (*cust_cmd_fn)(cust_ctx *ctx);

typedef struct cust_command {
  const char *name;
  const char *synopsis; /* the usage line, after "custodian " */
  const char *summary;  /* one line */
  const cust_optspec *options;
  cust_cmd_fn run;
} cust_command;

/* The table of commands, terminated by a {NULL} entry. */
extern const cust_command cust_commands[];

int cust_cmd_run(cust_ctx *ctx);
int cust_cmd_index(cust_ctx *ctx);
int cust_cmd_serve(cust_ctx *ctx);
int cust_cmd_devnet(cust_ctx *ctx);
int cust_cmd_query(cust_ctx *ctx);
int cust_cmd_rewards(cust_ctx *ctx);
int cust_cmd_custody(cust_ctx *ctx);
int cust_cmd_export(cust_ctx *ctx);
int cust_cmd_load(cust_ctx *ctx);
int cust_cmd_mirror(cust_ctx *ctx);

/* The mirror's credentials, from `auth` ("user:password") or the first line
 * of `file` (either may be NULL, not both given), into `out` ("" when
 * none). Returns 0, or the exit code after printing the error. Defined in
 * cmd_mirror.c. */
int cust_cli_mirror_auth(const char *auth, const char *file, char *out, size_t n);

/* Whether the store file `db` exists; when it does not, says so on stderr
 * in one line with what to do, so that commands reading a store fail alike. */
int cust_cli_has_store(const char *db);

/* The HTTP server's options, shared by serve and run (--listen, --web,
 * --queries, --query-timeout, --max-results, --threads, --request-timeout,
 * --max-conns, --max-conns-per-ip, --trusted-proxy), into `cfg`; its strings
 * are borrowed from ctx->opts, and the proxies are written to `proxies` (of
 * `max` entries), which `cfg` borrows. Returns 0, or 2 after printing a
 * usage error. Defined in cmd_serve.c. */
#define CUST_CLI_MAX_PROXIES 64
struct cust_http_config;
int cust_cli_http_options(cust_ctx *ctx, struct cust_http_config *cfg, const char **proxies,
                          size_t max);

/* Prints one error line "custodian: <what>" to stderr. */
void cust_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* For the commands that answer one query from the store (custody, rewards):
 * opens `db` read-only (a missing file is an error that says to index a chain
 * first), runs `fn`, and writes its answer and a newline to stdout; on failure
 * `fn` leaves one line in `err`, which is reported. Returns the exit code, 0
 * or 1. Defined in cmd_rewards.c. */
struct cust_store;
typedef cust_status (*cust_cli_query_fn)(struct cust_store *s, void *ud, cust_buf *out, char *err,
                                         size_t errlen);
int cust_cli_query_store(cust_ctx *ctx, const char *db, cust_cli_query_fn fn, void *ud);

#endif
