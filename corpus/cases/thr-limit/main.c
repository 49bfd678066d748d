/* A program creating threads without bound (none joined) meets the host's thread limit: at the
 * limit pthread_create fails with EAGAIN, as a real libc does when it runs out. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

static void *one(void *arg) { return arg; }

int main(void) {
    pthread_t t[64];
    int n = 0, rc = 0;
    while (n < 64 && (rc = pthread_create(&t[n], 0, one, (void *)1)) == 0)
        n++;
    printf("created %d threads, then %s\n", n, rc == 0 ? "stopped" : rc == EAGAIN ? "EAGAIN" : "another error");
    long sum = 0;
    for (int i = 0; i < n; i++) {
        void *r;
        pthread_join(t[i], &r);
        sum += (long)r;
    }
    printf("joined %ld\n", sum);
    return 0;
}
