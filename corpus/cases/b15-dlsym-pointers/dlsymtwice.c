/* Behaviour 15: two dlsym calls for one symbol give one pointer (also through RTLD_DEFAULT once the
 * library is global); the library's own &side_fn, returned by a library function, equals it; and the
 * program can call every such pointer, including one to a static function of the library. The
 * returning functions are entered through dlcall (the host), so that the pointers are what is at
 * stake; the program's calls through them are ordinary indirect calls. The program has address-taken
 * functions of its own: if a library pointer is looked up in the program's table, one of them runs
 * and says so. */
#include <dlcall.h>
#include <dlfcn.h>
#include <dylab.h>
#include <stdio.h>

typedef int (*fn_t)(int);

__attribute__((noinline)) static int main_own_a(int x) {
  DYLAB_WRONG_CALL("the program's own function a ran instead of the library's");
  return x;
}
__attribute__((noinline)) static int main_own_b(int x) {
  DYLAB_WRONG_CALL("the program's own function b ran instead of the library's");
  return x;
}
__attribute__((noinline)) static int main_own_c(int x) {
  DYLAB_WRONG_CALL("the program's own function c ran instead of the library's");
  return x;
}
fn_t volatile main_own[3] = {main_own_a, main_own_b, main_own_c};

int main(void) {
  void *h = dlopen("pointers.wasm", RTLD_NOW | RTLD_GLOBAL);
  if (!h) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  fn_t p1 = (fn_t)dlsym(h, "side_fn");
  fn_t p2 = (fn_t)dlsym(h, "side_fn");
  fn_t p3 = (fn_t)dlsym(RTLD_DEFAULT, "side_fn");
  printf("dlsym twice: both found=%s equal=%s\n", p1 && p2 ? "yes" : "no", p1 == p2 ? "yes" : "no");
  printf("dlsym(RTLD_DEFAULT) equal: %s\n", p3 == p1 ? "yes" : "no");
  fn_t returned = (fn_t)dlcall_int(h, "get_side_fn");
  printf("library's &side_fn equals dlsym's: %s\n", returned == p1 ? "yes" : "no");
  fn_t returned_static = (fn_t)dlcall_int(h, "get_side_static");
  printf("library's &side_static is non-NULL: %s\n", returned_static ? "yes" : "no");
  int *calls = (int *)dlsym(h, "side_calls");

  printf("p1(1) = %d\n", p1(1));
  printf("p2(2) = %d\n", p2(2));
  printf("returned(3) = %d\n", returned(3));
  printf("returned_static(4) = %d\n", returned_static(4));
  printf("library counted %d calls\n", *calls);
  return 0;
}
