/* The caller module: one loop per (variant, kernel), so each measurement is a call into wasm that
 * runs n calls and the host's entry cost is amortised. Loops of one kernel differ only in how `f` is
 * reached: a local function, an import, a function pointer (call_indirect) or dlcall through the host. */
#include <dlcall.h>
#include "kernels.h"

DEFINE_KERNELS(local_)

int f0(void);
int f1(int);
int f4(int, int, int, int);
int f8(int, int, int, int, int, int, int, int);
double fmix(long long, double, int);
int fsum(const unsigned char *);
int fm0(int);
int fm1(int);
int fm2(int);
int fm3(int);
int fm4(int);
int fm5(int);
int fm6(int);
int fm7(int);

typedef int (*k0_t)(void);
typedef int (*k1_t)(int);
typedef int (*k4_t)(int, int, int, int);
typedef int (*k8_t)(int, int, int, int, int, int, int, int);
typedef double (*kmix_t)(long long, double, int);
typedef int (*kptr_t)(const unsigned char *);
typedef int (*kmega_t)(int);

/* The bytes kptr's callee reads: the caller's data, in the linear memory every module shares. Not
 * const, so that no call can be folded. */
unsigned char shared_bytes[32] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3,
                                  2, 3, 8, 4, 6, 2, 6, 4, 3, 3, 8, 3, 2, 7, 9, 5};

/* kmega's direct calls: a switch over the eight callees, a different one each iteration. */
#define RING_SWITCH(P)                                      \
    switch (i & 7) {                                        \
    case 0: acc = P##fm0(acc); break;                       \
    case 1: acc = P##fm1(acc); break;                       \
    case 2: acc = P##fm2(acc); break;                       \
    case 3: acc = P##fm3(acc); break;                       \
    case 4: acc = P##fm4(acc); break;                       \
    case 5: acc = P##fm5(acc); break;                       \
    case 6: acc = P##fm6(acc); break;                       \
    default: acc = P##fm7(acc); break;                      \
    }

/* Loop bodies, shared by every variant of a kernel. */
#define BODY_k0(F) acc += F()
#define BODY_k1(F) acc = F(acc)
#define BODY_k4(F) acc = F(acc, i, 3, 5)
#define BODY_k8(F) acc = F(acc, i, 3, 5, 7, 11, 13, 17)
#define BODY_kmix(F) dacc = F((long long)i, dacc, 3)
#define BODY_kptr(F) acc += F(shared_bytes + (acc & 15))

/* No unrolling: every variant's loop is one call per iteration. */
#define LOOP(BODY)                                  \
    int acc = 0;                                    \
    double dacc = 1.0;                              \
    _Pragma("clang loop unroll(disable)")           \
    for (int i = 0; i < n; i++) {                   \
        BODY;                                       \
    }                                               \
    return acc + (int)dacc;

/* intra-direct: a call to a function of the same module. */
int run_local_k0(int n) { LOOP(BODY_k0(local_f0)) }
int run_local_k1(int n) { LOOP(BODY_k1(local_f1)) }
int run_local_k4(int n) { LOOP(BODY_k4(local_f4)) }
int run_local_k8(int n) { LOOP(BODY_k8(local_f8)) }
int run_local_kmix(int n) { LOOP(BODY_kmix(local_fmix)) }
int run_local_kptr(int n) { LOOP(BODY_kptr(local_fsum)) }
int run_local_kmega(int n) { LOOP(RING_SWITCH(local_)) }

/* Imports: bound directly (direct) or to a host trampoline (trampoline-*), by the strategy. */
int run_import_k0(int n) { LOOP(BODY_k0(f0)) }
int run_import_k1(int n) { LOOP(BODY_k1(f1)) }
int run_import_k4(int n) { LOOP(BODY_k4(f4)) }
int run_import_k8(int n) { LOOP(BODY_k8(f8)) }
int run_import_kmix(int n) { LOOP(BODY_kmix(fmix)) }
int run_import_kptr(int n) { LOOP(BODY_kptr(fsum)) }
int run_import_kmega(int n) { LOOP(RING_SWITCH()) }

/* call_indirect through a pointer: a local one (intra-indirect) or one from dlsym (shared-table,
 * dlsym-import). */
int run_ptr_k0(int n, k0_t p) { LOOP(BODY_k0(p)) }
int run_ptr_k1(int n, k1_t p) { LOOP(BODY_k1(p)) }
int run_ptr_k4(int n, k4_t p) { LOOP(BODY_k4(p)) }
int run_ptr_k8(int n, k8_t p) { LOOP(BODY_k8(p)) }
int run_ptr_kmix(int n, kmix_t p) { LOOP(BODY_kmix(p)) }
int run_ptr_kptr(int n, kptr_t p) { LOOP(BODY_kptr(p)) }
/* kmega: eight pointers in a ring, a different callee each iteration (megamorphic call site). */
int run_ptr_kmega(int n, kmega_t p0, kmega_t p1, kmega_t p2, kmega_t p3, kmega_t p4, kmega_t p5, kmega_t p6,
                  kmega_t p7) {
    kmega_t ring[8] = {p0, p1, p2, p3, p4, p5, p6, p7};
    __asm__ volatile("" : : "r"(ring) : "memory"); /* keeps the ring an array of pointers */
    LOOP(acc = ring[i & 7](acc))
}

/* The local functions' pointers, for intra-indirect. */
k0_t local_ptr_k0(void) { return local_f0; }
k1_t local_ptr_k1(void) { return local_f1; }
k4_t local_ptr_k4(void) { return local_f4; }
k8_t local_ptr_k8(void) { return local_f8; }
kmix_t local_ptr_kmix(void) { return local_fmix; }
kptr_t local_ptr_kptr(void) { return local_fsum; }
kmega_t local_ptr_kmega(int j) {
    static kmega_t const ring[8] = {local_fm0, local_fm1, local_fm2, local_fm3,
                                    local_fm4, local_fm5, local_fm6, local_fm7};
    return ring[j & 7];
}

/* dlcall: by handle and name through the host (int kernels only: dlcall_int returns an int). */
#define DLCALL_k0 acc += dlcall_int(h, "f0")
#define DLCALL_k1 acc = dlcall_int(h, "f1", acc)
#define DLCALL_k4 acc = dlcall_int(h, "f4", acc, i, 3, 5)
#define DLCALL_k8 acc = dlcall_int(h, "f8", acc, i, 3, 5, 7, 11, 13, 17)
int run_dlcall_k0(int n, void *h) { LOOP(DLCALL_k0) }
int run_dlcall_k1(int n, void *h) { LOOP(DLCALL_k1) }
int run_dlcall_k4(int n, void *h) { LOOP(DLCALL_k4) }
int run_dlcall_k8(int n, void *h) { LOOP(DLCALL_k8) }
int run_dlcall_kptr(int n, void *h) { LOOP(acc += dlcall_int(h, "fsum", shared_bytes + (acc & 15))) }
int run_dlcall_kmega(int n, void *h) {
    static const char *const names[8] = {"fm0", "fm1", "fm2", "fm3", "fm4", "fm5", "fm6", "fm7"};
    LOOP(acc = dlcall_int(h, names[i & 7], acc))
}

/* The empty loop (no call), to subtract loop overhead. */
int run_none(int n) {
    int acc = 0;
    for (int i = 0; i < n; i++) {
        acc = acc * 3 + 1;
        __asm__ volatile("" : "+r"(acc));
    }
    return acc;
}
