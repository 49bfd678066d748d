#define LIB_ID 3
#include "tenlib.h"
