-- Authorize a call before the bridge: FreeSWITCH's mod_lua runs this from the dialplan,
-- <action application="lua" data="freeswitch_authorize.lua"/>, and it asks telcocore
-- through fs_authorize.py (a Python outside the switch's process).
--
-- Sets telcocore_result (ALLOWED, REFUSED or ERROR); when allowed, hangs the call up
-- max_duration seconds after the answer and ends it in telcocore when it hangs up; when
-- refused, sets telcocore_refusal and hangs up with the cause; on ERROR (telcocore could
-- not be asked) hangs up with TEMPORARY_FAILURE. See docs/howto/dialplan-authorize.md.

local PYTHON = "/opt/telcocore/bin/python"
local SCRIPT = "/opt/telcocore/fs_authorize.py"

local function quoted(text)
  return "'" .. string.gsub(text or "", "'", "'\\''") .. "'"
end

local uuid = session:get_uuid()
local command = table.concat({
  PYTHON, SCRIPT, "start", quoted(uuid),
  quoted(session:getVariable("accountcode")),
  quoted(session:getVariable("caller_id_number")),
  quoted(session:getVariable("destination_number")),
}, " ")

local pipe = io.popen(command)
local answer = pipe:read("*l") or "ERROR fs_authorize.py printed nothing"
pipe:close()

local result, detail, cause = string.match(answer, "^(%u+) ?(%S*) ?(%S*)")
session:setVariable("telcocore_result", result or "ERROR")
if result == "ALLOWED" then
  -- the limit runs from the answer, as the billed seconds do
  session:setVariable("execute_on_answer", "sched_hangup +" .. detail .. " ALLOTTED_TIMEOUT")
  session:setVariable("api_hangup_hook", "system " .. PYTHON .. " " .. SCRIPT .. " end " .. uuid)
elseif result == "REFUSED" then
  session:setVariable("telcocore_refusal", detail)
  session:hangup(cause)
else
  -- telcocore could not be asked: fail closed (remove the hangup to let calls through)
  freeswitch.consoleLog("WARNING", "telcocore: " .. answer .. "\n")
  session:hangup("TEMPORARY_FAILURE")
end
