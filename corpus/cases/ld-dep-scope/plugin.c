/* Opened RTLD_LOCAL; its dependency helper calls back into it. */
int plugin_base = 4;
int plugin_scale(int x) { return x * 10; }

int helper_compute(void);
int plugin_run(void) { return helper_compute(); }
