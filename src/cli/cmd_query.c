/* custodian query: not available in this build yet. */
#include "config.h"

#include "cli.h"

int cust_cmd_query(cust_ctx *ctx) {
  (void)ctx;
  cust_cli_error("the \"query\" command is not available in this build yet");
  return 1;
}
