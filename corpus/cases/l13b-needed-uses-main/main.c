/* A library the program is linked against uses the program's own data and functions: every object
 * of one load is placed first, then relocated (ld.so maps first, relocates after). */
#include <stdio.h>

int counter = 5;
const char *greeting = "hello from main";
void bump(void) { counter++; }

int lib_read(void);
const char *lib_greeting(void);

int main(void) {
  printf("lib_read() = %d\n", lib_read());
  printf("counter = %d\n", counter);
  printf("lib_greeting() = %s\n", lib_greeting());
  return 0;
}
