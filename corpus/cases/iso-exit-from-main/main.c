/* main ends the program with exit() while a library's output (no newline yet) and its atexit handler
 * are pending: exit must still run the handler and flush that output, and the exit code is main's. */
#include <stdlib.h>

void prepare(int token);

int main(void) {
  prepare(9);
  exit(5);
}
