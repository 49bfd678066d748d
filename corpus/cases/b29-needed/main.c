/* Behaviour 29 with real link-time dependencies: main is linked against liba and libb (dylink.0
 * NEEDED), both of which are linked against libcommon. The loader must load libcommon once, before
 * the libraries that need it, and all of them before main's constructors and main(). */
#include <stdio.h>

int a_work(void);
int b_work(void);
int *a_counter(void);
int *b_counter(void);

int main(void) {
    puts("main: start");
    int x = a_work();
    int y = b_work();
    printf("results: %d %d\n", x, y);
    printf("one counter: %s\n", a_counter() == b_counter() ? "yes" : "no");
    printf("counter value: %d\n", *a_counter());
    return 0;
}
