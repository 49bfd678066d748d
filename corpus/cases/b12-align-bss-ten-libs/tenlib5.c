#define LIB_ID 5
#include "tenlib.h"
