/* The callee module: the kernels, exported. */
#include "kernels.h"

DEFINE_KERNELS()
