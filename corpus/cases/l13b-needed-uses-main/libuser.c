extern int counter;
extern const char *greeting;
void bump(void);

/* The initializer is a data relocation against the program's symbol, applied at load time. */
int *counter_at = &counter;

int lib_read(void) {
  bump();
  return *counter_at;
}
const char *lib_greeting(void) { return greeting; }
