#define LIB_ID 7
#include "tenlib.h"
