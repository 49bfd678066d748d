/* Stands in for a library linked against libcommon (dylink.0 NEEDED): it opens libcommon from its
 * constructor and calls it by handle and name (dlcall), so no function pointer crosses modules. */
#include <dlcall.h>
#include <dlfcn.h>
#include <stdio.h>

static void *common;

__attribute__((constructor)) static void needs_a_init(void) {
  common = dlopen("libcommon.wasm", RTLD_NOW);
  printf("libneeds_a constructor: libcommon %s\n", common ? "opened" : dlerror());
}

int a_work(void) { return dlcall_int(common, "common_bump", "libneeds_a"); }

void *a_common_handle(void) { return common; }
