#include <stdio.h>
int add(int a, int b);
int main(void) {
  printf("add(40, 2) = %d\n", add(40, 2));
  return 0;
}
