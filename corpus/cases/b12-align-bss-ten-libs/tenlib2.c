#define LIB_ID 2
#include "tenlib.h"
