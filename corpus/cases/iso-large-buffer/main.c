#include <stdio.h>

unsigned checksum(const unsigned char *buf, int len);
void reverse(unsigned char *buf, int len);

static unsigned char data[65536];

int main(void) {
  for (int i = 0; i < (int)sizeof data; i++)
    data[i] = (unsigned char)(i * 7 + 3);
  printf("checksum %08x\n", checksum(data, sizeof data));
  reverse(data, sizeof data);
  printf("reversed: first %d last %d checksum %08x\n", data[0], data[sizeof data - 1], checksum(data, sizeof data));
  return 0;
}
