/* The native baselines of calls.md, counted under callgrind by `dylab bench --count`: the same
 * caller.c loops as the wasm bench, built by gcc -m32 with callee.c as a shared object, run under
 * glibc's ld.so. Each region zeroes the counters, runs, and dumps them with a label the bench reads:
 * `native <linkage>/<kernel> rep<r> n<iterations>` for calls, `native dlopen rep0 n<k>` for the k-th
 * library loaded (the earlier ones stay loaded: ld.so's growth), `native dlopen-fresh rep<r> n1` for a
 * load after the same library was closed. Arguments: n1 n2 repetitions libraries. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <valgrind/callgrind.h>

typedef int (*k0_t)(void);
typedef int (*k1_t)(int);
int run_local_k0(int n);
int run_local_k1(int n);
int run_import_k0(int n);
int run_import_k1(int n);
int run_ptr_k0(int n, k0_t p);
int run_ptr_k1(int n, k1_t p);

static volatile int sink;
static char labels[64][96];
static int next_label;

/* The label of the next dump, formatted before the counters are zeroed. */
static const char *label(const char *what, int r, int n) {
  char *l = labels[next_label++ & 63];
  snprintf(l, sizeof labels[0], "native %s rep%d n%d", what, r, n);
  return l;
}

/* Counts `call` (an expression) between zeroed counters and a dump named `what`. */
#define REGION(what, r, n, call)          \
  do {                                   \
    const char *l = label(what, r, n);   \
    CALLGRIND_ZERO_STATS;                \
    sink = (call);                       \
    CALLGRIND_DUMP_STATS_AT(l);          \
  } while (0)

/* The k-th library loaded while the earlier ones stay loaded is counted at these k. */
static int counted_load(int k) { return k == 1 || k == 10 || k == 100 || k == 1000; }

int main(int argc, char **argv) {
  if (argc != 5) return 2;
  int n[2] = {atoi(argv[1]), atoi(argv[2])}, reps = atoi(argv[3]), libs = atoi(argv[4]);
  void *callee = dlopen("callee.so", RTLD_NOW);
  k0_t p0 = (k0_t)dlsym(callee, "f0");
  k1_t p1 = (k1_t)dlsym(callee, "f1");
  if (!p0 || !p1) return 3;
  /* Warm-up: the PLT slots are bound (lazily) before anything is counted. */
  sink = run_local_k0(8) + run_local_k1(8) + run_import_k0(8) + run_import_k1(8) + run_ptr_k0(8, p0) + run_ptr_k1(8, p1);
  CALLGRIND_START_INSTRUMENTATION;
  for (int r = 0; r < reps; r++) {
    for (int i = 0; i < 2; i++) {
      REGION("intra-direct/k0", r, n[i], run_local_k0(n[i]));
      REGION("intra-direct/k1", r, n[i], run_local_k1(n[i]));
      REGION("plt/k0", r, n[i], run_import_k0(n[i]));
      REGION("plt/k1", r, n[i], run_import_k1(n[i]));
      REGION("pointer/k0", r, n[i], run_ptr_k0(n[i], p0));
      REGION("pointer/k1", r, n[i], run_ptr_k1(n[i], p1));
    }
  }
  for (int r = 0; r < reps; r++) {
    void *h;
    REGION("dlopen-fresh", r, 1, (h = dlopen("small.so", RTLD_NOW)) != 0);
    if (!h) return 4;
    dlclose(h);
  }
  for (int k = 1; k <= libs; k++) {
    char name[32];
    snprintf(name, sizeof name, "small-%d.so", k);
    void *h;
    if (counted_load(k)) {
      REGION("dlopen", 0, k, (h = dlopen(name, RTLD_NOW)) != 0);
    } else {
      h = dlopen(name, RTLD_NOW);
    }
    if (!h) return 5;
  }
  return 0;
}
