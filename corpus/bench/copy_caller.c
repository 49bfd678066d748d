/* The caller of the copy-cost bench: n calls of consume() with a buffer of len bytes (NULL for 0).
 * Under one shared memory the pointer is passed as it is; under `isolated` the adapter copies len
 * bytes into the callee's memory per call (consume is declared `in(len=1)`). */
int consume(const unsigned char *buf, int len);

static unsigned char buffer[65536];

int run_copy(int n, int len) {
  for (int i = 0; i < len; i++)
    buffer[i] = (unsigned char)i;
  const unsigned char *p = len ? buffer : 0;
  int acc = 0;
  _Pragma("clang loop unroll(disable)") for (int i = 0; i < n; i++) acc += consume(p, len);
  return acc;
}
