#include <dylab.h>
#include <stdio.h>

typedef void (*v_t)(void);
typedef void (*i_t)(int);

__attribute__((noinline)) static void side_own_v(void) { DYLAB_WRONG_CALL("the library's own void(void) ran"); }
__attribute__((noinline)) static void side_own_i(int x) {
  (void)x;
  DYLAB_WRONG_CALL("the library's own void(int) ran");
}
v_t volatile side_own_vs = side_own_v;
i_t volatile side_own_is = side_own_i;

__attribute__((noinline)) void side_v(void) { puts("side_v ran"); }
__attribute__((noinline)) void side_i(int x) { printf("side_i(%d) ran\n", x); }

v_t side_v_ptr = side_v;
i_t side_i_ptr = side_i;
v_t side_null_v = 0;
i_t side_null_i = 0;

/* Calls what is not NULL; returns bit 0 for a NULL v, bit 1 for a NULL i. */
int take(v_t v, i_t i, int x) {
  if (v) v();
  if (i) i(x);
  return (v == 0) | (i == 0) << 1;
}
