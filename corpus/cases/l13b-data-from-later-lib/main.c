/* Two libraries the program is linked against: the first (in load order) uses a variable that the
 * second defines, so the second's data must be placed before the first is relocated. */
#include <stdio.h>

int first_reads(void);

int main(void) {
  printf("first_reads() = %d\n", first_reads());
  return 0;
}
