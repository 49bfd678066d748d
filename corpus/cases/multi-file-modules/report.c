/* The main program's second file: prints one shape, calling the library's function through a
 * pointer that main.c got from dlsym. */
#include <stdio.h>

#include "shapes.h"

int reported = 0;

void report(const struct shape *s, area_fn area) {
  reported++;
  double a = area(s);
  if (a < 0)
    printf("%-8s sides=%d side=%.2f area=unknown\n", s->name, s->sides, s->side);
  else
    printf("%-8s sides=%d side=%.2f area=%.6f\n", s->name, s->sides, s->side, a);
}
