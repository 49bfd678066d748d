/* Helpers for self-checking corpus cases. */
#ifndef DYLAB_H
#define DYLAB_H
#include <stdio.h>

/* A line starting with "wrong-call:" turns the cell's outcome into `wrong-call`. */
#define DYLAB_WRONG_CALL(what) printf("wrong-call: %s\n", (what))

#endif
