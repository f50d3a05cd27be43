-- removeFunction-3: removes a function, its tags and its hold on its code, atomically.
-- KEYS[1] function key, KEYS[2] name index, KEYS[3] tags hash.
-- ARGV[1] name, ARGV[2] code-holders key prefix, ARGV[3] holder id.
-- Returns the removed record's JSON, or false when there was none.
local current = redis.call('GET', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3])
if not current then return false end
redis.call('DEL', KEYS[1])
redis.call('SREM', ARGV[2] .. cjson.decode(current)['code']['sha256Hex'], ARGV[3])
return current
