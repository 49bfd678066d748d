/* Three constructors: two with priorities (lower runs first) and a default one (runs last). */
#include <stdio.h>

extern char ctor_log[];
extern int ctor_log_len;
void log_step(char c);

int ctorlib_saw_main_ctor;

__attribute__((constructor)) static void ctorlib_default(void) {
  log_step('L');
  puts("ctorlib constructor (default priority)");
}

__attribute__((constructor(200))) static void ctorlib_second(void) {
  log_step('2');
  puts("ctorlib constructor (priority 200)");
}

__attribute__((constructor(101))) static void ctorlib_first(void) {
  ctorlib_saw_main_ctor = ctor_log_len > 0 && ctor_log[0] == 'M';
  log_step('1');
  puts("ctorlib constructor (priority 101)");
}
