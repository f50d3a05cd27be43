-- sendMessages-5: adds messages to a queue and wakes its receivers.
-- KEYS[1] the queue's hash, KEYS[2] messages (id → JSON), KEYS[3] state (id → "count:firstReceive:token"),
--   KEYS[4] visible (id → receivable from, ms), KEYS[5] sent (id → sent, ms).
-- ARGV[1] the wake-up channel, ARGV[2] the queue name (published on it),
--   ARGV[3..] id, message JSON, receivable from (ms), sent (ms), for each message.
-- Returns 1, or 0 when the queue is missing.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for i = 3, #ARGV, 4 do
  local id = ARGV[i]
  redis.call('HSET', KEYS[2], id, ARGV[i + 1])
  redis.call('HSET', KEYS[3], id, '0:0:')
  redis.call('ZADD', KEYS[4], ARGV[i + 2], id)
  redis.call('ZADD', KEYS[5], ARGV[i + 3], id)
end
redis.call('PUBLISH', ARGV[1], ARGV[2])
return 1
