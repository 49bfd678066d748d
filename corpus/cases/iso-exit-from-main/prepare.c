#include <stdio.h>
#include <stdlib.h>

static int saved;

static void goodbye(void) { printf("[handler: token %d]", saved); }

void prepare(int token) {
  saved = token;
  atexit(goodbye);
  printf("prepared %d; ", token);
}
