-- removeMessages-6: deletes messages by receipt: only a message's latest token deletes it (an older one,
-- or one of a former queue of that name, is a no-op, as in AWS).
-- KEYS[1] the queue's hash, KEYS[2] messages, KEYS[3] state (id → "count:firstReceive:token"),
--   KEYS[4] visible, KEYS[5] inflight, KEYS[6] sent.
-- ARGV[1] the queue generation of the receipts, ARGV[2..] id, token, id, token…
-- Returns -1 when the queue is missing, else {1 deleted | 0 not, …} per receipt.
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local current = redis.call('HGET', KEYS[1], 'generation') == ARGV[1]
local out = {}
for i = 2, #ARGV, 2 do
  local id = ARGV[i]
  local state = current and redis.call('HGET', KEYS[3], id)
  if state and string.match(state, '^%d+:%d+:(.*)$') == ARGV[i + 1] then
    redis.call('HDEL', KEYS[2], id)
    redis.call('HDEL', KEYS[3], id)
    redis.call('ZREM', KEYS[4], id)
    redis.call('ZREM', KEYS[5], id)
    redis.call('ZREM', KEYS[6], id)
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
return out
