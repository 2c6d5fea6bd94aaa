-- Checks shared by the Lua tests (loaded with dofile): each failure is reported with its
-- line, and finish() raises when any check failed, so the script exits non-zero.
local T = { passes = 0, fails = 0 }

local function where()
	local info = debug and debug.getinfo(3, "Sl")
	return info and (info.short_src .. ":" .. info.currentline) or "?"
end

function T.check(cond, what)
	if cond then
		T.passes = T.passes + 1
	else
		T.fails = T.fails + 1
		io.stderr:write("FAIL ", where(), ": ", tostring(what), "\n")
	end
	return cond
end

function T.eq(got, want, what)
	if got == want then
		T.passes = T.passes + 1
	else
		T.fails = T.fails + 1
		io.stderr:write("FAIL ", where(), ": ", tostring(what), ": got ", tostring(got),
			", wanted ", tostring(want), "\n")
	end
end

-- fn must raise an error whose text contains `text` (misuse raises).
function T.raises(fn, text)
	local ok, err = pcall(fn)
	local good = not ok and (not text or tostring(err):find(text, 1, true))
	if good then
		T.passes = T.passes + 1
	else
		T.fails = T.fails + 1
		io.stderr:write("FAIL ", where(), ": expected an error containing '", tostring(text),
			"', got ", ok and "no error" or tostring(err), "\n")
	end
end

-- The values must be a runtime failure: nil, a message, the given code.
function T.fails_with(code, v, msg, c)
	local good = v == nil and type(msg) == "string" and #msg > 0 and c == code
	if good then
		T.passes = T.passes + 1
	else
		T.fails = T.fails + 1
		io.stderr:write("FAIL ", where(), ": expected nil, message, ", tostring(code), "; got ",
			tostring(v), ", ", tostring(msg), ", ", tostring(c), "\n")
	end
end

function T.finish()
	print(string.format("%d passed, %d failed", T.passes, T.fails))
	if T.fails > 0 then error("some checks failed", 0) end
end

return T
