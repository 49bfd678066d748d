#include <stdio.h>

struct rect {
  int x, y, w, h;
};
_Static_assert(sizeof(struct rect) == 16, "the interface declares 16 bytes");

int area(const struct rect *r);
void grow(struct rect *r, int by);

int main(void) {
  struct rect r = {10, 20, 3, 4};
  printf("area %d\n", area(&r));
  grow(&r, 5);
  printf("grown: x=%d y=%d w=%d h=%d area %d\n", r.x, r.y, r.w, r.h, area(&r));
  return 0;
}
