#include <stdio.h>

typedef int (*one_arg)(int);

/* The pointer is main's combine, which takes two ints; this module calls it with one. */
int call_as_one_arg(one_arg f) {
  puts("side calls main's combine as int(int)");
  fflush(stdout);
  int r = f(7);
  printf("the mismatched call returned %d instead of trapping\n", r);
  return r;
}
