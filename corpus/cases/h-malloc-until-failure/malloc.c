/* Allocates 16 MiB blocks until malloc returns NULL. The cell's memory limit (256 MiB) must stop it
 * on every engine: wasmtime and wasmi through their resource limiters, V8 through the maximum the
 * lab writes into every memory a module defines. Then 2,000 small allocations, freed: a loop whose
 * fuel the lab compares between engines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK (16u << 20)
#define MAX_BLOCKS 1024

int main(void) {
  static char *blocks[MAX_BLOCKS];
  unsigned n = 0;
  while (n < MAX_BLOCKS) {
    char *p = malloc(BLOCK);
    if (!p) break;
    memset(p, 1, 4096);
    p[BLOCK - 1] = 1;
    blocks[n++] = p;
  }
  printf("malloc returned NULL: %s\n", n < MAX_BLOCKS ? "yes" : "no");
  printf("blocks within the 256 MiB limit: %s\n", (unsigned long long)n * BLOCK <= (256ull << 20) ? "yes" : "no");
  printf("at least 8 blocks: %s\n", n >= 8 ? "yes" : "no");
  for (unsigned i = 0; i < n; i++) free(blocks[i]);

  static void *small[2000];
  unsigned ok = 0;
  for (unsigned i = 0; i < 2000; i++) ok += (small[i] = malloc(64)) != NULL;
  for (unsigned i = 0; i < 2000; i++) free(small[i]);
  printf("small allocations: %u of 2000\n", ok);
  return 0;
}
