/* One RPC endpoint over libcurl: an easy handle kept for the endpoint's life
 * so that its connection is reused (keep-alive), GET and POST with time
 * limits, a size limit on answers, and transfers that a stop flag aborts. */
#include "config.h"

#include <curl/curl.h>
#include <string.h>

#include "chain_int.h"

/* A block of CometBFT is at most 100 MiB; a batch holds a few of them. */
#define MAX_ANSWER (512u * 1024u * 1024u)

static size_t on_data(char *p, size_t size, size_t n, void *ud) {
  chain_endpoint *e = ud;
  size_t len = size * n;
  if (e->body.len + len > MAX_ANSWER || cust_buf_append(&e->body, p, len) != CUST_OK) {
    return 0; /* makes libcurl fail the transfer */
  }
  return len;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow) {
  const chain_endpoint *e = ud;
  (void)dltotal;
  (void)dlnow;
  (void)ultotal;
  (void)ulnow;
  return (e->abort_a != NULL && *e->abort_a) || (e->abort_b != NULL && *e->abort_b);
}

cust_status cust_chain_endpoint_init(chain_endpoint *e, const char *url, uint64_t timeout_ms,
                                     const volatile int *abort_a, const volatile int *abort_b) {
  memset(e, 0, sizeof *e);
  cust_buf_init(&e->body);
  if (cust_chain_normalize_url(url, e->base, sizeof e->base) != CUST_OK) {
    return CUST_ERR_INVALID;
  }
  cust_url_redact(e->base, 1, e->url, sizeof e->url);
  char *q = strchr(e->base, '?');
  if (q != NULL) {
    *q = '\0';
    snprintf(e->query, sizeof e->query, "%s", q + 1);
  }
  e->abort_a = abort_a;
  e->abort_b = abort_b;
  CURL *h = curl_easy_init();
  if (h == NULL) {
    return CUST_ERR_INTERNAL;
  }
  e->curl = h;
  struct curl_slist *hd = curl_slist_append(NULL, "Content-Type: application/json");
  if (hd == NULL) {
    return CUST_ERR_NOMEM;
  }
  e->headers = hd;
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(timeout_ms ? timeout_ms : 15000));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(h, CURLOPT_USERAGENT, "custodian/" PACKAGE_VERSION);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, e);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, e);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
  return CUST_OK;
}

void cust_chain_endpoint_release(chain_endpoint *e) {
  if (e == NULL) {
    return;
  }
  if (e->curl != NULL) {
    curl_easy_cleanup(e->curl);
  }
  curl_slist_free_all(e->headers);
  cust_buf_release(&e->body);
  e->curl = NULL;
  e->headers = NULL;
}

static cust_status perform(chain_endpoint *e, char *err, size_t errlen) {
  CURL *h = e->curl;
  e->requests++;
  e->http_status = 0;
  CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    if (rc == CURLE_ABORTED_BY_CALLBACK) {
      snprintf(err, errlen, "stopped");
      return CUST_ERR_STOPPED;
    }
    snprintf(err, errlen, "%s", curl_easy_strerror(rc));
    return CUST_ERR_NETWORK;
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &e->http_status);
  return CUST_OK;
}

/* base + path + the endpoint's own query, into url[CHAIN_URL_MAX * 2]. */
static int request_url(const chain_endpoint *e, const char *path, char *url, size_t len) {
  const char *sep = e->query[0] == '\0' ? "" : strchr(path, '?') ? "&" : "?";
  int w = snprintf(url, len, "%s%s%s%s", e->base, path, sep, e->query);
  return w >= 0 && (size_t)w < len;
}

cust_status cust_chain_endpoint_get(chain_endpoint *e, const char *path, char *err, size_t errlen) {
  char url[CHAIN_URL_MAX * 2];
  if (!request_url(e, path, url, sizeof url)) {
    snprintf(err, errlen, "URL too long");
    return CUST_ERR_INVALID;
  }
  cust_buf_reset(&e->body);
  curl_easy_setopt(e->curl, CURLOPT_URL, url);
  curl_easy_setopt(e->curl, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(e->curl, CURLOPT_HTTPHEADER, NULL);
  return perform(e, err, errlen);
}

cust_status cust_chain_endpoint_post(chain_endpoint *e, const char *json, size_t len, char *err,
                                     size_t errlen) {
  char url[CHAIN_URL_MAX * 2];
  if (!request_url(e, "/", url, sizeof url)) {
    snprintf(err, errlen, "URL too long");
    return CUST_ERR_INVALID;
  }
  cust_buf_reset(&e->body);
  curl_easy_setopt(e->curl, CURLOPT_URL, url);
  curl_easy_setopt(e->curl, CURLOPT_POST, 1L);
  curl_easy_setopt(e->curl, CURLOPT_POSTFIELDS, json);
  curl_easy_setopt(e->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
  curl_easy_setopt(e->curl, CURLOPT_HTTPHEADER, (struct curl_slist *)e->headers);
  return perform(e, err, errlen);
}
