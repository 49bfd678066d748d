/* A small library for the native dlopen counts: one function and a little data. */
int small_value = 3;
int small(int x) { return x * small_value; }
