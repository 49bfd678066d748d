/* RTLD_NEXT from a library, RTLD_DEFAULT, and main by name. */
#include <dlfcn.h>
#include <stdio.h>

int value(void);
int wrap_puts(const char *s);
int nothing_after(void);

int main(int argc, char **argv) {
  printf("value() through the wrapper: %d\n", value());
  int (*first)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "value");
  printf("RTLD_DEFAULT finds the wrapper: %s\n", first == value ? "yes" : "no");
  wrap_puts("printed by libc's puts, found with RTLD_NEXT");
  printf("RTLD_NEXT past the last definition is NULL: %s\n", nothing_after() ? "yes" : "no");
  void *m1 = dlsym(RTLD_DEFAULT, "main");
  void *self = dlopen(NULL, RTLD_NOW);
  void *m2 = self ? dlsym(self, "main") : 0;
  printf("main by name: %s, %s\n", m1 ? "found" : "NULL", m2 ? "found" : "NULL");
  printf("the same function as main: %s\n", m1 == (void *)main && m2 == (void *)main ? "yes" : "no");
  return argc == 1 ? 0 : 1;
}
