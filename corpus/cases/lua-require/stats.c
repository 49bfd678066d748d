/* A Lua C module, built as the side module stats.wasm; `require "stats"` loads it through Lua's
 * package.loadlib (loadlib.c: dlopen, then dlsym of luaopen_stats). It calls Lua's C API, which the
 * main program defines, and Lua calls the functions it registers through their pointers. */
#include "lua.h"
#include "lauxlib.h"

/* stats.sum(t): the sum of t[1..#t]. */
static int stats_sum(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_Integer n = luaL_len(L, 1);
  lua_Number sum = 0;
  for (lua_Integer i = 1; i <= n; i++) {
    lua_geti(L, 1, i);
    sum += luaL_checknumber(L, -1);
    lua_pop(L, 1);
  }
  lua_pushnumber(L, sum);
  return 1;
}

/* stats.map(t, f): a new table {f(t[1]), ..., f(t[#t])}; calls back into Lua. */
static int stats_map(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_Integer n = luaL_len(L, 1);
  lua_createtable(L, (int)n, 0);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_pushvalue(L, 2);
    lua_geti(L, 1, i);
    lua_call(L, 1, 1);
    lua_seti(L, -2, i);
  }
  return 1;
}

/* stats.adder(n): a C closure with n as its upvalue, returning n + x. */
static int adder_call(lua_State *L) {
  lua_pushinteger(L, lua_tointeger(L, lua_upvalueindex(1)) + luaL_checkinteger(L, 1));
  return 1;
}

static int stats_adder(lua_State *L) {
  luaL_checkinteger(L, 1);
  lua_pushvalue(L, 1);
  lua_pushcclosure(L, adder_call, 1);
  return 1;
}

/* stats.counter(start): a userdata with methods (add, value), __tostring and a finalizer. */
typedef struct {
  lua_Integer value;
  int adds;
} counter;

static counter *check_counter(lua_State *L) {
  return (counter *)luaL_checkudata(L, 1, "stats.counter");
}

static int counter_add(lua_State *L) {
  counter *c = check_counter(L);
  c->value += luaL_optinteger(L, 2, 1);
  c->adds++;
  lua_settop(L, 1);
  return 1; /* the counter, so calls chain */
}

static int counter_value(lua_State *L) {
  lua_pushinteger(L, check_counter(L)->value);
  return 1;
}

static int counter_tostring(lua_State *L) {
  counter *c = check_counter(L);
  lua_pushfstring(L, "counter(%I after %d adds)", (LUAI_UACINT)c->value, c->adds);
  return 1;
}

static int counter_gc(lua_State *L) {
  counter *c = check_counter(L);
  lua_writestring("stats: a counter is collected at ", 33);
  lua_pushfstring(L, "%I", (LUAI_UACINT)c->value);
  lua_writestring(lua_tostring(L, -1), lua_rawlen(L, -1));
  lua_writeline();
  return 0;
}

static int stats_counter(lua_State *L) {
  counter *c = (counter *)lua_newuserdatauv(L, sizeof(counter), 0);
  c->value = luaL_optinteger(L, 1, 0);
  c->adds = 0;
  luaL_setmetatable(L, "stats.counter");
  return 1;
}

static const luaL_Reg counter_methods[] = {
    {"add", counter_add},
    {"value", counter_value},
    {NULL, NULL},
};

static const luaL_Reg counter_meta[] = {
    {"__tostring", counter_tostring},
    {"__gc", counter_gc},
    {NULL, NULL},
};

static const luaL_Reg stats_functions[] = {
    {"sum", stats_sum},
    {"map", stats_map},
    {"adder", stats_adder},
    {"counter", stats_counter},
    {NULL, NULL},
};

/* require passes the module's name and where the searcher found it. */
int luaopen_stats(lua_State *L) {
  const char *from = luaL_optstring(L, 2, "?");
  luaL_newmetatable(L, "stats.counter");
  luaL_setfuncs(L, counter_meta, 0);
  luaL_newlib(L, counter_methods);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  luaL_newlib(L, stats_functions);
  lua_pushstring(L, from);
  lua_setfield(L, -2, "loaded_from");
  return 1;
}
