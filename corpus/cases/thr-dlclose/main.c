/* dlclose while another thread holds a pointer into the library. The holder waits for the pointer
 * on a condition variable (synchronisation points), calls it, then spins (no synchronisation point)
 * until main has closed the library, and calls it again. Calling into an unloaded library is undefined in C: natively the code is unmapped
 * (SIGSEGV). What each table design does with the holder's copy of the table is the point. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

typedef int (*answer_fn)(int);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready = PTHREAD_COND_INITIALIZER;
static answer_fn published;
static atomic_int phase; /* 1: the holder called once; 2: main closed the library */

static void *holder(void *arg) {
    (void)arg;
    pthread_mutex_lock(&lock);
    while (!published)
        pthread_cond_wait(&ready, &lock);
    answer_fn f = published;
    pthread_mutex_unlock(&lock);
    long first = f(20);
    atomic_store(&phase, 1);
    while (atomic_load(&phase) != 2)
        ;
    long again = f(20); /* the stale call */
    return (void *)(first * 1000 + again);
}

int main(void) {
    pthread_t t;
    if (pthread_create(&t, 0, holder, 0) != 0)
        return 1;
    void *h = dlopen("plugin.wasm", RTLD_NOW);
    if (!h) {
        printf("dlopen: %s\n", dlerror());
        return 1;
    }
    pthread_mutex_lock(&lock);
    published = (answer_fn)dlsym(h, "plugin_answer");
    pthread_cond_broadcast(&ready);
    pthread_mutex_unlock(&lock);
    while (atomic_load(&phase) != 1)
        ;
    printf("the holder called the library once\n");
    fflush(stdout);
    printf("dlclose: %d\n", dlclose(h));
    fflush(stdout);
    atomic_store(&phase, 2);
    void *r;
    pthread_join(t, &r);
    printf("the holder's calls: %ld\n", (long)r);
    return 0;
}
