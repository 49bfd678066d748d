#include <stdlib.h>
long parse(const char *s) { return strtol(s, 0, 10); }
