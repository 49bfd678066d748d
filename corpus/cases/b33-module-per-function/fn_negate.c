/* One function per module. Its constructor tells main it was loaded; its counter starts at 0 in every
 * fresh copy. */
extern void note_load(const char *module);

int negate_calls;

__attribute__((constructor)) static void loaded(void) { note_load("fn_negate"); }

int negate(int x) {
  negate_calls++;
  return -x;
}
