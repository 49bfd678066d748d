#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int main_counter;
extern const char main_name[];
extern int main_twice(int x);

int side_value = 1234;

int peer_uses_main(void) {
  printf("side reads main_counter: %d, main_name: %s\n", main_counter, main_name);
  printf("side calls main_twice(1): %d\n", main_twice(1));
  main_counter += 2;
  return 0;
}

int peer_side_value(void) { return side_value; }

char *peer_strdup(const char *s) {
  char *p = malloc(strlen(s) + 1);
  strcpy(p, s);
  return p;
}

void *peer_alloc(int n) {
  char *p = malloc((size_t)n);
  memset(p, n, (size_t)n);
  return p;
}

void peer_show_and_free(char *p) {
  printf("side frees main's block: \"%s\"\n", p);
  free(p);
}

void peer_free(void *p) { free(p); }
