/* The library's second file: it #includes a .c table and defines data the first file reads. */
#include "shapes.h"
#include "polygon_coeffs.c"

int area_calls = 0;

double shape_area(const struct shape *s) {
  area_calls++;
  if (s->sides < 3 || s->sides >= (int)(sizeof polygon_coeff / sizeof polygon_coeff[0])) return -1;
  return polygon_coeff[s->sides] * s->side * s->side;
}
