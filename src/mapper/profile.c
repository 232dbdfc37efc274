/* Ontology profiles: one file per ontology version in ontology/ (*.profile),
 * read at start, that say which credential classes a version has and which
 * property plays which role. The mapper derives from these, never from IRIs
 * of its own.
 *
 * The format, one directive per line (# starts a comment, tokens are
 * separated by blanks):
 *
 *   profile NAME              first directive; NAME unique across the folder
 *   base IRI                  a namespace base (absolute, ends in / or #);
 *                             several bases are aliases of one version
 *   property-base IRI         a base used only to read roles (transitional
 *                             credentials that mix two bases)
 *   class KIND PATH           a credential class: KIND is one of dataset,
 *                             service, zone, rights, governance, publication,
 *                             authentication, order, execution, membership,
 *                             assertion, profile; PATH is under every base
 *   role ROLE PATH            a property of the class above that plays ROLE
 *                             (see role_names); PATH under every base, or an
 *                             absolute IRI (scheme:...) taken as is
 *   subject consumed          (in a class) the credential subject is consumed
 *   status NORMAL PATH        a status concept: NORMAL is InExecution,
 *                             Delivered, Failed or Cancelled
 *   storage PATH              a service category concept meaning storage
 *   type KIND IRI             (assertion profiles) an rdf:type object that
 *                             makes the asserted subject a dataset, service,
 *                             storage or zone
 *
 * A relative PATH is resolved against each base; a class IRI may belong to
 * one profile only. Errors name the file, the line and what is wrong. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mapper_int.h"

static const char *const kind_names[CUST_KIND_N] = {
  [CUST_KIND_DATASET] = "dataset",
  [CUST_KIND_SERVICE] = "service",
  [CUST_KIND_ZONE] = "zone",
  [CUST_KIND_RIGHTS] = "rights",
  [CUST_KIND_GOVERNANCE] = "governance",
  [CUST_KIND_PUBLICATION] = "publication",
  [CUST_KIND_AUTHENTICATION] = "authentication",
  [CUST_KIND_ORDER] = "order",
  [CUST_KIND_EXECUTION] = "execution",
  [CUST_KIND_MEMBERSHIP] = "membership",
  [CUST_KIND_ASSERTION] = "assertion",
  [CUST_KIND_PROFILE] = "profile",
};

static const char *const role_names[CUST_ROLE_N] = {
  [CUST_ROLE_TITLE] = "title",
  [CUST_ROLE_DESCRIPTION] = "description",
  [CUST_ROLE_CATEGORY] = "category",
  [CUST_ROLE_ORDER] = "order",
  [CUST_ROLE_EXECUTION] = "execution",
  [CUST_ROLE_EXECUTION_OF] = "execution-of",
  [CUST_ROLE_CONSUMED] = "consumed",
  [CUST_ROLE_PRODUCED] = "produced",
  [CUST_ROLE_PARAMETER] = "parameter",
  [CUST_ROLE_OUTCOME] = "outcome",
  [CUST_ROLE_VALUE] = "value",
  [CUST_ROLE_STATUS] = "status",
  [CUST_ROLE_TIME] = "time",
  [CUST_ROLE_PLACED] = "placed",
  [CUST_ROLE_ZONE] = "zone",
  [CUST_ROLE_AGENT] = "agent",
  [CUST_ROLE_PART_OF] = "part-of",
  [CUST_ROLE_EVIDENCE] = "evidence",
  [CUST_ROLE_SERVED_BY] = "served-by",
  [CUST_ROLE_IDENTIFIER] = "identifier",
  [CUST_ROLE_MEMBER] = "member",
  [CUST_ROLE_MEMBERSHIP] = "membership",
  [CUST_ROLE_LICENCE] = "licence",
  [CUST_ROLE_GOVERNED_BY] = "governed-by",
  [CUST_ROLE_TO_SERVICE] = "to-service",
  [CUST_ROLE_SUBJECT] = "subject",
  [CUST_ROLE_PREDICATE] = "predicate",
  [CUST_ROLE_OBJECT] = "object",
  [CUST_ROLE_SCOPE] = "scope",
};

static const char *const status_names[] = { "InExecution", "Delivered", "Failed", "Cancelled" };
static const char *const status_iris[] = { CUST_V_IN_EXECUTION, CUST_V_DELIVERED, CUST_V_FAILED,
                                           CUST_V_CANCELLED };

/* Roles a class of a kind cannot do without. */
static const struct {
  cust_profile_kind kind;
  cust_profile_role role;
} required[] = {
  { CUST_KIND_ORDER, CUST_ROLE_ORDER },       { CUST_KIND_EXECUTION, CUST_ROLE_EXECUTION },
  { CUST_KIND_MEMBERSHIP, CUST_ROLE_ZONE },   { CUST_KIND_PUBLICATION, CUST_ROLE_SERVED_BY },
  { CUST_KIND_ASSERTION, CUST_ROLE_SUBJECT }, { CUST_KIND_ASSERTION, CUST_ROLE_PREDICATE },
  { CUST_KIND_ASSERTION, CUST_ROLE_OBJECT },
};

/* A path or IRI of one line, before the bases are known to be complete. */
typedef struct pending {
  cust_profile_class *cls; /* NULL: a profile-level directive */
  int what;                /* 'c' class, 'r' role, 's' status, 'g' storage, 't' type */
  int arg;                 /* the role, the status index, the kind */
  const char *path;
  int line;
  struct pending *next;
} pending;

typedef struct loader {
  cust_profiles *ps;
  cust_profile *p; /* the profile of the file in hand */
  const char *file;
  char *err;
  size_t errlen;
  const char *bases[8];
  size_t nbases;
  const char *prop_bases[8];
  size_t nprop_bases;
  pending *head, **tail;
} loader;

static cust_status fail(loader *l, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static cust_status fail(loader *l, int line, const char *fmt, ...) {
  char what[384];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  if (line > 0) {
    snprintf(l->err, l->errlen, "%s:%d: %s", l->file, line, what);
  } else {
    snprintf(l->err, l->errlen, "%s: %s", l->file, what);
  }
  return CUST_ERR_FORMAT;
}

static int is_absolute(const char *s) {
  const char *c = strchr(s, ':');
  if (c == NULL || c == s) {
    return 0;
  }
  for (const char *q = s; q < c; q++) {
    if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
          (q > s && ((*q >= '0' && *q <= '9') || *q == '+' || *q == '-' || *q == '.')))) {
      return 0;
    }
  }
  return 1;
}

static int find_name(const char *const *names, size_t n, const char *s) {
  for (size_t i = 0; i < n; i++) {
    if (names[i] != NULL && strcmp(names[i], s) == 0) {
      return (int)i;
    }
  }
  return -1;
}

static void list_names(const char *const *names, size_t n, char *out, size_t len) {
  size_t used = 0;
  out[0] = '\0';
  for (size_t i = 0; i < n && used < len; i++) {
    int w = snprintf(out + used, len - used, "%s%s", i ? ", " : "", names[i]);
    used += w > 0 ? (size_t)w : 0;
  }
}

/* Every IRI that `path` names: itself when absolute, else one per base. */
static cust_status resolve(loader *l, const char *path, const char *const *bases, size_t nbases,
                           const char ***out, size_t *n) {
  size_t cap = is_absolute(path) ? 1 : nbases;
  const char **v = cust_arena_alloc(&l->ps->arena, (cap ? cap : 1) * sizeof *v);
  if (v == NULL) {
    return CUST_ERR_NOMEM;
  }
  if (is_absolute(path)) {
    v[0] = path;
  } else {
    for (size_t i = 0; i < nbases; i++) {
      if ((v[i] = cust_arena_printf(&l->ps->arena, "%s%s", bases[i], path)) == NULL) {
        return CUST_ERR_NOMEM;
      }
    }
  }
  *out = v;
  *n = cap;
  return CUST_OK;
}

static cust_status push(loader *l, cust_profile_class *cls, int what, int arg, const char *path,
                        int line) {
  pending *pd = cust_arena_alloc(&l->ps->arena, sizeof *pd);
  char *copy = cust_arena_strdup(&l->ps->arena, path);
  if (pd == NULL || copy == NULL) {
    return CUST_ERR_NOMEM;
  }
  *pd = (pending){ cls, what, arg, copy, line, NULL };
  *l->tail = pd;
  l->tail = &pd->next;
  return CUST_OK;
}

static cust_status add_entry(cust_profiles *ps, cust_profile_entry **list, const char *iri,
                             const cust_profile *p, const cust_profile_class *cls, int arg) {
  cust_profile_entry *e = cust_arena_alloc(&ps->arena, sizeof *e);
  if (e == NULL) {
    return CUST_ERR_NOMEM;
  }
  *e = (cust_profile_entry){ iri, p, cls, arg, *list };
  *list = e;
  return CUST_OK;
}

/* Turns the pending paths of a file into IRIs, once every base is known. */
static cust_status settle(loader *l) {
  cust_status st = CUST_OK;
  const char **prop_bases =
      cust_arena_alloc(&l->ps->arena, (l->nbases + l->nprop_bases + 1) * sizeof *prop_bases);
  if (prop_bases == NULL) {
    return CUST_ERR_NOMEM;
  }
  memcpy(prop_bases, l->bases, l->nbases * sizeof *prop_bases);
  if (l->nprop_bases > 0) {
    memcpy(prop_bases + l->nbases, l->prop_bases, l->nprop_bases * sizeof *prop_bases);
  }
  size_t nprop = l->nbases + l->nprop_bases;
  for (pending *pd = l->head; pd != NULL && st == CUST_OK; pd = pd->next) {
    const char **iris = NULL;
    size_t n = 0;
    if (pd->what == 'r') {
      st = resolve(l, pd->path, prop_bases, nprop, &iris, &n);
      if (st == CUST_OK) {
        cust_profile_class *c = pd->cls;
        const char **all = cust_arena_alloc(&l->ps->arena, (c->nroles[pd->arg] + n) * sizeof *all);
        if (all == NULL) {
          return CUST_ERR_NOMEM;
        }
        if (c->nroles[pd->arg] > 0) {
          memcpy(all, c->roles[pd->arg], c->nroles[pd->arg] * sizeof *all);
        }
        memcpy(all + c->nroles[pd->arg], iris, n * sizeof *all);
        c->roles[pd->arg] = all;
        c->nroles[pd->arg] += n;
      }
      continue;
    }
    st = resolve(l, pd->path, l->bases, l->nbases, &iris, &n);
    for (size_t i = 0; i < n && st == CUST_OK; i++) {
      switch (pd->what) {
        case 'c':
          for (const cust_profile_entry *e = l->ps->classes; e != NULL; e = e->next) {
            if (strcmp(e->iri, iris[i]) == 0) {
              return fail(l, pd->line, "class <%s> is already declared by profile \"%s\"", iris[i],
                          e->profile->name);
            }
          }
          st = add_entry(l->ps, &l->ps->classes, iris[i], l->p, pd->cls, pd->arg);
          break;
        case 's':
          st = add_entry(l->ps, &l->ps->statuses, iris[i], l->p, NULL, pd->arg);
          break;
        case 'g':
          st = add_entry(l->ps, &l->ps->storage, iris[i], l->p, NULL, 0);
          break;
        default:
          st = add_entry(l->ps, &l->ps->types, iris[i], l->p, NULL, pd->arg);
          break;
      }
    }
  }
  return st;
}

static cust_status check_class(loader *l, const cust_profile_class *c) {
  for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
    if (required[i].kind == c->kind && c->nroles[required[i].role] == 0 &&
        c->pending_roles[required[i].role] == 0) {
      return fail(l, c->line, "a class of kind \"%s\" needs a \"role %s\" line",
                  kind_names[c->kind], role_names[required[i].role]);
    }
  }
  return CUST_OK;
}

static cust_status parse_line(loader *l, int line, char **tok, size_t ntok,
                              cust_profile_class **cls) {
  char names[512];
  const char *d = tok[0];
  if (l->p == NULL && strcmp(d, "profile") != 0) {
    return fail(l, line, "the file must start with \"profile NAME\", not \"%s\"", d);
  }
  if (strcmp(d, "profile") == 0) {
    if (l->p != NULL) {
      return fail(l, line, "a second \"profile\" line; one file holds one profile");
    }
    if (ntok != 2) {
      return fail(l, line, "\"profile\" takes one name");
    }
    for (const cust_profile *q = l->ps->profiles; q != NULL; q = q->next) {
      if (strcmp(q->name, tok[1]) == 0) {
        return fail(l, line, "profile \"%s\" is already defined in %s", tok[1], q->file);
      }
    }
    cust_profile *p = cust_arena_alloc(&l->ps->arena, sizeof *p);
    if (p == NULL) {
      return CUST_ERR_NOMEM;
    }
    memset(p, 0, sizeof *p);
    p->name = cust_arena_strdup(&l->ps->arena, tok[1]);
    p->file = cust_arena_strdup(&l->ps->arena, l->file);
    if (p->name == NULL || p->file == NULL) {
      return CUST_ERR_NOMEM;
    }
    p->index = l->ps->nprofiles++;
    cust_profile **end = &l->ps->profiles;
    while (*end != NULL) {
      end = &(*end)->next;
    }
    *end = p;
    l->p = p;
    return CUST_OK;
  }
  if (strcmp(d, "base") == 0 || strcmp(d, "property-base") == 0) {
    if (ntok != 2) {
      return fail(l, line, "\"%s\" takes one IRI", d);
    }
    size_t n = strlen(tok[1]);
    if (!is_absolute(tok[1]) || (tok[1][n - 1] != '/' && tok[1][n - 1] != '#')) {
      return fail(l, line, "base \"%s\" is not an absolute IRI ending in / or #", tok[1]);
    }
    int is_prop = d[0] == 'p';
    size_t *count = is_prop ? &l->nprop_bases : &l->nbases;
    const char **arr = is_prop ? l->prop_bases : l->bases;
    if (*count == 8) {
      return fail(l, line, "more than 8 bases");
    }
    if ((arr[*count] = cust_arena_strdup(&l->ps->arena, tok[1])) == NULL) {
      return CUST_ERR_NOMEM;
    }
    (*count)++;
    return CUST_OK;
  }
  if (strcmp(d, "class") == 0) {
    if (ntok != 3) {
      return fail(l, line, "\"class\" takes a kind and a path");
    }
    int k = find_name(kind_names, CUST_KIND_N, tok[1]);
    if (k < 0) {
      list_names(kind_names, CUST_KIND_N, names, sizeof names);
      return fail(l, line, "unknown class kind \"%s\" (known: %s)", tok[1], names);
    }
    if (*cls != NULL) {
      cust_status st = check_class(l, *cls);
      if (st != CUST_OK) {
        return st;
      }
    }
    cust_profile_class *c = cust_arena_alloc(&l->ps->arena, sizeof *c);
    if (c == NULL) {
      return CUST_ERR_NOMEM;
    }
    memset(c, 0, sizeof *c);
    c->kind = (cust_profile_kind)k;
    c->profile = l->p;
    c->line = line;
    *cls = c;
    return push(l, c, 'c', k, tok[2], line);
  }
  if (strcmp(d, "role") == 0 || strcmp(d, "subject") == 0) {
    if (*cls == NULL) {
      return fail(l, line, "\"%s\" before any \"class\" line", d);
    }
    if (d[0] == 's') {
      if (ntok != 2 || strcmp(tok[1], "consumed") != 0) {
        return fail(l, line, "\"subject\" takes one word: consumed");
      }
      (*cls)->is_subject_consumed = 1;
      return CUST_OK;
    }
    if (ntok != 3) {
      return fail(l, line, "\"role\" takes a role and a path");
    }
    int r = find_name(role_names, CUST_ROLE_N, tok[1]);
    if (r < 0) {
      list_names(role_names, CUST_ROLE_N, names, sizeof names);
      return fail(l, line, "unknown role \"%s\" (known: %s)", tok[1], names);
    }
    (*cls)->pending_roles[r]++;
    return push(l, *cls, 'r', r, tok[2], line);
  }
  if (strcmp(d, "status") == 0) {
    int s = ntok == 3 ? find_name(status_names, 4, tok[1]) : -1;
    if (s < 0) {
      return fail(l, line,
                  "\"status\" takes InExecution, Delivered, Failed or Cancelled, then a path");
    }
    return push(l, NULL, 's', s, tok[2], line);
  }
  if (strcmp(d, "storage") == 0) {
    if (ntok != 2) {
      return fail(l, line, "\"storage\" takes one path");
    }
    return push(l, NULL, 'g', 0, tok[1], line);
  }
  if (strcmp(d, "type") == 0) {
    static const char *const tkinds[] = { "dataset", "service", "storage", "zone" };
    int t = ntok == 3 ? find_name(tkinds, 4, tok[1]) : -1;
    if (t < 0 || !is_absolute(tok[2])) {
      return fail(l, line, "\"type\" takes dataset, service, storage or zone, then an IRI");
    }
    return push(l, NULL, 't', t, tok[2], line);
  }
  return fail(l, line,
              "unknown directive \"%s\" (known: profile, base, property-base, class, role, "
              "subject, status, storage, type)",
              d);
}

static cust_status load_file(cust_profiles *ps, const char *dir, const char *name, char *err,
                             size_t errlen) {
  cust_status st = CUST_OK;
  char path[4096];
  char *data = NULL;
  FILE *f = NULL;
  loader l;
  memset(&l, 0, sizeof l);
  l.ps = ps;
  l.err = err;
  l.errlen = errlen;
  l.tail = &l.head;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  l.file = path;
  f = fopen(path, "rb");
  if (f == NULL) {
    snprintf(err, errlen, "cannot open profile \"%s\": %s", path, strerror(errno));
    return CUST_ERR_IO;
  }
  cust_buf b;
  cust_buf_init(&b);
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (cust_buf_append(&b, chunk, n) != CUST_OK) {
      st = CUST_ERR_NOMEM;
      goto cleanup;
    }
  }
  if (ferror(f)) {
    snprintf(err, errlen, "cannot read profile \"%s\"", path);
    st = CUST_ERR_IO;
    goto cleanup;
  }
  if (cust_buf_putc(&b, '\0') != CUST_OK) {
    st = CUST_ERR_NOMEM;
    goto cleanup;
  }
  data = b.data;
  cust_profile_class *cls = NULL;
  int line = 0;
  for (char *s = data; s != NULL && *s != '\0' && st == CUST_OK;) {
    char *end = strchr(s, '\n');
    if (end != NULL) {
      *end = '\0';
    }
    line++;
    char *hash = strchr(s, '#');
    /* a # inside an IRI (after a scheme) is not a comment */
    while (hash != NULL && hash > s && hash[-1] != ' ' && hash[-1] != '\t') {
      hash = strchr(hash + 1, '#');
    }
    if (hash != NULL) {
      *hash = '\0';
    }
    char *tok[6];
    size_t ntok = 0;
    for (char *t = strtok(s, " \t\r"); t != NULL; t = strtok(NULL, " \t\r")) {
      if (ntok == 6) {
        st = fail(&l, line, "too many words");
        break;
      }
      tok[ntok++] = t;
    }
    if (st == CUST_OK && ntok > 0) {
      st = parse_line(&l, line, tok, ntok, &cls);
    }
    s = end != NULL ? end + 1 : NULL;
  }
  if (st == CUST_OK && l.p == NULL) {
    st = fail(&l, 0, "no \"profile NAME\" line");
  }
  if (st == CUST_OK && l.nbases == 0) {
    st = fail(&l, 0, "profile \"%s\" has no \"base\" line", l.p->name);
  }
  if (st == CUST_OK && cls == NULL) {
    st = fail(&l, 0, "profile \"%s\" declares no credential class", l.p->name);
  }
  if (st == CUST_OK) {
    st = check_class(&l, cls);
  }
  if (st == CUST_OK) {
    st = settle(&l);
  }
  if (st == CUST_OK) {
    l.p->bases = cust_arena_alloc(&ps->arena, l.nbases * sizeof *l.p->bases);
    if (l.p->bases == NULL) {
      st = CUST_ERR_NOMEM;
    } else {
      memcpy(l.p->bases, l.bases, l.nbases * sizeof *l.p->bases);
      l.p->nbases = l.nbases;
    }
  }
  if (st == CUST_ERR_NOMEM) {
    snprintf(err, errlen, "out of memory reading profile \"%s\"", path);
  }

cleanup:
  fclose(f);
  cust_buf_release(&b);
  return st;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

cust_status cust_profiles_load(const char *dir, cust_profiles **out, char *err, size_t errlen) {
  cust_status st = CUST_OK;
  char **names = NULL;
  size_t nnames = 0, cap = 0;
  *out = NULL;
  err[0] = '\0';
  cust_profiles *ps = calloc(1, sizeof *ps);
  if (ps == NULL) {
    return CUST_ERR_NOMEM;
  }
  cust_arena_init(&ps->arena, 16 * 1024);
  DIR *d = opendir(dir);
  if (d == NULL) {
    snprintf(err, errlen, "cannot read the profile folder \"%s\": %s (give --ontology DIR)", dir,
             strerror(errno));
    st = CUST_ERR_NOTFOUND;
    goto cleanup;
  }
  for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
    size_t n = strlen(e->d_name);
    if (e->d_name[0] == '.' || n < 9 || strcmp(e->d_name + n - 8, ".profile") != 0) {
      continue;
    }
    if (nnames == cap) {
      cap = cap ? cap * 2 : 8;
      char **nn = realloc(names, cap * sizeof *nn);
      if (nn == NULL) {
        st = CUST_ERR_NOMEM;
        goto cleanup;
      }
      names = nn;
    }
    if ((names[nnames] = strdup(e->d_name)) == NULL) {
      st = CUST_ERR_NOMEM;
      goto cleanup;
    }
    nnames++;
  }
  if (nnames == 0) {
    snprintf(err, errlen, "no *.profile file in \"%s\": the ontology folder needs one per version",
             dir);
    st = CUST_ERR_NOTFOUND;
    goto cleanup;
  }
  qsort(names, nnames, sizeof *names, cmp_names);
  for (size_t i = 0; i < nnames && st == CUST_OK; i++) {
    st = load_file(ps, dir, names[i], err, errlen);
  }

cleanup:
  if (d != NULL) {
    closedir(d);
  }
  for (size_t i = 0; i < nnames; i++) {
    free(names[i]);
  }
  free(names);
  if (st != CUST_OK) {
    if (st == CUST_ERR_NOMEM && err[0] == '\0') {
      snprintf(err, errlen, "out of memory reading the profiles");
    }
    cust_profiles_free(ps);
    return st;
  }
  *out = ps;
  return CUST_OK;
}

const char *cust_profiles_default_dir(char *buf, size_t len) {
  int n = snprintf(buf, len, "%s/ontology", CUST_PKGDATADIR);
  DIR *d = n >= 0 && (size_t)n < len ? opendir(buf) : NULL;
  if (d != NULL) {
    closedir(d);
    return buf;
  }
  n = snprintf(buf, len, "%s/ontology", CUST_SRCDIR);
  return n >= 0 && (size_t)n < len ? buf : NULL;
}

void cust_profiles_free(cust_profiles *ps) {
  if (ps == NULL) {
    return;
  }
  cust_arena_release(&ps->arena);
  free(ps);
}

size_t cust_profiles_count(const cust_profiles *ps) {
  return ps != NULL ? ps->nprofiles : 0;
}

const char *cust_profiles_name(const cust_profiles *ps, size_t i) {
  for (const cust_profile *p = ps != NULL ? ps->profiles : NULL; p != NULL; p = p->next) {
    if (p->index == i) {
      return p->name;
    }
  }
  return NULL;
}

const cust_profile_class *cust_profiles_class(const cust_profiles *ps, const char *iri) {
  for (const cust_profile_entry *e = ps->classes; e != NULL; e = e->next) {
    if (strcmp(e->iri, iri) == 0) {
      return e->cls;
    }
  }
  return NULL;
}

const char *cust_profiles_status(const cust_profiles *ps, const char *iri) {
  for (const cust_profile_entry *e = ps->statuses; e != NULL; e = e->next) {
    if (strcmp(e->iri, iri) == 0) {
      return status_iris[e->arg];
    }
  }
  return NULL;
}

int cust_profiles_is_storage(const cust_profiles *ps, const char *iri) {
  for (const cust_profile_entry *e = ps->storage; e != NULL; e = e->next) {
    if (strcmp(e->iri, iri) == 0) {
      return 1;
    }
  }
  return 0;
}

int cust_profiles_type(const cust_profiles *ps, const char *iri) {
  for (const cust_profile_entry *e = ps->types; e != NULL; e = e->next) {
    if (strcmp(e->iri, iri) == 0) {
      return e->arg;
    }
  }
  return -1;
}
