/* A pass-through SQLite VFS that shows chosen database files as immutable,
 * so that a connection the store does not open itself (librdf's, which
 * takes a plain path) can read a WAL store that neither it nor its folder
 * lets anyone write. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

/* The files shown as immutable: full paths as SQLite names them, each held
 * by the stores that asked for it. */
#define MAX_HELD 16

static pthread_mutex_t held_lock = PTHREAD_MUTEX_INITIALIZER;
static char *held_path[MAX_HELD];
static unsigned held_refs[MAX_HELD];

static pthread_once_t vfs_once = PTHREAD_ONCE_INIT;
static sqlite3_vfs *base_vfs; /* the default VFS before ours */
static sqlite3_vfs ro_vfs;
static int is_vfs_ready;

typedef struct ro_file {
  sqlite3_file base;
  sqlite3_file *real; /* the file of base_vfs, right after this struct */
} ro_file;

static int is_held(const char *path) {
  int found = 0;
  pthread_mutex_lock(&held_lock);
  for (size_t i = 0; i < MAX_HELD && !found; i++) {
    found = held_path[i] != NULL && strcmp(held_path[i], path) == 0;
  }
  pthread_mutex_unlock(&held_lock);
  return found;
}

/* ---- the file methods: reads pass through, writes are refused ------------------ */

static sqlite3_file *real_of(sqlite3_file *f) {
  return ((ro_file *)f)->real;
}

static int ro_close(sqlite3_file *f) {
  sqlite3_file *r = real_of(f);
  return r->pMethods != NULL ? r->pMethods->xClose(r) : SQLITE_OK;
}

static int ro_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off) {
  sqlite3_file *r = real_of(f);
  return r->pMethods->xRead(r, buf, n, off);
}

static int ro_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off) {
  (void)f;
  (void)buf;
  (void)n;
  (void)off;
  return SQLITE_READONLY;
}

static int ro_truncate(sqlite3_file *f, sqlite3_int64 size) {
  (void)f;
  (void)size;
  return SQLITE_READONLY;
}

static int ro_sync(sqlite3_file *f, int flags) {
  (void)f;
  (void)flags;
  return SQLITE_OK;
}

static int ro_file_size(sqlite3_file *f, sqlite3_int64 *size) {
  sqlite3_file *r = real_of(f);
  return r->pMethods->xFileSize(r, size);
}

/* An immutable file needs no locks: SQLite does not ask for them. */
static int ro_lock(sqlite3_file *f, int level) {
  (void)f;
  (void)level;
  return SQLITE_OK;
}

static int ro_check_reserved(sqlite3_file *f, int *out) {
  (void)f;
  *out = 0;
  return SQLITE_OK;
}

static int ro_file_control(sqlite3_file *f, int op, void *arg) {
  sqlite3_file *r = real_of(f);
  return r->pMethods->xFileControl(r, op, arg);
}

static int ro_sector_size(sqlite3_file *f) {
  sqlite3_file *r = real_of(f);
  return r->pMethods->xSectorSize(r);
}

/* What makes SQLite read the file as one that never changes: no -shm, no
 * -wal, no locks (the pager acts as with the URI parameter immutable=1). */
static int ro_device(sqlite3_file *f) {
  sqlite3_file *r = real_of(f);
  return r->pMethods->xDeviceCharacteristics(r) | SQLITE_IOCAP_IMMUTABLE;
}

static const sqlite3_io_methods ro_methods = {
  .iVersion = 1,
  .xClose = ro_close,
  .xRead = ro_read,
  .xWrite = ro_write,
  .xTruncate = ro_truncate,
  .xSync = ro_sync,
  .xFileSize = ro_file_size,
  .xLock = ro_lock,
  .xUnlock = ro_lock,
  .xCheckReservedLock = ro_check_reserved,
  .xFileControl = ro_file_control,
  .xSectorSize = ro_sector_size,
  .xDeviceCharacteristics = ro_device,
};

/* ---- the VFS: everything passes through to the default one ---------------------- */

static int vfs_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags,
                    int *out_flags) {
  (void)vfs;
  if (name == NULL || !(flags & SQLITE_OPEN_MAIN_DB) || !is_held(name)) {
    return base_vfs->xOpen(base_vfs, name, f, flags, out_flags);
  }
  ro_file *p = (ro_file *)f;
  p->base.pMethods = NULL;
  p->real = (sqlite3_file *)(p + 1);
  memset(p->real, 0, (size_t)base_vfs->szOsFile);
  int ro_flags = (flags & ~(SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) | SQLITE_OPEN_READONLY;
  int rc = base_vfs->xOpen(base_vfs, name, p->real, ro_flags, out_flags);
  if (rc == SQLITE_OK) {
    p->base.pMethods = &ro_methods;
  } else if (p->real->pMethods != NULL) {
    p->real->pMethods->xClose(p->real);
  }
  return rc;
}

static int vfs_delete(sqlite3_vfs *vfs, const char *name, int sync_dir) {
  (void)vfs;
  return base_vfs->xDelete(base_vfs, name, sync_dir);
}

static int vfs_access(sqlite3_vfs *vfs, const char *name, int flags, int *out) {
  (void)vfs;
  return base_vfs->xAccess(base_vfs, name, flags, out);
}

static int vfs_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out) {
  (void)vfs;
  return base_vfs->xFullPathname(base_vfs, name, n, out);
}

static void *vfs_dlopen(sqlite3_vfs *vfs, const char *name) {
  (void)vfs;
  return base_vfs->xDlOpen(base_vfs, name);
}

static void vfs_dlerror(sqlite3_vfs *vfs, int n, char *msg) {
  (void)vfs;
  base_vfs->xDlError(base_vfs, n, msg);
}

static void (*vfs_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void) {
  (void)vfs;
  return base_vfs->xDlSym(base_vfs, h, sym);
}

static void vfs_dlclose(sqlite3_vfs *vfs, void *h) {
  (void)vfs;
  base_vfs->xDlClose(base_vfs, h);
}

static int vfs_randomness(sqlite3_vfs *vfs, int n, char *out) {
  (void)vfs;
  return base_vfs->xRandomness(base_vfs, n, out);
}

static int vfs_sleep(sqlite3_vfs *vfs, int us) {
  (void)vfs;
  return base_vfs->xSleep(base_vfs, us);
}

static int vfs_current_time(sqlite3_vfs *vfs, double *out) {
  (void)vfs;
  return base_vfs->xCurrentTime(base_vfs, out);
}

static int vfs_last_error(sqlite3_vfs *vfs, int n, char *msg) {
  (void)vfs;
  return base_vfs->xGetLastError != NULL ? base_vfs->xGetLastError(base_vfs, n, msg) : 0;
}

static int vfs_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *out) {
  (void)vfs;
  return base_vfs->xCurrentTimeInt64(base_vfs, out);
}

static void register_vfs(void) {
  base_vfs = sqlite3_vfs_find(NULL);
  if (base_vfs == NULL) {
    return;
  }
  ro_vfs = (sqlite3_vfs){
    .iVersion = base_vfs->iVersion >= 2 && base_vfs->xCurrentTimeInt64 != NULL ? 2 : 1,
    .szOsFile = (int)sizeof(ro_file) + base_vfs->szOsFile,
    .mxPathname = base_vfs->mxPathname,
    .zName = "custodian-readonly",
    .xOpen = vfs_open,
    .xDelete = vfs_delete,
    .xAccess = vfs_access,
    .xFullPathname = vfs_full_pathname,
    .xDlOpen = vfs_dlopen,
    .xDlError = vfs_dlerror,
    .xDlSym = vfs_dlsym,
    .xDlClose = vfs_dlclose,
    .xRandomness = vfs_randomness,
    .xSleep = vfs_sleep,
    .xCurrentTime = vfs_current_time,
    .xGetLastError = vfs_last_error,
    .xCurrentTimeInt64 = vfs_current_time64,
  };
  /* the default, so that connections opened by path (librdf's) use it;
   * files that are not held pass straight to the previous default */
  is_vfs_ready = sqlite3_vfs_register(&ro_vfs, 1) == SQLITE_OK;
}

cust_status cust_store_vfs_hold(const char *path) {
  pthread_once(&vfs_once, register_vfs);
  if (!is_vfs_ready) {
    return CUST_ERR_INTERNAL;
  }
  cust_status st = CUST_ERR_LIMIT;
  pthread_mutex_lock(&held_lock);
  for (size_t i = 0; i < MAX_HELD; i++) {
    if (held_path[i] != NULL && strcmp(held_path[i], path) == 0) {
      held_refs[i]++;
      st = CUST_OK;
      break;
    }
  }
  for (size_t i = 0; st != CUST_OK && i < MAX_HELD; i++) {
    if (held_path[i] == NULL) {
      held_path[i] = strdup(path);
      st = held_path[i] != NULL ? CUST_OK : CUST_ERR_NOMEM;
      held_refs[i] = 1;
      break;
    }
  }
  pthread_mutex_unlock(&held_lock);
  return st;
}

void cust_store_vfs_release(const char *path) {
  if (path == NULL) {
    return;
  }
  pthread_mutex_lock(&held_lock);
  for (size_t i = 0; i < MAX_HELD; i++) {
    if (held_path[i] != NULL && strcmp(held_path[i], path) == 0) {
      if (--held_refs[i] == 0) {
        free(held_path[i]);
        held_path[i] = NULL;
      }
      break;
    }
  }
  pthread_mutex_unlock(&held_lock);
}
