#define LIB_ID 8
#include "tenlib.h"
