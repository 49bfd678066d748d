/* A dlopened library with thread-local state: each thread keeps its own running total. */
static _Thread_local int total;

int plugin_work(int x) {
    total += x;
    return total;
}

int plugin_twice(int x) { return 2 * x; }
