/* Unused: a library makes this a dynamically linked case (no static cell). */
int unused(void) { return 0; }
