/* Every module prints in turn, some pieces without a newline, so a second stdout buffer (one per
 * libc instance) that is not flushed when control changes module shows as reordered output. */
#include <stdio.h>

void step(int n);
void steps_with(void (*note)(int), int n);

void note(int i) { printf("main note %d; ", i); }

int main(void) {
  printf("main begins: ");
  step(1);
  printf(" main between ");
  step(2);
  printf("\n");
  steps_with(note, 3);
  printf("main ends without a newline");
  step(3);
  return 0;
}
