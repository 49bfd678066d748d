/* Behaviour 32, PIC half: two copies of the same data layout, loaded side by side, never overlap. */
#include <dlcall.h>
#include <dlfcn.h>
#include <stdio.h>

static unsigned char main_buf[4096];

int main(void) {
  void *a = dlopen("libbuf_a.wasm", RTLD_NOW);
  void *b = dlopen("libbuf_b.wasm", RTLD_NOW);
  if (!a || !b) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  for (int i = 0; i < 4096; i++) main_buf[i] = 0x5a;
  dlcall_void(a, "fill_a", 1);
  dlcall_void(b, "fill_b", 200);
  for (int i = 0; i < 4096; i++) main_buf[i] ^= 0xff;
  printf("libbuf_a intact after libbuf_b and main wrote theirs: %s\n", dlcall_int(a, "check_a", 1) ? "yes" : "no");
  printf("libbuf_b intact after libbuf_a and main wrote theirs: %s\n", dlcall_int(b, "check_b", 200) ? "yes" : "no");
  int main_ok = 1;
  for (int i = 0; i < 4096; i++) main_ok &= main_buf[i] == (0x5a ^ 0xff);
  printf("main's buffer intact: %s\n", main_ok ? "yes" : "no");

  unsigned long pa = (unsigned long)dlcall_int(a, "buf_a"), pb = (unsigned long)dlcall_int(b, "buf_b");
  unsigned long pm = (unsigned long)main_buf, n = 4096;
  int overlap = (pa < pb + n && pb < pa + n) || (pa < pm + n && pm < pa + n) || (pb < pm + n && pm < pb + n);
  printf("any two buffers overlap: %s\n", overlap ? "yes" : "no");
  int *ta = (int *)dlsym(a, "tag"), *tb = (int *)dlsym(b, "tag");
  printf("tag: libbuf_a %#x, libbuf_b %#x, same object: %s\n", ta ? *ta : 0, tb ? *tb : 0, ta == tb ? "yes" : "no");
  dlclose(b);
  dlclose(a);
  return 0;
}
