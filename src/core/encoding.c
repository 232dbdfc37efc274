/* Byte encodings the chain uses: base64 (transactions, attributes), uppercase
 * hex (hashes) and SHA-256 (transaction hashes, FIPS 180-4). */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

static int b64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == '+') {
    return 62;
  }
  if (c == '/') {
    return 63;
  }
  return -1;
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
  size_t n = in_len / 4 * 3 + (in_len % 4 ? in_len % 4 - 1 : 0);
  unsigned char *buf = malloc(n + 1);
  if (buf == NULL) {
    return CUST_ERR_NOMEM;
  }
  size_t o = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < in_len; i++) {
    int v = b64_value((unsigned char)in[i]);
    if (v < 0) {
      free(buf);
      return CUST_ERR_INVALID;
    }
    acc = (acc << 6) | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      buf[o++] = (unsigned char)(acc >> bits);
      acc &= (1u << bits) - 1u;
    }
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

/* ---- SHA-256 ----------------------------------------------------------- */

static const uint32_t K[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(uint32_t h[8], const unsigned char *p) {
  uint32_t w[64];
  for (int i = 0; i < 16; i++) {
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
           p[4 * i + 3];
  }
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (int i = 0; i < 64; i++) {
    uint32_t t1 = hh + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
    uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    hh = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
  h[5] += f;
  h[6] += g;
  h[7] += hh;
}

void cust_sha256(const unsigned char *in, size_t n, unsigned char out[32]) {
  uint32_t h[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    sha256_block(h, in + i);
  }
  unsigned char tail[128];
  size_t rest = n - i;
  memset(tail, 0, sizeof tail);
  if (rest) {
    memcpy(tail, in + i, rest);
  }
  tail[rest] = 0x80;
  size_t blocks = rest + 9 > 64 ? 2 : 1;
  uint64_t bits = (uint64_t)n * 8u;
  for (int k = 0; k < 8; k++) {
    tail[blocks * 64 - 1 - k] = (unsigned char)(bits >> (8 * k));
  }
  for (size_t k = 0; k < blocks; k++) {
    sha256_block(h, tail + 64 * k);
  }
  for (int k = 0; k < 8; k++) {
    out[4 * k] = (unsigned char)(h[k] >> 24);
    out[4 * k + 1] = (unsigned char)(h[k] >> 16);
    out[4 * k + 2] = (unsigned char)(h[k] >> 8);
    out[4 * k + 3] = (unsigned char)h[k];
  }
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
