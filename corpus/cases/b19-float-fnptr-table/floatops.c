/* A constant table of float(float) pointers, filled by data relocations at load time: two entries are
 * static functions (__table_base + offset), two are exported ones (GOT.func). Every function records
 * which entry it is, so a call that reaches another float(float) function is detected. */
int last_op = -1;

static float half(float x) { last_op = 0; return x * 0.5f; }
float twice(float x) { last_op = 1; return x * 2.0f; }
static float square(float x) { last_op = 2; return x * x; }
float negate(float x) { last_op = 3; return -x; }

float (*const float_ops[4])(float) = {half, twice, square, negate};
const char *const float_op_names[4] = {"half", "twice", "square", "negate"};
