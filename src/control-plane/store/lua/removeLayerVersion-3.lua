-- removeLayerVersion-3: removes a layer version, its hold on its code and its policy; a layer left without
-- versions leaves the index (its version counter stays, so numbers are never reused).
-- KEYS[1] versions hash, KEYS[2] layer name index, KEYS[3] layer policies hash (version → policy JSON).
-- ARGV[1] version number, ARGV[2] code-holders key prefix, ARGV[3] the version's holder id, ARGV[4] layer name.
-- Returns the removed version's JSON, or false when there was none.
local json = redis.call('HGET', KEYS[1], ARGV[1])
if not json then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('SREM', ARGV[2] .. cjson.decode(json)['code']['sha256Hex'], ARGV[3])
if redis.call('HLEN', KEYS[1]) == 0 then redis.call('ZREM', KEYS[2], ARGV[4]) end
return json
