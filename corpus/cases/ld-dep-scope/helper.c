/* Needed by the plugin; uses what the plugin itself and its other dependency define. */
extern int plugin_base;
int plugin_scale(int x);
int sibling_value(void);

int helper_compute(void) { return plugin_scale(plugin_base) + sibling_value(); }
