/* Behaviour 22: plain cross-module references. The program enters the library through dlcall and
 * reads its data through dlsym, so no function pointer crosses a module boundary. */
#include <dlcall.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main_counter = 40;
const char main_name[] = "main-module";

__attribute__((noinline)) int main_twice(int x) { return 2 * x + main_counter; }

int main(void) {
  void *h = dlopen("peer.wasm", RTLD_NOW);
  if (!h) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  dlcall_int(h, "peer_uses_main");
  printf("main_counter after the side wrote it: %d\n", main_counter);

  int *side_value = (int *)dlsym(h, "side_value");
  if (!side_value) {
    printf("dlsym failed: %s\n", dlerror());
    return 1;
  }
  printf("side_value read by main: %d\n", *side_value);
  *side_value = 99;
  printf("side sees side_value: %d\n", dlcall_int(h, "peer_side_value"));

  /* Allocated in the side, freed here; allocated here, freed in the side. */
  char *s = (char *)dlcall_int(h, "peer_strdup", "made by the side");
  printf("peer_strdup: \"%s\"\n", s);
  free(s);
  char *mine = malloc(64);
  strcpy(mine, "made by main");
  dlcall_void(h, "peer_show_and_free", mine);

  /* The allocator still works for both after crossing frees. */
  unsigned sum = 0;
  for (int i = 1; i <= 32; i++) {
    char *a = malloc((size_t)i * 7);
    char *b = (char *)dlcall_int(h, "peer_alloc", i * 5);
    memset(a, i, (size_t)i * 7);
    sum += (unsigned)(unsigned char)a[i * 7 - 1] + (unsigned)(unsigned char)b[i * 5 - 1];
    dlcall_void(h, "peer_free", a);
    free(b);
  }
  printf("cross alloc/free checksum: %u\n", sum);
  dlclose(h);
  return 0;
}
