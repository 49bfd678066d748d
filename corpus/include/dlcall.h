/* The seed's first fix: call a symbol of a library through the host, so that the program never holds
 * a pointer into another module's table. Arguments are passed as C varargs and read by the host
 * according to the callee's WebAssembly signature (ints, long long, double; floats arrive as double). */
#ifndef DYLAB_DLCALL_H
#define DYLAB_DLCALL_H

void dlcall_void(void *handle, const char *symbol, ...);
int dlcall_int(void *handle, const char *symbol, ...);

#endif
