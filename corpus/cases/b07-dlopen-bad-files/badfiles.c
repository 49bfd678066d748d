/* Behaviour 7: files that are not loadable side modules make dlopen fail, never the program. The case
 * folder ships them as-is:
 *   garbage.wasm    a text file
 *   truncated.wasm  a module header followed by a section that runs past the end of the file
 *   empty.wasm      the 8-byte empty module: valid WebAssembly, but no dylink.0 section
 *   badcode.wasm    a dylink.0 side module whose one function does not validate
 * The bytes of the three binaries:
 *   truncated.wasm  00 61 73 6d 01 00 00 00 01 7f 01 60  (type section of 127 bytes, 2 present)
 *   empty.wasm      00 61 73 6d 01 00 00 00
 *   badcode.wasm    00 61 73 6d 01 00 00 00                  header
 *                   00 0f 08 "dylink.0" 01 04 00 00 00 00    dylink.0: mem-info, all zero
 *                   01 04 01 60 00 00  03 02 01 00           type () -> (), one function of it
 *                   0a 05 01 03 00 6a 0b                     body: i32.add on an empty stack; end
 * The messages of the first three come from the loader and are printed whole; badcode's carries the
 * engine's validation error, which differs between engines, so only its shape is printed. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

static void try_open(const char *file, int print_message) {
  void *h = dlopen(file, RTLD_NOW);
  const char *msg = dlerror();
  printf("%s: NULL=%s dlerror=%s names the file=%s\n", file, h ? "no" : "yes", msg ? "set" : "NULL",
         msg && strstr(msg, file) ? "yes" : "no");
  if (msg && print_message) printf("  message: %s\n", msg);
  if (h) dlclose(h);
}

int main(void) {
  try_open("garbage.wasm", 1);
  try_open("truncated.wasm", 1);
  try_open("empty.wasm", 1);
  try_open("badcode.wasm", 0);
  /* A failed load is not remembered as a success. */
  try_open("garbage.wasm", 0);

  void *h = dlopen("goodlib.wasm", RTLD_NOW);
  int *v = h ? (int *)dlsym(h, "goodlib_value") : NULL;
  printf("goodlib.wasm: opened=%s value=%d\n", h ? "yes" : "no", v ? *v : -1);
  puts("the program goes on");
  return 0;
}
