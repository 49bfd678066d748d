int provided_later(int x) { return x * 1000 + 7; }
