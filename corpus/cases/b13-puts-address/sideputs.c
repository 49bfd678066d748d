#include <stdio.h>

typedef int (*puts_t)(const char *);

/* Three address-taken functions of the library's own, so that its table does not have the same
 * layout as the program's: an index that equals the program's by coincidence would hide a mismatch. */
__attribute__((noinline)) static int own_a(const char *s) { return s[0]; }
__attribute__((noinline)) static int own_b(const char *s) { return s[1]; }
__attribute__((noinline)) static int own_c(const char *s) { return s[2]; }
puts_t volatile side_own[3] = {own_a, own_b, own_c};

puts_t side_puts_data = puts;

puts_t side_puts_addr(void) {
  puts_t volatile p = puts;
  return p;
}

int side_same_puts(puts_t theirs) {
  puts_t volatile mine = puts;
  return theirs == mine;
}
