/* A member of a NEEDED cycle: says when its constructor and destructor run. */
#include <stdio.h>

__attribute__((constructor)) static void init_loop3(void) { puts("constructor: loop3"); }
__attribute__((destructor)) static void fini_loop3(void) { puts("destructor: loop3"); }

int loop3_value(void) { return 3; }
