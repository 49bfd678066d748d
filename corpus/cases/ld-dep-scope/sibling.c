/* A dependency of the plugin beside helper. */
int sibling_value(void) { return 30; }
