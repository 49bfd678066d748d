#define LIB_ID 4
#include "tenlib.h"
