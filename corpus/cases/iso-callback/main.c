/* Callbacks print from the program, so the output also shows that they ran with the program's stdio. */
#include <stdio.h>

int apply_twice(int (*f)(int), int x);
int sum_with(int (*f)(int), int n);

static int calls;

static int square(int x) {
  calls++;
  return x * x;
}

int add_one(int x) {
  printf("add_one(%d)\n", x);
  return x + 1;
}

int main(void) {
  printf("apply_twice(square, 3) = %d\n", apply_twice(square, 3));
  printf("apply_twice(add_one, 3) = %d\n", apply_twice(add_one, 3));
  printf("sum_with(square, 5) = %d\n", sum_with(square, 5));
  printf("square ran %d times\n", calls);
  return 0;
}
