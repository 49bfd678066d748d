/* FNV-1a over the buffer. */
unsigned checksum(const unsigned char *buf, int len) {
  unsigned h = 2166136261u;
  for (int i = 0; i < len; i++)
    h = (h ^ buf[i]) * 16777619u;
  return h;
}

void reverse(unsigned char *buf, int len) {
  for (int i = 0, j = len - 1; i < j; i++, j--) {
    unsigned char t = buf[i];
    buf[i] = buf[j];
    buf[j] = t;
  }
}
