/* The object main dlopens: its constructor runs last. */
#include <stdio.h>

extern int base_runs, mid_runs;
int mid_value(void);
static int top_runs;
static int top_seen_mid;

__attribute__((constructor)) static void top_init(void) {
    top_runs++;
    top_seen_mid = mid_value();
    printf("ctor top (mid value: %d)\n", top_seen_mid);
}

int top_value(void) { return top_seen_mid * 10 + 3; }

int constructor_runs(void) { return base_runs * 100 + mid_runs * 10 + top_runs; }
