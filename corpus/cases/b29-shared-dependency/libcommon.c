/* The shared dependency: its constructor must run once and its state must be shared by both users. */
#include <stdio.h>

int common_count;
static int ctor_runs;

__attribute__((constructor)) static void common_init(void) {
  ctor_runs++;
  printf("libcommon constructor (run %d)\n", ctor_runs);
}

int common_bump(const char *who) {
  common_count++;
  printf("common_bump from %s: count %d\n", who, common_count);
  return common_count;
}
