/* Payee accounts: the Cosmos account a reward distributor pays for a DID
 * (rewards.md, "Paying out"). did:key of a secp256k1 key gives
 * bech32(prefix, RIPEMD160(SHA256(compressed key))), the derivation the
 * dataverse contract uses to match an issuer with a sender; did:pkh with the
 * CAIP-10 namespace "cosmos" names its account; anything else has none. */
#include "config.h"

#include <string.h>

#include "rewards.h"

#define DID_KEY "did:key:"
#define DID_PKH_COSMOS "did:pkh:cosmos:"

static cust_status from_key(const char *id, size_t n, const char *prefix, cust_buf *out,
                            const char **reason) {
  unsigned char raw[80];
  size_t len = 0;
  if (n < 2 || id[0] != 'z' ||
      cust_base58_decode(id + 1, n - 1, raw, sizeof raw, &len) != CUST_OK || len < 2) {
    *reason = "the did:key is not a base58btc (\"z\") multibase key";
    return CUST_OK;
  }
  if (raw[0] == 0xed && raw[1] == 0x01) {
    *reason = "an Ed25519 key has no Cosmos account";
    return CUST_OK;
  }
  if (raw[0] != 0xe7 || raw[1] != 0x01) {
    *reason = "the did:key is neither a secp256k1 nor an Ed25519 key";
    return CUST_OK;
  }
  if (len != 2 + 33 || (raw[2] != 0x02 && raw[2] != 0x03)) {
    *reason = "the secp256k1 did:key is not a 33-byte compressed public key";
    return CUST_OK;
  }
  if (prefix == NULL || prefix[0] == '\0') {
    *reason = "no account prefix is known: give the chain's prefix (account-prefix)";
    return CUST_OK;
  }
  cust_status st = cust_bech32_account(out, prefix, raw + 2, 33);
  if (st == CUST_ERR_INVALID) {
    *reason = "the account prefix is not a valid bech32 prefix";
    return CUST_OK;
  }
  return st;
}

static cust_status from_pkh(const char *rest, cust_buf *out, const char **reason) {
  const char *addr = strrchr(rest, ':');
  char hrp[84], why[120];
  unsigned char data[64];
  size_t n = 0;
  if (addr == NULL || addr == rest) {
    *reason = "the did:pkh names no chain id and account (did:pkh:cosmos:CHAIN:ADDRESS)";
    return CUST_OK;
  }
  addr++;
  if (cust_bech32_decode(addr, hrp, sizeof hrp, data, sizeof data, &n, why, sizeof why) !=
          CUST_OK ||
      (n != 20 && n != 32)) {
    *reason = "the did:pkh account is not a valid bech32 address";
    return CUST_OK;
  }
  return cust_buf_puts(out, addr);
}

cust_status cust_rewards_account(const char *did, const char *prefix, cust_buf *out,
                                 const char **reason) {
  *reason = NULL;
  if (did == NULL) {
    *reason = "no payee";
    return CUST_OK;
  }
  size_t mark = out->len;
  cust_status st = CUST_OK;
  if (strncmp(did, DID_KEY, strlen(DID_KEY)) == 0) {
    const char *id = did + strlen(DID_KEY);
    size_t n = strcspn(id, "#?/");
    st = from_key(id, n, prefix, out, reason);
  } else if (strncmp(did, DID_PKH_COSMOS, strlen(DID_PKH_COSMOS)) == 0) {
    st = from_pkh(did + strlen(DID_PKH_COSMOS), out, reason);
  } else if (strncmp(did, "did:pkh:", 8) == 0) {
    *reason = "the did:pkh is not a Cosmos account (its CAIP-10 namespace is not \"cosmos\")";
  } else {
    *reason = "neither a did:key nor a did:pkh: no account can be derived";
  }
  if (st != CUST_OK || *reason != NULL) {
    out->len = mark;
    if (out->data != NULL) {
      out->data[mark] = '\0';
    }
  }
  return st;
}
