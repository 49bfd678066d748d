#include <stdio.h>

extern int nowhere_fn(int) __attribute__((weak));
extern int nowhere_data __attribute__((weak));

int side_check(void) {
  int (*volatile f)(int) = nowhere_fn;
  int *volatile d = &nowhere_data;
  printf("side: &nowhere_fn is null: %s, &nowhere_data is null: %s\n", f ? "no" : "yes", d ? "no" : "yes");
  if (nowhere_fn) printf("side: nowhere_fn(1) = %d\n", nowhere_fn(1));
  else puts("side: call skipped");
  return 0;
}
