struct rect {
  int x, y, w, h;
};

int area(const struct rect *r) { return r->w * r->h; }

void grow(struct rect *r, int by) {
  r->x -= by;
  r->y -= by;
  r->w += 2 * by;
  r->h += 2 * by;
}
