/* A second user of shared. */
#include <stdio.h>

__attribute__((constructor)) static void init_other(void) { puts("constructor: other"); }
__attribute__((destructor)) static void fini_other(void) { puts("destructor: other"); }

int shared_bump(void);
int other_bump(void) { return shared_bump(); }
