#define LIB_ID 0
#include "tenlib.h"
