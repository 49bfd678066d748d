/* Opened and closed twice: its data starts afresh each time it is loaded. */
#include <stdio.h>
#include <stdlib.h>

static int calls;

static void plugin_atexit(void) { puts("atexit handler of plugin"); }

__attribute__((constructor)) static void init_plugin(void) {
  puts("constructor: plugin");
  atexit(plugin_atexit);
}
__attribute__((destructor)) static void fini_plugin(void) { puts("destructor: plugin"); }

int shared_bump(void);
int plugin_work(void) { return ++calls * 100 + shared_bump(); }
