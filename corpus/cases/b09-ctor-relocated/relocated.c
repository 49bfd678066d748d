/* Statically initialised pointers that need data relocations (they depend on __memory_base,
 * __table_base or a GOT entry), checked by the constructor against addresses computed at run time. */
#include <stdio.h>
#include <string.h>

int reloc_x = 42;
int reloc_arr[5] = {10, 11, 12, 13, 14};
int *reloc_p = &reloc_x;                  /* exported: through GOT.mem or __memory_base */
int *reloc_mid = &reloc_arr[3];
static int hidden_y = 7;
/* The static pointers are volatile so that -O2 cannot fold them to their initialisers: the
 * constructor must read what the relocations wrote. */
static int *volatile hidden_p = &hidden_y; /* static: relative to __memory_base */
static const char *volatile greeting = "relocated greeting";
__attribute__((noinline)) static int local_fn(int v) { return v + 100; }
static int (*volatile fn_p)(int) = local_fn; /* relative to __table_base */
static FILE *const *volatile stdout_p = &stdout; /* libc's data: through GOT.mem */
int reloc_ctor_ok;

static int volatile sink;

__attribute__((constructor)) static void check_relocs(void) {
  int all = 1;
#define CHECK(name, cond)                                     \
  do {                                                        \
    int good = (cond);                                        \
    printf("constructor: %-28s %s\n", name, good ? "yes" : "no"); \
    all &= good;                                              \
  } while (0)
  int *volatile x_now = &reloc_x;
  int *volatile y_now = &hidden_y;
  CHECK("reloc_p points to reloc_x", reloc_p == x_now && *reloc_p == 42);
  CHECK("reloc_mid points to arr[3]", reloc_mid == &reloc_arr[3] && *reloc_mid == 13);
  CHECK("hidden_p points to hidden_y", hidden_p == y_now && *hidden_p == 7);
  CHECK("greeting is the string", greeting && strcmp(greeting, "relocated greeting") == 0);
  int (*volatile fn_now)(int) = local_fn;
  CHECK("fn_p is local_fn", fn_p == fn_now);
  CHECK("fn_p(1) == 101", fn_p && fn_p(1) == 101);
  CHECK("stdout_p points to stdout", stdout_p && *stdout_p == stdout);
  sink = *reloc_p;
  reloc_ctor_ok = all;
}
