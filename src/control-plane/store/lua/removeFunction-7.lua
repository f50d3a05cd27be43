-- removeFunction-7: removes a function with all it owns (tags, published versions, aliases, reserved
-- concurrency) and every hold they had on code, atomically.
-- KEYS[1] function key, KEYS[2] name index, KEYS[3] tags hash, KEYS[4] versions hash, KEYS[5] aliases hash,
-- KEYS[6] last version number, KEYS[7] reserved concurrency hash (name → n).
-- ARGV[1] name, ARGV[2] code-holders key prefix, ARGV[3] `$LATEST`'s holder id, ARGV[4] the prefix of its
-- versions' holder ids (the number follows).
-- Returns false when there was no function, else {`$LATEST` JSON, SHA-256 of each version's code…}.
local current = redis.call('GET', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3])
local removed = {}
local versions = redis.call('HGETALL', KEYS[4])
for i = 1, #versions, 2 do
  local sha = cjson.decode(versions[i + 1])['code']['sha256Hex']
  redis.call('SREM', ARGV[2] .. sha, ARGV[4] .. versions[i])
  table.insert(removed, sha)
end
redis.call('DEL', KEYS[4], KEYS[5], KEYS[6])
redis.call('HDEL', KEYS[7], ARGV[1])
if not current then return false end
redis.call('DEL', KEYS[1])
redis.call('SREM', ARGV[2] .. cjson.decode(current)['code']['sha256Hex'], ARGV[3])
table.insert(removed, 1, current)
return removed
