-- Run by sandbox.sh under `kam run --sandbox` with a database as `db`: everything that reaches
-- files, processes, native code or the VM's internals is absent or refused; the database works.
local fails = 0
local function check(cond, what)
	if not cond then
		fails = fails + 1
		print("FAIL: " .. what)
	end
end
local function denied(fn, what)
	local ok, err = pcall(fn)
	check(not ok and tostring(err):find("not allowed in the sandbox", 1, true), what .. ": " .. tostring(err))
end

for _, name in ipairs { "os", "io", "package", "debug", "dofile", "loadfile", "collectgarbage" } do
	check(_G[name] == nil, name .. " is absent")
end
check(string.dump == nil, "string.dump is absent")
check(load("return 1 + 1")() == 2, "load of text works")
check(not pcall(load, "\27Lua", "x", "b"), "load in binary mode is refused")
check(not pcall(load, "\27LuaT\0"), "load of a binary chunk is refused")
local kam = require "kam"
check(kam == _G.kam, "require finds kam")
check(not pcall(require, "os"), "require of anything else fails")
denied(function() kam.open("/tmp/elsewhere") end, "kam.open")
denied(function() kam.config("/etc/passwd") end, "kam.config")
denied(function() kam.csv.read("/etc/passwd") end, "kam.csv.read of a file")
denied(function() kam.csv.write("/tmp/x.csv", { "a" }, {}) end, "kam.csv.write to a file")
denied(function() db:import("accounts", "/etc/passwd") end, "db:import")
denied(function() db:import_book { { "accounts", "/etc/passwd" } } end, "db:import_book")
denied(function() db:export("accounts", "/tmp/x.csv") end, "db:export to a file")
denied(function() db:backup("/tmp/x") end, "db:backup")
denied(function() kam.load_plugin("/tmp/x.so") end, "kam.load_plugin")
denied(function() kam.load_model("/tmp/x.lua") end, "kam.load_model")
denied(function() db:segment { config = "/tmp/x.lua" } end, "db:segment with a config file")
-- what a script from others may do: read and write the database it was given
assert(db:write(function(tx) return tx:put("account", { id = "S1", name = "from the sandbox" }) end))
check(db:get("account", "S1").name == "from the sandbox", "the database works")
if fails > 0 then error(fails .. " sandbox checks failed", 0) end
print("sandbox ok")
