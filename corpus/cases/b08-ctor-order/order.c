/* Behaviour 8: the program's constructors run before main(); a library's constructors run inside
 * dlopen, after the program's, in priority order, and are done when dlopen returns. Every
 * constructor appends a letter to a log kept in the program (the library writes it directly through
 * an extern), so the order is checked as well as printed. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

char ctor_log[32];
int ctor_log_len;

void log_step(char c) {
  if (ctor_log_len < (int)sizeof ctor_log - 1) ctor_log[ctor_log_len++] = c;
}

__attribute__((constructor)) static void main_ctor(void) {
  log_step('M');
  puts("main constructor");
}

int main(void) {
  log_step('m');
  puts("main() starts");
  void *h = dlopen("ctorlib.wasm", RTLD_NOW);
  log_step('d');
  printf("dlopen returned: %s\n", h ? "a handle" : "NULL");
  int *saw = h ? (int *)dlsym(h, "ctorlib_saw_main_ctor") : NULL;
  printf("library constructor saw the main constructor's work: %s\n", saw && *saw ? "yes" : "no");
  printf("log: %s\n", ctor_log);
  printf("order as expected: %s\n", strcmp(ctor_log, "Mm12Ld") == 0 ? "yes" : "no");
  return 0;
}
