/* Arguments and environment come from the case (case.toml), identically in every placement; getenv
 * is outside the libc-host subset, so that placement reports the cell as unsupported. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    printf("argc=%d\n", argc);
    for (int i = 0; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
    const char *lab = getenv("DYLAB_GREETING");
    printf("DYLAB_GREETING=%s\n", lab ? lab : "(unset)");
    printf("HOME=%s\n", getenv("HOME") ? getenv("HOME") : "(unset)");
    return argc;
}
