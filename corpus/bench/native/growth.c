/* The timed native line of the loader growth (calls.md, growth.svg): the bench callee (callee.c, the
 * library the engines' growth bench loads) built as callee.so and dlopened again and again under new
 * names with RTLD_NOW | RTLD_GLOBAL, as there, the earlier ones staying loaded. Each dlopen is timed
 * with CLOCK_MONOTONIC and printed in nanoseconds, one a line; the bench takes the same statistic as
 * for the engines. Each name is a fresh copy of callee.so, written before its dlopen (not timed) and
 * unlinked after it: ld.so knows a file by device and inode and would not load a link to a loaded
 * one again, while a loaded, unlinked copy keeps its inode, so the next copy gets another one, and
 * 10,000 libraries need the disk of one. Argument: the number of libraries. */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static char image[1 << 20];

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Writes `size` bytes of the image to `name`; 0 on success. */
static int copy_to(const char *name, long size) {
  int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0755);
  if (fd < 0) return -1;
  long done = 0;
  while (done < size) {
    long w = write(fd, image + done, size - done);
    if (w <= 0) break;
    done += w;
  }
  return close(fd) == 0 && done == size ? 0 : -1;
}

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  int libs = atoi(argv[1]);
  int fd = open("callee.so", O_RDONLY);
  long size = fd < 0 ? -1 : read(fd, image, sizeof image);
  if (size <= 0 || size == sizeof image) return 3;
  close(fd);
  for (int k = 1; k <= libs; k++) {
    char name[32];
    snprintf(name, sizeof name, "callee-%d.so", k);
    if (copy_to(name, size)) return 4;
    long long t = now_ns();
    void *h = dlopen(name, RTLD_NOW | RTLD_GLOBAL);
    t = now_ns() - t;
    if (!h) {
      fprintf(stderr, "dlopen %s: %s\n", name, dlerror());
      return 5;
    }
    unlink(name);
    printf("%lld\n", t);
  }
  return 0;
}
