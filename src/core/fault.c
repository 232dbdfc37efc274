/* Fault injection: the allocation wrappers that core.h routes Custodian's
 * malloc, calloc, realloc, strdup and strndup through, and their countdown. */
#include "config.h"

#define CUST_FAULT_NO_WRAP 1
#include "core.h"

/* 0: disarmed. Otherwise the number of allocations left before the one that
 * fails (1: the next one fails); a persistent fault keeps it at 1 after. */
static unsigned long fault_countdown;
static unsigned long fault_count;
static int has_fired;
static int is_persistent_fault;
static void (*fault_hook)(void);

/* One relaxed load when disarmed. When armed, exactly one caller sees the
 * countdown go from 1 to 0, even across threads. */
static int should_fail(void) {
  if (__atomic_load_n(&fault_countdown, __ATOMIC_RELAXED) == 0) {
    return 0;
  }
  __atomic_add_fetch(&fault_count, 1, __ATOMIC_RELAXED);
  if (__atomic_load_n(&has_fired, __ATOMIC_RELAXED)) {
    return 1; /* persistent: the countdown stays armed past the first failure */
  }
  unsigned long left = __atomic_load_n(&fault_countdown, __ATOMIC_RELAXED);
  while (left != 0) {
    if (__atomic_compare_exchange_n(&fault_countdown, &left, left - 1, 0, __ATOMIC_RELAXED,
                                    __ATOMIC_RELAXED)) {
      if (left == 1) {
        __atomic_store_n(&has_fired, 1, __ATOMIC_RELAXED);
        if (__atomic_load_n(&is_persistent_fault, __ATOMIC_RELAXED)) {
          /* stays armed: has_fired makes every later allocation fail */
          __atomic_store_n(&fault_countdown, 1, __ATOMIC_RELAXED);
        }
        void (*hook)(void) = __atomic_load_n(&fault_hook, __ATOMIC_RELAXED);
        if (hook != NULL) {
          hook();
        }
        return 1;
      }
      return 0;
    }
  }
  return 0;
}

void *cust_fault_malloc(size_t n) {
  return should_fail() ? NULL : malloc(n);
}

void *cust_fault_calloc(size_t n, size_t size) {
  return should_fail() ? NULL : calloc(n, size);
}

void *cust_fault_realloc(void *p, size_t n) {
  return should_fail() ? NULL : realloc(p, n);
}

char *cust_fault_strdup(const char *s) {
  return should_fail() ? NULL : strdup(s);
}

char *cust_fault_strndup(const char *s, size_t n) {
  return should_fail() ? NULL : strndup(s, n);
}

void cust_fault_arm(unsigned long n, int is_persistent) {
  __atomic_store_n(&fault_count, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&has_fired, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&is_persistent_fault, is_persistent != 0, __ATOMIC_RELAXED);
  __atomic_store_n(&fault_countdown, n, __ATOMIC_SEQ_CST);
}

int cust_fault_disarm(unsigned long *count) {
  __atomic_store_n(&fault_countdown, 0, __ATOMIC_SEQ_CST);
  if (count != NULL) {
    *count = __atomic_load_n(&fault_count, __ATOMIC_RELAXED);
  }
  return __atomic_load_n(&has_fired, __ATOMIC_RELAXED);
}

void cust_fault_set_hook(void (*hook)(void)) {
  __atomic_store_n(&fault_hook, hook, __ATOMIC_SEQ_CST);
}
