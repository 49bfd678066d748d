/* A SQLite extension written against sqlite3ext.h: every SQLite call goes through the sqlite3_api
 * table of function pointers that sqlite3_load_extension hands over, and SQLite calls back the
 * function, collation and virtual table methods registered here through pointers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT1

/* rev(text): the text reversed; its user data counts calls and is freed by the destructor. */
struct rev_data {
  int calls;
};

static void rev(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  struct rev_data *d = sqlite3_user_data(ctx);
  d->calls++;
  (void)argc;
  const unsigned char *s = sqlite3_value_text(argv[0]);
  if (!s) {
    sqlite3_result_null(ctx);
    return;
  }
  int n = sqlite3_value_bytes(argv[0]);
  char *out = sqlite3_malloc(n + 1);
  for (int i = 0; i < n; i++) out[i] = (char)s[n - 1 - i];
  out[n] = 0;
  sqlite3_result_text(ctx, out, n, sqlite3_free);
}

static void rev_destroy(void *p) {
  struct rev_data *d = p;
  printf("rev: destructor ran after %d calls\n", d->calls);
  free(d);
}

/* The `backwards` collation: byte order, reversed. */
static int backwards(void *arg, int n1, const void *a, int n2, const void *b) {
  (void)arg;
  int n = n1 < n2 ? n1 : n2;
  int c = memcmp(a, b, (size_t)n);
  if (c == 0) c = n1 - n2;
  return -c;
}

/* The eponymous virtual table `squares`: rows (n, n*n) for n = 1..6. */
typedef struct {
  sqlite3_vtab base;
} squares_vtab;

typedef struct {
  sqlite3_vtab_cursor base;
  int n;
} squares_cursor;

static int sq_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out, char **err) {
  (void)aux, (void)argc, (void)argv, (void)err;
  int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(n INTEGER, sq INTEGER)");
  if (rc != SQLITE_OK) return rc;
  squares_vtab *t = sqlite3_malloc(sizeof *t);
  if (!t) return SQLITE_NOMEM;
  memset(t, 0, sizeof *t);
  *out = &t->base;
  return SQLITE_OK;
}

static int sq_disconnect(sqlite3_vtab *t) {
  sqlite3_free(t);
  return SQLITE_OK;
}

static int sq_best_index(sqlite3_vtab *t, sqlite3_index_info *info) {
  (void)t;
  info->estimatedCost = 6;
  info->estimatedRows = 6;
  return SQLITE_OK;
}

static int sq_open(sqlite3_vtab *t, sqlite3_vtab_cursor **out) {
  (void)t;
  squares_cursor *c = sqlite3_malloc(sizeof *c);
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, sizeof *c);
  *out = &c->base;
  return SQLITE_OK;
}

static int sq_close(sqlite3_vtab_cursor *c) {
  sqlite3_free(c);
  return SQLITE_OK;
}

static int sq_filter(sqlite3_vtab_cursor *cur, int idx, const char *idx_str, int argc, sqlite3_value **argv) {
  (void)idx, (void)idx_str, (void)argc, (void)argv;
  ((squares_cursor *)cur)->n = 1;
  return SQLITE_OK;
}

static int sq_next(sqlite3_vtab_cursor *cur) {
  ((squares_cursor *)cur)->n++;
  return SQLITE_OK;
}

static int sq_eof(sqlite3_vtab_cursor *cur) { return ((squares_cursor *)cur)->n > 6; }

static int sq_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col) {
  int n = ((squares_cursor *)cur)->n;
  sqlite3_result_int(ctx, col == 0 ? n : n * n);
  return SQLITE_OK;
}

static int sq_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid) {
  *rowid = ((squares_cursor *)cur)->n;
  return SQLITE_OK;
}

static sqlite3_module squares_module = {
    .iVersion = 0,
    .xCreate = 0, /* eponymous-only */
    .xConnect = sq_connect,
    .xBestIndex = sq_best_index,
    .xDisconnect = sq_disconnect,
    .xDestroy = sq_disconnect,
    .xOpen = sq_open,
    .xClose = sq_close,
    .xFilter = sq_filter,
    .xNext = sq_next,
    .xEof = sq_eof,
    .xColumn = sq_column,
    .xRowid = sq_rowid,
};

int dylab_ext_init(sqlite3 *db, char **err, const sqlite3_api_routines *api) {
  SQLITE_EXTENSION_INIT2(api);
  (void)err;
  struct rev_data *d = calloc(1, sizeof *d);
  int rc = sqlite3_create_function_v2(db, "rev", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, d, rev, 0, 0, rev_destroy);
  if (rc == SQLITE_OK) rc = sqlite3_create_collation_v2(db, "backwards", SQLITE_UTF8, 0, backwards, 0);
  if (rc == SQLITE_OK) rc = sqlite3_create_module(db, "squares", &squares_module, 0);
  printf("extension: registered rev, backwards, squares (rc=%d)\n", rc);
  return rc;
}
