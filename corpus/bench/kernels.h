/* Call-overhead kernels. The same bodies are compiled into the callee module (as f0..fmix) and into
 * the caller (as local_f0..local_fmix), so intra- and cross-module calls run identical code. */
#ifndef DYLAB_KERNELS_H
#define DYLAB_KERNELS_H

#define NOINLINE __attribute__((noinline))

#define DEFINE_KERNELS(P)                                                                       \
    /* The barrier keeps the constant from being propagated into the caller's loop. */          \
    NOINLINE int P##f0(void) { int r = 7; __asm__ volatile("" : "+r"(r)); return r; }         \
    NOINLINE int P##f1(int a) { return a * 3 + 1; }                                             \
    NOINLINE int P##f4(int a, int b, int c, int d) { return a * 3 + b - c + d; }                \
    NOINLINE int P##f8(int a, int b, int c, int d, int e, int f, int g, int h) {                \
        return a * 3 + b - c + d - e + f - g + h;                                               \
    }                                                                                           \
    NOINLINE double P##fmix(long long a, double b, int c) { return b * 0.5 + (double)(a & 7) + c; }  \
    /* kptr: the callee reads 16 bytes of the caller's data through a pointer (one shared memory). */ \
    NOINLINE int P##fsum(const unsigned char *p) {                                              \
        int s = 0;                                                                              \
        for (int j = 0; j < 16; j++) s += p[j];                                                 \
        return s;                                                                               \
    }                                                                                           \
    /* kmega: eight callees of one signature, called in a ring (a new callee every call). */    \
    NOINLINE int P##fm0(int a) { return a * 3 + 0; }                                            \
    NOINLINE int P##fm1(int a) { return a * 3 + 1; }                                            \
    NOINLINE int P##fm2(int a) { return a * 3 + 2; }                                            \
    NOINLINE int P##fm3(int a) { return a * 3 + 3; }                                            \
    NOINLINE int P##fm4(int a) { return a * 3 + 4; }                                            \
    NOINLINE int P##fm5(int a) { return a * 3 + 5; }                                            \
    NOINLINE int P##fm6(int a) { return a * 3 + 6; }                                            \
    NOINLINE int P##fm7(int a) { return a * 3 + 7; }

#endif
