/* Options: the command line wins over the environment, which wins over the
 * config file. A multi option given on the command line replaces, rather
 * than extends, the values of the lower sources. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

enum { SRC_ARGV = 1, SRC_ENV = 2, SRC_FILE = 4 };

void cust_opts_init(cust_opts *o) {
  memset(o, 0, sizeof *o);
}

void cust_opts_release(cust_opts *o) {
  if (o == NULL) {
    return;
  }
  for (size_t i = 0; i < o->len; i++) {
    free(o->items[i].value);
  }
  for (size_t i = 0; i < o->nargs; i++) {
    free(o->args[i]);
  }
  free(o->items);
  free(o->args);
  cust_opts_init(o);
}

void cust_cli_error(const char *fmt, ...) {
  va_list ap;
  fputs("custodian: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

int cust_cli_has_store(const char *db) {
  struct stat sb;
  if (stat(db, &sb) == 0) {
    return 1;
  }
  cust_cli_error("cannot open store \"%s\": %s", db,
                 errno == ENOENT ? "no such file; index a chain first or pass --db"
                                 : strerror(errno));
  return 0;
}

static const cust_optspec *find_spec(const cust_optspec *spec, const char *name, size_t n) {
  for (; spec->name != NULL; spec++) {
    if (strlen(spec->name) == n && memcmp(spec->name, name, n) == 0) {
      return spec;
    }
  }
  return NULL;
}

static cust_status push_opt(cust_opts *o, const char *name, const char *value, size_t n) {
  if (o->len == o->cap) {
    size_t cap = o->cap ? o->cap * 2 : 16;
    cust_opt *items = realloc(o->items, cap * sizeof *items);
    if (items == NULL) {
      return CUST_ERR_NOMEM;
    }
    o->items = items;
    o->cap = cap;
  }
  char *v = malloc(n + 1);
  if (v == NULL) {
    return CUST_ERR_NOMEM;
  }
  memcpy(v, value, n);
  v[n] = '\0';
  o->items[o->len].name = name;
  o->items[o->len].value = v;
  o->len++;
  return CUST_OK;
}

static cust_status push_arg(cust_opts *o, const char *arg) {
  if (o->nargs == o->args_cap) {
    size_t cap = o->args_cap ? o->args_cap * 2 : 8;
    char **args = realloc(o->args, cap * sizeof *args);
    if (args == NULL) {
      return CUST_ERR_NOMEM;
    }
    o->args = args;
    o->args_cap = cap;
  }
  o->args[o->nargs] = strdup(arg);
  if (o->args[o->nargs] == NULL) {
    return CUST_ERR_NOMEM;
  }
  o->nargs++;
  return CUST_OK;
}

int cust_opts_has(const cust_opts *o, const char *name) {
  for (size_t i = 0; i < o->len; i++) {
    if (strcmp(o->items[i].name, name) == 0) {
      return 1;
    }
  }
  return 0;
}

/* Adds a value from a lower source unless a higher one already set `spec`. */
static cust_status push_lower(cust_opts *o, unsigned char *seen, const cust_optspec *spec,
                              size_t idx, int src, const char *value, size_t n) {
  if (seen[idx] != 0 && seen[idx] != src) {
    return CUST_OK; /* a higher source already decided */
  }
  seen[idx] = (unsigned char)src;
  if (spec->is_multi) {
    /* comma-separated lists */
    const char *p = value, *end = value + n;
    while (p < end) {
      const char *c = memchr(p, ',', (size_t)(end - p));
      const char *e = c ? c : end;
      while (p < e && isspace((unsigned char)*p)) {
        p++;
      }
      const char *t = e;
      while (t > p && isspace((unsigned char)t[-1])) {
        t--;
      }
      if (t > p) {
        cust_status st = push_opt(o, spec->name, p, (size_t)(t - p));
        if (st != CUST_OK) {
          return st;
        }
      }
      p = c ? c + 1 : end;
    }
    return CUST_OK;
  }
  return push_opt(o, spec->name, value, n);
}

static cust_status read_config(cust_opts *o, unsigned char *seen, const cust_optspec *spec,
                               const char *path, char *err, size_t errlen) {
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    snprintf(err, errlen, "cannot read config file \"%s\": %s", path, strerror(errno));
    return CUST_ERR_INVALID;
  }
  char line[8192];
  unsigned lineno = 0;
  cust_status st = CUST_OK;
  while (st == CUST_OK && fgets(line, sizeof line, f) != NULL) {
    lineno++;
    char *p = line;
    while (isspace((unsigned char)*p)) {
      p++;
    }
    if (*p == '#' || *p == '\0') {
      continue;
    }
    char *eq = strchr(p, '=');
    if (eq == NULL) {
      snprintf(err, errlen, "config file \"%s\", line %u: expected \"name = value\"", path, lineno);
      st = CUST_ERR_INVALID;
      break;
    }
    char *ke = eq;
    while (ke > p && isspace((unsigned char)ke[-1])) {
      ke--;
    }
    char *v = eq + 1;
    while (isspace((unsigned char)*v)) {
      v++;
    }
    size_t vn = strlen(v);
    while (vn > 0 && isspace((unsigned char)v[vn - 1])) {
      vn--;
    }
    const cust_optspec *s = find_spec(spec, p, (size_t)(ke - p));
    if (s == NULL) {
      /* One config file serves every command: another command's option is
       * skipped, but a name that no command knows is a mistake. */
      int is_known = 0;
      for (const cust_command *c = cust_commands; c->name != NULL && !is_known; c++) {
        is_known = find_spec(c->options, p, (size_t)(ke - p)) != NULL;
      }
      if (!is_known) {
        snprintf(err, errlen,
                 "config file \"%s\", line %u: unknown option \"%.*s\": see \"custodian "
                 "<command> --help\"",
                 path, lineno, (int)(ke - p > 64 ? 64 : ke - p), p);
        st = CUST_ERR_INVALID;
        break;
      }
      continue;
    }
    st = push_lower(o, seen, s, (size_t)(s - spec), SRC_FILE, s->has_arg ? v : "1",
                    s->has_arg ? vn : 1);
  }
  fclose(f);
  return st;
}

cust_status cust_opts_parse(cust_opts *o, const cust_optspec *spec, int argc, char **argv,
                            char *err, size_t errlen) {
  size_t nspec = 0;
  while (spec[nspec].name != NULL) {
    nspec++;
  }
  unsigned char *seen = calloc(nspec + 1, 1);
  cust_status st = CUST_OK;
  const char *config = NULL;
  if (seen == NULL) {
    return CUST_ERR_NOMEM;
  }
  int only_args = 0;
  for (int i = 0; i < argc && st == CUST_OK; i++) {
    const char *a = argv[i];
    if (only_args || a[0] != '-' || a[1] == '\0') {
      st = push_arg(o, a);
      continue;
    }
    if (strcmp(a, "--") == 0) {
      only_args = 1;
      continue;
    }
    /* -f FILE is the one short option (query) */
    const char *name = a[1] == '-' ? a + 2 : a + 1;
    const char *eq = strchr(name, '=');
    size_t n = eq ? (size_t)(eq - name) : strlen(name);
    const cust_optspec *s = find_spec(spec, name, n);
    if (s == NULL) {
      snprintf(err, errlen, "unknown option \"%.*s\": see \"custodian <command> --help\"",
               (int)(n + (size_t)(name - a)), a);
      st = CUST_ERR_INVALID;
      break;
    }
    const char *value = "1";
    if (s->has_arg) {
      if (eq != NULL) {
        value = eq + 1;
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        snprintf(err, errlen, "option \"--%s\" needs a value", s->name);
        st = CUST_ERR_INVALID;
        break;
      }
    } else if (eq != NULL) {
      snprintf(err, errlen, "option \"--%s\" takes no value", s->name);
      st = CUST_ERR_INVALID;
      break;
    }
    if (!s->is_multi && seen[s - spec]) {
      snprintf(err, errlen, "option \"--%s\" given twice", s->name);
      st = CUST_ERR_INVALID;
      break;
    }
    seen[s - spec] = SRC_ARGV;
    if (strcmp(s->name, "config") == 0) {
      config = value;
    }
    st = push_opt(o, s->name, value, strlen(value));
  }
  /* the environment */
  for (size_t k = 0; k < nspec && st == CUST_OK; k++) {
    char env[128] = "CUSTODIAN_";
    size_t e = strlen(env);
    for (const char *p = spec[k].name; *p && e + 1 < sizeof env; p++) {
      env[e++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
    }
    env[e] = '\0';
    const char *v = getenv(env);
    if (v == NULL || *v == '\0') {
      continue;
    }
    if (strcmp(spec[k].name, "config") == 0 && config == NULL) {
      config = v;
    }
    if (!spec[k].has_arg) {
      v = (strcmp(v, "0") == 0 || strcmp(v, "false") == 0 || strcmp(v, "no") == 0) ? NULL : "1";
      if (v == NULL) {
        continue;
      }
    }
    st = push_lower(o, seen, &spec[k], k, SRC_ENV, v, strlen(v));
  }
  if (st == CUST_OK && config != NULL) {
    st = read_config(o, seen, spec, config, err, errlen);
  }
  free(seen);
  return st;
}

const char *cust_opts_get(const cust_opts *o, const char *name, const char *dflt) {
  const char *v = dflt;
  for (size_t i = 0; i < o->len; i++) {
    if (strcmp(o->items[i].name, name) == 0) {
      v = o->items[i].value;
    }
  }
  return v;
}

size_t cust_opts_all(const cust_opts *o, const char *name, const char **out, size_t max) {
  size_t n = 0;
  for (size_t i = 0; i < o->len; i++) {
    if (strcmp(o->items[i].name, name) == 0) {
      if (n < max) {
        out[n] = o->items[i].value;
      }
      n++;
    }
  }
  return n;
}

cust_status cust_opts_u64(const cust_opts *o, const char *name, uint64_t dflt, uint64_t *out,
                          char *err, size_t errlen) {
  const char *v = cust_opts_get(o, name, NULL);
  *out = dflt;
  if (v == NULL) {
    return CUST_OK;
  }
  char *end = NULL;
  errno = 0;
  unsigned long long x = strtoull(v, &end, 10);
  if (*v == '\0' || *v == '-' || *end != '\0' || errno != 0) {
    snprintf(err, errlen, "option \"--%s\" wants a whole number, not \"%s\"", name, v);
    return CUST_ERR_INVALID;
  }
  *out = (uint64_t)x;
  return CUST_OK;
}
