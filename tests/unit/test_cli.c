/* Unit tests of option parsing: command line over environment over config. */
#include "config.h"

#include <unistd.h>

#include "cli/cli.h"
#include "tap.h"

static const cust_optspec spec[] = {
  { "db", 1, 0, "PATH" },     { "node", 1, 1, "URL" },      { "verbose", 0, 0, "" },
  { "config", 1, 0, "FILE" }, { "from-height", 1, 0, "N" }, { NULL, 0, 0, NULL },
};

int main(void) {
  char err[256];
  cust_opts o;
  const char *nodes[4];

  char *argv1[] = { "--db", "x.db", "--node=http://a", "--node", "http://b", "--verbose", "pos" };
  cust_opts_init(&o);
  ok(cust_opts_parse(&o, spec, 7, argv1, err, sizeof err) == CUST_OK, "parses long options");
  is_str(cust_opts_get(&o, "db", NULL), "x.db", "--db value");
  is_int(cust_opts_all(&o, "node", nodes, 4), 2, "two --node values");
  is_str(nodes[1], "http://b", "in order");
  ok(cust_opts_has(&o, "verbose"), "flag");
  ok(o.nargs == 1 && strcmp(o.args[0], "pos") == 0, "positional argument");
  cust_opts_release(&o);

  char *argv2[] = { "--bogus" };
  cust_opts_init(&o);
  ok(cust_opts_parse(&o, spec, 1, argv2, err, sizeof err) == CUST_ERR_INVALID &&
         strstr(err, "--bogus") != NULL,
     "unknown option named in the error");
  cust_opts_release(&o);

  char *argv3[] = { "--db" };
  cust_opts_init(&o);
  ok(cust_opts_parse(&o, spec, 1, argv3, err, sizeof err) == CUST_ERR_INVALID, "missing value");
  cust_opts_release(&o);

  /* environment and config file */
  char path[] = "/tmp/cust-test-cli-XXXXXX";
  int fd = mkstemp(path);
  FILE *f = fdopen(fd, "w");
  fprintf(f, "# a comment\ndb = from-file.db\nfrom-height = 7\nmax-conns-per-ip = 3\n");
  fclose(f);
  setenv("CUSTODIAN_NODE", "http://e1, http://e2", 1);
  setenv("CUSTODIAN_DB", "from-env.db", 1);
  char *argv4[] = { "--config", path };
  cust_opts_init(&o);
  ok(cust_opts_parse(&o, spec, 2, argv4, err, sizeof err) == CUST_OK, "config + env parse");
  is_str(cust_opts_get(&o, "db", NULL), "from-env.db", "environment wins over config file");
  is_str(cust_opts_get(&o, "from-height", NULL), "7", "config file fills the rest");
  is_int(cust_opts_all(&o, "node", nodes, 4), 2, "comma-separated env list");
  uint64_t h = 0;
  ok(cust_opts_u64(&o, "from-height", 0, &h, err, sizeof err) == CUST_OK && h == 7, "u64 option");
  ok(!cust_opts_has(&o, "max-conns-per-ip"), "another command's key is skipped");
  cust_opts_release(&o);

  char bad[] = "/tmp/cust-test-cli-XXXXXX";
  fd = mkstemp(bad);
  f = fdopen(fd, "w");
  fprintf(f, "db = x.db\n\nfrom-hieght = 7\n");
  fclose(f);
  char *argv6[] = { "--config", bad };
  cust_opts_init(&o);
  ok(cust_opts_parse(&o, spec, 2, argv6, err, sizeof err) == CUST_ERR_INVALID &&
         strstr(err, "line 3") != NULL && strstr(err, "\"from-hieght\"") != NULL,
     "a key no command knows is an error naming the line: %s", err);
  cust_opts_release(&o);
  unlink(bad);

  char *argv5[] = { "--db", "cli.db", "--node", "http://c", "--from-height", "x" };
  cust_opts_init(&o);
  cust_opts_parse(&o, spec, 6, argv5, err, sizeof err);
  is_str(cust_opts_get(&o, "db", NULL), "cli.db", "command line wins over environment");
  is_int(cust_opts_all(&o, "node", nodes, 4), 1, "command-line list replaces env list");
  ok(cust_opts_u64(&o, "from-height", 0, &h, err, sizeof err) == CUST_ERR_INVALID,
     "non-numeric value refused");
  cust_opts_release(&o);
  ok(cust_cli_has_store(path), "an existing store file is found");
  unlink(path);
  ok(!cust_cli_has_store(path), "a missing store file is reported");
  return done_testing();
}
