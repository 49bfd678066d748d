/* Exports symlib_present and symlib_uses; symlib_static_fn and symlib_hidden_fn exist in the code
 * but are not exported. */
int symlib_present = 5;

__attribute__((noinline)) static int symlib_static_fn(int x) { return x + symlib_present; }
__attribute__((noinline, visibility("hidden"))) int symlib_hidden_fn(int x) { return x * symlib_present; }

int symlib_uses(int x) { return symlib_static_fn(x) + symlib_hidden_fn(x); }
