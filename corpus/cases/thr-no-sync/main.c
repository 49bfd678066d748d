/* A thread that never reaches a synchronisation point: it spins on an atomic flag (no mutex, no
 * join, no dlfcn call), then calls a pointer into a library main dlopened meanwhile. Natively the
 * library is simply there; under design (a), sync at synchronisation points, the thread never
 * applied the load: its table has no such slot. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

typedef int (*work_fn)(int);

static _Atomic(work_fn) published;
static atomic_int started;

static void *spinner(void *arg) {
    (void)arg;
    work_fn w;
    atomic_store(&started, 1);
    while (!(w = atomic_load(&published)))
        ;
    return (void *)(long)w(20);
}

int main(void) {
    pthread_t t;
    if (pthread_create(&t, 0, spinner, 0) != 0)
        return 1;
    while (!atomic_load(&started)) /* the thread is running: its start is behind it */
        ;
    void *h = dlopen("plugin.wasm", RTLD_NOW);
    if (!h) {
        printf("dlopen: %s\n", dlerror());
        return 1;
    }
    atomic_store(&published, (work_fn)dlsym(h, "plugin_answer"));
    void *r;
    pthread_join(t, &r);
    printf("the spinning thread got %ld\n", (long)r);
    return 0;
}
