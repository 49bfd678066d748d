#include <stdio.h>
const char *same(const char *s);
static const char text[] = "identity";
int main(void) {
  printf("same pointer back: %s\n", same(text) == text ? "yes" : "no");
  return 0;
}
