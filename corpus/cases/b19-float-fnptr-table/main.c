/* Behaviour 19: main reads the side module's table of float(float) pointers (a data symbol found by
 * dlsym) and calls every entry; each callee writes its index to the side's last_op. */
#include <dlfcn.h>
#include <dylab.h>
#include <stdio.h>

typedef float (*float_op)(float);

int main(void) {
  void *h = dlopen("floatops.wasm", RTLD_NOW);
  if (!h) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  float_op *ops = (float_op *)dlsym(h, "float_ops");
  const char *const *names = (const char *const *)dlsym(h, "float_op_names");
  volatile int *last_op = (volatile int *)dlsym(h, "last_op");
  if (!ops || !names || !last_op) {
    printf("dlsym failed: %s\n", dlerror());
    return 1;
  }
  for (int i = 0; i < 4; i++) printf("entry %d is %s, null: %s\n", i, names[i], ops[i] ? "no" : "yes");
  for (int i = 0; i < 4; i++) {
    *last_op = -1;
    volatile float x = 3.5f;
    float r = ops[i](x);
    printf("%s(3.5) = %.3f\n", names[i], r);
    if (*last_op != i) DYLAB_WRONG_CALL("a float(float) table entry ran another function");
  }
  dlclose(h);
  return 0;
}
