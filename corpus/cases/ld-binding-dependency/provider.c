/* Opened RTLD_GLOBAL; user.c binds to it without needing it. */
#include <stdio.h>

static int served;

__attribute__((destructor)) static void fini_provider(void) { puts("destructor: provider"); }

int provide(void) { return ++served; }
