/* One object of the load: says when its constructor and destructor run. */
#include <stdio.h>

__attribute__((constructor)) static void init_base(void) { puts("constructor: base"); }
__attribute__((destructor)) static void fini_base(void) { puts("destructor: base"); }

int base_id(void) { return 'b'; }
