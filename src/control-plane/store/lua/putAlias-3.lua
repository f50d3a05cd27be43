-- putAlias-3: creates an alias, or replaces one while its RevisionId is still the expected one; every
-- version it routes to must exist.
-- KEYS[1] function key, KEYS[2] versions hash, KEYS[3] aliases hash (name → alias JSON).
-- ARGV[1] alias name, ARGV[2] alias JSON, ARGV[3] expected RevisionId of the alias ('' to create),
-- ARGV[4..] the published versions it routes to ($LATEST needs no check).
-- Returns {'stored'}, {'no-function'}, {'exists'} (create), {'no-alias'} or {'revision-mismatch'} (update),
-- or {'no-version', number}.
if redis.call('EXISTS', KEYS[1]) == 0 then return {'no-function'} end
local current = redis.call('HGET', KEYS[3], ARGV[1])
if ARGV[3] == '' then
  if current then return {'exists'} end
else
  if not current then return {'no-alias'} end
  if cjson.decode(current)['revisionId'] ~= ARGV[3] then return {'revision-mismatch'} end
end
for i = 4, #ARGV do
  if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 0 then return {'no-version', ARGV[i]} end
end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
return {'stored'}
