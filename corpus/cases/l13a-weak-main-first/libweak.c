__attribute__((weak)) int config(void) { return 2; }
__attribute__((weak)) int level = 2;

/* 10 * config() + level: 11 when both bind to the program's definitions. */
int lib_sees(void) { return 10 * config() + level; }
