-- replaceFunction-1: replaces a function's record while its RevisionId is still the expected one, and moves
-- its hold from the old code to the new when the code changed.
-- KEYS[1] function key.
-- ARGV[1] expected RevisionId, ARGV[2] new record JSON, ARGV[3] code-holders key prefix, ARGV[4] holder id.
-- Returns 1 when replaced, 0 when there is no such function, -1 when the RevisionId differs.
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local old = cjson.decode(current)
if old['revisionId'] ~= ARGV[1] then return -1 end
local oldSha = old['code']['sha256Hex']
local newSha = cjson.decode(ARGV[2])['code']['sha256Hex']
redis.call('SET', KEYS[1], ARGV[2])
if oldSha ~= newSha then
  redis.call('SREM', ARGV[3] .. oldSha, ARGV[4])
  redis.call('SADD', ARGV[3] .. newSha, ARGV[4])
end
return 1
