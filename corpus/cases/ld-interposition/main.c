/* The program's greeting() comes first in the search order: every call by name should reach it. */
#include <stdio.h>

const char *library_greets(void);

const char *greeting(void) { return "the program's greeting"; }

int main(void) {
  printf("the program calls greeting(): %s\n", greeting());
  printf("the library calls greeting(): %s\n", library_greets());
  return 0;
}
