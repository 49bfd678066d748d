/* A program of two files (main.c, report.c) loads a library of two files (shapes.c, area.c) that
 * share a header and #include a .c table: each module's files are compiled and linked into one
 * module, and symbols and data cross between the files of a module as between modules. */
#include <dlfcn.h>
#include <stdio.h>

#include "shapes.h"

int main(void) {
  void *lib = dlopen("shapes.wasm", RTLD_NOW);
  if (!lib) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  int (*count)(void) = (int (*)(void))dlsym(lib, "shape_count");
  const struct shape *(*at)(int) = (const struct shape *(*)(int))dlsym(lib, "shape_at");
  area_fn area = (area_fn)dlsym(lib, "shape_area");
  int *calls = (int *)dlsym(lib, "area_calls");
  if (!count || !at || !area || !calls) {
    printf("dlsym failed\n");
    return 1;
  }
  for (int i = 0; i < count(); i++) report(at(i), area);
  printf("reported %d shapes, the library counted %d area calls\n", reported, *calls);
  printf("out of range: %s\n", at(count()) ? "a shape" : "none");
  return 0;
}
