/* Strings into a library: a literal, a string built on the stack, the empty string. */
#include <stdio.h>

int count_vowels(const char *s);
void greet(const char *name);

int main(void) {
  const char *words[] = {"", "dynamic", "WebAssembly linking across memories"};
  for (int i = 0; i < 3; i++)
    printf("%d vowels in \"%s\"\n", count_vowels(words[i]), words[i]);
  char name[32];
  snprintf(name, sizeof name, "memory %d", 2);
  greet(name);
  greet("world");
  return 0;
}
