/* custodian rewards: not available in this build yet. */
#include "config.h"

#include "cli.h"

int cust_cmd_rewards(cust_ctx *ctx) {
  (void)ctx;
  cust_cli_error("the \"rewards\" command is not available in this build yet");
  return 1;
}
