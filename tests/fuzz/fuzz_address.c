/* libFuzzer target of the address decoders: bech32 (decode, the address
 * check, and decode -> encode giving the lowercased input back), base58btc,
 * and the payee account of a did:key and a did:pkh made of the input. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "rewards/rewards.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *s = malloc(size + 32);
  if (s == NULL || size > 4096) {
    free(s);
    return 0;
  }
  memcpy(s, data, size);
  s[size] = '\0';
  char hrp[84], err[200];
  unsigned char bytes[128];
  size_t n = 0;
  if (cust_bech32_decode(s, hrp, sizeof hrp, bytes, sizeof bytes, &n, err, sizeof err) == CUST_OK) {
    cust_buf b;
    cust_buf_init(&b);
    if (cust_bech32_encode(&b, hrp, bytes, n) == CUST_OK) {
      for (char *p = s; *p; p++) {
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
      }
      if (strcmp(b.data, s) != 0) {
        abort(); /* a decoded address must encode back to itself */
      }
    }
    cust_buf_release(&b);
  }
  memcpy(s, data, size);
  s[size] = '\0';
  cust_bech32_check_address(s, "axone", hrp, sizeof hrp, err, sizeof err);
  cust_base58_decode((const char *)data, size, bytes, sizeof bytes, &n);

  cust_buf did, acc;
  const char *reason = NULL;
  cust_buf_init(&did);
  cust_buf_init(&acc);
  if (cust_buf_puts(&did, "did:key:z") == CUST_OK && cust_buf_puts(&did, s) == CUST_OK) {
    cust_rewards_account(did.data, "okp4", &acc, &reason);
  }
  cust_buf_reset(&did);
  if (cust_buf_puts(&did, "did:pkh:cosmos:okp4-nemeton-1:") == CUST_OK &&
      cust_buf_puts(&did, s) == CUST_OK) {
    cust_rewards_account(did.data, NULL, &acc, &reason);
  }
  cust_buf_release(&did);
  cust_buf_release(&acc);
  free(s);
  return 0;
}
