-- changeVisibility-4: sets when in-flight messages become visible again (now: at once, and receivers are woken).
-- KEYS[1] the queue's hash, KEYS[2] state (id → "count:firstReceive:token"), KEYS[3] visible,
--   KEYS[4] inflight (id → visibility timeout end, ms).
-- ARGV[1] the queue generation of the receipts, ARGV[2] now (ms), ARGV[3] the wake-up channel,
--   ARGV[4] the queue name, ARGV[5..] id, token, visible from (ms), for each receipt.
-- Returns -1 when the queue is missing, else {1 changed | 0 not in flight under that token, …} per receipt.
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local current = redis.call('HGET', KEYS[1], 'generation') == ARGV[1]
local now = tonumber(ARGV[2])
local wake = false
local out = {}
for i = 5, #ARGV, 3 do
  local id = ARGV[i]
  local state = current and redis.call('HGET', KEYS[2], id)
  local deadline = current and tonumber(redis.call('ZSCORE', KEYS[4], id) or '0')
  if state and string.match(state, '^%d+:%d+:(.*)$') == ARGV[i + 1] and deadline > now then
    redis.call('ZADD', KEYS[3], ARGV[i + 2], id)
    redis.call('ZADD', KEYS[4], ARGV[i + 2], id)
    if tonumber(ARGV[i + 2]) <= now then wake = true end
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
if wake then redis.call('PUBLISH', ARGV[3], ARGV[4]) end
return out
