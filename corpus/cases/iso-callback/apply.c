int apply_twice(int (*f)(int), int x) { return f(f(x)); }

int sum_with(int (*f)(int), int n) {
  int s = 0;
  for (int i = 0; i < n; i++)
    s += f(i);
  return s;
}
