/* The library's first file (its name makes the module shapes.wasm): a table of shapes, and a count
 * of area calls that lives in area.c. */
#include "shapes.h"

static const struct shape table[] = {
    {"triangle", 3, 2.0},
    {"square", 4, 1.5},
    {"pentagon", 5, 1.0},
    {"hexagon", 6, 3.0},
    {"heptagon", 7, 1.0},
};

int shape_count(void) {
  return (int)(sizeof table / sizeof table[0]);
}

const struct shape *shape_at(int i) {
  return i >= 0 && i < shape_count() ? &table[i] : 0;
}
