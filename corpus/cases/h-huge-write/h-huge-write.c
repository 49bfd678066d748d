/* A guest that asks the host to capture 512 MiB of output in one call, from a 64 MiB buffer named
 * eight times: the host must check the total before it allocates or copies. */
#include <stdio.h>
#include <sys/uio.h>

#define CHUNK (64u << 20)
static char buf[CHUNK];

int main(void) {
    struct iovec v[8];
    for (int i = 0; i < 8; i++) {
        v[i].iov_base = buf;
        v[i].iov_len = CHUNK;
    }
    printf("writing 8 x 64 MiB to stderr\n");
    ssize_t n = writev(2, v, 8);
    printf("writev returned %zd\n", n);
    return 0;
}
