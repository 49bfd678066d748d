/* A program that never ends: the lab must stop it (fuel) and report `timeout`, on every engine and
 * placement, without hanging or crashing the host, and keep what it printed before. */
#include <stdio.h>

int main(void) {
    puts("looping forever");
    volatile unsigned long spins = 0;
    for (;;) spins++;
}
