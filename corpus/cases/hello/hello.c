#include <stdio.h>

int main(void) {
    puts("Hello from dylab!");
    printf("ints: %d %u %x %ld %lld\n", -42, 42u, 0xbeefu, 1234567L, -9876543210LL);
    printf("strings: [%s] [%8s] [%-8s] [%.3s]\n", "wasm", "pad", "left", "truncate");
    printf("floats: %.2f %e %g %.0f\n", 3.14159, 12345.678, 0.0001, 2.5);
    printf("chars: %c%c%c %%\n", 'a', 'b', 'c');
    return 0;
}
