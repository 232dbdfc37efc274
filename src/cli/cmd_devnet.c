/* custodian devnet: not available in this build yet. */
#include "config.h"

#include "cli.h"

int cust_cmd_devnet(cust_ctx *ctx) {
  (void)ctx;
  cust_cli_error("the \"devnet\" command is not available in this build yet");
  return 1;
}
