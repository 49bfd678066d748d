#include <stdio.h>

void report(const char *what, int n) { printf("report %d: %s\n", n, what); }
