/* Two comparators passed to libc's qsort from this side module: a static one (its address is
 * __table_base + offset) and an exported one (its address comes through GOT.func). Each counts its
 * calls, so a call that reaches some other function with the same signature is detected. */
#include <dylab.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile int desc_calls, by_len_calls;

static int descending(const void *a, const void *b) {
  desc_calls++;
  int x = *(const int *)a, y = *(const int *)b;
  return (x < y) - (x > y);
}

/* Exported: a default-visibility function's address is taken through GOT.func. */
int by_length(const void *a, const void *b) {
  by_len_calls++;
  size_t x = strlen(*(const char *const *)a), y = strlen(*(const char *const *)b);
  if (x != y) return (x > y) - (x < y);
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int sort_demo(void) {
  int bad = 0;
  int v[] = {5, -3, 17, 0, 42, 8, -3, 11};
  size_t n = sizeof v / sizeof v[0];
  qsort(v, n, sizeof v[0], descending);
  printf("descending:");
  for (size_t i = 0; i < n; i++) printf(" %d", v[i]);
  printf("\n");
  int sorted = 1;
  for (size_t i = 1; i < n; i++) sorted &= v[i - 1] >= v[i];
  if (desc_calls == 0) {
    DYLAB_WRONG_CALL("qsort never called the side module's static comparator");
    bad++;
  }
  printf("static comparator called: %s, sorted: %s\n", desc_calls ? "yes" : "no", sorted ? "yes" : "no");
  bad += !sorted;

  const char *words[] = {"table", "a", "funcref", "wasm", "go", "dylink", "io"};
  size_t m = sizeof words / sizeof words[0];
  qsort(words, m, sizeof words[0], by_length);
  printf("by length:");
  for (size_t i = 0; i < m; i++) printf(" %s", words[i]);
  printf("\n");
  if (by_len_calls == 0) {
    DYLAB_WRONG_CALL("qsort never called the side module's exported comparator");
    bad++;
  }
  printf("exported comparator called: %s\n", by_len_calls ? "yes" : "no");
  return bad;
}
