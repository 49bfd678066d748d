/* One object of the load: says when its constructor and destructor run. */
#include <stdio.h>

__attribute__((constructor)) static void init_side(void) { puts("constructor: side"); }
__attribute__((destructor)) static void fini_side(void) { puts("destructor: side"); }

int side_id(void) { return 's'; }
