/* A guest that opens and closes a library in a loop. Natively each cycle unmaps the library; in
 * WebAssembly a store cannot free an instance, so every dlopen of a closed library is a new instance
 * and the loop ends at the cell's instance limit instead of growing host memory without bound. */
#include <dlfcn.h>
#include <stdio.h>

int main(void) {
  int cycles = 0;
  for (int i = 0; i < 5000; i++) {
    void *h = dlopen("libchurn.wasm", RTLD_NOW | RTLD_GLOBAL);
    if (!h) {
      printf("dlopen failed after %d cycles: %s\n", cycles, dlerror());
      return 1;
    }
    int (*f)(int) = (int (*)(int))dlsym(h, "twice");
    if (!f || dlclose(h) != 0) return 2;
    cycles++;
  }
  printf("%d cycles\n", cycles);
  return 0;
}
