/* libFuzzer target of the tx module: cust_tx_decode on the whole input, and
 * cust_block_parse on the input split at its first NUL byte into a /block
 * and a /block_results body, the first byte choosing the dialect. */
#include "config.h"

#include <string.h>

#include "tx/tx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cust_arena a;
  cust_tx tx;
  char err[256];
  cust_arena_init(&a, 4096);
  memset(&tx, 0, sizeof tx);
  cust_tx_decode(&a, data, size, &tx, err, sizeof err);
  cust_arena_release(&a);

  if (size < 1) {
    return 0;
  }
  static const cust_dialect dialects[] = { CUST_DIALECT_034, CUST_DIALECT_037, CUST_DIALECT_038 };
  cust_dialect d = dialects[data[0] % 3];
  const char *text = (const char *)data + 1;
  size_t n = size - 1;
  const char *nul = memchr(text, '\0', n);
  size_t block_len = nul ? (size_t)(nul - text) : n;
  const char *results = nul ? nul + 1 : "";
  size_t results_len = nul ? n - block_len - 1 : 0;
  cust_block b;
  cust_block_init(&b);
  cust_block_parse(&b, text, block_len, results, results_len, d, err, sizeof err);
  cust_block_release(&b);
  return 0;
}
