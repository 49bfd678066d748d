/* Same layout in both libraries: had they been linked non-PIC at the same address, they would share
 * these bytes. A PIC loader places each at its own __memory_base. */
#define N 4096
static unsigned char buf[N];
static unsigned char initialised[64] = "libbuf_a initialised data";
int tag = 0xaa;

void *buf_a(void) { return buf; }
int len_a(void) { return N; }

void fill_a(int seed) {
  for (int i = 0; i < N; i++) buf[i] = (unsigned char)(seed + i * 13);
}

/* 1 when every byte still holds what fill_a wrote and the initialised data is untouched. */
int check_a(int seed) {
  for (int i = 0; i < N; i++)
    if (buf[i] != (unsigned char)(seed + i * 13)) return 0;
  const char *want = "libbuf_a initialised data";
  for (int i = 0; want[i]; i++)
    if (initialised[i] != (unsigned char)want[i]) return 0;
  return tag == 0xaa;
}
