/* Devices reached through links in a granted folder: opening must fail at once (the link leaves the
 * grant, and only regular files open at all); reading /dev/zero would never end. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

static void try_read(const char *path) {
    errno = 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("%s: cannot open (%s)\n", path, strerror(errno));
        return;
    }
    static char buf[1 << 16];
    size_t total = 0, n;
    /* Bounded here, so that a host that lets the open through shows it instead of looping. */
    while (total < (8u << 20) && (n = fread(buf, 1, sizeof buf, f)) > 0) total += n;
    printf("%s: opened, read %zu bytes\n", path, total);
    fclose(f);
}

int main(void) {
    try_read("/data/plain.txt");
    try_read("/data/zero");
    try_read("/data/null");
    return 0;
}
