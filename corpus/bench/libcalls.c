/* libc-call kernels: what a libc call costs from a side module, by placement (libc.wasm, the host's
 * libc, or linked statically). The barriers keep the compiler from hoisting or folding the calls. */
#include <string.h>

static char text[17] = "sixteen bytes!!!";
static char src[4096];
static char dst[4096];

int run_strlen(int n) {
    int acc = 0;
    _Pragma("clang loop unroll(disable)")
    for (int i = 0; i < n; i++) {
        char *p = text;
        __asm__ volatile("" : "+r"(p));
        acc += (int)strlen(p);
    }
    return acc;
}

int run_memcpy(int n) {
    _Pragma("clang loop unroll(disable)")
    for (int i = 0; i < n; i++) {
        char *d = dst;
        __asm__ volatile("" : "+r"(d));
        memcpy(d, src, sizeof src);
    }
    return dst[0] + n;
}

/* The static build is a command module: its main does nothing; the host calls the run_* exports. */
int main(void) { return 0; }
