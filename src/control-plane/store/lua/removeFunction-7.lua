-- removeFunction-7: removes a function with all it owns (tags, published versions, aliases, reserved
-- concurrency) and every hold they had on code (their own and their layers'), atomically.
-- KEYS[1] function key, KEYS[2] name index, KEYS[3] tags hash, KEYS[4] versions hash, KEYS[5] aliases hash,
-- KEYS[6] last version number, KEYS[7] reserved concurrency hash (name → n).
-- ARGV[1] name, ARGV[2] code-holders key prefix, ARGV[3] `$LATEST`'s holder id, ARGV[4] the prefix of its
-- versions' holder ids (the number follows).
-- Returns false when there was no function, else {`$LATEST` JSON, SHA-256 of each code let go…}.
local removed = {}
local function release(record, holder)
  redis.call('SREM', ARGV[2] .. record['code']['sha256Hex'], holder)
  table.insert(removed, record['code']['sha256Hex'])
  if type(record['layers']) == 'table' then
    for _, layer in ipairs(record['layers']) do
      redis.call('SREM', ARGV[2] .. layer['code']['sha256Hex'], holder)
      table.insert(removed, layer['code']['sha256Hex'])
    end
  end
end
local current = redis.call('GET', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3])
local versions = redis.call('HGETALL', KEYS[4])
for i = 1, #versions, 2 do
  release(cjson.decode(versions[i + 1]), ARGV[4] .. versions[i])
end
redis.call('DEL', KEYS[4], KEYS[5], KEYS[6])
redis.call('HDEL', KEYS[7], ARGV[1])
if not current then return false end
redis.call('DEL', KEYS[1])
release(cjson.decode(current), ARGV[3])
table.insert(removed, 1, current)
return removed
