/* Loaded RTLD_LAZY before anything global defines late_answer. */
int late_answer(void);
int ask_late(void) { return late_answer(); }
