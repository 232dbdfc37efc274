/* Operations: /status (JSON), /health (200 or 503 with the reason) and
 * /metrics (Prometheus text), from the indexer's shared status when one runs
 * in this process and from the store's checkpoint and counts otherwise. */
#include "config.h"

#include <string.h>

#include "http_int.h"
#include "src/commit_gen.h"

/* The index is healthy within this many blocks of the head. */
#define HEALTH_MAX_LAG 5
/* A head that has not moved for this long (or 20 block times) is stalled. */
#define HEALTH_STALL_MS 60000u

typedef struct snapshot {
  int has_index;
  cust_index_status st;
  http_store_info info;
  uint64_t now_ms;
} snapshot;

static void take(cust_http *h, int with_count, snapshot *s) {
  memset(s, 0, sizeof *s);
  s->now_ms = cust_now_ms();
  if (h->index != NULL) {
    pthread_mutex_lock(&h->index->lock);
    s->st = h->index->st;
    pthread_mutex_unlock(&h->index->lock);
    s->has_index = 1;
  }
  http_store_info_get(h, with_count, &s->info);
}

static uint64_t indexed_height(const snapshot *s) {
  if (s->has_index && s->st.indexed_height > s->info.cp.height) {
    return s->st.indexed_height;
  }
  return s->info.cp.height;
}

static uint64_t lag_of(const snapshot *s) {
  uint64_t ih = indexed_height(s);
  return s->st.head_height > ih ? s->st.head_height - ih : 0;
}

/* Why the service is unhealthy, or "" when it is not. */
/* `max_lag` is the largest lag still healthy; -1: HEALTH_MAX_LAG, and a
 * process without an indexer is healthy as long as its store answers. */
static void diagnose(const snapshot *s, long long max_lag, char *why, size_t n) {
  why[0] = '\0';
  if (!s->info.is_ok) {
    snprintf(why, n, "%s", s->info.error);
    return;
  }
  if (!s->has_index) {
    if (max_lag >= 0) {
      /* A balancer asked for a bound that cannot be checked here. */
      snprintf(why, n,
               "max_lag needs the indexer in this process (custodian run): "
               "the chain's head is unknown to custodian serve");
    }
    return;
  }
  uint64_t lag_bound = max_lag >= 0 ? (uint64_t)max_lag : HEALTH_MAX_LAG;
  const cust_index_status *st = &s->st;
  uint64_t stall =
      st->block_time_ms * 20 > HEALTH_STALL_MS ? st->block_time_ms * 20 : HEALTH_STALL_MS;
  if (!st->is_running) {
    snprintf(why, n, "the indexer has stopped%s%s", st->last_error[0] ? ": " : "", st->last_error);
  } else if (st->head_height == 0) {
    snprintf(why, n, "no node has answered yet%s%s", st->last_error[0] ? ": " : "", st->last_error);
  } else if (st->last_head_ms != 0 && s->now_ms > st->last_head_ms &&
             s->now_ms - st->last_head_ms > stall) {
    snprintf(why, n, "stalled node: the head (%llu) has not moved for %llu s",
             (unsigned long long)st->head_height,
             (unsigned long long)((s->now_ms - st->last_head_ms) / 1000));
  } else if (lag_of(s) > lag_bound) {
    int is_stalled = st->last_progress_ms != 0 && s->now_ms - st->last_progress_ms > stall;
    snprintf(why, n, "%s: indexed %llu, head %llu (%llu blocks behind, more than %llu)",
             is_stalled ? "stalled index" : "the index is catching up",
             (unsigned long long)indexed_height(s), (unsigned long long)st->head_height,
             (unsigned long long)lag_of(s), (unsigned long long)lag_bound);
  }
}

#define CK(expr)                                                                                   \
  do {                                                                                             \
    if ((expr) != CUST_OK) {                                                                       \
      return 0;                                                                                    \
    }                                                                                              \
  } while (0)

int http_ops_health(cust_http *h, long long max_lag, cust_buf *b) {
  snapshot s;
  char why[512];
  take(h, 0, &s);
  diagnose(&s, max_lag, why, sizeof why);
  int is_ok = why[0] == '\0';
  CK(cust_buf_printf(b, "{\"status\": \"%s\", ", is_ok ? "ok" : "unhealthy"));
  if (!is_ok) {
    CK(cust_buf_puts(b, "\"error\": \"unhealthy\", \"detail\": "));
    CK(cust_json_cstr(b, why));
    CK(cust_buf_puts(b, ", "));
  }
  CK(cust_buf_printf(b, "\"indexer\": %s, \"indexed_height\": %llu", s.has_index ? "true" : "false",
                     (unsigned long long)indexed_height(&s)));
  if (s.has_index) {
    CK(cust_buf_printf(b, ", \"head_height\": %llu, \"lag\": %llu",
                       (unsigned long long)s.st.head_height, (unsigned long long)lag_of(&s)));
  }
  CK(cust_buf_puts(b, "}\n"));
  return is_ok ? 200 : 503;
}

int http_ops_status(cust_http *h, cust_buf *b) {
  snapshot s;
  char why[512];
  take(h, 1, &s);
  diagnose(&s, -1, why, sizeof why);
  const char *chain = s.has_index && s.st.chain_id[0] ? s.st.chain_id : s.info.cp.chain_id;
  CK(cust_buf_puts(b, "{\n  \"chain_id\": "));
  CK(cust_json_cstr(b, chain));
  CK(cust_buf_printf(b, ",\n  \"healthy\": %s", why[0] ? "false" : "true"));
  if (why[0]) {
    CK(cust_buf_puts(b, ",\n  \"unhealthy_reason\": "));
    CK(cust_json_cstr(b, why));
  }
  CK(cust_buf_printf(b, ",\n  \"indexer\": \"%s\"",
                     !s.has_index      ? "not running in this process"
                     : s.st.is_running ? "running"
                                       : "stopped"));
  CK(cust_buf_printf(b, ",\n  \"indexed_height\": %llu", (unsigned long long)indexed_height(&s)));
  if (s.has_index) {
    CK(cust_buf_printf(
        b,
        ",\n  \"head_height\": %llu,\n  \"lag\": %llu,\n  \"dialect\": \"%s\","
        "\n  \"blocks_per_s\": %.2f,\n  \"triples_per_s\": %.1f,"
        "\n  \"blocks_indexed\": %llu,\n  \"triples_indexed\": %llu,"
        "\n  \"block_time_ms\": %llu",
        (unsigned long long)s.st.head_height, (unsigned long long)lag_of(&s), s.st.dialect,
        s.st.blocks_per_s, s.st.triples_per_s, (unsigned long long)s.st.blocks_total,
        (unsigned long long)s.st.triples_total, (unsigned long long)s.st.block_time_ms));
  } else {
    CK(cust_buf_puts(b, ",\n  \"head_height\": null,\n  \"lag\": null"));
  }
  CK(cust_buf_puts(b, ",\n  \"block_hash\": "));
  CK(cust_json_cstr(b, s.info.cp.block_hash));
  CK(cust_buf_puts(b, ",\n  \"block_time\": "));
  CK(cust_json_cstr(b, s.info.cp.block_time));
  CK(cust_buf_printf(b,
                     ",\n  \"triples\": %llu,\n  \"credentials\": %llu,\n  \"rejections\": %llu,"
                     "\n  \"failed_submissions\": %llu",
                     (unsigned long long)s.info.quads, (unsigned long long)s.info.credentials,
                     (unsigned long long)s.info.rejections, (unsigned long long)s.info.failed));
  CK(cust_buf_puts(b, ",\n  \"credentials_by_profile\": {"));
  for (size_t i = 0; i < s.info.nprofiles; i++) {
    CK(cust_buf_puts(b, i ? ", " : ""));
    CK(cust_json_cstr(b, s.info.profiles[i].name));
    CK(cust_buf_printf(b, ": %llu", (unsigned long long)s.info.profiles[i].n));
  }
  CK(cust_buf_printf(b, "},\n  \"credentials_unknown\": %llu,\n  \"unknown_types\": [",
                     (unsigned long long)s.info.unknown_total));
  for (size_t i = 0; i < s.info.nunknown; i++) {
    CK(cust_buf_puts(b, i ? ", {\"type\": " : "{\"type\": "));
    CK(cust_json_cstr(b, s.info.unknown[i].name));
    CK(cust_buf_printf(b, ", \"credentials\": %llu}", (unsigned long long)s.info.unknown[i].n));
  }
  CK(cust_buf_puts(b, "]"));
  CK(cust_buf_puts(b, ",\n  \"endpoints\": ["));
  for (size_t i = 0; s.has_index && i < s.st.nendpoints && i < CUST_MAX_ENDPOINTS; i++) {
    const cust_endpoint_status *e = &s.st.endpoints[i];
    CK(cust_buf_puts(b, i ? ",\n    {\"url\": " : "\n    {\"url\": "));
    CK(cust_json_cstr(b, e->url));
    CK(cust_buf_printf(b,
                       ", \"healthy\": %s, \"requests\": %llu, \"errors\": {\"transient\": %llu, "
                       "\"pruned\": %llu, \"other\": %llu}}",
                       e->is_healthy ? "true" : "false", (unsigned long long)e->requests,
                       (unsigned long long)e->errors_transient,
                       (unsigned long long)e->errors_pruned, (unsigned long long)e->errors_other));
  }
  CK(cust_buf_puts(b, "],\n  \"last_error\": "));
  CK(cust_json_cstr(b, s.has_index ? s.st.last_error : ""));
  if (s.has_index && s.st.has_mirror) {
    uint64_t ih = indexed_height(&s);
    CK(cust_buf_puts(b, ",\n  \"mirror\": {\"target\": "));
    CK(cust_json_cstr(b, s.st.mirror_target));
    CK(cust_buf_printf(b,
                       ", \"running\": %s, \"height\": %llu, \"lag\": %llu, \"errors\": %llu, "
                       "\"last_error\": ",
                       s.st.mirror_is_running ? "true" : "false",
                       (unsigned long long)s.st.mirror_height,
                       (unsigned long long)(ih > s.st.mirror_height ? ih - s.st.mirror_height : 0),
                       (unsigned long long)s.st.mirror_errors));
    CK(cust_json_cstr(b, s.st.mirror_last_error));
    CK(cust_buf_puts(b, "}"));
  }
  pthread_rwlock_rdlock(&h->catalog_lock);
  size_t ncanned = h->catalog.len;
  pthread_rwlock_unlock(&h->catalog_lock);
  CK(cust_buf_printf(b, ",\n  \"canned_queries\": %zu,\n  \"uptime_s\": %llu\n}\n", ncanned,
                     (unsigned long long)((s.now_ms - h->started_ms) / 1000)));
  return 200;
}

/* A Prometheus label value: backslash, quote and newline escaped. */
static cust_status label(cust_buf *b, const char *v) {
  cust_status st = CUST_OK;
  for (; st == CUST_OK && *v; v++) {
    if (*v == '\\' || *v == '"') {
      st = cust_buf_putc(b, '\\');
      st = st ? st : cust_buf_putc(b, *v);
    } else if (*v == '\n') {
      st = cust_buf_puts(b, "\\n");
    } else {
      st = cust_buf_putc(b, *v);
    }
  }
  return st;
}

static cust_status metric(cust_buf *b, const char *name, const char *type, const char *help,
                          double value) {
  return cust_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", name, help, name, type, name,
                         value);
}

int http_ops_metrics(cust_http *h, cust_buf *b) {
  snapshot s;
  take(h, 1, &s);
  /* Gauges hold levels, counters only grow (named _total) and rates are left
   * to the collector (rate() over the counters). */
  CK(cust_buf_printf(b,
                     "# HELP custodian_build_info The running build: version and commit.\n"
                     "# TYPE custodian_build_info gauge\n"
                     "custodian_build_info{version=\"%s\",commit=\"%s\"} 1\n",
                     PACKAGE_VERSION, CUST_COMMIT));
  CK(metric(b, "process_start_time_seconds", "gauge",
            "Start time of the process since the Unix epoch in seconds.", h->started_unix_s));
  CK(metric(b, "custodian_indexed_height", "gauge", "Last indexed block height.",
            (double)indexed_height(&s)));
  if (s.has_index) {
    CK(metric(b, "custodian_head_height", "gauge", "Latest height reported by the nodes.",
              (double)s.st.head_height));
    CK(metric(b, "custodian_lag_blocks", "gauge", "Blocks between the head and the index.",
              (double)lag_of(&s)));
    CK(metric(b, "custodian_indexed_triples_total", "counter", "Quads written by this process.",
              (double)s.st.triples_total));
    CK(metric(b, "custodian_indexer_up", "gauge", "1 when the indexer runs.",
              s.st.is_running ? 1.0 : 0.0));
  }
  if (s.has_index && s.st.has_mirror) {
    uint64_t ih = indexed_height(&s);
    CK(metric(b, "custodian_mirror_height", "gauge", "Height the mirror's target holds.",
              (double)s.st.mirror_height));
    CK(metric(b, "custodian_mirror_lag_blocks", "gauge",
              "Blocks between the store and the mirror's target.",
              (double)(ih > s.st.mirror_height ? ih - s.st.mirror_height : 0)));
    CK(metric(b, "custodian_mirror_errors_total", "counter",
              "Failed requests to the mirror's target (retried or not).",
              (double)s.st.mirror_errors));
    CK(metric(b, "custodian_mirror_up", "gauge", "1 while the mirror runs.",
              s.st.mirror_is_running ? 1.0 : 0.0));
  }
  CK(metric(b, "custodian_blocks_total", "counter", "Blocks indexed by this process.",
            s.has_index ? (double)s.st.blocks_total : 0.0));
  CK(metric(b, "custodian_store_quads", "gauge", "Quads in the store.", (double)s.info.quads));
  CK(metric(b, "custodian_store_credentials", "gauge", "Credentials in the store.",
            (double)s.info.credentials));
  CK(cust_buf_puts(b, "# HELP custodian_credentials_by_profile Credentials in the store by the "
                      "ontology profile that read them (\"unknown\": no profile knows the type).\n"
                      "# TYPE custodian_credentials_by_profile gauge\n"));
  for (size_t i = 0; i < s.info.nprofiles; i++) {
    CK(cust_buf_puts(b, "custodian_credentials_by_profile{profile=\""));
    CK(label(b, s.info.profiles[i].name));
    CK(cust_buf_printf(b, "\"} %llu\n", (unsigned long long)s.info.profiles[i].n));
  }
  CK(cust_buf_printf(b, "custodian_credentials_by_profile{profile=\"unknown\"} %llu\n",
                     (unsigned long long)s.info.unknown_total));
  if (s.info.nunknown > 0) {
    CK(cust_buf_puts(b, "# HELP custodian_unknown_credential_types Credentials whose type no "
                        "profile knows, by type.\n"
                        "# TYPE custodian_unknown_credential_types gauge\n"));
  }
  for (size_t i = 0; i < s.info.nunknown; i++) {
    CK(cust_buf_puts(b, "custodian_unknown_credential_types{type=\""));
    CK(label(b, s.info.unknown[i].name));
    CK(cust_buf_printf(b, "\"} %llu\n", (unsigned long long)s.info.unknown[i].n));
  }
  CK(metric(b, "custodian_store_rejections", "gauge", "Rejected submissions in the store.",
            (double)s.info.rejections));
  CK(metric(b, "custodian_store_failed_submissions", "gauge",
            "Failed dataverse transactions in the store.", (double)s.info.failed));
  CK(metric(b, "custodian_store_up", "gauge", "1 when the store answers.",
            s.info.is_ok ? 1.0 : 0.0));
  if (s.has_index && s.st.nendpoints > 0) {
    CK(cust_buf_puts(b, "# HELP custodian_rpc_errors_total RPC errors by endpoint and kind.\n"
                        "# TYPE custodian_rpc_errors_total counter\n"));
    for (size_t i = 0; i < s.st.nendpoints && i < CUST_MAX_ENDPOINTS; i++) {
      const cust_endpoint_status *e = &s.st.endpoints[i];
      const char *kinds[3] = { "transient", "pruned", "other" };
      uint64_t counts[3] = { e->errors_transient, e->errors_pruned, e->errors_other };
      for (size_t k = 0; k < 3; k++) {
        CK(cust_buf_puts(b, "custodian_rpc_errors_total{endpoint=\""));
        CK(label(b, e->url));
        CK(cust_buf_printf(b, "\",kind=\"%s\"} %llu\n", kinds[k], (unsigned long long)counts[k]));
      }
    }
    CK(cust_buf_puts(b, "# HELP custodian_rpc_requests_total RPC requests by endpoint.\n"
                        "# TYPE custodian_rpc_requests_total counter\n"));
    for (size_t i = 0; i < s.st.nendpoints && i < CUST_MAX_ENDPOINTS; i++) {
      CK(cust_buf_puts(b, "custodian_rpc_requests_total{endpoint=\""));
      CK(label(b, s.st.endpoints[i].url));
      CK(cust_buf_printf(b, "\"} %llu\n", (unsigned long long)s.st.endpoints[i].requests));
    }
    CK(cust_buf_puts(b, "# HELP custodian_endpoint_up 1 when the endpoint is healthy.\n"
                        "# TYPE custodian_endpoint_up gauge\n"));
    for (size_t i = 0; i < s.st.nendpoints && i < CUST_MAX_ENDPOINTS; i++) {
      CK(cust_buf_puts(b, "custodian_endpoint_up{endpoint=\""));
      CK(label(b, s.st.endpoints[i].url));
      CK(cust_buf_printf(b, "\"} %d\n", s.st.endpoints[i].is_healthy ? 1 : 0));
    }
  }
  http_metrics m;
  http_metrics_read(&h->metrics, &m);
  CK(cust_buf_puts(b, "# HELP custodian_http_requests_total HTTP requests answered, by route and "
                      "status code.\n# TYPE custodian_http_requests_total counter\n"));
  for (size_t r = 0; r < HTTP_ROUTES; r++) {
    for (size_t k = 0; k < HTTP_CODES; k++) {
      uint64_t n = __atomic_load_n(&h->metrics.answers[r][k], __ATOMIC_RELAXED);
      if (n != 0) {
        CK(cust_buf_printf(b, "custodian_http_requests_total{route=\"%s\",code=\"%zu\"} %llu\n",
                           http_route_names[r], k + 100, (unsigned long long)n));
      }
    }
  }
  CK(cust_buf_puts(b, "# HELP custodian_queries_total SPARQL and canned queries by status.\n"
                      "# TYPE custodian_queries_total counter\n"));
  for (size_t i = 0; i < HTTP_STATUS_SLOTS; i++) {
    if (http_status_slots[i] != 0) {
      CK(cust_buf_printf(b, "custodian_queries_total{status=\"%d\"} %llu\n", http_status_slots[i],
                         (unsigned long long)m.queries[i]));
    } else {
      CK(cust_buf_printf(b, "custodian_queries_total{status=\"other\"} %llu\n",
                         (unsigned long long)m.queries[i]));
    }
  }
  CK(cust_buf_printf(b,
                     "# HELP custodian_query_cache_hits_total Queries answered from the answer "
                     "cache.\n# TYPE custodian_query_cache_hits_total counter\n"
                     "custodian_query_cache_hits_total %llu\n",
                     (unsigned long long)m.cache_hits));
  CK(cust_buf_puts(b, "# HELP custodian_query_duration_seconds Time to answer a query.\n"
                      "# TYPE custodian_query_duration_seconds histogram\n"));
  uint64_t cum = 0;
  for (size_t i = 0; i < HTTP_HIST_BUCKETS; i++) {
    cum += m.buckets[i];
    if (i + 1 < HTTP_HIST_BUCKETS) {
      CK(cust_buf_printf(b, "custodian_query_duration_seconds_bucket{le=\"%g\"} %llu\n",
                         http_hist_bounds[i], (unsigned long long)cum));
    } else {
      CK(cust_buf_printf(b, "custodian_query_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                         (unsigned long long)cum));
    }
  }
  CK(cust_buf_printf(b,
                     "custodian_query_duration_seconds_sum %.6f\n"
                     "custodian_query_duration_seconds_count %llu\n",
                     (double)m.duration_us / 1e6, (unsigned long long)m.duration_count));
  http_conn_stats cs;
  http_conns_stats(&h->conns, &cs);
  uint64_t refused[3] = { cs.refused_ip, cs.refused_total, cs.refused_client };
  CK(metric(b, "custodian_http_connections", "gauge", "Open HTTP connections.", (double)cs.open));
  CK(cust_buf_puts(b, "# HELP custodian_http_refused_total Connections and requests refused by "
                      "a limit.\n# TYPE custodian_http_refused_total counter\n"));
  const char *limits[3] = { "max_conns_per_ip", "max_conns", "forwarded_client" };
  for (size_t i = 0; i < 3; i++) {
    CK(cust_buf_printf(b, "custodian_http_refused_total{limit=\"%s\"} %llu\n", limits[i],
                       (unsigned long long)refused[i]));
  }
  CK(metric(b, "custodian_http_request_timeouts_total", "counter",
            "Connections closed because a request did not arrive within --request-timeout.",
            (double)cs.timed_out));
  CK(metric(b, "custodian_http_slow_readers_total", "counter",
            "Connections closed because an answer was taken too slowly.", (double)cs.slow_readers));
  pthread_rwlock_rdlock(&h->catalog_lock);
  size_t ncanned = h->catalog.len;
  pthread_rwlock_unlock(&h->catalog_lock);
  CK(metric(b, "custodian_canned_queries", "gauge", "Canned queries loaded.", (double)ncanned));
  return 200;
}
