#include <stdio.h>

static int counter;

__attribute__((constructor)) static void common_init(void) { puts("libcommon: constructor"); }

int common_bump(const char *who) {
    counter++;
    printf("libcommon: bumped by %s, counter=%d\n", who, counter);
    return counter;
}

int *common_counter(void) { return &counter; }
