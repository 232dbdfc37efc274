/* Byte encodings the chain uses: base64 (transactions, attributes), uppercase
 * hex (hashes), SHA-256 and RIPEMD-160 (transaction hashes, accounts; from
 * nettle), bech32 (addresses) and base58btc (did:key). */
#include "config.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/ripemd160.h>
#include <nettle/sha2.h>

#include "core.h"

/* Each byte's 6-bit value in base64, or 0xff for a byte outside the
 * alphabet; built once, on first use. */
static unsigned char b64_table[256];
static pthread_once_t b64_once = PTHREAD_ONCE_INIT;

static void b64_init(void) {
  static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  memset(b64_table, 0xff, sizeof b64_table);
  for (unsigned i = 0; i < 64; i++) {
    b64_table[(unsigned char)tab[i]] = (unsigned char)i;
  }
}

cust_status cust_base64_decode(const char *in, size_t in_len, unsigned char **out,
                               size_t *out_len) {
  *out = NULL;
  *out_len = 0;
  /* padding is optional, but what is there must be at the end */
  size_t pad = 0;
  while (in_len > 0 && in[in_len - 1] == '=' && pad < 2) {
    in_len--;
    pad++;
  }
  if (in_len % 4 == 1 || (pad && (in_len + pad) % 4 != 0)) {
    return CUST_ERR_INVALID;
  }
  pthread_once(&b64_once, b64_init);
  size_t n = in_len / 4 * 3 + (in_len % 4 ? in_len % 4 - 1 : 0);
  unsigned char *buf = malloc(n + 1);
  if (buf == NULL) {
    return CUST_ERR_NOMEM;
  }
  const unsigned char *s = (const unsigned char *)in;
  size_t o = 0, i = 0;
  /* four characters to three bytes; a byte outside the alphabet sets the
   * high bits of `bad` */
  unsigned bad = 0;
  for (; i + 4 <= in_len; i += 4) {
    unsigned a = b64_table[s[i]], b = b64_table[s[i + 1]], c = b64_table[s[i + 2]],
             d = b64_table[s[i + 3]];
    bad |= a | b | c | d;
    uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | d;
    buf[o] = (unsigned char)(v >> 16);
    buf[o + 1] = (unsigned char)(v >> 8);
    buf[o + 2] = (unsigned char)v;
    o += 3;
  }
  uint32_t acc = 0;
  int bits = 0;
  for (; i < in_len; i++) {
    unsigned v = b64_table[s[i]];
    bad |= v;
    acc = (acc << 6) | (v & 63u);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      buf[o++] = (unsigned char)(acc >> bits);
      acc &= (1u << bits) - 1u;
    }
  }
  if (bad & 0xc0u) {
    free(buf);
    return CUST_ERR_INVALID;
  }
  buf[o] = '\0';
  *out = buf;
  *out_len = o;
  return CUST_OK;
}

cust_status cust_base64_encode(cust_buf *b, const unsigned char *in, size_t in_len) {
  static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  cust_status st = cust_buf_reserve(b, (in_len + 2) / 3 * 4);
  if (st != CUST_OK) {
    return st;
  }
  char *o = b->data + b->len;
  size_t i = 0;
  for (; i + 2 < in_len; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
    *o++ = tab[v >> 18];
    *o++ = tab[(v >> 12) & 63];
    *o++ = tab[(v >> 6) & 63];
    *o++ = tab[v & 63];
  }
  if (i < in_len) {
    uint32_t v = (uint32_t)in[i] << 16;
    if (i + 1 < in_len) {
      v |= (uint32_t)in[i + 1] << 8;
    }
    *o++ = tab[v >> 18];
    *o++ = tab[(v >> 12) & 63];
    *o++ = i + 1 < in_len ? tab[(v >> 6) & 63] : '=';
    *o++ = '=';
  }
  b->len = (size_t)(o - b->data);
  b->data[b->len] = '\0';
  return CUST_OK;
}

void cust_hex_upper(const unsigned char *in, size_t n, char *out) {
  static const char digits[] = "0123456789ABCDEF";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
  out[2 * n] = '\0';
}

/* ---- JSON strings ------------------------------------------------------- */

cust_status cust_json_string(cust_buf *b, const char *s, size_t len) {
  cust_status st = cust_buf_reserve(b, len + 2);
  if (st == CUST_OK) {
    st = cust_buf_putc(b, '"');
  }
  size_t run = 0;
  for (size_t i = 0; st == CUST_OK && i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) {
      continue;
    }
    st = cust_buf_append(b, s + run, i - run);
    run = i + 1;
    if (st != CUST_OK) {
      break;
    }
    switch (c) {
      case '"':
        st = cust_buf_puts(b, "\\\"");
        break;
      case '\\':
        st = cust_buf_puts(b, "\\\\");
        break;
      case '\n':
        st = cust_buf_puts(b, "\\n");
        break;
      case '\r':
        st = cust_buf_puts(b, "\\r");
        break;
      case '\t':
        st = cust_buf_puts(b, "\\t");
        break;
      default:
        st = cust_buf_printf(b, "\\u%04x", c);
        break;
    }
  }
  if (st == CUST_OK) {
    st = cust_buf_append(b, s + run, len - run);
  }
  if (st == CUST_OK) {
    st = cust_buf_putc(b, '"');
  }
  return st;
}

cust_status cust_json_cstr(cust_buf *b, const char *s) {
  if (s == NULL) {
    return cust_buf_puts(b, "null");
  }
  return cust_json_string(b, s, strlen(s));
}

/* ---- hashes (nettle) ------------------------------------------------------ */

void cust_sha256(const unsigned char *in, size_t n, unsigned char out[32]) {
  struct sha256_ctx c;
  sha256_init(&c);
  sha256_update(&c, n, in);
  sha256_digest(&c, SHA256_DIGEST_SIZE, out);
}

cust_status cust_bech32_account(cust_buf *b, const char *hrp, const unsigned char *key, size_t n) {
  unsigned char sha[SHA256_DIGEST_SIZE], rmd[RIPEMD160_DIGEST_SIZE];
  struct ripemd160_ctx c;
  cust_sha256(key, n, sha);
  ripemd160_init(&c);
  ripemd160_update(&c, sizeof sha, sha);
  ripemd160_digest(&c, sizeof rmd, rmd);
  return cust_bech32_encode(b, hrp, rmd, sizeof rmd);
}

/* ---- bech32 (BIP-173) and base58btc -------------------------------------- */

static const char bech32_charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint32_t bech32_polymod(uint32_t chk, unsigned v) {
  static const uint32_t gen[5] = { 0x3b6a57b2u, 0x26508e6du, 0x1ea119fau, 0x3d4233ddu,
                                   0x2a1462b3u };
  uint32_t top = chk >> 25;
  chk = ((chk & 0x1ffffffu) << 5) ^ v;
  for (int k = 0; k < 5; k++) {
    if ((top >> k) & 1u) {
      chk ^= gen[k];
    }
  }
  return chk;
}

static uint32_t bech32_hrp_chk(const char *hrp, size_t hl) {
  uint32_t chk = 1;
  for (size_t i = 0; i < hl; i++) {
    chk = bech32_polymod(chk, (unsigned char)hrp[i] >> 5);
  }
  chk = bech32_polymod(chk, 0);
  for (size_t i = 0; i < hl; i++) {
    chk = bech32_polymod(chk, (unsigned char)hrp[i] & 31u);
  }
  return chk;
}

cust_status cust_bech32_encode(cust_buf *b, const char *hrp, const unsigned char *data, size_t n) {
  size_t hl = strlen(hrp);
  if (hl == 0 || hl > 83) {
    return CUST_ERR_INVALID;
  }
  for (size_t i = 0; i < hl; i++) {
    if (hrp[i] < 33 || hrp[i] > 126 || (hrp[i] >= 'A' && hrp[i] <= 'Z')) {
      return CUST_ERR_INVALID;
    }
  }
  cust_status st = cust_buf_reserve(b, hl + 1 + (n * 8 + 4) / 5 + 6);
  if (st == CUST_OK) {
    st = cust_buf_append(b, hrp, hl);
  }
  if (st == CUST_OK) {
    st = cust_buf_putc(b, '1');
  }
  uint32_t chk = bech32_hrp_chk(hrp, hl), acc = 0;
  int bits = 0;
  for (size_t i = 0; st == CUST_OK && i <= n; i++) {
    if (i < n) {
      acc = (acc << 8) | data[i];
      bits += 8;
    } else if (bits > 0) {
      acc <<= 5 - bits; /* pad the last group with zero bits */
      bits = 5;
    }
    while (st == CUST_OK && bits >= 5) {
      bits -= 5;
      unsigned v = (acc >> bits) & 31u;
      chk = bech32_polymod(chk, v);
      st = cust_buf_putc(b, bech32_charset[v]);
    }
  }
  for (int i = 0; i < 6; i++) {
    chk = bech32_polymod(chk, 0);
  }
  chk ^= 1u;
  for (int i = 0; st == CUST_OK && i < 6; i++) {
    st = cust_buf_putc(b, bech32_charset[(chk >> (5 * (5 - i))) & 31u]);
  }
  return st;
}

cust_status cust_bech32_decode(const char *s, char *hrp, size_t hrpcap, unsigned char *data,
                               size_t cap, size_t *n, char *err, size_t errlen) {
  size_t len = strlen(s), sep = 0;
  int has_lower = 0, has_upper = 0;
  *n = 0;
  if (hrpcap > 0) {
    hrp[0] = '\0';
  }
  if (len > 90) {
    snprintf(err, errlen, "%zu characters, more than the 90 bech32 allows", len);
    return CUST_ERR_INVALID;
  }
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 33 || c > 126) {
      snprintf(err, errlen, "a character that bech32 does not allow at position %zu", i + 1);
      return CUST_ERR_INVALID;
    }
    has_lower |= c >= 'a' && c <= 'z';
    has_upper |= c >= 'A' && c <= 'Z';
    if (c == '1') {
      sep = i;
    }
  }
  if (has_lower && has_upper) {
    snprintf(err, errlen, "mixed upper and lower case");
    return CUST_ERR_INVALID;
  }
  if (sep == 0 || (s[0] == '1' && sep == 0)) {
    snprintf(err, errlen, "no prefix before the separator \"1\"");
    return CUST_ERR_INVALID;
  }
  if (len - sep - 1 < 6) {
    snprintf(err, errlen, "too short for a checksum");
    return CUST_ERR_INVALID;
  }
  if (sep + 1 > hrpcap) {
    snprintf(err, errlen, "a prefix of %zu characters is too long", sep);
    return CUST_ERR_INVALID;
  }
  for (size_t i = 0; i < sep; i++) {
    char c = s[i];
    hrp[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  hrp[sep] = '\0';
  uint32_t chk = bech32_hrp_chk(hrp, sep), acc = 0;
  int bits = 0;
  size_t ndata = len - sep - 1 - 6;
  for (size_t i = sep + 1; i < len; i++) {
    char c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
    const char *p = strchr(bech32_charset, c);
    if (p == NULL || c == '\0') {
      snprintf(err, errlen, "\"%c\" at position %zu is not a bech32 character", s[i], i + 1);
      return CUST_ERR_INVALID;
    }
    unsigned v = (unsigned)(p - bech32_charset);
    chk = bech32_polymod(chk, v);
    if (i - sep - 1 < ndata) {
      acc = ((acc << 5) | v) & 0xfffu;
      bits += 5;
      if (bits >= 8) {
        bits -= 8;
        if (*n == cap) {
          snprintf(err, errlen, "more than %zu bytes of data", cap);
          return CUST_ERR_INVALID;
        }
        data[(*n)++] = (unsigned char)(acc >> bits);
      }
    }
  }
  if (chk != 1u) {
    snprintf(err, errlen, "the checksum does not match (a mistyped or missing character?)");
    return CUST_ERR_INVALID;
  }
  if (bits >= 5 || (acc & ((1u << bits) - 1u)) != 0) {
    snprintf(err, errlen, "the data does not end on a byte boundary");
    return CUST_ERR_INVALID;
  }
  return CUST_OK;
}

cust_status cust_base58_decode(const char *in, size_t len, unsigned char *out, size_t cap,
                               size_t *n) {
  static const char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  size_t zeros = 0, used = 0; /* used: bytes of the big-endian number at the end of out */
  *n = 0;
  while (zeros < len && in[zeros] == '1') {
    zeros++;
  }
  for (size_t i = zeros; i < len; i++) {
    const char *p = in[i] != '\0' ? strchr(alphabet, in[i]) : NULL;
    if (p == NULL) {
      return CUST_ERR_INVALID;
    }
    uint32_t carry = (uint32_t)(p - alphabet);
    for (size_t k = 0; k < used; k++) {
      carry += 58u * out[cap - 1 - k];
      out[cap - 1 - k] = (unsigned char)(carry & 0xffu);
      carry >>= 8;
    }
    while (carry > 0) {
      if (used == cap) {
        return CUST_ERR_LIMIT;
      }
      out[cap - 1 - used++] = (unsigned char)(carry & 0xffu);
      carry >>= 8;
    }
  }
  if (zeros + used > cap) {
    return CUST_ERR_LIMIT;
  }
  memmove(out + zeros, out + cap - used, used);
  memset(out, 0, zeros);
  *n = zeros + used;
  return CUST_OK;
}

cust_status cust_bech32_check_address(const char *addr, const char *hrp_want, char *hrp_out,
                                      size_t hrpcap, char *err, size_t errlen) {
  char hrp[84], why[120];
  unsigned char data[64];
  size_t n = 0;
  if (cust_bech32_decode(addr, hrp, sizeof hrp, data, sizeof data, &n, why, sizeof why) !=
      CUST_OK) {
    snprintf(err, errlen, "\"%s\" is not a bech32 address: %s", addr, why);
    return CUST_ERR_INVALID;
  }
  if (n != 20 && n != 32) {
    snprintf(err, errlen,
             "\"%s\" holds %zu bytes: a Cosmos address holds 20 (an account) or 32 (a contract)",
             addr, n);
    return CUST_ERR_INVALID;
  }
  for (const char *p = hrp; *p; p++) {
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))) {
      snprintf(err, errlen, "\"%s\" has the prefix \"%s\": a Cosmos prefix is letters and digits",
               addr, hrp);
      return CUST_ERR_INVALID;
    }
  }
  if (hrp_want != NULL && strcmp(hrp, hrp_want) != 0) {
    snprintf(err, errlen, "\"%s\" has the prefix \"%s\", not \"%s\" as the others", addr, hrp,
             hrp_want);
    return CUST_ERR_INVALID;
  }
  if (hrp_out != NULL && hrpcap > 0) {
    snprintf(hrp_out, hrpcap, "%s", hrp);
  }
  return CUST_OK;
}

/* ---- redaction -------------------------------------------------------------- */

int cust_is_secret_name(const char *name, size_t n) {
  static const char *const words[] = { "key",  "token", "secret",     "pass",
                                       "auth", "sig",   "credential", "session" };
  char low[64];
  if (n >= sizeof low) {
    return 1; /* a name that long is not one an operator needs to read */
  }
  for (size_t i = 0; i < n; i++) {
    low[i] = (char)tolower((unsigned char)name[i]);
  }
  low[n] = '\0';
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
    if (strstr(low, words[i]) != NULL) {
      return 1;
    }
  }
  return 0;
}

/* Appends (s, n) to out[*w] within outlen, keeping room for the NUL. */
static void put(char *out, size_t outlen, size_t *w, const char *s, size_t n) {
  while (n > 0 && *w + 1 < outlen) {
    out[(*w)++] = *s++;
    n--;
  }
}

const char *cust_url_redact(const char *url, int is_all, char *out, size_t outlen) {
  size_t w = 0;
  if (outlen == 0) {
    return out;
  }
  const char *p = url ? url : "";
  const char *end = p + strcspn(p, "#");
  const char *q = memchr(p, '?', (size_t)(end - p));
  const char *path_end = q ? q : end;
  const char *scheme = strstr(p, "://");
  if (scheme != NULL && scheme < path_end) {
    const char *auth = scheme + 3;
    const char *auth_end = auth + strcspn(auth, "/?#");
    const char *at = NULL;
    for (const char *x = auth; x < auth_end; x++) {
      if (*x == '@') {
        at = x; /* the last '@' ends the user information */
      }
    }
    put(out, outlen, &w, p, (size_t)(auth - p));
    if (at != NULL) {
      put(out, outlen, &w, "***@", 4);
      auth = at + 1;
    }
    put(out, outlen, &w, auth, (size_t)(path_end - auth));
  } else {
    put(out, outlen, &w, p, (size_t)(path_end - p));
  }
  if (q != NULL) {
    put(out, outlen, &w, "?", 1);
    const char *s = q + 1;
    while (s < end) {
      const char *amp = s + strcspn(s, "&;");
      if (amp > end) {
        amp = end;
      }
      const char *eq = memchr(s, '=', (size_t)(amp - s));
      if (eq != NULL && (is_all || cust_is_secret_name(s, (size_t)(eq - s)))) {
        put(out, outlen, &w, s, (size_t)(eq + 1 - s));
        put(out, outlen, &w, "***", 3);
      } else {
        put(out, outlen, &w, s, (size_t)(amp - s));
      }
      if (amp < end) {
        put(out, outlen, &w, amp, 1);
      }
      s = amp + 1;
    }
  }
  out[w] = '\0';
  return out;
}
