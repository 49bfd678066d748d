/* One object of the load: says when its constructor and destructor run. */
#include <stdio.h>

__attribute__((constructor)) static void init_top(void) { puts("constructor: top"); }
__attribute__((destructor)) static void fini_top(void) { puts("destructor: top"); }

int top_id(void) { return 't'; }
