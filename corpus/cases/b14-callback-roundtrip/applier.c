/* apply() calls the callback it is given and returns it. The library also has address-taken
 * functions of its own: if a foreign pointer is looked up in this module's table, one of them runs
 * and says so. */
#include <dylab.h>

typedef int (*cb_t)(int);

__attribute__((noinline)) static int applier_own_a(int x) {
  DYLAB_WRONG_CALL("applier's own function a ran instead of the program's callback");
  return x;
}
__attribute__((noinline)) static int applier_own_b(int x) {
  DYLAB_WRONG_CALL("applier's own function b ran instead of the program's callback");
  return x;
}
cb_t volatile applier_own[2] = {applier_own_a, applier_own_b};

int applier_result;

cb_t apply(cb_t cb, int x) {
  applier_result = cb(x);
  return cb;
}
