/* One RPC endpoint over libcurl: an easy handle kept for the endpoint's life
 * so that its connection is reused (keep-alive), GET and POST with time
 * limits, a size limit on answers, and transfers that a stop flag aborts. */
#include "config.h"

#include <curl/curl.h>
#include <string.h>

#include "chain/chain.h"

/* The limit counts decoded bytes: a gzip answer that inflates past it (a
 * compression bomb) stops there, whatever its size on the wire. */
static size_t on_data(char *p, size_t size, size_t n, void *ud) {
  chain_endpoint *e = ud;
  size_t len = size * n;
  e->answer_size += len;
  if (e->is_too_big || e->body.len + len > e->max_answer) {
    e->is_too_big = 1;
    /* a measured answer is read on, unkept, to tell its size */
    return e->is_measuring && e->answer_size / 4 <= e->max_answer ? len : 0;
  }
  if (cust_buf_append(&e->body, p, len) != CUST_OK) {
    return 0;
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
                                     size_t max_answer, const volatile int *abort_a,
                                     const volatile int *abort_b) {
  memset(e, 0, sizeof *e);
  cust_buf_init(&e->body);
  e->max_answer = max_answer ? max_answer : CUST_CHAIN_MAX_ANSWER;
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
  e->is_too_big = 0;
  e->answer_size = 0;
  /* refuses at once an answer that announces a larger size */
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
                   (curl_off_t)(e->is_measuring ? 4 * e->max_answer : e->max_answer));
  CURLcode rc = curl_easy_perform(h);
  int is_whole = rc == CURLE_OK;
  if (rc == CURLE_FILESIZE_EXCEEDED) {
    curl_off_t announced = -1;
    curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &announced);
    e->is_too_big = 1;
    is_whole = announced > 0;
    e->answer_size = announced > 0 ? (size_t)announced : e->max_answer;
  }
  if (e->is_too_big) {
    if (is_whole) {
      snprintf(err, errlen, "the answer is %zu bytes, over the limit of %zu", e->answer_size,
               e->max_answer);
    } else {
      snprintf(err, errlen, "the answer is over %zu bytes, the limit is %zu", e->answer_size,
               e->max_answer);
    }
    e->is_size_known = is_whole;
    cust_buf_reset(&e->body);
    return CUST_ERR_LIMIT;
  }
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
