/* Loaded RTLD_LOCAL first, made global later. */
int late_answer(void) { return 42; }
