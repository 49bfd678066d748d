/* Behaviour 13: C requires one address per function, whichever module takes it. The program compares
 * its own &puts with the library's, obtained three ways: a statically initialised pointer in the
 * library's data, the return value of a library function, and a comparison made by the library with
 * the program's pointer as argument. The library functions are entered through dlcall (the host) so
 * that calling into the library is not itself at stake; only the pointer values are. */
#include <dlcall.h>
#include <dlfcn.h>
#include <stdio.h>

typedef int (*puts_t)(const char *);

int main(void) {
  puts_t volatile mine = puts;
  void *h = dlopen("sideputs.wasm", RTLD_NOW);
  if (!h) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  puts_t *data = (puts_t *)dlsym(h, "side_puts_data");
  printf("side's static pointer equals main's &puts: %s\n", data && *data == mine ? "yes" : "no");
  puts_t returned = (puts_t)dlcall_int(h, "side_puts_addr");
  printf("side's returned &puts equals main's &puts: %s\n", returned == mine ? "yes" : "no");
  printf("side says main's &puts equals its own: %s\n", dlcall_int(h, "side_same_puts", mine) ? "yes" : "no");
  void *found = dlsym(RTLD_DEFAULT, "puts");
  printf("dlsym(RTLD_DEFAULT, \"puts\") equals main's &puts: %s\n", found == (void *)mine ? "yes" : "no");
  return 0;
}
