/* Binds provide() from the global scope when it is loaded (not a NEEDED library). */
#include <stdio.h>

int provide(void);

__attribute__((destructor)) static void fini_user(void) { puts("destructor: user"); }

int use(void) { return provide() * 10; }
