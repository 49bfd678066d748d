-- Lua loads a Lua module (helper, a file in the granted folder) and a C module (stats, a side module
-- loaded by package.loadlib: dlopen, dlsym("luaopen_stats")), both through require.
local helper = require "helper"
local stats = require "stats"

print("stats loaded from " .. stats.loaded_from .. ", cached: " .. tostring(package.loaded.stats == stats))
print("require again returns the same table: " .. tostring(require "stats" == stats))

local xs = {3, 1, 4, 1, 5, 9, 2, 6}
print("sum " .. stats.sum(xs))
local squares = stats.map(xs, function(x) return x * x end)
print("squares " .. helper.join(squares))
table.sort(squares)
print("sorted " .. helper.join(squares))

local add10 = stats.adder(10)
print("adder " .. add10(5) .. " " .. add10(-10))

local c = stats.counter(100)
c:add():add(5):add(-2)
print(tostring(c) .. ", value " .. c:value())

local names = {}
for name in pairs(stats) do names[#names + 1] = name end
table.sort(names)
print("functions " .. table.concat(names, ","))
print(string.format("%s %d %.3f %q", _VERSION, 7 // 2, math.pi, "a\tb"))
c = nil
collectgarbage()
print("done")
