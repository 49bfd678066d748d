/* Constructors while a thread runs: a worker passes through a mutex in a loop (synchronisation
 * points) while main dlopens top.wasm, which needs mid.wasm, which needs base.wasm. Their
 * constructors run once, dependencies first, in the thread that called dlopen; the worker then
 * calls into the tree through a pointer main publishes and sees the constructed state. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

typedef int (*value_fn)(void);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static value_fn published; /* under the lock */
static atomic_int worker_started;
static long passes;

static void *worker(void *arg) {
    (void)arg;
    value_fn f = 0;
    atomic_store(&worker_started, 1);
    while (!f) {
        pthread_mutex_lock(&lock);
        passes++;
        f = published;
        pthread_mutex_unlock(&lock);
    }
    return (void *)(long)f();
}

int main(void) {
    pthread_t t;
    if (pthread_create(&t, 0, worker, 0) != 0)
        return 1;
    while (!atomic_load(&worker_started))
        ;
    printf("main: dlopen top.wasm\n");
    void *h = dlopen("top.wasm", RTLD_NOW);
    if (!h) {
        printf("dlopen: %s\n", dlerror());
        return 1;
    }
    int (*runs)(void) = (int (*)(void))dlsym(h, "constructor_runs");
    value_fn top = (value_fn)dlsym(h, "top_value");
    pthread_mutex_lock(&lock);
    published = top;
    pthread_mutex_unlock(&lock);
    void *r;
    pthread_join(t, &r);
    printf("worker called top_value: %ld\n", (long)r);
    printf("constructor runs (base, mid, top): %d\n", runs());
    printf("the worker passed its mutex: %s\n", passes > 0 ? "yes" : "no");
    return 0;
}
