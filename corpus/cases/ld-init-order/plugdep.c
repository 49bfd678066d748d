/* One object of the load: says when its constructor and destructor run. */
#include <stdio.h>

__attribute__((constructor)) static void init_plugdep(void) { puts("constructor: plugdep"); }
__attribute__((destructor)) static void fini_plugdep(void) { puts("destructor: plugdep"); }

int plugdep_id(void) { return 'p'; }
