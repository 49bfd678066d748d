/* random_get called directly (wasi-libc's getentropy stops at 256 bytes) with a size of 4 GiB - 1:
 * a host that allocates before it checks takes 4 GiB of its own memory for one call. */
#include <stdio.h>
#include <wasi/api.h>

static uint8_t buf[16];

int main(void) {
    printf("asking for 4294967295 random bytes\n");
    __wasi_errno_t e = __wasi_random_get(buf, 0xffffffffu);
    printf("random_get returned %d\n", (int)e);
    return 0;
}
