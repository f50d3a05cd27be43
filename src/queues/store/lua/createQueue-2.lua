-- createQueue-2: creates a queue unless one has the name; either way returns the queue's record.
-- KEYS[1] the index of queue names (sorted set, all scores 0: ordered by name), KEYS[2] the queue's hash.
-- ARGV[1] name, ARGV[2] created (s), ARGV[3] generation, ARGV[4..] attribute field, value, field, value…
--   (fields `a:<Name>`).
-- Returns {1 created | 0 existed, field, value, …} (the hash as it now is).
local created = 0
if redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('HSET', KEYS[2], 'created', ARGV[2], 'modified', ARGV[2], 'generation', ARGV[3], unpack(ARGV, 4))
  redis.call('ZADD', KEYS[1], 0, ARGV[1])
  created = 1
end
local record = redis.call('HGETALL', KEYS[2])
table.insert(record, 1, created)
return record
