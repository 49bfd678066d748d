/* Needed by plugin and by other: a counter that shows whether its data is fresh. */
#include <stdio.h>

static int counter;

__attribute__((constructor)) static void init_shared(void) { puts("constructor: shared"); }
__attribute__((destructor)) static void fini_shared(void) { puts("destructor: shared"); }

int shared_bump(void) { return ++counter; }
