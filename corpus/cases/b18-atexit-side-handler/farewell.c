/* The handler reads state set at registration time, so a call that lands elsewhere shows. */
#include <stdio.h>
#include <stdlib.h>

static int token;

static void farewell(void) { printf("atexit: side module's handler, token %d\n", token); }

int register_farewell(int t) {
  token = t;
  return atexit(farewell);
}
