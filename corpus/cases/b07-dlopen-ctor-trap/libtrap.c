#include <stdio.h>

__attribute__((constructor)) static void explode(void) {
    puts("libtrap: constructor runs, then traps");
    __builtin_trap();
}

int never_reached(void) { return 42; }
