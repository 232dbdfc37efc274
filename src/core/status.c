/* Status names, the logger and the stop flag. */
#include "config.h"

#include <time.h>

#include "core.h"

volatile int cust_stop_requested = 0;

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
}

void cust_logv(const cust_logger *log, cust_log_level level, const char *fmt, va_list ap) {
  static const char *const names[] = { "error", "warning", "info", "debug" };
  char line[2048];
  if (log == NULL || log->out == NULL || level > log->level) {
    return;
  }
  vsnprintf(line, sizeof line, fmt, ap);
  fprintf(log->out, "%s: %s: %s\n", log->prefix ? log->prefix : "custodian", names[level], line);
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
