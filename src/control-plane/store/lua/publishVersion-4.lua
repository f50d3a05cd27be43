-- publishVersion-4: stores a new published version while `$LATEST` is still the revision it was made from
-- and no other version was published meanwhile; the version holds its code and its layers' code.
-- KEYS[1] function key, KEYS[2] versions hash (number → record JSON), KEYS[3] last version number
-- (string; absent before the first publish), KEYS[4] holders of the version's code (set).
-- ARGV[1] expected `$LATEST` RevisionId, ARGV[2] expected last version number ("0" for none),
-- ARGV[3] the new version's number, ARGV[4] its record JSON, ARGV[5] its holder id,
-- ARGV[6] `$LATEST`'s record JSON with its new RevisionId, ARGV[7] code-holders key prefix (for the layers' code).
-- Returns 1 when published, 0 when there is no such function, -1 when `$LATEST`'s RevisionId differs,
-- -2 when another version was published meanwhile.
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if cjson.decode(current)['revisionId'] ~= ARGV[1] then return -1 end
local last = redis.call('GET', KEYS[3]) or '0'
if last ~= ARGV[2] then return -2 end
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
redis.call('SET', KEYS[3], ARGV[3])
redis.call('SADD', KEYS[4], ARGV[5])
local layers = cjson.decode(ARGV[4])['layers']
if type(layers) == 'table' then
  for _, layer in ipairs(layers) do redis.call('SADD', ARGV[7] .. layer['code']['sha256Hex'], ARGV[5]) end
end
redis.call('SET', KEYS[1], ARGV[6])
return 1
