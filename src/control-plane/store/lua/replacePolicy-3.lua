-- replacePolicy-3: writes (or removes) the resource-based policy of one qualifier of a function while its
-- RevisionId is still the expected one and what the qualifier names still exists, so that a statement is
-- never added twice, lost to a concurrent change, or left behind by a version or alias deleted meanwhile.
-- KEYS[1] function key, KEYS[2] the hash holding the qualifier (versions or aliases; the function key for
-- $LATEST), KEYS[3] policies hash (qualifier → policy JSON).
-- ARGV[1] qualifier, ARGV[2] the version or alias to find in KEYS[2] ('' for $LATEST),
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
