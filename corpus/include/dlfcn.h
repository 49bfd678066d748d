/* <dlfcn.h> for dylab: the 2022 wasi-libc has none. The lab's dynamic linker implements these as
 * host imports (module "env"); the values of the RTLD_ flags are glibc's. */
#ifndef DYLAB_DLFCN_H
#define DYLAB_DLFCN_H

#define RTLD_LAZY 0x1
#define RTLD_NOW 0x2
#define RTLD_LOCAL 0x0
#define RTLD_GLOBAL 0x100
#define RTLD_NOLOAD 0x4
#define RTLD_NODELETE 0x1000
#define RTLD_DEFAULT ((void *)0)
#define RTLD_NEXT ((void *)-1)

void *dlopen(const char *filename, int flags);
void *dlsym(void *handle, const char *symbol);
int dlclose(void *handle);
char *dlerror(void);

#endif
