-- claimWarmWorker-1: the warm registry's placement read. Among the live workers given, picks the one that
-- holds the most idle environments of one environment key and claims one of them (its idle count drops by
-- one until that worker reports its count again); also names the worker holding the most environments of
-- that key at all (busy or not), where an invocation can wait for one to free up.
-- KEYS[1] the key's warm hash: <workerId> → idle environments, <workerId>:all → all its environments.
-- ARGV the live workers' ids, the caller's preferred first (ties go to the earlier one).
-- Returns { warm worker id or '', worker with the most environments or '' }.
local warm, warmIdle, most, mostAll = '', 0, '', 0
for _, id in ipairs(ARGV) do
  local counts = redis.call('HMGET', KEYS[1], id, id .. ':all')
  local idle, all = tonumber(counts[1]) or 0, tonumber(counts[2]) or 0
  if idle > warmIdle then warm, warmIdle = id, idle end
  if all > mostAll then most, mostAll = id, all end
end
if warm ~= '' then redis.call('HINCRBY', KEYS[1], warm, -1) end
return { warm, most }
