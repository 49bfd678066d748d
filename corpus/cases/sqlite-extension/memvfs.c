/* A VFS with no files (SQLITE_OS_OTHER): the program uses only ":memory:" databases, with temporary
 * storage in memory, so SQLite needs from its VFS little but xDlOpen/xDlSym, which go to <dlfcn.h>.
 * It keeps SQLite off wasi-libc's file calls, so the program also runs under libc-host (whose subset
 * has no open/stat), and its output is the same natively. Randomness and time are fixed. */
#include <dlfcn.h>
#include <string.h>

static int mem_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags, int *out_flags) {
  (void)vfs, (void)name, (void)file, (void)flags, (void)out_flags;
  return SQLITE_CANTOPEN;
}

static int mem_delete(sqlite3_vfs *vfs, const char *name, int sync_dir) {
  (void)vfs, (void)name, (void)sync_dir;
  return SQLITE_IOERR_DELETE;
}

static int mem_access(sqlite3_vfs *vfs, const char *name, int flags, int *res) {
  (void)vfs, (void)name, (void)flags;
  *res = 0;
  return SQLITE_OK;
}

static int mem_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out) {
  (void)vfs;
  sqlite3_snprintf(n, out, "%s", name);
  return SQLITE_OK;
}

static void *mem_dlopen(sqlite3_vfs *vfs, const char *name) {
  (void)vfs;
  return dlopen(name, RTLD_NOW | RTLD_GLOBAL);
}

static void mem_dlerror(sqlite3_vfs *vfs, int n, char *out) {
  (void)vfs;
  const char *e = dlerror();
  sqlite3_snprintf(n, out, "%s", e ? e : "no error");
}

static void (*mem_dlsym(sqlite3_vfs *vfs, void *handle, const char *sym))(void) {
  (void)vfs;
  return (void (*)(void))dlsym(handle, sym);
}

static void mem_dlclose(sqlite3_vfs *vfs, void *handle) {
  (void)vfs;
  dlclose(handle);
}

static int mem_randomness(sqlite3_vfs *vfs, int n, char *out) {
  (void)vfs;
  memset(out, 0x5a, (size_t)n);
  return n;
}

static int mem_sleep(sqlite3_vfs *vfs, int micros) {
  (void)vfs;
  return micros;
}

static int mem_current_time(sqlite3_vfs *vfs, double *now) {
  (void)vfs;
  *now = 2461010.5; /* 2025-11-30, as a Julian day */
  return SQLITE_OK;
}

static int mem_last_error(sqlite3_vfs *vfs, int n, char *out) {
  (void)vfs, (void)n, (void)out;
  return 0;
}

static sqlite3_vfs mem_vfs = {
    1, 0, 512, 0, "mem", 0, mem_open, mem_delete, mem_access, mem_full_pathname, mem_dlopen, mem_dlerror,
    mem_dlsym, mem_dlclose, mem_randomness, mem_sleep, mem_current_time, mem_last_error,
};

/* SQLITE_OS_OTHER: SQLite calls these instead of registering its unix VFS. */
int sqlite3_os_init(void) { return sqlite3_vfs_register(&mem_vfs, 1); }
int sqlite3_os_end(void) { return SQLITE_OK; }
