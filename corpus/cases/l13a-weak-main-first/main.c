/* ld.so's search order: the program first. main and a library it is linked against both define the
 * weak function `config` and the weak variable `level`; every module, the library included, must
 * bind to the program's definitions. */
#include <stdio.h>

__attribute__((weak)) int config(void) { return 1; }
__attribute__((weak)) int level = 1;

int lib_sees(void);

int main(void) {
  printf("main sees config() = %d, level = %d\n", config(), level);
  printf("library sees %d\n", lib_sees());
  return 0;
}
