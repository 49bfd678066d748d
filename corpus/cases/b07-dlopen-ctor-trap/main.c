/* Behaviour 7, last kind of bad library: a module whose constructor traps. dlopen must fail with a
 * message naming the library, the program must go on, and the library must not count as open. */
#include <dlfcn.h>
#include <stdio.h>

int main(void) {
    void *h = dlopen("libtrap.wasm", RTLD_NOW);
    printf("dlopen: %s\n", h ? "succeeded (wrong)" : "NULL");
    const char *err = dlerror();
    printf("dlerror: %s\n", err ? err : "(none)");
    void *again = dlopen("libtrap.wasm", RTLD_NOW);
    printf("second dlopen: %s\n", again ? "succeeded (wrong)" : "NULL");
    err = dlerror();
    printf("dlerror again: %s\n", err ? err : "(none)");
    puts("program continues");
    return 0;
}
