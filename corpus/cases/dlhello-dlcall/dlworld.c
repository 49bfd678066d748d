#include <stdio.h>
void world() { puts("World!"); }
int add(int a, int b) { return a + b; }
int scale(double x, int k) { return (int)(x * k); }
