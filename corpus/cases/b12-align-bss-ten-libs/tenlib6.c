#define LIB_ID 6
#include "tenlib.h"
