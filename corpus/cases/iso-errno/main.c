#include <errno.h>
#include <stdio.h>
long parse(const char *s);
int main(void) {
  errno = 0;
  long v = parse("99999999999999999999");
  printf("parse: %ld, errno %s\n", v, errno == ERANGE ? "ERANGE" : errno == 0 ? "0" : "other");
  return 0;
}
