/* The Lua 5.4 standard libraries the program opens (package is loadlib.c, with LUA_USE_DLOPEN), one of
 * the program's three files. Not built: io and os (tmpfile, tmpnam and system, which WASI lacks) and
 * linit.c (main.c opens the libraries itself). */
#include "lua_config.h"

#include "lauxlib.c"
#include "lbaselib.c"
#include "lcorolib.c"
#include "lmathlib.c"
#include "loadlib.c"
#include "lstrlib.c"
#include "ltablib.c"
#include "lutf8lib.c"
