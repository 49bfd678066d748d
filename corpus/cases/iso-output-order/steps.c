#include <stdio.h>

void step(int n) { printf("[lib step %d]", n); }

void steps_with(void (*note)(int), int n) {
  for (int i = 0; i < n; i++) {
    printf("lib %d before; ", i);
    note(i);
    printf("lib %d after\n", i);
  }
}
