/* Behaviour 12: the program dirties the heap (allocates, fills and frees large blocks) and then loads
 * ten libraries (tenlib0..9, one body in tenlib.h). Each library's data must be placed at its
 * requested 1024-byte alignment, its BSS must be zero even where it reuses the dirtied memory, and
 * no two libraries (nor the program's data, nor a later malloc block) may overlap. Addresses are
 * compared as numbers inside the program; only verdicts are printed. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NLIBS 10

_Alignas(1024) unsigned char main_aligned[16];
unsigned char main_bss[512];

struct range {
  uintptr_t lo, hi;
  const char *what;
  int lib;
};

static struct range ranges[4 * NLIBS + 4];
static int nranges;

static void add(const void *p, size_t size, const char *what, int lib) {
  ranges[nranges].lo = (uintptr_t)p;
  ranges[nranges].hi = (uintptr_t)p + size;
  ranges[nranges].what = what;
  ranges[nranges].lib = lib;
  nranges++;
}

static int aligned(const void *p) { return ((uintptr_t)p & 1023) == 0; }

int main(void) {
  printf("main: main_aligned is 1024-aligned: %s\n", aligned(main_aligned) ? "yes" : "no");
  int zero = 1;
  for (unsigned i = 0; i < sizeof main_bss; i++) zero &= main_bss[i] == 0;
  printf("main: main_bss is zero: %s\n", zero ? "yes" : "no");

  /* Dirty the heap: what the libraries get placed in may be memory freed here. */
  for (int round = 0; round < 4; round++) {
    size_t size = (size_t)(64 << 10) << round;
    unsigned char *p = malloc(size);
    if (!p) {
      puts("malloc failed");
      return 1;
    }
    memset(p, 0xA5, size);
    free(p);
  }
  for (int i = 0; i < 64; i++) {
    unsigned char *p = malloc(1000 + 37 * i);
    memset(p, 0x5A, 1000 + 37 * i);
    free(p);
  }
  puts("main: heap dirtied");

  add(main_aligned, sizeof main_aligned, "main_aligned", -1);
  add(main_bss, sizeof main_bss, "main_bss", -1);

  unsigned char *bss[NLIBS], *al[NLIBS];
  for (int i = 0; i < NLIBS; i++) {
    char name[32];
    snprintf(name, sizeof name, "tenlib%d.wasm", i);
    void *h = dlopen(name, RTLD_NOW);
    if (!h) {
      printf("%s: dlopen failed: %s\n", name, dlerror());
      return 1;
    }
    al[i] = (unsigned char *)dlsym(h, "tl_aligned");
    bss[i] = (unsigned char *)dlsym(h, "tl_bss");
    int *data = (int *)dlsym(h, "tl_data");
    int *ctor_zero = (int *)dlsym(h, "tl_ctor_bss_zero");
    int *ctor_aligned = (int *)dlsym(h, "tl_ctor_aligned");
    if (!al[i] || !bss[i] || !data || !ctor_zero || !ctor_aligned) {
      printf("%s: dlsym failed\n", name);
      return 1;
    }
    printf("%s: aligned=%s (constructor: %s) bss zero at constructor=%s data=%d\n", name,
           aligned(al[i]) ? "yes" : "no", *ctor_aligned ? "yes" : "no", *ctor_zero ? "yes" : "no", *data);
    add(al[i], 64, "tl_aligned", i);
    add(bss[i], 4096, "tl_bss", i);
    add(data, sizeof *data, "tl_data", i);
  }

  unsigned char *later = malloc(8192);
  memset(later, 0xEE, 8192);
  add(later, 8192, "a malloc block after the loads", -2);

  int overlaps = 0;
  for (int a = 0; a < nranges; a++)
    for (int b = a + 1; b < nranges; b++)
      if (ranges[a].lo < ranges[b].hi && ranges[b].lo < ranges[a].hi) {
        overlaps++;
        printf("overlap: %s (lib %d) and %s (lib %d)\n", ranges[a].what, ranges[a].lib, ranges[b].what,
               ranges[b].lib);
      }
  printf("%d ranges, non-overlapping: %s\n", nranges, overlaps == 0 ? "yes" : "no");

  int intact = 1;
  for (int i = 0; i < NLIBS; i++) {
    for (int k = 0; k < 4096; k++) intact &= bss[i][k] == 0x10 + i;
    for (int k = 0; k < 64; k++) intact &= al[i][k] == 0x20 + i;
  }
  printf("each library's storage still holds its own pattern: %s\n", intact ? "yes" : "no");
  free(later);
  return 0;
}
