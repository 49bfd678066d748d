#include <stdio.h>

int goodlib_value = 31;

__attribute__((constructor)) static void goodlib_init(void) { puts("goodlib.wasm constructor"); }
