-- replaceFunction-1: replaces a function's record while its RevisionId is still the expected one, and moves
-- its holds from the code it no longer uses to the code it now uses (its own and its layers').
-- KEYS[1] function key.
-- ARGV[1] expected RevisionId, ARGV[2] new record JSON, ARGV[3] code-holders key prefix, ARGV[4] holder id.
-- Returns 1 when replaced, 0 when there is no such function, -1 when the RevisionId differs.
local function held(record)
  local shas = { [record['code']['sha256Hex']] = true }
  if type(record['layers']) == 'table' then
    for _, layer in ipairs(record['layers']) do shas[layer['code']['sha256Hex']] = true end
  end
  return shas
end
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local old = cjson.decode(current)
if old['revisionId'] ~= ARGV[1] then return -1 end
local before = held(old)
local after = held(cjson.decode(ARGV[2]))
redis.call('SET', KEYS[1], ARGV[2])
for sha in pairs(before) do
  if not after[sha] then redis.call('SREM', ARGV[3] .. sha, ARGV[4]) end
end
for sha in pairs(after) do
  if not before[sha] then redis.call('SADD', ARGV[3] .. sha, ARGV[4]) end
end
return 1
