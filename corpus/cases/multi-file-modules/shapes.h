/* Shared by every file of both modules: the main program (main.c, report.c) and the library
 * shapes.wasm (shapes.c, area.c). */
struct shape {
  const char *name;
  int sides;
  double side;
};

/* shapes.c */
int shape_count(void);
const struct shape *shape_at(int i);
/* area.c: the library's second file; its data is read by the first. */
double shape_area(const struct shape *s);
extern int area_calls;

/* report.c: the main program's second file. */
typedef double (*area_fn)(const struct shape *);
void report(const struct shape *s, area_fn area);
extern int reported;
