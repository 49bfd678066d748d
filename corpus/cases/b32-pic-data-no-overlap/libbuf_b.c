/* Same layout in both libraries: had they been linked non-PIC at the same address, they would share
 * these bytes. A PIC loader places each at its own __memory_base. */
#define N 4096
static unsigned char buf[N];
static unsigned char initialised[64] = "libbuf_b initialised data";
int tag = 0xbb;

void *buf_b(void) { return buf; }
int len_b(void) { return N; }

void fill_b(int seed) {
  for (int i = 0; i < N; i++) buf[i] = (unsigned char)(seed + i * 13);
}

/* 1 when every byte still holds what fill_b wrote and the initialised data is untouched. */
int check_b(int seed) {
  for (int i = 0; i < N; i++)
    if (buf[i] != (unsigned char)(seed + i * 13)) return 0;
  const char *want = "libbuf_b initialised data";
  for (int i = 0; want[i]; i++)
    if (initialised[i] != (unsigned char)want[i]) return 0;
  return tag == 0xbb;
}
