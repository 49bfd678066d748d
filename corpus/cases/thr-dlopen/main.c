/* Threads and dlopen: a thread started before the dlopen gets a pointer into the library once main
 * publishes it, a thread started after calls it at once, the library's thread-local state is per
 * thread, and a pointer one thread takes with dlsym is called by another. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

typedef int (*work_fn)(int);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready = PTHREAD_COND_INITIALIZER;
static work_fn shared_work; /* published by main after the dlopen */
static void *handle;
static work_fn from_thread; /* taken by the early thread with dlsym */

static void *early(void *arg) {
    (void)arg;
    pthread_mutex_lock(&lock);
    while (!shared_work)
        pthread_cond_wait(&ready, &lock);
    work_fn w = shared_work;
    pthread_mutex_unlock(&lock);
    int a = w(1), b = w(2);
    from_thread = (work_fn)dlsym(handle, "plugin_twice");
    return (void *)(long)(a * 100 + b);
}

static void *late(void *arg) {
    (void)arg;
    return (void *)(long)shared_work(10);
}

int main(void) {
    pthread_t a, b;
    if (pthread_create(&a, 0, early, 0) != 0)
        return 1;
    handle = dlopen("plugin.wasm", RTLD_NOW);
    if (!handle) {
        printf("dlopen: %s\n", dlerror());
        return 1;
    }
    pthread_mutex_lock(&lock);
    shared_work = (work_fn)dlsym(handle, "plugin_work");
    pthread_cond_broadcast(&ready);
    pthread_mutex_unlock(&lock);
    if (pthread_create(&b, 0, late, 0) != 0)
        return 1;
    void *ra, *rb;
    pthread_join(a, &ra);
    pthread_join(b, &rb);
    printf("early thread: %ld\n", (long)ra);
    printf("late thread: %ld\n", (long)rb);
    printf("main: %d\n", shared_work(5));
    printf("pointer from the early thread: %d\n", from_thread(21));
    return 0;
}
