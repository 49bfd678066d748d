#include <stdio.h>
void world() { puts("World!"); }
