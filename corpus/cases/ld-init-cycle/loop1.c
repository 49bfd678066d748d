/* Opened by dlopen; needs loop2, which needs loop3, which needs loop1 again (and ring2, loaded). */
#include <stdio.h>

int loop3_value(void);

__attribute__((constructor)) static void init_loop1(void) { puts("constructor: loop1"); }
__attribute__((destructor)) static void fini_loop1(void) { puts("destructor: loop1"); }

int loop1_value(void) { return 100 + loop3_value(); }
