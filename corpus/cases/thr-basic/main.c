/* Threads: create and join, a counter under a mutex, pthread_once, a key, and thread-local
 * storage both in the program and in a library it needs (each thread its own copy). */
#include <pthread.h>
#include <stdio.h>

int lib_bump(void);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int counter;
static _Thread_local int mine = 7;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int inits;
static pthread_key_t key;

static void init(void) { inits++; }

static void *work(void *arg) {
    int id = (int)(long)arg;
    pthread_once(&once, init);
    pthread_setspecific(key, arg);
    for (int i = 0; i < 1000; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
    }
    mine += id;
    int b = 0;
    for (int i = 0; i <= id; i++)
        b = lib_bump();
    return (void *)(long)(mine * 1000 + b * 10 + (int)(long)pthread_getspecific(key));
}

int main(void) {
    pthread_t t[4];
    pthread_key_create(&key, 0);
    for (int i = 0; i < 4; i++) {
        if (pthread_create(&t[i], 0, work, (void *)(long)(i + 1)) != 0) {
            puts("pthread_create failed");
            return 1;
        }
    }
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        printf("thread %d: %ld\n", i + 1, (long)r);
    }
    printf("counter %d, once %d, main's own %d, main's library counter %d\n", counter, inits, mine, lib_bump());
    return 0;
}
