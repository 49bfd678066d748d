/* Behaviour 10: data pointers across modules both ways. The library's static initialisers point into
 * the program (an int, an array element, a string, a struct member); the program reaches the
 * library's data through dlsym. Both sides write through what they hold and the other side sees it:
 * one memory, one address for each object. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

struct pair {
  int a, b;
};

int main_x = 5;
int main_arr[4] = {100, 101, 102, 103};
const char main_msg[] = "a string in main";
struct pair main_pair = {1, 2};

int main(void) {
  main_x = 6; /* the library's constructor must see this value, not the initialiser */
  void *h = dlopen("crossside.wasm", RTLD_NOW);
  if (!h) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  int **q = (int **)dlsym(h, "side_q");
  int **q_arr = (int **)dlsym(h, "side_q_arr");
  const char **q_msg = (const char **)dlsym(h, "side_q_msg");
  int **q_b = (int **)dlsym(h, "side_q_b");
  int *side_x = (int *)dlsym(h, "side_x");
  int **side_self = (int **)dlsym(h, "side_self");
  int *seen = (int *)dlsym(h, "side_seen_main_x");
  if (!q || !q_arr || !q_msg || !q_b || !side_x || !side_self || !seen) {
    puts("dlsym failed");
    return 1;
  }
  puts("side -> main:");
  printf("  side_q == &main_x: %s\n", *q == &main_x ? "yes" : "no");
  printf("  side_q_arr == &main_arr[2]: %s\n", *q_arr == &main_arr[2] ? "yes" : "no");
  printf("  side_q_msg == main_msg: %s\n", *q_msg == main_msg ? "yes" : "no");
  printf("  side_q_b == &main_pair.b: %s\n", *q_b == &main_pair.b ? "yes" : "no");
  printf("  constructor read main_x through side_q: %d\n", *seen);
  printf("  main_x after the constructor wrote through side_q: %d\n", main_x);
  puts("main -> side:");
  printf("  side_x = %d, side_self == &side_x: %s\n", *side_x, *side_self == side_x ? "yes" : "no");
  *side_x = 99;
  printf("  after main wrote 99 through its pointer, side_self reads %d\n", **side_self);
  main_arr[2] = 202;
  printf("  side_q_arr reads %d after main wrote 202\n", **q_arr);
  return 0;
}
