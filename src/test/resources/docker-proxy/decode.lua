-- Runs the proxy judge's JSON reader on stdin, outside haproxy (test/docker/ProxyJudgeJsonTest):
-- lua5.3 decode.lua <docker-api.lua> <strict|service-update|answer>. Prints the top-level string read,
-- as hex bytes, or "refused: <why>".
core = {register_action = function() end} -- haproxy's registry; the judge's actions are not run here
local judge = dofile(arg[1])
local strict = arg[2] ~= "answer"
local ok, read = pcall(judge.decode, io.read("a"), strict, arg[2] == "service-update")
if not ok then
    print("refused: " .. (type(read) == "table" and read.refused or tostring(read)))
elseif type(read) == "table" and read.object then
    print("an object of " .. table.concat(read.keys, ","))
elseif type(read) ~= "string" then
    print("not a string")
else
    print((read:gsub(".", function(c) return string.format("%02x", c:byte()) end)))
end
