-- putReservedConcurrency-2: reserves concurrency for a function, as long as what the account has left
-- unreserved stays at or above its minimum.
-- KEYS[1] function key, KEYS[2] reserved concurrency hash (name → n).
-- ARGV[1] function name, ARGV[2] reserved concurrency, ARGV[3] account concurrency limit,
-- ARGV[4] minimum unreserved concurrency.
-- Returns 1 when reserved, 0 when there is no such function, -1 when the unreserved pool would fall below its minimum.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local total = tonumber(ARGV[2])
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  if all[i] ~= ARGV[1] then total = total + tonumber(all[i + 1]) end
end
if tonumber(ARGV[3]) - total < tonumber(ARGV[4]) then return -1 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
