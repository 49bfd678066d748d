/* Output buffers: the library fills the first 8 bytes of a 16-byte buffer; the bytes after them
 * must stay the program's ('#'). */
#include <stdio.h>
#include <string.h>

int fill(char *buf, int len);
int format_number(int v, char *out, int cap);

int main(void) {
  char buf[16];
  memset(buf, '#', sizeof buf);
  int n = fill(buf, 8);
  printf("%d letters: %s, byte 9: %c\n", n, buf, buf[9]);
  char num[12];
  int len = format_number(-4096, num, sizeof num);
  printf("[%s] %d\n", num, len);
  return 0;
}
