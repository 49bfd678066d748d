#include <stdio.h>

/* Writes len-1 letters and a NUL; returns how many letters. */
int fill(char *buf, int len) {
  for (int i = 0; i < len - 1; i++)
    buf[i] = 'a' + i % 26;
  buf[len - 1] = 0;
  return len - 1;
}

int format_number(int v, char *out, int cap) { return snprintf(out, cap, "%d", v); }
