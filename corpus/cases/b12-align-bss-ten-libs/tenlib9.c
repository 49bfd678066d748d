#define LIB_ID 9
#include "tenlib.h"
