/* How this case configures Lua (the 5.4.7 sources from crates.io's lua-src, fetched at set-up:
 * case.toml's `vendor = "lua"`), for its wasm builds and its native reference build alike. Included
 * before any Lua source by every file of the program. */

/* loadlib.c's dlfcn implementation: package.loadlib and the C searchers call dlopen/dlsym. */
#define LUA_USE_DLOPEN

/* lstate.h's type for the hook flag: wasi-libc's <signal.h> refuses to be included. */
#define l_signalT int

/* Deterministic: the string-hash seed (time and addresses otherwise, so the order of `pairs` would
 * differ from run to run and from the native build) and table.sort's pivot (clock() otherwise,
 * which WASI lacks). */
#define luai_makeseed(L) 0x5eedu
#define l_randomizePivot() 0u
