/* custodian: parses the command line, sets up the process context and the
 * signal handlers, and calls the command. Everything else is in the library. */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "sparql/sparql.h"
#include "src/commit_gen.h"

static void on_signal(int sig) {
  if (sig == SIGHUP) {
    cust_reload_requested = 1;
  } else {
    cust_stop_requested = 1;
  }
}

static void print_version(void) {
  printf("custodian %s (commit %s)\nbuilt with %s\n", PACKAGE_VERSION, CUST_COMMIT,
         CUST_BUILT_WITH);
}

static void print_usage(FILE *out) {
  fprintf(out, "usage: custodian <command> [options]\n\n"
               "Custodian follows an OKP4/Axone chain and keeps its chain of custody as a\n"
               "knowledge graph (RDF, W3C PROV-O), served over SPARQL.\n\ncommands:\n");
  for (const cust_command *c = cust_commands; c->name != NULL; c++) {
    fprintf(out, "  %-8s %s\n", c->name, c->summary);
  }
  fprintf(out, "  %-8s %s\n\n", "version", "print the version");
  fprintf(out, "\"custodian <command> --help\" lists a command's options. Every option can\n"
               "also come from CUSTODIAN_<OPTION> in the environment or from --config FILE.\n");
}

static void print_command_help(const cust_command *c) {
  printf("usage: custodian %s\n\n%s\n\noptions:\n", c->synopsis, c->summary);
  int width = 16; /* the longest option name of the command sets the column */
  for (const cust_optspec *o = c->options; o->name != NULL; o++) {
    width = (int)strlen(o->name) > width ? (int)strlen(o->name) : width;
  }
  for (const cust_optspec *o = c->options; o->name != NULL; o++) {
    printf("  --%-*s %s\n", width, o->name, o->help);
  }
}

int main(int argc, char **argv) {
  /* the query engine's worker spawner is this program started anew */
  int child_rc = cust_sparql_child_main(argc, argv);
  if (child_rc >= 0) {
    return child_rc;
  }
  if (argc < 2) {
    print_usage(stderr);
    return 2;
  }
  const char *name = argv[1];
  if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
    print_usage(stdout);
    return 0;
  }
  if (strcmp(name, "version") == 0 || strcmp(name, "--version") == 0) {
    if (argc > 2) {
      cust_cli_error("version takes no arguments (got \"%s\")", argv[2]);
      return 2;
    }
    print_version();
    return 0;
  }
  const cust_command *cmd = NULL;
  for (const cust_command *c = cust_commands; c->name != NULL; c++) {
    if (strcmp(c->name, name) == 0) {
      cmd = c;
    }
  }
  if (cmd == NULL) {
    cust_cli_error("unknown command \"%s\": run \"custodian --help\" for the list", name);
    return 2;
  }

  cust_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  cust_opts_init(&ctx.opts);
  char err[512] = "";
  cust_status st = cust_opts_parse(&ctx.opts, cmd->options, argc - 2, argv + 2, err, sizeof err);
  if (st != CUST_OK) {
    cust_cli_error("%s", err[0] ? err : cust_strerror(st));
    cust_opts_release(&ctx.opts);
    return 2;
  }
  if (cust_opts_has(&ctx.opts, "help")) {
    print_command_help(cmd);
    cust_opts_release(&ctx.opts);
    return 0;
  }
  cust_log_level level = CUST_LOG_INFO;
  if (cust_opts_has(&ctx.opts, "verbose")) {
    level = CUST_LOG_DEBUG;
  } else if (cust_opts_has(&ctx.opts, "quiet")) {
    level = CUST_LOG_ERROR;
  }
  cust_logger_init(&ctx.log, stderr, level);
  ctx.is_tty = isatty(STDERR_FILENO);
  const char *format = cust_opts_get(&ctx.opts, "log-format", "text");
  if (strcmp(format, "json") == 0) {
    ctx.log.format = CUST_LOG_JSON;
    ctx.is_tty = 0; /* no progress lines among JSON ones */
  } else if (strcmp(format, "text") == 0) {
    ctx.log.format = ctx.is_tty ? CUST_LOG_TEXT : CUST_LOG_STAMPED;
  } else {
    cust_cli_error("--log-format must be text or json, not \"%s\"", format);
    cust_opts_release(&ctx.opts);
    return 2;
  }

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  /* Reloading is for the long-running commands; elsewhere HUP still stops. */
  if (strcmp(cmd->name, "serve") == 0 || strcmp(cmd->name, "run") == 0 ||
      strcmp(cmd->name, "index") == 0) {
    sigaction(SIGHUP, &sa, NULL);
  }
  signal(SIGPIPE, SIG_IGN);

  int rc = cmd->run(&ctx);
  fflush(stdout);
  if (ctx.access_log != NULL && ctx.access_log != stdout) {
    fclose(ctx.access_log);
  }
  cust_opts_release(&ctx.opts);
  return rc;
}
