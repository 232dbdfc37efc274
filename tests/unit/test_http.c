/* Unit tests of the http module's pure pieces: query strings, paths, Accept
 * headers, gzip, canned-query headers and parameter checks, and the shipped
 * canned queries' headers. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <zlib.h>

#include "http/http.h"
#include "http/http_int.h"
#include "tap.h"

static void test_params(void) {
  cust_arena a;
  http_params p;
  cust_arena_init(&a, 256);
  memset(&p, 0, sizeof p);
  const char *q = "query=SELECT+*+WHERE+%7B%3Fs+%3Fp+%3Fo%7D&default-graph-uri=urn%3Aa"
                  "&default-graph-uri=urn:b;flag&=x&&empty=";
  ok(http_params_parse(&p, &a, q, strlen(q)) == CUST_OK, "a query string parses");
  is_str(http_params_get(&p, "query"), "SELECT * WHERE {?s ?p ?o}", "'+' and %XX are decoded");
  const char *gs[4];
  is_int(http_params_all(&p, "default-graph-uri", gs, 4), 2, "repeated parameters are kept");
  is_str(gs[0], "urn:a", "first repeated value, in order");
  is_str(gs[1], "urn:b", "';' separates too");
  is_str(http_params_get(&p, "flag"), "", "a name without '=' has an empty value");
  is_str(http_params_get(&p, "empty"), "", "an empty value");
  is_str(http_params_get(&p, ""), "x", "an empty name is kept");
  ok(http_params_get(&p, "nope") == NULL, "an absent name is NULL");
  memset(&p, 0, sizeof p);
  ok(http_params_parse(&p, &a, "a=%00", 5) == CUST_ERR_INVALID, "a NUL byte is refused");
  memset(&p, 0, sizeof p);
  ok(http_params_parse(&p, &a, "a=%zz", 5) == CUST_ERR_INVALID, "a bad escape is refused");
  memset(&p, 0, sizeof p);
  ok(http_params_parse(&p, &a, "a=%4", 4) == CUST_ERR_INVALID, "a cut escape is refused");
  memset(&p, 0, sizeof p);
  char many[4000];
  size_t n = 0;
  for (int i = 0; i < 300; i++) {
    n += (size_t)snprintf(many + n, sizeof many - n, "k%d=v&", i);
  }
  ok(http_params_parse(&p, &a, many, n) == CUST_OK && p.len == 300, "300 pairs grow the list");
  is_str(p.items[299].name, "k299", "the last pair survives growth");
  cust_arena_release(&a);
  char out[16];
  is_int(http_unescape("a+b", 3, 0, out), 3, "outside forms '+' stays");
  is_str(out, "a+b", "'+' kept in paths");
}

static void test_paths(void) {
  char out[64];
  ok(http_path_normalise("/", 1, out, sizeof out) == CUST_OK, "root");
  is_str(out, "/", "root stays root");
  ok(http_path_normalise("//a///b", 7, out, sizeof out) == CUST_OK, "repeated slashes");
  is_str(out, "/a/b", "are collapsed");
  ok(http_path_normalise("/a/b/", 5, out, sizeof out) == CUST_OK, "a directory path");
  is_str(out, "/a/b/", "keeps its trailing slash");
  ok(http_path_normalise("/%71ueries", 10, out, sizeof out) == CUST_OK, "escapes");
  is_str(out, "/queries", "are decoded");
  const char *bad[] = { "/a%2Fb",         "/%2fetc",    "/sub/..%2f..%2fsecret",
                        "/../etc/passwd", "/a/../../b", "/%2e%2e/x",
                        "/%2E%2e%2Fetc",  "/a/./b",     "/..",
                        "/a\\..\\b",      "/a%00b",     "/a%5c..%5cb",
                        "relative",       "",           "/%0a" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ok(http_path_normalise(bad[i], strlen(bad[i]), out, sizeof out) == CUST_ERR_INVALID,
       "refused: \"%s\"", bad[i]);
  }
  ok(http_path_normalise("/..a/b..", 8, out, sizeof out) == CUST_OK, "dots inside names are fine");
  char tiny[4];
  ok(http_path_normalise("/abcdef", 7, tiny, sizeof tiny) == CUST_ERR_LIMIT, "too long");
  is_str(http_content_type("/index.html"), "text/html; charset=utf-8", "html type");
  is_str(http_content_type("/app.JS"), "text/javascript; charset=utf-8", "case-insensitive");
  is_str(http_content_type("/a.b/noext"), "application/octet-stream", "no extension");
  is_str(http_content_type("/x.svg"), "image/svg+xml", "svg type");
}

static void test_accept(void) {
  is_int(http_accept_quality(NULL, "text/turtle"), 1000, "no Accept accepts all");
  is_int(http_accept_quality("", "text/turtle"), 1000, "an empty Accept accepts all");
  is_int(http_accept_quality("text/turtle", "text/turtle"), 1000, "exact match");
  is_int(http_accept_quality("application/json", "text/turtle"), 0, "no match");
  is_int(http_accept_quality("text/*;q=0.5", "text/turtle"), 500, "subtype wildcard");
  is_int(http_accept_quality("*/*;q=0.1, text/turtle;q=0.8", "text/turtle"), 800,
         "the most specific range wins");
  is_int(http_accept_quality("text/turtle;q=0, */*", "text/turtle"), 0, "q=0 refuses");
  is_int(http_accept_quality("TEXT/Turtle ; q=0.25", "text/turtle"), 250,
         "case and spaces are tolerated");
  is_int(http_accept_quality("text/turtle;charset=utf-8;q=0.3", "text/turtle"), 300,
         "other parameters are skipped");
  is_int(http_accept_quality("text/turtle;q=1.5", "text/turtle"), 1000, "q is capped at 1");
  is_int(http_accept_quality(",,,", "text/turtle"), 1000, "only commas: accept all");
  ok(http_accepts_gzip("gzip, deflate, br"), "gzip in a list");
  ok(http_accepts_gzip("*"), "'*' includes gzip");
  ok(!http_accepts_gzip("gzip;q=0"), "gzip;q=0 refuses");
  ok(!http_accepts_gzip("gzip;q=0, *"), "an explicit refusal beats '*'");
  ok(!http_accepts_gzip("identity"), "identity only");
  ok(!http_accepts_gzip(NULL), "no header: no gzip");
  ok(!http_accepts_gzip("gzipx"), "no prefix matching");
}

static void test_gzip(void) {
  cust_buf in, out;
  cust_buf_init(&in);
  cust_buf_init(&out);
  for (int i = 0; i < 500; i++) {
    cust_buf_printf(&in, "row %d of a compressible answer\n", i % 7);
  }
  ok(http_gzip(in.data, in.len, &out) == CUST_OK, "gzip compresses");
  ok(out.len > 18 && out.len < in.len / 4, "gzip is smaller (%zu < %zu)", out.len, in.len);
  ok((unsigned char)out.data[0] == 0x1f && (unsigned char)out.data[1] == 0x8b, "gzip magic bytes");
  z_stream z;
  memset(&z, 0, sizeof z);
  char *back = malloc(in.len + 16);
  inflateInit2(&z, 15 + 16);
  z.next_in = (Bytef *)out.data;
  z.avail_in = (uInt)out.len;
  z.next_out = (Bytef *)back;
  z.avail_out = (uInt)(in.len + 16);
  int rc = inflate(&z, Z_FINISH);
  ok(rc == Z_STREAM_END && z.total_out == in.len && memcmp(back, in.data, in.len) == 0,
     "gzip round-trips");
  inflateEnd(&z);
  free(back);
  cust_buf_release(&in);
  cust_buf_release(&out);
}

static void test_json(void) {
  cust_buf b;
  cust_buf_init(&b);
  cust_json_cstr(&b, "a\"b\\c\nd\x01");
  is_str(b.data, "\"a\\\"b\\\\c\\nd\\u0001\"", "JSON escaping");
  cust_buf_release(&b);
}

static void test_canned(void) {
  http_canned c;
  char err[256];
  const char *rq = "# title: Lineage\n"
                   "# description: first line\n"
                   "#description: second line\n"
                   "# param: resource (iri) \xe2\x80\x94 the resource\n"
                   "# param: n (integer) - how many\n"
                   "#param:label(literal):a label\n"
                   "# a remark\n"
                   "SELECT * WHERE { ?resource ?p ?o }\n"
                   "# param: late (iri) — not in the header\n";
  ok(http_canned_parse("lineage", rq, strlen(rq), &c, err, sizeof err) == CUST_OK,
     "a header parses");
  is_str(c.title, "Lineage", "title");
  is_str(c.description, "first line second line", "description lines are joined");
  is_int(c.nparams, 3, "params of the header only");
  is_str(c.params[0].name, "resource", "param name");
  ok(c.params[0].type == HTTP_PARAM_IRI, "iri type");
  is_str(c.params[0].description, "the resource", "em dash separator");
  ok(c.params[1].type == HTTP_PARAM_INTEGER, "integer type");
  is_str(c.params[1].description, "how many", "hyphen separator");
  ok(c.params[2].type == HTTP_PARAM_LITERAL, "literal type");
  is_str(c.params[2].description, "a label", "colon separator, no spaces");
  ok(strstr(c.text, "SELECT") != NULL, "the text is kept whole");
  http_canned_release(&c);
  http_canned_release(&c);

  const char *bad[] = {
    "SELECT * {}\n",
    "# description: no title\nSELECT * {}",
    "# title: t\n# param: x (uri) - bad type\n",
    "# title: t\n# param: x - no type\n",
    "# title: t\n# param: (iri) - no name\n",
    "# title: t\n# param: x (iri - unclosed\n",
    "# title: t\n# param: x (iri)\n# param: x (literal)\n",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    err[0] = '\0';
    ok(http_canned_parse("bad", bad[i], strlen(bad[i]), &c, err, sizeof err) == CUST_ERR_FORMAT &&
           err[0] != '\0' && c.name == NULL,
       "malformed header %zu refused: %s", i, err);
  }

  ok(http_param_check(HTTP_PARAM_IRI, "https://example.org/a") == NULL, "an IRI");
  ok(http_param_check(HTTP_PARAM_IRI, "urn:uuid:1234") == NULL, "a URN");
  ok(http_param_check(HTTP_PARAM_IRI, "did:key:z6Mk") == NULL, "a DID");
  ok(http_param_check(HTTP_PARAM_IRI, "relative/path") != NULL, "no scheme");
  ok(http_param_check(HTTP_PARAM_IRI, "http://x> } ; DROP") != NULL, "'>' and spaces");
  ok(http_param_check(HTTP_PARAM_IRI, "") != NULL, "empty IRI");
  ok(http_param_check(HTTP_PARAM_IRI, "1http://x") != NULL, "a scheme starts with a letter");
  ok(http_param_check(HTTP_PARAM_INTEGER, "-42") == NULL, "an integer");
  ok(http_param_check(HTTP_PARAM_INTEGER, "4x") != NULL, "not an integer");
  ok(http_param_check(HTTP_PARAM_INTEGER, "-") != NULL, "a lone sign");
  ok(http_param_check(HTTP_PARAM_INTEGER, "12345678901234567890") != NULL, "too many digits");
  ok(http_param_check(HTTP_PARAM_LITERAL, "\" } DROP ALL") == NULL, "any literal text");
}

/* Every shipped canned query has a valid header. */
static void test_catalog(void) {
  char dir[4096];
  http_catalog cat;
  snprintf(dir, sizeof dir, "%s/queries", tap_srcdir());
  ok(http_catalog_load(&cat, dir, NULL) == CUST_OK, "the shipped queries load");
  ok(cat.len >= 14, "at least 14 canned queries (%zu)", cat.len);
  const char *must[] = { "lineage",
                         "impact",
                         "execution",
                         "zone",
                         "provider",
                         "compliance-used-before-registered",
                         "compliance-unregistered-inputs",
                         "compliance-revoked-still-used",
                         "compliance-no-final-report",
                         "compliance-paid-not-delivered",
                         "usage-datasets",
                         "usage-services",
                         "usage-zones",
                         "rejections" };
  for (size_t i = 0; i < sizeof must / sizeof must[0]; i++) {
    const http_canned *q = http_catalog_find(&cat, must[i]);
    ok(q != NULL && q->title[0] && q->description[0], "canned query \"%s\" has a header", must[i]);
    for (size_t k = 0; q != NULL && k < q->nparams; k++) {
      char var[80];
      snprintf(var, sizeof var, "?%s", q->params[k].name);
      ok(strstr(q->text, var) != NULL, "\"%s\" uses its parameter %s", must[i], var);
    }
  }
  for (size_t i = 1; i < cat.len; i++) {
    ok(strcmp(cat.items[i - 1].name, cat.items[i].name) < 0, "sorted: %s", cat.items[i].name);
  }
  http_catalog_release(&cat);
  ok(http_catalog_load(&cat, "/nonexistent/queries", NULL) == CUST_OK && cat.len == 0,
     "a missing directory is an empty catalogue");
  http_catalog_release(&cat);
  char buf[4];
  ok(cust_http_data_dir("/tmp/x", "web", buf, sizeof buf) == NULL, "a data dir too long");
  ok(cust_http_data_dir("/opt/w", "web", dir, sizeof dir) != NULL && strcmp(dir, "/opt/w") == 0,
     "the option wins");
  ok(cust_http_data_dir(NULL, "queries", dir, sizeof dir) != NULL && strstr(dir, "queries"),
     "a default data dir");
}

static void test_metrics(void) {
  http_metrics m;
  http_metrics_init(&m);
  http_metrics_query(&m, 200, 0.0005);
  http_metrics_query(&m, 200, 3.0);
  http_metrics_query(&m, 418, 100.0);
  ok(m.queries[0] == 2 && m.queries[HTTP_STATUS_SLOTS - 1] == 1, "queries by status");
  ok(m.buckets[0] == 1 && m.buckets[10] == 1 && m.buckets[HTTP_HIST_BUCKETS - 1] == 1,
     "histogram buckets");
  ok(m.duration_count == 3, "count");
}

static void test_cache(void) {
  http_cache c;
  cust_sparql_request q;
  cust_sparql_result r, got;
  cust_buf k1, k2;
  const char *names[] = { "resource" };
  cust_term values[] = { cust_term_iri("urn:a") };
  http_cache_init(&c, 1 << 20);
  memset(&q, 0, sizeof q);
  q.query = "SELECT * WHERE { ?resource ?p ?o }";
  q.bind_names = names;
  q.bind_values = values;
  q.nbind = 1;
  cust_buf_init(&k1);
  cust_buf_init(&k2);
  ok(http_cache_key(&q, &k1) == CUST_OK, "a cache key");
  values[0] = cust_term_iri("urn:b");
  http_cache_key(&q, &k2);
  ok(k1.len != k2.len || memcmp(k1.data, k2.data, k1.len) != 0, "bindings are in the key");
  cust_sparql_result_init(&r);
  cust_sparql_result_init(&got);
  r.http_status = 200;
  r.content_type = "text/csv";
  cust_buf_puts(&r.body, "a,b\n");
  ok(!http_cache_get(&c, 1, &k1, &got), "an empty cache misses");
  http_cache_put(&c, 1, &k1, &r);
  ok(http_cache_get(&c, 1, &k1, &got) && strcmp(got.body.data, "a,b\n") == 0 &&
         strcmp(got.content_type, "text/csv") == 0 && got.is_cached,
     "a hit gives the answer back");
  ok(!http_cache_get(&c, 1, &k2, &got), "another key misses");
  ok(!http_cache_get(&c, 2, &k1, &got), "a newer generation misses");
  http_cache_put(&c, 2, &k2, &r);
  ok(!http_cache_get(&c, 2, &k1, &got), "a newer generation drops the older answers");
  http_cache_put(&c, 1, &k1, &r);
  ok(!http_cache_get(&c, 1, &k1, &got), "an older generation is not kept");
  r.http_status = 400;
  http_cache_put(&c, 2, &k1, &r);
  ok(!http_cache_get(&c, 2, &k1, &got), "errors are not kept");
  /* an answer read before one already given is not served */
  r.http_status = 200;
  r.height = 5;
  http_cache_put(&c, 3, &k1, &r);
  ok(http_cache_get(&c, 3, &k1, &got) && got.height == 5, "a hit carries its height");
  r.height = 7;
  http_cache_put(&c, 3, &k2, &r);
  ok(!http_cache_get(&c, 3, &k1, &got), "an answer older than one given since misses");
  r.height = 6;
  http_cache_put(&c, 3, &k1, &r);
  ok(!http_cache_get(&c, 3, &k1, &got), "and an older answer is not kept");
  ok(http_cache_get(&c, 3, &k2, &got) && got.height == 7, "the newest answer still hits");
  cust_sparql_result_release(&r);
  cust_sparql_result_release(&got);
  cust_buf_release(&k1);
  cust_buf_release(&k2);
  http_cache_release(&c);
}

static struct sockaddr_storage addr_of(const char *ip) {
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
  } else if (inet_pton(AF_INET6, ip, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
  }
  return ss;
}

static void test_clients(void) {
  http_net n[4];
  ok(http_net_parse("10.0.0.0/8", &n[0]) == CUST_OK, "an IPv4 network");
  ok(http_net_parse("192.0.2.77/30", &n[1]) == CUST_OK, "host bits are allowed");
  ok(http_net_parse("2001:db8::/32", &n[2]) == CUST_OK, "an IPv6 network");
  ok(http_net_parse("127.0.0.1", &n[3]) == CUST_OK, "a single address");
  is_int(n[3].bits, 32, "a single address is a /32");
  const char *bad[] = { "",     "10.0.0.0/33",  "10.0.0.0/",   "10.0.0.0/x", "::/129",
                        "host", "10.0.0.1/8/8", "10.0.0.0/-1", "1.2.3" };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    http_net junk;
    ok(http_net_parse(bad[i], &junk) == CUST_ERR_INVALID, "refused net: \"%s\"", bad[i]);
  }
  struct {
    const char *ip;
    int in;
  } cases[] = { { "10.200.1.2", 1 }, { "11.0.0.1", 0 },      { "192.0.2.78", 1 },
                { "192.0.2.80", 0 }, { "2001:db8:1::9", 1 }, { "2001:db9::1", 0 },
                { "127.0.0.1", 1 },  { "127.0.0.2", 0 },     { "::ffff:10.1.1.1", 1 },
                { "::1", 0 } };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    struct sockaddr_storage ss = addr_of(cases[i].ip);
    ok(http_net_contains(n, 4, (struct sockaddr *)&ss) == cases[i].in, "%s is %sa trusted net",
       cases[i].ip, cases[i].in ? "in " : "not in ");
  }
  unsigned char a[16], b[16];
  inet_pton(AF_INET6, "2001:db8:1:2::1", a);
  inet_pton(AF_INET6, "2001:db8:1:2:ffff::9", b);
  ok(http_same_client(AF_INET6, a, b), "one IPv6 /64 is one client");
  inet_pton(AF_INET6, "2001:db8:1:3::1", b);
  ok(!http_same_client(AF_INET6, a, b), "another /64 is another client");
  inet_pton(AF_INET, "192.0.2.1", a);
  inet_pton(AF_INET, "192.0.2.2", b);
  ok(!http_same_client(AF_INET, a, b), "IPv4 addresses are clients of their own");
  ok(http_same_client(AF_INET, a, a), "an IPv4 address is itself");
  char out[64] = "";
  ok(http_forwarded_client(NULL, "203.0.113.7", n, 4, out, sizeof out), "X-Forwarded-For");
  is_str(out, "203.0.113.7", "one address");
  ok(http_forwarded_client(NULL, "198.51.100.1, 203.0.113.7, 10.1.1.1", n, 4, out, sizeof out),
     "a chain of proxies");
  is_str(out, "203.0.113.7", "the nearest untrusted hop, not the forgeable first one");
  ok(http_forwarded_client("for=192.0.2.60;proto=http, for=\"[2001:db9:cafe::17]:4711\"",
                           "203.0.113.7", n, 4, out, sizeof out),
     "Forwarded");
  is_str(out, "2001:db9:cafe::17", "Forwarded wins, IPv6 with a port");
  ok(http_forwarded_client("proto=https;For=\"198.51.100.4:80\"", NULL, n, 4, out, sizeof out),
     "for= in any case and place");
  is_str(out, "198.51.100.4", "IPv4 with a port");
  ok(http_forwarded_client(NULL, "10.0.0.1, 127.0.0.1", n, 4, out, sizeof out),
     "only trusted hops");
  is_str(out, "10.0.0.1", "the farthest one");
  ok(!http_forwarded_client(NULL, "unknown", n, 4, out, sizeof out), "\"unknown\" is no client");
  ok(!http_forwarded_client("for=_hidden", NULL, n, 4, out, sizeof out), "an obfuscated name");
  ok(!http_forwarded_client(NULL, "203.0.113.7, ", n, 4, out, sizeof out), "an empty hop");
  ok(!http_forwarded_client(NULL, NULL, n, 4, out, sizeof out), "no header");
  ok(!http_forwarded_client("proto=http", NULL, n, 4, out, sizeof out), "Forwarded without for=");
  ok(!http_forwarded_client(NULL, "1.2.3.4\r\nX: y", n, 4, out, sizeof out), "garbage");
}

static void test_forwarded_and_tokens(void) {
  char out[64];
  ok(http_forwarded_param(
         "for=192.0.2.1;proto=https;host=\"a.example:8443\", for=10.0.0.1;proto=http", "host", out,
         sizeof out),
     "Forwarded host");
  is_str(out, "a.example:8443", "quoted value, first element");
  ok(http_forwarded_param("For=x;PROTO=https", "proto", out, sizeof out), "names in any case");
  is_str(out, "https", "proto");
  ok(!http_forwarded_param("for=x, proto=https", "proto", out, sizeof out),
     "only the first element (the client's side) counts");
  ok(!http_forwarded_param("host=\"unterminated", "host", out, sizeof out), "an open quote");
  ok(!http_forwarded_param(NULL, "host", out, sizeof out), "no header");
  ok(!http_forwarded_param("host=a-very-long-name.example.org", "host", out, 8),
     "too long for out");
  ok(http_token_equal("abc", 3, "abc", 3), "equal tokens");
  ok(!http_token_equal("abc", 3, "abd", 3), "one byte differs");
  ok(!http_token_equal("abc", 3, "abcd", 4), "a longer token");
  ok(!http_token_equal("", 0, "a", 1), "an empty token");
  ok(!http_token_equal("abc\0", 4, "abc", 3), "a NUL byte does not end the compare");
}

int main(void) {
  test_forwarded_and_tokens();
  test_params();
  test_clients();
  test_paths();
  test_accept();
  test_gzip();
  test_json();
  test_canned();
  test_catalog();
  test_metrics();
  test_cache();
  return done_testing();
}
