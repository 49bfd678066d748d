/* Loaded by dlopen: needs plugdep (new) and mid (already loaded with the program). */
#include <stdio.h>

int plugdep_id(void);
int mid_id(void);

__attribute__((constructor)) static void init_plugin(void) {
  printf("constructor: plugin (plugdep says %c, mid says %c)\n", plugdep_id(), mid_id());
}
__attribute__((destructor)) static void fini_plugin(void) { puts("destructor: plugin"); }

int plugin_id(void) { return 'P'; }
