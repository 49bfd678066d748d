/* A member of a NEEDED cycle: says when its constructor and destructor run. */
#include <stdio.h>

__attribute__((constructor)) static void init_ring1(void) { puts("constructor: ring1"); }
__attribute__((destructor)) static void fini_ring1(void) { puts("destructor: ring1"); }

int ring1_value(void) { return 1; }
