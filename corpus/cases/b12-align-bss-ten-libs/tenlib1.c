#define LIB_ID 1
#include "tenlib.h"
