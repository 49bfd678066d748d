#include <stdio.h>

int common_bump(const char *who);
int *common_counter(void);

__attribute__((constructor)) static void a_init(void) { puts("liba: constructor"); }

int a_work(void) { return common_bump("liba"); }
int *a_counter(void) { return common_counter(); }
