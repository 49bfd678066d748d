/* A member of a NEEDED cycle: says when its constructor and destructor run. */
#include <stdio.h>

__attribute__((constructor)) static void init_loop2(void) { puts("constructor: loop2"); }
__attribute__((destructor)) static void fini_loop2(void) { puts("destructor: loop2"); }

int loop2_value(void) { return 2; }
