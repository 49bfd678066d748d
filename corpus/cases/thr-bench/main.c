/* N threads (argv[1]) pass through a mutex in a loop, each pass a synchronisation point, while main
 * dlopens eight libraries one by one; then every thread calls every library through pointers main
 * took. The measurements of the threads' table synchronisation run this program. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define LIBS 8
typedef int (*work_fn)(int);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int stop;
static work_fn works[LIBS];

static void *spin(void *arg) {
    long passes = 0;
    for (;;) {
        pthread_mutex_lock(&lock);
        int done = stop;
        pthread_mutex_unlock(&lock);
        if (done)
            break;
        passes++;
    }
    long sum = 0;
    for (int i = 0; i < LIBS; i++)
        sum += works[i]((int)(long)arg);
    return (void *)sum;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 4;
    pthread_t t[16];
    for (int i = 0; i < n; i++)
        if (pthread_create(&t[i], 0, spin, (void *)(long)i) != 0)
            return 1;
    char name[16];
    for (int i = 0; i < LIBS; i++) {
        snprintf(name, sizeof name, "lib%d.wasm", i);
        void *h = dlopen(name, RTLD_NOW);
        snprintf(name, sizeof name, "work%d", i);
        works[i] = h ? (work_fn)dlsym(h, name) : 0;
        if (!works[i]) {
            printf("cannot load library %d\n", i);
            return 1;
        }
    }
    pthread_mutex_lock(&lock);
    stop = 1;
    pthread_mutex_unlock(&lock);
    long total = 0;
    for (int i = 0; i < n; i++) {
        void *r;
        pthread_join(t[i], &r);
        total += (long)r;
    }
    printf("%d threads called %d libraries: %ld\n", n, LIBS, total);
    return 0;
}
