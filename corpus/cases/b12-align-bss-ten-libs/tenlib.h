/* The body of each of the ten libraries tenlib0.c .. tenlib9.c, which define LIB_ID and include this.
 * Every library has a 1024-aligned variable, a 4 KiB BSS block and an initialised word. Its
 * constructor checks that the BSS is zero and the alignment holds, then fills its storage with its
 * own pattern, so that the program can later tell whether another library's storage overlapped. */
#include <stdint.h>

_Alignas(1024) unsigned char tl_aligned[64];
unsigned char tl_bss[4096];
int tl_data = 1000 + LIB_ID;
int tl_ctor_bss_zero;
int tl_ctor_aligned;

__attribute__((constructor)) static void tenlib_init(void) {
  int zero = 1;
  for (unsigned i = 0; i < sizeof tl_bss; i++) zero &= tl_bss[i] == 0;
  for (unsigned i = 0; i < sizeof tl_aligned; i++) zero &= tl_aligned[i] == 0;
  tl_ctor_bss_zero = zero;
  tl_ctor_aligned = ((uintptr_t)tl_aligned & 1023) == 0;
  for (unsigned i = 0; i < sizeof tl_bss; i++) tl_bss[i] = (unsigned char)(0x10 + LIB_ID);
  for (unsigned i = 0; i < sizeof tl_aligned; i++) tl_aligned[i] = (unsigned char)(0x20 + LIB_ID);
}
