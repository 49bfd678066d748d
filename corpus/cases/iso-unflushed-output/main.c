/* The program ends while a library's last output, written without a newline, is still in a stdio
 * buffer: exit() must flush it, in whichever libc the library wrote through. */
void say(int n);

int main(void) {
  say(3);
  return 0;
}
