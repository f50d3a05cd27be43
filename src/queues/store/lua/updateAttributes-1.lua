-- updateAttributes-1: sets attributes of an existing queue.
-- KEYS[1] the queue's hash.
-- ARGV[1] modified (s), ARGV[2..] attribute field, value, field, value… (fields `a:<Name>`).
-- Returns 1, or 0 when the queue is missing.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'modified', ARGV[1], unpack(ARGV, 2))
return 1
