/* One object of the load: says when its constructor and destructor run. */
#include <stdio.h>

__attribute__((constructor)) static void init_mid(void) { puts("constructor: mid"); }
__attribute__((destructor)) static void fini_mid(void) { puts("destructor: mid"); }

int mid_id(void) { return 'm'; }
