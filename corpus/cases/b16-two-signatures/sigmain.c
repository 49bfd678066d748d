/* Behaviour 16: pointers of two signatures, void(void) and void(int), cross the module boundary both
 * ways, and NULL pointers of both types stay NULL. Main -> side: the program passes its functions
 * (and NULLs) to take(), which calls what is not NULL and reports what was. Side -> main: the
 * program calls the library's functions through pointers from the library's static data and from
 * dlsym, and checks the library's NULL pointers. take() is entered through dlcall (the host). Each
 * module has address-taken functions of its own of both signatures that report a wrong call. */
#include <dlcall.h>
#include <dlfcn.h>
#include <dylab.h>
#include <stdio.h>

typedef void (*v_t)(void);
typedef void (*i_t)(int);

__attribute__((noinline)) static void main_own_v(void) { DYLAB_WRONG_CALL("the program's own void(void) ran"); }
__attribute__((noinline)) static void main_own_i(int x) {
  (void)x;
  DYLAB_WRONG_CALL("the program's own void(int) ran");
}
v_t volatile main_own_vs = main_own_v;
i_t volatile main_own_is = main_own_i;

__attribute__((noinline)) static void main_v(void) { puts("main_v ran"); }
__attribute__((noinline)) static void main_i(int x) { printf("main_i(%d) ran\n", x); }

int main(void) {
  void *h = dlopen("sigside.wasm", RTLD_NOW);
  if (!h) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  v_t volatile mv = main_v;
  i_t volatile mi = main_i;

  puts("main -> side:");
  int nulls = dlcall_int(h, "take", (v_t)0, (i_t)0, 0);
  printf("  side saw NULL void(void)=%s NULL void(int)=%s\n", nulls & 1 ? "yes" : "no", nulls & 2 ? "yes" : "no");
  nulls = dlcall_int(h, "take", mv, mi, 7);
  printf("  side saw NULL: %s\n", nulls ? "yes" : "no");

  puts("side -> main:");
  v_t *null_v = (v_t *)dlsym(h, "side_null_v");
  i_t *null_i = (i_t *)dlsym(h, "side_null_i");
  printf("  side's NULL pointers are NULL: void(void)=%s void(int)=%s\n", *null_v == 0 ? "yes" : "no",
         *null_i == 0 ? "yes" : "no");
  v_t dv = (v_t)dlsym(h, "side_v");
  i_t di = (i_t)dlsym(h, "side_i");
  v_t sv = *(v_t *)dlsym(h, "side_v_ptr");
  i_t si = *(i_t *)dlsym(h, "side_i_ptr");
  printf("  dlsym and static data agree: void(void)=%s void(int)=%s\n", dv == sv ? "yes" : "no",
         di == si ? "yes" : "no");
  dv();
  di(1);
  sv();
  si(2);
  return 0;
}
