/* <dlfcn.h> for dylab: the 2022 wasi-libc has none. The lab's dynamic linker implements these as
 * host imports (module "env"); the values of the RTLD_ flags are the lab's own. */
#ifndef DYLAB_DLFCN_H
#define DYLAB_DLFCN_H

#define RTLD_LAZY 0x1
#define RTLD_NOW 0x2
#define RTLD_LOCAL 0x0
#define RTLD_GLOBAL 0x100
#define RTLD_DEFAULT ((void *)0)

void *dlopen(const char *filename, int flags);
void *dlsym(void *handle, const char *symbol);
int dlclose(void *handle);
char *dlerror(void);

#endif
