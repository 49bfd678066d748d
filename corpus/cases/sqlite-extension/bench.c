/* The SQLite macro benchmark's program (experiments/bench/src/macro_sqlite.rs), built from this
 * case's files and not part of the case: a query over a million rows that calls the extension's
 * scalar function rev() once per row. Built twice: as a side module that loads ext.wasm through
 * sqlite3_load_extension (the call from SQLite's VDBE to rev crosses modules), and with
 * -DDYLAB_BENCH_LINKED, ext.c compiled into the program (the same call within one module: the
 * baseline). The host calls bench_open once, then bench_query per sample. */
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
/* As in main.c: hide __wasi__ from the amalgamation, which would omit extension loading. */
#undef __wasi__
#include "sqlite3.c"

#include "memvfs.c"

#ifdef DYLAB_BENCH_LINKED
/* SQLITE_CORE (set by sqlite3.c) makes sqlite3ext.h's calls direct: ext.c is part of SQLite here. */
#include "ext.c"
#endif

static sqlite3 *db;
static sqlite3_stmt *query;

/* Opens the database, loads (or, linked, initialises) the extension and prepares the query.
 * Returns 0, or SQLite's error code. */
int bench_open(void) {
  char *err = 0;
  int rc = sqlite3_open(":memory:", &db);
  if (rc != SQLITE_OK) return rc;
#ifdef DYLAB_BENCH_LINKED
  rc = dylab_ext_init(db, &err, 0);
#else
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, (int *)0);
  rc = sqlite3_load_extension(db, "ext.wasm", "dylab_ext_init", &err);
#endif
  sqlite3_free(err);
  if (rc != SQLITE_OK) return rc;
  return sqlite3_prepare_v2(db,
                            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?1) "
                            "SELECT sum(length(rev(x))) FROM c",
                            -1, &query, 0);
}

/* The query over n rows (rev called n times); returns the sum of the lengths, or -1. */
int bench_query(int n) {
  sqlite3_reset(query);
  sqlite3_bind_int(query, 1, n);
  int result = sqlite3_step(query) == SQLITE_ROW ? sqlite3_column_int(query, 0) : -1;
  sqlite3_reset(query);
  return result;
}
