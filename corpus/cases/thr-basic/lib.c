/* A library with thread-local storage: every thread counts from 100 on its own. */
_Thread_local int tls_counter = 100;

int lib_bump(void) { return ++tls_counter; }
