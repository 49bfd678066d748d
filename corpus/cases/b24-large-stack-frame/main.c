/* Behaviour 24: one stack shared by every module. main's frame holds a buffer between two canaries;
 * the side module, whose own frame is 32 KiB (half of libc.wasm's 64 KiB stack), fills the buffer and
 * calls back into main with a pointer into its own frame. */
#include <dlcall.h>
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

/* Called by the side with a pointer into the side's large frame. */
__attribute__((noinline)) int main_fill_callee_frame(char *p, int n) {
  volatile char probe = 0;
  int below = (unsigned long)&probe < (unsigned long)p;
  for (int i = 0; i < n; i++) p[i] = (char)('a' + i % 26);
  return below;
}

struct frame {
  unsigned canary_lo;
  char buf[200];
  unsigned canary_hi;
};

__attribute__((noinline)) static int run(void *h) {
  volatile struct frame f;
  f.canary_lo = 0x5eed1e55u;
  f.canary_hi = 0xfee1900du;
  memset((char *)f.buf, 0, sizeof f.buf);
  int r = dlcall_int(h, "deep_write", (char *)f.buf, (int)sizeof f.buf, (unsigned long)&f);
  unsigned sum = 0;
  for (int i = 0; i < (int)sizeof f.buf; i++) sum += (unsigned char)f.buf[i] * (unsigned)(i + 1);
  printf("main's buffer after the side wrote it: %.12s... checksum %u\n", (char *)f.buf, sum);
  printf("main's canaries intact: %s\n", f.canary_lo == 0x5eed1e55u && f.canary_hi == 0xfee1900du ? "yes" : "no");
  return r;
}

/* The address of a local of a fresh frame: equal before and after iff the stack pointer was restored. */
__attribute__((noinline)) static unsigned long frame_mark(void) {
  volatile char here = 0;
  return (unsigned long)&here;
}

int main(void) {
  void *h = dlopen("deep.wasm", RTLD_NOW);
  if (!h) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  unsigned long mark = frame_mark();
  int r = run(h);
  printf("deep_write returned %d\n", r);
  int r2 = run(h);
  printf("second run returned %d\n", r2);
  printf("stack pointer restored after the calls: %s\n", frame_mark() == mark ? "yes" : "no");
  dlclose(h);
  return 0;
}
