-- removeQueue-7: deletes a queue and its messages.
-- KEYS[1] the index of queue names, KEYS[2] the queue's hash, KEYS[3] messages, KEYS[4] state,
--   KEYS[5] visible, KEYS[6] inflight, KEYS[7] sent.
-- ARGV[1] name.
-- Returns 1, or 0 when the queue is missing.
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7])
redis.call('ZREM', KEYS[1], ARGV[1])
return 1
