/* SQLite (the amalgamation from crates.io's libsqlite3-sys, fetched at set-up: case.toml's
 * `vendor = "sqlite"`) loads an extension written here (ext.c) through sqlite3_load_extension, its own
 * dlopen/dlsym path (memvfs.c's xDlOpen and xDlSym), and runs SQL that uses the extension's scalar
 * function (with a destructor), collation and virtual table. */

/* The amalgamation defines SQLITE_OMIT_LOAD_EXTENSION whenever __wasi__ is defined, and no -D undoes
 * that: include wasi-libc's headers first (wasi/api.h requires __wasi__), then hide __wasi__ from
 * sqlite3.c. SQLITE_WASI, SQLITE_OMIT_WAL and SQLITE_THREADSAFE=0 (what the __wasi__ block would set)
 * come from case.toml's cflags. */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#undef __wasi__
#include "sqlite3.c"

#include "memvfs.c"

static int print_row(void *label, int n, char **values, char **names) {
  printf("%s:", (const char *)label);
  for (int i = 0; i < n; i++) printf(" %s=%s", names[i], values[i] ? values[i] : "NULL");
  printf("\n");
  return 0;
}

static int run(sqlite3 *db, const char *label, const char *sql) {
  char *err = 0;
  int rc = sqlite3_exec(db, sql, print_row, (void *)label, &err);
  if (rc != SQLITE_OK) {
    printf("%s: error %d: %s\n", label, rc, err ? err : "?");
    sqlite3_free(err);
  }
  return rc;
}

int main(void) {
  sqlite3 *db;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
    printf("open failed\n");
    return 1;
  }
  printf("sqlite %s\n", sqlite3_libversion());
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, (int *)0);

  char *err = 0;
  int rc = sqlite3_load_extension(db, "missing.wasm", 0, &err);
  printf("load missing.wasm: %s\n", rc == SQLITE_OK ? "loaded?" : "refused (as expected)");
  sqlite3_free(err);
  err = 0;
  rc = sqlite3_load_extension(db, "ext.wasm", "dylab_ext_init", &err);
  printf("load ext.wasm: rc=%d %s\n", rc, err ? err : "");
  sqlite3_free(err);
  if (rc != SQLITE_OK) return 1;

  run(db, "scalar", "SELECT rev('hello') AS a, rev('dylab') AS b, rev(NULL) AS c");
  run(db, "setup", "CREATE TABLE w(s TEXT); INSERT INTO w VALUES ('pear'), ('Apple'), ('fig'), ('banana')");
  run(db, "collation", "SELECT group_concat(s, ',') AS s FROM (SELECT s FROM w ORDER BY s COLLATE backwards)");
  run(db, "vtab", "SELECT n, sq FROM squares WHERE n > 2");
  run(db, "vtab-sum", "SELECT count(*) AS rows, sum(sq) AS total FROM squares");
  run(db, "join", "SELECT rev(s) AS r, sq FROM w JOIN squares ON length(s) = n ORDER BY r COLLATE backwards");
  run(db, "real", "CREATE TABLE r(x REAL); INSERT INTO r VALUES (1.5), (2.25), (-0.125); SELECT sum(x) AS s, "
                  "avg(x) AS a, CAST(sum(x) * 1e10 AS INTEGER) AS i FROM r");
  run(db, "error", "SELECT rev(1, 2)");
  sqlite3_close(db);
  printf("closed\n");
  return 0;
}
