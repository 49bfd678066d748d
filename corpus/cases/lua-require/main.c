/* Lua 5.4 (its sources fetched at set-up from crates.io's lua-src: case.toml's `vendor = "lua"`) runs
 * lua/main.lua, which requires a Lua module and a C module (stats.c, a side module). This file opens
 * Lua's standard libraries and adds one searcher: the lab's modules are not files of the guest's
 * filesystem (dlopen finds them by name), so where Lua's own C searcher would look for a file along
 * package.cpath, this one asks package.loadlib (loadlib.c: dlopen, dlsym) for `<name>.wasm`. The
 * program's first argument is the folder of the Lua files (/lua in the lab). */
#include "lua_config.h"

#include <stdio.h>
#include <string.h>

#include "lauxlib.h"
#include "lua.h"
#include "lualib.h"

static const char searcher[] =
    "table.insert(package.searchers, function(name)\n"
    "  local file = name .. '.wasm'\n"
    "  local open, err = package.loadlib(file, 'luaopen_' .. name)\n"
    "  if open then return open, file end\n"
    "  return '\\n\\tno module ' .. file .. ': ' .. err\n"
    "end)\n";

static const luaL_Reg libs[] = {
    {LUA_GNAME, luaopen_base},        {LUA_LOADLIBNAME, luaopen_package}, {LUA_COLIBNAME, luaopen_coroutine},
    {LUA_TABLIBNAME, luaopen_table},  {LUA_STRLIBNAME, luaopen_string},   {LUA_MATHLIBNAME, luaopen_math},
    {LUA_UTF8LIBNAME, luaopen_utf8},  {NULL, NULL},
};

/* Runs a chunk; Lua errors raised inside it longjmp, which the lab's setjmp.h turns into a trap, so
 * this reports only errors returned by the load itself. */
static int check(lua_State *L, int status, const char *what) {
  if (status != LUA_OK) {
    printf("%s: %s\n", what, lua_tostring(L, -1));
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "/lua";
  char path[256], script[256];
  snprintf(path, sizeof path, "%s/?.lua", dir);
  snprintf(script, sizeof script, "%s/main.lua", dir);

  lua_State *L = luaL_newstate();
  for (const luaL_Reg *lib = libs; lib->func; lib++) {
    luaL_requiref(L, lib->name, lib->func, 1);
    lua_pop(L, 1);
  }
  lua_getglobal(L, "package");
  lua_pushstring(L, path);
  lua_setfield(L, -2, "path");
  lua_pushstring(L, "");
  lua_setfield(L, -2, "cpath");
  lua_pop(L, 1);

  int failed = check(L, luaL_loadstring(L, searcher), "searcher") || check(L, lua_pcall(L, 0, 0, 0), "searcher") ||
               check(L, luaL_loadfile(L, script), script) || check(L, lua_pcall(L, 0, 0, 0), script);
  lua_close(L);
  printf("lua_close returned\n");
  return failed;
}
