/* The case grants its data/ folder (read-only, as /data): reading works, writing and escaping it do
 * not, and nothing else of the host is visible. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

static void try_open(const char *path, const char *mode) {
    errno = 0;
    FILE *f = fopen(path, mode);
    printf("fopen(%s, %s): %s", path, mode, f ? "ok" : "failed");
    if (!f) printf(" (%s)", strerror(errno));
    printf("\n");
    if (f) fclose(f);
}

int main(void) {
    FILE *f = fopen("/data/greeting.txt", "r");
    if (!f) {
        printf("cannot open /data/greeting.txt: %s\n", strerror(errno));
        return 1;
    }
    char line[64];
    while (fgets(line, sizeof line, f)) printf("read: %s", line);
    fseek(f, 6, SEEK_SET);
    char word[5] = {0};
    for (int i = 0; i < 4; i++) word[i] = (char)fgetc(f);
    printf("after seek: %s, at %ld\n", word, ftell(f));
    fclose(f);

    int n = 0;
    f = fopen("/data/nested/number.txt", "r");
    if (f && fscanf(f, "%d", &n) == 1) printf("nested number: %d\n", n);
    if (f) fclose(f);

    try_open("/data/missing.txt", "r");
    try_open("/data/new.txt", "w");
    try_open("/data/../fs-grant.c", "r");
    try_open("/etc/passwd", "r");
    return 0;
}
