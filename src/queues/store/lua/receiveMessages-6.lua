-- receiveMessages-6: removes the messages past retention, then takes up to N receivable messages: each
-- becomes invisible until its visibility timeout ends, its receive count goes up and it gets a new token.
-- KEYS[1] the queue's hash, KEYS[2] messages (id → JSON), KEYS[3] state (id → "count:firstReceive:token"),
--   KEYS[4] visible (id → receivable from, ms), KEYS[5] inflight (id → visibility timeout end, ms),
--   KEYS[6] sent (id → sent, ms).
-- ARGV[1] now (ms), ARGV[2] N, ARGV[3] visibility timeout (ms), ARGV[4] retention period (ms),
--   ARGV[5..4+N] a new token for each message that may be taken.
-- Returns false when the queue is missing, else {next receivable (ms, '' when none), JSON, state, JSON, state…}.
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local now = tonumber(ARGV[1])
local expired = redis.call('ZRANGEBYSCORE', KEYS[6], '-inf', now - tonumber(ARGV[4]), 'LIMIT', 0, 1000)
for _, id in ipairs(expired) do
  redis.call('HDEL', KEYS[2], id)
  redis.call('HDEL', KEYS[3], id)
  redis.call('ZREM', KEYS[4], id)
  redis.call('ZREM', KEYS[5], id)
  redis.call('ZREM', KEYS[6], id)
end
local ids = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
local invisibleUntil = ARGV[1] + tonumber(ARGV[3])
local out = { '' }
for i, id in ipairs(ids) do
  local count, first = string.match(redis.call('HGET', KEYS[3], id) or '0:0:', '^(%d+):(%d+):')
  if first == '0' then first = ARGV[1] end
  local state = (tonumber(count) + 1) .. ':' .. first .. ':' .. ARGV[4 + i]
  redis.call('HSET', KEYS[3], id, state)
  redis.call('ZADD', KEYS[4], invisibleUntil, id)
  redis.call('ZADD', KEYS[5], invisibleUntil, id)
  out[#out + 1] = redis.call('HGET', KEYS[2], id)
  out[#out + 1] = state
end
local nextUp = redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')
if nextUp[2] ~= nil then out[1] = nextUp[2] end
return out
