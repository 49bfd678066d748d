/* Granted as /root, the case's root -> / would expose the whole host filesystem: the grant itself
 * must be refused, so this program never runs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    FILE *f = fopen("/root/etc/passwd", "r");
    if (!f) {
        printf("/root/etc/passwd: cannot open (%s)\n", strerror(errno));
        return 0;
    }
    char line[128];
    if (fgets(line, sizeof line, f)) printf("/root/etc/passwd: read %s", line);
    fclose(f);
    return 0;
}
