/* <pthread.h> for dylab: Debian's wasi-libc is single-threaded and has none. Under libc-host the
 * host implements this subset (module "env"); each thread is an OS thread with its own instances
 * over the one shared memory. Object sizes are wasm32's; the host keys mutexes and condition
 * variables by their address, so the contents are unused. */
#ifndef DYLAB_PTHREAD_H
#define DYLAB_PTHREAD_H

typedef unsigned long pthread_t;
typedef struct { int __a[9]; } pthread_attr_t;
typedef struct { int __m[6]; } pthread_mutex_t;
typedef struct { int __a; } pthread_mutexattr_t;
typedef struct { int __c[12]; } pthread_cond_t;
typedef struct { int __a; } pthread_condattr_t;
typedef int pthread_once_t;
typedef unsigned pthread_key_t;

#define PTHREAD_MUTEX_INITIALIZER {{0}}
#define PTHREAD_COND_INITIALIZER {{0}}
#define PTHREAD_ONCE_INIT 0

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *), void *arg);
int pthread_join(pthread_t thread, void **result);
pthread_t pthread_self(void);
int pthread_equal(pthread_t a, pthread_t b);

int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr);
int pthread_mutex_destroy(pthread_mutex_t *m);
int pthread_mutex_lock(pthread_mutex_t *m);
int pthread_mutex_trylock(pthread_mutex_t *m);
int pthread_mutex_unlock(pthread_mutex_t *m);

int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *attr);
int pthread_cond_destroy(pthread_cond_t *c);
int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m);
int pthread_cond_signal(pthread_cond_t *c);
int pthread_cond_broadcast(pthread_cond_t *c);

int pthread_once(pthread_once_t *once, void (*routine)(void));

int pthread_key_create(pthread_key_t *key, void (*destructor)(void *));
int pthread_key_delete(pthread_key_t key);
void *pthread_getspecific(pthread_key_t key);
int pthread_setspecific(pthread_key_t key, const void *value);

#endif
