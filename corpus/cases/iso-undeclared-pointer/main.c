#include <stdio.h>
void show(const char *s);
static char message[] = "the program's own message";
int main(void) {
  show(message);
  return 0;
}
