-- countMessages-6: removes the messages past retention, then counts the visible, in-flight and delayed ones.
-- KEYS[1] the queue's hash, KEYS[2] messages, KEYS[3] state, KEYS[4] visible (id → receivable from, ms),
--   KEYS[5] inflight (id → visibility timeout end, ms), KEYS[6] sent (id → sent, ms).
-- ARGV[1] now (ms), ARGV[2] retention period (ms).
-- Returns false when the queue is missing, else {visible, not visible (in flight), delayed}.
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local now = tonumber(ARGV[1])
local expired = redis.call('ZRANGEBYSCORE', KEYS[6], '-inf', now - tonumber(ARGV[2]), 'LIMIT', 0, 1000)
for _, id in ipairs(expired) do
  redis.call('HDEL', KEYS[2], id)
  redis.call('HDEL', KEYS[3], id)
  redis.call('ZREM', KEYS[4], id)
  redis.call('ZREM', KEYS[5], id)
  redis.call('ZREM', KEYS[6], id)
end
local visible = redis.call('ZCOUNT', KEYS[4], '-inf', now)
local inflight = redis.call('ZCOUNT', KEYS[5], '(' .. ARGV[1], '+inf')
local later = redis.call('ZCOUNT', KEYS[4], '(' .. ARGV[1], '+inf')
return { visible, inflight, later - inflight }
