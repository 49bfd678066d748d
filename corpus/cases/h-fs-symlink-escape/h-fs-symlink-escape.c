/* Links in a granted folder: data/passwd -> /etc/passwd and data/link-parent -> ../<this source>
 * lead out of the grant and must not open; data/link-inside -> inside.txt stays inside and does. */
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
    char line[64];
    if (fgets(line, sizeof line, f))
        printf("%s: read \"%.*s\"\n", path, (int)strcspn(line, "\n"), line);
    else
        printf("%s: opened, nothing read\n", path);
    fclose(f);
}

int main(void) {
    try_read("/data/inside.txt");
    try_read("/data/link-inside");
    try_read("/data/passwd");
    try_read("/data/link-parent");
    try_read("/data/../data/passwd");
    return 0;
}
