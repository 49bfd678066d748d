#include <stdio.h>
void show(const char *s) { printf("show: \"%s\"\n", s); }
