/* Static pointers into the program (resolved through GOT.mem when the library loads) and into the
 * library itself; the constructor reads and writes through them. */
#include <stdio.h>

struct pair {
  int a, b;
};

extern int main_x;
extern int main_arr[];
extern const char main_msg[];
extern struct pair main_pair;

int *side_q = &main_x;
int *side_q_arr = &main_arr[2];
const char *side_q_msg = main_msg;
int *side_q_b = &main_pair.b;
int side_x = 17;
int *side_self = &side_x;
int side_seen_main_x;

__attribute__((constructor)) static void crossside_init(void) {
  side_seen_main_x = *side_q;
  *side_q = 7;
  printf("side constructor: main_msg through side_q_msg: \"%s\", main_pair.b = %d\n", side_q_msg, *side_q_b);
}
