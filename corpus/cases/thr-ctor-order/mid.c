/* Needs base: its constructor sees base's state already made. */
#include <stdio.h>

extern int base_ready, base_runs;
int base_value(void);
int mid_runs;
static int mid_seen_base;

__attribute__((constructor)) static void mid_init(void) {
    mid_runs++;
    mid_seen_base = base_ready;
    printf("ctor mid (base ready: %d)\n", base_ready);
}

int mid_value(void) { return base_value() * 10 + mid_seen_base + 1; }
