/* The constructor recurses through a volatile pointer, so that the compiler cannot turn the
 * recursion into a loop: every call is a real wasm call, and the engine's stack limit ends it. */
static int (*volatile again)(int);

static int down(int n) { return again(n + 1) + 1; }

__attribute__((constructor)) static void recurse(void) {
  again = down;
  down(0);
}

int librec_value(void) { return 1; }
