-- purgeQueue-6: deletes every message of a queue.
-- KEYS[1] the queue's hash, KEYS[2] messages, KEYS[3] state, KEYS[4] visible, KEYS[5] inflight, KEYS[6] sent.
-- Returns 1, or 0 when the queue is missing.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
return 1
