/* A tour of libc through one module boundary: allocation churn, string.h, qsort with a comparator
 * defined in the program, snprintf, errno, atexit, and a non-zero exit code. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_value(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static void goodbye(void) { puts("atexit: goodbye"); }

int main(void) {
    /* malloc/realloc/free churn: the allocator's metadata must survive. */
    unsigned sum = 0;
    char *blocks[64] = {0};
    for (int round = 0; round < 8; round++) {
        for (int i = 0; i < 64; i++) {
            size_t n = (size_t)((i * 37 + round * 11) % 200 + 1);
            blocks[i] = realloc(blocks[i], n);
            memset(blocks[i], i, n);
            sum += (unsigned char)blocks[i][n - 1] + (unsigned)n;
        }
        for (int i = round % 2; i < 64; i += 2) {
            free(blocks[i]);
            blocks[i] = NULL;
        }
    }
    for (int i = 0; i < 64; i++) free(blocks[i]);
    printf("alloc churn checksum: %u\n", sum);

    /* string.h */
    char buf[64];
    strcpy(buf, "dynamic");
    strcat(buf, " linking");
    printf("strlen=%zu strcmp=%d strchr=%s strstr=%s\n", strlen(buf), strcmp(buf, "dynamic") > 0,
           strchr(buf, 'l'), strstr(buf, "link"));

    /* qsort calls a comparator that lives in this module, from inside libc. */
    int v[] = {42, -7, 19, 0, 1000, 3, -7, 8};
    qsort(v, sizeof v / sizeof v[0], sizeof v[0], by_value);
    printf("sorted:");
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) printf(" %d", v[i]);
    printf("\n");

    /* snprintf truncation and return value */
    char small[8];
    int full = snprintf(small, sizeof small, "%s-%d", "truncated", 12345);
    printf("snprintf: \"%s\" wanted %d\n", small, full);

    /* errno set by libc */
    errno = 0;
    long bad = strtol("99999999999999999999", NULL, 10);
    printf("strtol overflow: %ld errno=%s\n", bad, errno == ERANGE ? "ERANGE" : "other");

    atexit(goodbye);
    puts("exiting with 3");
    exit(3);
}
