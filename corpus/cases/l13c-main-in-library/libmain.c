#include <stdio.h>
const char *program_name(void);
int main(int argc, char **argv) {
  printf("main() from the library, in program %s, argc = %d\n", program_name(), argc);
  return 3;
}
