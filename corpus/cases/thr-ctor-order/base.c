/* The bottom of the tree: its constructor must run first, once. */
#include <stdio.h>

int base_runs;
int base_ready;

__attribute__((constructor)) static void base_init(void) {
    base_runs++;
    base_ready = 1;
    printf("ctor base\n");
}

int base_value(void) { return base_ready; }
