/* Unit tests of the core module: encodings, arena, buffers, terms, changes. */
#include "config.h"

#include "core/core.h"
#include "tap.h"

static void test_base64(void) {
  unsigned char *out = NULL;
  size_t n = 0;
  ok(cust_base64_decode("aGVsbG8=", 8, &out, &n) == CUST_OK && n == 5 &&
         memcmp(out, "hello", 5) == 0,
     "base64 decodes with padding");
  free(out);
  ok(cust_base64_decode("aGVsbG8", 7, &out, &n) == CUST_OK && n == 5, "base64 without padding");
  free(out);
  ok(cust_base64_decode("", 0, &out, &n) == CUST_OK && n == 0, "empty base64 is empty");
  free(out);
  ok(cust_base64_decode("aGV*bG8=", 8, &out, &n) == CUST_ERR_INVALID && out == NULL,
     "a bad character is refused");
  ok(cust_base64_decode("a", 1, &out, &n) == CUST_ERR_INVALID, "a bad length is refused");
  ok(cust_base64_decode("aG=V", 4, &out, &n) == CUST_ERR_INVALID, "padding in the middle refused");
  cust_buf b;
  cust_buf_init(&b);
  cust_base64_encode(&b, (const unsigned char *)"hello", 5);
  is_str(b.data, "aGVsbG8=", "base64 encodes");
  /* every byte value at every offset, lengths 0..300: encode then decode */
  unsigned char raw[300];
  for (size_t i = 0; i < sizeof raw; i++) {
    raw[i] = (unsigned char)(i * 151 + 7);
  }
  int same = 1;
  for (size_t len = 0; len <= sizeof raw && same; len++) {
    cust_buf_reset(&b);
    cust_base64_encode(&b, raw, len);
    same = cust_base64_decode(b.data, b.len, &out, &n) == CUST_OK && n == len &&
           memcmp(out, raw, len) == 0;
    free(out);
  }
  ok(same, "base64 round trips of 0 to 300 bytes");
  /* a character outside the alphabet anywhere in a long text is refused */
  cust_buf_reset(&b);
  cust_base64_encode(&b, raw, sizeof raw);
  int refused = 1;
  const char bad[] = { '*', '-', '_', ' ', '\n', '=', (char)0xc3, '\0' };
  for (size_t at = 0; at < b.len && refused; at += 37) {
    for (size_t k = 0; k < sizeof bad && refused; k++) {
      char keep = b.data[at];
      b.data[at] = bad[k];
      refused = cust_base64_decode(b.data, b.len, &out, &n) == CUST_ERR_INVALID && out == NULL;
      b.data[at] = keep;
    }
  }
  ok(refused, "a bad character anywhere in 400 characters is refused");
  cust_buf_release(&b);
}

static void test_json(void) {
  cust_buf b;
  cust_buf_init(&b);
  const char s[] = "say \"hi\"\\\n\t\x01\x7f é";
  cust_json_string(&b, s, sizeof s - 1);
  is_str(b.data, "\"say \\\"hi\\\"\\\\\\n\\t\\u0001\\u007f é\"", "JSON string escaping");
  cust_buf_reset(&b);
  cust_json_cstr(&b, NULL);
  is_str(b.data, "null", "a NULL string is null");
  cust_buf_reset(&b);
  cust_json_string(&b, "a\0b", 3);
  is_str(b.data, "\"a\\u0000b\"", "an embedded NUL is escaped");
  cust_buf_release(&b);
}

static void test_sha256(void) {
  unsigned char d[32];
  char hex[65];
  cust_sha256((const unsigned char *)"abc", 3, d);
  cust_hex_upper(d, 32, hex);
  is_str(hex, "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", "sha256(abc)");
  cust_sha256((const unsigned char *)"", 0, d);
  cust_hex_upper(d, 32, hex);
  is_str(hex, "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "sha256()");
  const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  cust_sha256((const unsigned char *)m, strlen(m), d);
  cust_hex_upper(d, 32, hex);
  is_str(hex, "248D6A61D20638B8E5C026930C3E6039A33CE45964FF2167F6ECEDD419DB06C1",
         "sha256 of two blocks");
}

static void test_arena(void) {
  cust_arena a;
  cust_arena_init(&a, 64);
  char *s = cust_arena_strdup(&a, "short");
  char *big = cust_arena_alloc(&a, 1000);
  char *t = cust_arena_printf(&a, "%d-%s", 42, "x");
  ok(s && big && t, "arena allocates small and oversized blocks");
  memset(big, 'x', 1000);
  is_str(s, "short", "an oversized block does not clobber earlier strings");
  is_str(t, "42-x", "arena printf");
  ok(((uintptr_t)big & 15u) == 0, "allocations are 16-byte aligned");
  cust_arena_reset(&a);
  ok(a.total == 0, "reset forgets everything");
  cust_arena_release(&a);
  ok(a.head == NULL && a.total == 0, "release frees every chunk and empties the arena");
  cust_arena_release(&a);
  cust_arena_release(NULL);
  ok(a.head == NULL, "a second release, and one of NULL, change nothing");
  ok(cust_arena_strdup(&a, "again") != NULL && a.head != NULL,
     "a released arena can be used again");
  cust_arena_release(&a);
}

static void test_grow(void) {
  int *v = NULL;
  size_t cap = 0;
  int ok_all = 1;
  for (size_t i = 0; i < 100 && ok_all; i++) {
    ok_all = cust_grow(&v, i, &cap, sizeof *v, 4) == CUST_OK && cap > i;
    if (ok_all) {
      v[i] = (int)i;
    }
  }
  ok(ok_all && cap == 128 && v[99] == 99, "an array grows by doubling from its first size (%zu)",
     cap);
  int *before = v;
  ok(cust_grow(&v, 100, &cap, sizeof *v, 4) == CUST_OK && v == before && cap == 128,
     "room already there: nothing moves");
  size_t big = cap;
  ok(cust_grow(&v, 128, &big, SIZE_MAX / 64, 4) == CUST_ERR_NOMEM && v == before && big == 128,
     "a size that overflows is out of memory, the array unchanged");
  free(v);
}

static void test_terms(void) {
  cust_buf b;
  cust_buf_init(&b);
  cust_quad q = { cust_term_iri("http://a/s"), cust_term_iri("http://a/p"),
                  cust_term_literal("say \"hi\"\n\\ \x01", "en", NULL), cust_term_iri("http://g") };
  cust_quad_write_nq(&b, &q);
  is_str(b.data, "<http://a/s> <http://a/p> \"say \\\"hi\\\"\\n\\\\ \\u0001\"@en <http://g> .\n",
         "N-Quads escaping of literals");
  cust_buf_reset(&b);
  q.o = cust_term_literal("5", NULL, "http://www.w3.org/2001/XMLSchema#integer");
  q.g.kind = CUST_TERM_NONE;
  q.s = cust_term_blank("b0");
  cust_quad_write_nq(&b, &q);
  is_str(b.data, "_:b0 <http://a/p> \"5\"^^<http://www.w3.org/2001/XMLSchema#integer> .\n",
         "typed literal in the default graph");
  cust_buf_release(&b);
  cust_term x = cust_term_literal("a", "en", NULL), y = cust_term_literal("a", NULL, NULL);
  ok(cust_term_compare(&x, &y) > 0 && !cust_term_equal(&x, &y), "language tags order terms");
}

static void test_changes(void) {
  cust_changes c;
  cust_changes_init(&c);
  char s[] = "http://s";
  cust_quad q = { cust_term_iri(s), cust_term_iri("http://p"), cust_term_literal("o", NULL, NULL),
                  cust_term_iri("http://g") };
  for (int i = 0; i < 1000; i++) {
    cust_changes_add(&c, &q);
  }
  s[0] = 'X';
  is_int(c.len, 1000, "a thousand changes");
  is_str(c.items[999].q.s.value, "http://s", "changes own copies of their strings");
  cust_changes_remove_sp(&c, &q.s, &q.p, &q.g);
  ok(c.items[1000].kind == CUST_CHANGE_REMOVE_SP && c.items[1000].q.o.kind == CUST_TERM_NONE,
     "a removal has no object");
  cust_changes_truncate(&c, 10);
  is_int(c.len, 10, "truncate drops a half-mapped message");
  cust_changes_release(&c);
  cust_changes_release(&c);
}

/* Addresses of the dataverse contracts' own tests: the same 20 bytes on an
 * okp4 and an axone chain. */
#define ADDR_OKP4 "okp41072nc6egexqr2v6vpp7yxwm68plvqnkf6xsytf"
#define ADDR_AXONE "axone1072nc6egexqr2v6vpp7yxwm68plvqnkf5uemr0"

static void test_bech32(void) {
  char hrp[84], err[200], addr[64];
  unsigned char data[64];
  size_t n = 0;
  cust_buf b;
  cust_buf_init(&b);
  ok(cust_bech32_decode(ADDR_OKP4, hrp, sizeof hrp, data, sizeof data, &n, err, sizeof err) ==
             CUST_OK &&
         strcmp(hrp, "okp4") == 0 && n == 20,
     "an okp4 account decodes to 20 bytes");
  ok(cust_bech32_encode(&b, "axone", data, n) == CUST_OK && strcmp(b.data, ADDR_AXONE) == 0,
     "the same bytes with the axone prefix give the contract's axone address");
  /* BIP-173's own valid strings */
  ok(cust_bech32_decode("A12UEL5L", hrp, sizeof hrp, data, sizeof data, &n, err, sizeof err) ==
             CUST_OK &&
         strcmp(hrp, "a") == 0 && n == 0,
     "BIP-173 vector A12UEL5L (upper case)");
  ok(cust_bech32_decode("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw", hrp, sizeof hrp, data,
                        sizeof data, &n, err, sizeof err) == CUST_OK &&
         strcmp(hrp, "abcdef") == 0,
     "BIP-173 vector with every character");
  /* every single-character typo of the data part is caught */
  int caught = 0, tried = 0;
  static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
  for (size_t i = 6; i < strlen(ADDR_AXONE); i++) {
    for (int k = 0; k < 32; k += 7) {
      snprintf(addr, sizeof addr, "%s", ADDR_AXONE);
      if (addr[i] == charset[k]) {
        continue;
      }
      addr[i] = charset[k];
      tried++;
      caught +=
          cust_bech32_check_address(addr, NULL, NULL, 0, err, sizeof err) == CUST_ERR_INVALID &&
          strstr(err, "checksum") != NULL;
    }
  }
  ok(tried > 100 && caught == tried, "each of %d one-character typos is a checksum error (%d)",
     tried, caught);
  snprintf(addr, sizeof addr, "%s", ADDR_AXONE);
  char t = addr[10];
  addr[10] = addr[11];
  addr[11] = t;
  ok(cust_bech32_check_address(addr, NULL, NULL, 0, err, sizeof err) == CUST_ERR_INVALID,
     "two swapped characters are caught: %s", err);
  ok(cust_bech32_check_address("axone1072nc6egexqr2v6vpp7yxwm68plvqnkf5uemr", NULL, NULL, 0, err,
                               sizeof err) == CUST_ERR_INVALID,
     "a missing character is caught: %s", err);
  ok(cust_bech32_check_address("axone1072nc6egexqr2v6vpp7yxwm68plvqnkf5uemrb", NULL, NULL, 0, err,
                               sizeof err) == CUST_ERR_INVALID &&
         strstr(err, "\"b\""),
     "a character outside the alphabet is named: %s", err);
  ok(cust_bech32_check_address("Axone1072nc6egexqr2v6vpp7yxwm68plvqnkf5uemr0", NULL, NULL, 0, err,
                               sizeof err) == CUST_ERR_INVALID &&
         strstr(err, "mixed"),
     "mixed case is refused: %s", err);
  ok(cust_bech32_check_address(ADDR_OKP4, "axone", NULL, 0, err, sizeof err) == CUST_ERR_INVALID &&
         strstr(err, "\"okp4\""),
     "a prefix other than the one wanted is refused: %s", err);
  cust_buf_reset(&b);
  ok(cust_bech32_encode(&b, "axone", data, 10) == CUST_OK &&
         cust_bech32_check_address(b.data, NULL, NULL, 0, err, sizeof err) == CUST_ERR_INVALID &&
         strstr(err, "10 bytes"),
     "a valid bech32 of 10 bytes is not an address: %s", err);
  cust_buf_reset(&b);
  unsigned char contract[32];
  memset(contract, 0xab, sizeof contract);
  ok(cust_bech32_encode(&b, "axone", contract, 32) == CUST_OK &&
         cust_bech32_check_address(b.data, "axone", hrp, sizeof hrp, err, sizeof err) == CUST_OK &&
         strcmp(hrp, "axone") == 0,
     "a 32-byte contract address passes, and its prefix is given back");
  ok(cust_bech32_check_address("okp4", NULL, NULL, 0, err, sizeof err) == CUST_ERR_INVALID &&
         cust_bech32_check_address("", NULL, NULL, 0, err, sizeof err) == CUST_ERR_INVALID,
     "no separator, or nothing at all, is refused");
  /* the key of did:key:zQ3shsoarhrw7SoyUyoCbwv8k2BRRLeqkjRkffGqx7WNpMQgw and
     its account in axone-dataverse v8's tests */
  static const unsigned char key[33] = { 0x03, 0xc3, 0x95, 0x83, 0x24, 0xf2, 0xb9, 0x55, 0x6e,
                                         0x65, 0x9f, 0xc0, 0x4b, 0x3b, 0xf5, 0x13, 0xed, 0x93,
                                         0x3e, 0x22, 0x72, 0x75, 0xc5, 0x06, 0x10, 0x40, 0x4c,
                                         0x51, 0x61, 0xa4, 0xbc, 0x85, 0xb8 };
  cust_buf_reset(&b);
  ok(cust_bech32_account(&b, "axone", key, sizeof key) == CUST_OK &&
         strcmp(b.data, "axone178mjppxcf3n9q3q7utdwrajdal0tsqvymz0900") == 0,
     "the account of a secp256k1 key: bech32(RIPEMD160(SHA256(key)))");
  cust_buf_release(&b);
  /* base58btc */
  ok(cust_base58_decode("1112", 4, data, sizeof data, &n) == CUST_OK && n == 4 && data[0] == 0 &&
         data[2] == 0 && data[3] == 1,
     "base58: leading 1s are zero bytes");
  ok(cust_base58_decode("5Q", 2, data, sizeof data, &n) == CUST_OK && n == 1 && data[0] == 0xff,
     "base58: 5Q is 255");
  ok(cust_base58_decode("0OIl", 4, data, sizeof data, &n) == CUST_ERR_INVALID,
     "base58: 0, O, I and l are not in the alphabet");
  ok(cust_base58_decode("zzzzzzzz", 8, data, 2, &n) == CUST_ERR_LIMIT, "base58: too long for out");
}

static void test_redact(void) {
  char out[256];
  is_str(cust_url_redact("https://alice:s3cret@rpc.example.org:443/okp4?apikey=K1&x=2", 1, out,
                         sizeof out),
         "https://***@rpc.example.org:443/okp4?apikey=***&x=***", "credentials and query hidden");
  ok(strstr(out, "s3cret") == NULL && strstr(out, "K1") == NULL, "no secret left");
  is_str(cust_url_redact("http://u@p@h:1/a@b", 1, out, sizeof out), "http://***@h:1/a@b",
         "the last @ of the authority ends the user information");
  is_str(cust_url_redact("http://127.0.0.1:26657", 1, out, sizeof out), "http://127.0.0.1:26657",
         "a plain URL is unchanged");
  is_str(cust_url_redact("/sparql?query=SELECT&api_token=T&Session=S;ok=1#f", 0, out, sizeof out),
         "/sparql?query=SELECT&api_token=***&Session=***;ok=1", "only secret-looking names");
  cust_url_redact("http://user:password@host/", 1, out, 12);
  ok(strlen(out) == 11 && strstr(out, "pass") == NULL, "cut to fit, still redacted: %s", out);
  ok(cust_is_secret_name("X-Api-Key", 9) && !cust_is_secret_name("height", 6), "secret names");
}

int main(void) {
  test_base64();
  test_sha256();
  test_bech32();
  test_json();
  test_arena();
  test_grow();
  test_terms();
  test_changes();
  test_redact();
  return done_testing();
}
