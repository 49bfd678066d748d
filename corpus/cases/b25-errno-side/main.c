/* Behaviour 25: errno is a data symbol of libc.wasm; each side module reaches it through GOT.mem. */
#include <dlcall.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static const char *name(int e) { return e == ERANGE ? "ERANGE" : e == EDOM ? "EDOM" : e == 0 ? "0" : "other"; }

int main(void) {
  void *h = dlopen("errs.wasm", RTLD_NOW);
  if (!h) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  dlcall_int(h, "side_strtol_overflow");
  printf("main then reads errno: %s\n", name(errno));

  dlcall_void(h, "side_set_errno", EDOM);
  printf("after the side set EDOM, main reads: %s\n", name(errno));

  errno = 0;
  unsigned long u = strtoul("99999999999999999999999", NULL, 10);
  printf("main: strtoul overflow gives %lu; the side reads errno: %s\n", u, name(dlcall_int(h, "side_read_errno")));

  errno = 0;
  printf("after main cleared it, the side reads: %s\n", name(dlcall_int(h, "side_read_errno")));

  int *side_addr = (int *)dlcall_int(h, "side_errno_address");
  printf("&errno equal in main and side: %s\n", side_addr == &errno ? "yes" : "no");
  dlclose(h);
  return 0;
}
