/* libFuzzer target of the chain module's answer readers: batch answers,
 * error classification, /status and /blockchain. */
#include "config.h"

#include <string.h>

#include "chain/chain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *text = (const char *)data;
  chain_reply r[4];
  chain_status s;
  chain_meta m[20];
  uint64_t lowest = 0, last = 0;
  char msg[256];
  memset(r, 0, sizeof r);
  cust_chain_batch_parse(text, size, r, 4);
  for (int i = 0; i < 4; i++) {
    cust_chain_reply_clear(&r[i]);
  }
  cust_chain_classify(0, 500, text, size, &lowest, msg, sizeof msg);
  cust_chain_parse_status(text, size, &s, msg, sizeof msg);
  cust_chain_parse_metas(text, size, 100, 119, m, &last, msg, sizeof msg);
  return 0;
}
