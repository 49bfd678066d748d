/* Two imports nobody defines when this library is loaded. */
extern int provided_later(int x);
extern int never_defined(int x);

int fine(void) { return 42; }
int call_later(int x) { return provided_later(x); }
int call_never(int x) { return never_defined(x); }
