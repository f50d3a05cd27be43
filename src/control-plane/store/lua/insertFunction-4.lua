-- insertFunction-4: stores a new function with its tags and its hold on its code (and its layers' code),
-- atomically.
-- KEYS[1] function key, KEYS[2] name index (sorted set, lexicographic), KEYS[3] tags hash,
-- KEYS[4] holders of the record's code (set).
-- ARGV[1] record JSON, ARGV[2] name, ARGV[3] holder id, ARGV[4] code-holders key prefix (for the layers'
-- code), ARGV[5..] tag key, value, key, value…
-- Returns 1 when stored, 0 when the name is taken.
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  redis.call('ZADD', KEYS[2], 0, ARGV[2])
  redis.call('DEL', KEYS[3])
  if #ARGV > 4 then redis.call('HSET', KEYS[3], unpack(ARGV, 5)) end
  redis.call('SADD', KEYS[4], ARGV[3])
  local layers = cjson.decode(ARGV[1])['layers']
  if type(layers) == 'table' then
    for _, layer in ipairs(layers) do redis.call('SADD', ARGV[4] .. layer['code']['sha256Hex'], ARGV[3]) end
  end
  return 1
end
return 0
