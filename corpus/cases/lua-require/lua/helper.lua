-- A Lua module: require finds it with package.path in the folder the case grants (/lua).
local helper = {}

function helper.join(t)
  local parts = {}
  for i = 1, #t do parts[i] = string.format("%g", t[i]) end
  return table.concat(parts, " ")
end

return helper
