/* A minimal TAP producer for the unit tests (automake's tap-driver reads it).
 * ok(cond, fmt, ...) records one test; done_testing() prints the plan. */
#ifndef CUST_TAP_H
#define CUST_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int tap_count = 0;
static int tap_failed = 0;

__attribute__((format(printf, 2, 3))) static int tap_ok(int cond, const char *fmt, ...) {
  va_list ap;
  tap_count++;
  if (!cond) {
    tap_failed++;
  }
  printf("%sok %d - ", cond ? "" : "not ", tap_count);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  fflush(stdout);
  return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __VA_ARGS__)
#define is_int(a, b, name)                                                                         \
  do {                                                                                             \
    long long tap_a_ = (long long)(a), tap_b_ = (long long)(b);                                    \
    if (!ok(tap_a_ == tap_b_, "%s", name)) {                                                       \
      printf("#   got %lld, expected %lld\n", tap_a_, tap_b_);                                     \
    }                                                                                              \
  } while (0)
#define is_str(a, b, name)                                                                         \
  do {                                                                                             \
    const char *tap_a_ = (a), *tap_b_ = (b);                                                       \
    if (!ok(tap_a_ != NULL && tap_b_ != NULL && strcmp(tap_a_, tap_b_) == 0, "%s", name)) {        \
      printf("#   got \"%s\"\n#   expected \"%s\"\n", tap_a_ ? tap_a_ : "(null)",                  \
             tap_b_ ? tap_b_ : "(null)");                                                          \
    }                                                                                              \
  } while (0)

__attribute__((unused)) static void tap_diag(const char *fmt, ...) {
  va_list ap;
  printf("# ");
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
}

static int done_testing(void) {
  printf("1..%d\n", tap_count);
  return tap_failed ? 1 : 0;
}

/* Runs fn(arg) in a child process: 1 when it returned normally, 0 when it
 * crashed or a sanitizer stopped it. For calls whose only promise is not
 * to crash (a destructor given NULL). The child runs nothing but fn. */
__attribute__((unused)) static int tap_survives(void (*fn)(void *), void *arg) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    return 0;
  }
  if (pid == 0) {
    fn(arg);
    _exit(0);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) {
    return 0;
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* The source tree, for tests that read shipped files (set by the harness). */
__attribute__((unused)) static const char *tap_srcdir(void) {
  const char *s = getenv("srcdir");
  return s && *s ? s : ".";
}

#endif
