-- Runs freeswitch_authorize.lua as FreeSWITCH's mod_lua would, with a session that prints
-- what the script does to it, one line per call: "set NAME=VALUE", "hangup CAUSE",
-- "log LEVEL TEXT". The script's fixed paths of Python and fs_authorize.py are replaced by
-- the test's. Arguments: the Lua script, the Python, fs_authorize.py, then the call's
-- uuid, accountcode, caller_id_number and destination_number.
local lua_script, python, fs_script = arg[1], arg[2], arg[3]
local uuid = arg[4]
local variables = {accountcode = arg[5], caller_id_number = arg[6], destination_number = arg[7]}

local installed = "/opt/telcocore/bin/python /opt/telcocore/fs_authorize.py"
local real_popen = io.popen
io.popen = function(command)
  local first, last = string.find(command, installed, 1, true)
  assert(first == 1, "the script runs another command: " .. command)
  return real_popen(python .. " " .. fs_script .. string.sub(command, last + 1))
end

session = {}
function session:get_uuid() return uuid end
function session:getVariable(name) return variables[name] end
function session:setVariable(name, value) print("set " .. name .. "=" .. value) end
function session:hangup(cause) print("hangup " .. cause) end
freeswitch = {consoleLog = function(level, text) io.write("log " .. level .. " " .. text) end}

dofile(lua_script)
