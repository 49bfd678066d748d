/* The definition the wrapper wraps. */
int value(void) { return 7; }
