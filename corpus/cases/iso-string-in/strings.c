#include <stdio.h>
#include <string.h>

int count_vowels(const char *s) {
  int n = 0;
  for (; *s; s++)
    if (strchr("aeiouAEIOU", *s))
      n++;
  return n;
}

void greet(const char *name) { printf("Hello, %s! (%zu bytes)\n", name, strlen(name)); }
