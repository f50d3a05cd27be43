-- replacePolicy-3: writes (or removes) a resource-based policy (of a function's qualifier, or of a layer
-- version) while its RevisionId is still the expected one and what it belongs to still exists, so that a
-- statement is never added twice, lost to a concurrent change, or left behind by a version, alias or
-- layer version deleted meanwhile.
-- KEYS[1] a key that must exist (the function key; a layer's versions hash), KEYS[2] the hash that must
-- hold ARGV[2] (a function's versions or aliases; a layer's versions), KEYS[3] policies hash (field → JSON).
-- ARGV[1] the policy's field in KEYS[3] (a qualifier; a layer version number), ARGV[2] the field to find
-- in KEYS[2] ('' for a function's $LATEST),
-- ARGV[3] expected RevisionId of the current policy ('' when there should be none),
-- ARGV[4] the new policy JSON ('' to remove it).
-- Returns 'stored', 'no-target' or 'moved'.
if redis.call('EXISTS', KEYS[1]) == 0 then return 'no-target' end
if ARGV[2] ~= '' and redis.call('HEXISTS', KEYS[2], ARGV[2]) == 0 then return 'no-target' end
local current = redis.call('HGET', KEYS[3], ARGV[1])
local currentRevision = ''
if current then currentRevision = cjson.decode(current)['revisionId'] end
if currentRevision ~= ARGV[3] then return 'moved' end
if ARGV[4] == '' then
  redis.call('HDEL', KEYS[3], ARGV[1])
else
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[4])
end
return 'stored'
