/* A member of a NEEDED cycle: says when its constructor and destructor run. */
#include <stdio.h>

__attribute__((constructor)) static void init_ring2(void) { puts("constructor: ring2"); }
__attribute__((destructor)) static void fini_ring2(void) { puts("destructor: ring2"); }

int ring2_value(void) { return 2; }
