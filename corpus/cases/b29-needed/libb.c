#include <stdio.h>

int common_bump(const char *who);
int *common_counter(void);

__attribute__((constructor)) static void b_init(void) { puts("libb: constructor"); }

int b_work(void) { return common_bump("libb"); }
int *b_counter(void) { return common_counter(); }
