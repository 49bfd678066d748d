#include <stdio.h>

void say(int n) {
  for (int i = 0; i < n; i++) printf("tick %d; ", i);
  printf("(no newline)");
}
