#include <stdio.h>

typedef int (*fn_t)(int);

int side_calls;

__attribute__((noinline)) int side_fn(int x) {
  side_calls++;
  puts("side_fn ran");
  return x + 1000;
}

__attribute__((noinline)) static int side_static(int x) {
  side_calls++;
  puts("side_static ran");
  return x + 2000;
}

fn_t get_side_fn(void) {
  fn_t volatile p = side_fn;
  return p;
}

fn_t get_side_static(void) {
  fn_t volatile p = side_static;
  return p;
}
