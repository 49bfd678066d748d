/* Behaviour 28: the global scope holds main, libc and RTLD_GLOBAL libraries, nothing else. Function
 * calls go through dlcall so that no function pointer crosses a module boundary. */
#include <dlcall.h>
#include <dlfcn.h>
#include <stdio.h>

static void report(const char *what, void *p) {
  const char *err = dlerror();
  printf("%s: %s%s%s\n", what, p ? "found" : "NULL", err ? ", dlerror: " : "", err ? err : "");
}

int main(void) {
  void *local = dlopen("liblocal.wasm", RTLD_NOW | RTLD_LOCAL);
  if (!local) {
    printf("dlopen liblocal failed: %s\n", dlerror());
    return 1;
  }
  report("dlsym(RTLD_DEFAULT, local_answer)", dlsym(RTLD_DEFAULT, "local_answer"));
  report("dlsym(RTLD_DEFAULT, local_data)", dlsym(RTLD_DEFAULT, "local_data"));
  report("dlsym(liblocal, local_answer)", dlsym(local, "local_answer"));

  void *user_local = dlopen("libuser_local.wasm", RTLD_NOW);
  printf("dlopen libuser_local while liblocal is RTLD_LOCAL: %s\n", user_local ? "loaded" : "failed");
  if (!user_local) printf("  dlerror: %s\n", dlerror());

  void *global = dlopen("libglobal.wasm", RTLD_NOW | RTLD_GLOBAL);
  if (!global) {
    printf("dlopen libglobal failed: %s\n", dlerror());
    return 1;
  }
  void *g1 = dlsym(RTLD_DEFAULT, "global_answer");
  report("dlsym(RTLD_DEFAULT, global_answer)", g1);
  printf("same as dlsym(libglobal, global_answer): %s\n", g1 == dlsym(global, "global_answer") ? "yes" : "no");
  int *gd = (int *)dlsym(RTLD_DEFAULT, "global_data");
  printf("global_data through RTLD_DEFAULT: %d\n", gd ? *gd : -1);

  void *user = dlopen("libuser.wasm", RTLD_NOW);
  if (!user) {
    printf("dlopen libuser failed: %s\n", dlerror());
    return 1;
  }
  printf("libuser's use_global() = %d\n", dlcall_int(user, "use_global"));
  report("dlsym(RTLD_DEFAULT, use_global) (libuser is local)", dlsym(RTLD_DEFAULT, "use_global"));

  /* Reopening with RTLD_GLOBAL promotes the library already loaded; the handle does not change. */
  void *again = dlopen("liblocal.wasm", RTLD_NOW | RTLD_GLOBAL);
  printf("reopen liblocal with RTLD_GLOBAL gives the same handle: %s\n", again == local ? "yes" : "no");
  report("dlsym(RTLD_DEFAULT, local_answer) after promotion", dlsym(RTLD_DEFAULT, "local_answer"));
  user_local = dlopen("libuser_local.wasm", RTLD_NOW);
  if (!user_local) {
    printf("dlopen libuser_local after promotion failed: %s\n", dlerror());
    return 1;
  }
  printf("libuser_local's use_local() = %d\n", dlcall_int(user_local, "use_local"));

  dlclose(user_local);
  dlclose(user);
  dlclose(global);
  dlclose(again);
  dlclose(local);
  return 0;
}
