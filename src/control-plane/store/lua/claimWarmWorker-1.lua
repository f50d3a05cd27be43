-- claimWarmWorker-1: the warm registry's placement read. Among the live workers given, picks the one that
-- holds the most idle environments of one environment key and claims one of them (its idle count drops by
-- one until that worker reports its count again); also names the worker holding the most environments of
-- that key at all (busy or not), where an invocation can wait for one to free up.
-- KEYS[1] the key's warm hash: <workerId> → idle environments, <workerId>:all → all its environments
-- (worker ids have no ':').
-- ARGV the live workers' ids, the caller's preferred first (ties go to the earlier one).
-- Returns { warm worker id or '', worker with the most environments or '' }.
local rank = {}
for i, id in ipairs(ARGV) do rank[id] = i end
local fields = redis.call('HGETALL', KEYS[1])
local warm, warmIdle, warmRank = '', 0, 0
local most, mostAll, mostRank = '', 0, 0
for i = 1, #fields, 2 do
  local field, count = fields[i], tonumber(fields[i + 1]) or 0
  local id = string.match(field, '^(.*):all$')
  if id then
    local r = rank[id]
    if r and (count > mostAll or (count == mostAll and count > 0 and r < mostRank)) then most, mostAll, mostRank = id, count, r end
  else
    local r = rank[field]
    if r and (count > warmIdle or (count == warmIdle and count > 0 and r < warmRank)) then warm, warmIdle, warmRank = field, count, r end
  end
end
if warm ~= '' then redis.call('HINCRBY', KEYS[1], warm, -1) end
return { warm, most }
