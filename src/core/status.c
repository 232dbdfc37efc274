/* Status names, the logger and the stop flag. */
#include "config.h"

#include <time.h>

#include "core.h"

volatile int cust_stop_requested = 0;
volatile int cust_reload_requested = 0;

const char *cust_strerror(cust_status st) {
  switch (st) {
    case CUST_OK:
      return "ok";
    case CUST_ERR_NOMEM:
      return "out of memory";
    case CUST_ERR_INVALID:
      return "invalid input";
    case CUST_ERR_IO:
      return "input/output error";
    case CUST_ERR_FULL:
      return "disk full";
    case CUST_ERR_READONLY:
      return "read-only";
    case CUST_ERR_NOTFOUND:
      return "not found";
    case CUST_ERR_FORMAT:
      return "unrecognised format";
    case CUST_ERR_VERSION:
      return "unsupported version";
    case CUST_ERR_MISMATCH:
      return "mismatch";
    case CUST_ERR_LIMIT:
      return "limit reached";
    case CUST_ERR_TIMEOUT:
      return "timed out";
    case CUST_ERR_NETWORK:
      return "network error";
    case CUST_ERR_REMOTE:
      return "remote error";
    case CUST_ERR_UNSUPPORTED:
      return "unsupported";
    case CUST_ERR_STOPPED:
      return "stopped";
    case CUST_ERR_BUSY:
      return "busy";
    case CUST_ERR_INTERNAL:
      return "internal error";
  }
  return "unknown error";
}

void cust_logger_init(cust_logger *log, FILE *out, cust_log_level level) {
  log->out = out;
  log->level = level;
  log->prefix = "custodian";
  log->format = CUST_LOG_TEXT;
}

const char *cust_time_rfc3339(char *out, size_t outlen) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  char day[32];
  strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out, outlen, "%s.%03ldZ", day, ts.tv_nsec / 1000000L);
  return out;
}

void cust_logv(const cust_logger *log, cust_log_level level, const char *fmt, va_list ap) {
  static const char *const names[] = { "error", "warning", "info", "debug" };
  char line[2048];
  if (log == NULL || log->out == NULL || level > log->level) {
    return;
  }
  vsnprintf(line, sizeof line, fmt, ap);
  const char *prefix = log->prefix ? log->prefix : "custodian";
  char now[40];
  if (log->format == CUST_LOG_JSON) {
    cust_buf b;
    cust_buf_init(&b);
    cust_status st = cust_buf_printf(&b, "{\"time\": \"%s\", \"level\": \"%s\", \"msg\": ",
                                     cust_time_rfc3339(now, sizeof now), names[level]);
    st = st ? st : cust_json_cstr(&b, line);
    st = st ? st : cust_buf_puts(&b, "}\n");
    if (st == CUST_OK) {
      fputs(b.data, log->out);
    }
    cust_buf_release(&b);
  } else if (log->format == CUST_LOG_STAMPED) {
    fprintf(log->out, "%s %s: %s: %s\n", cust_time_rfc3339(now, sizeof now), prefix, names[level],
            line);
  } else {
    fprintf(log->out, "%s: %s: %s\n", prefix, names[level], line);
  }
}

void cust_log(const cust_logger *log, cust_log_level level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  cust_logv(log, level, fmt, ap);
  va_end(ap);
}

uint64_t cust_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}
