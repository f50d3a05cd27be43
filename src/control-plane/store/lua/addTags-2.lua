-- addTags-2: adds or overwrites a function's tags, within the limit on their total.
-- KEYS[1] function key, KEYS[2] tags hash.
-- ARGV[1] limit, ARGV[2..] key, value, key, value…
-- Returns 1 tagged, 0 function missing, -1 the total would pass the limit.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local total = redis.call('HLEN', KEYS[2])
for i = 2, #ARGV, 2 do
  if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 0 then total = total + 1 end
end
if total > tonumber(ARGV[1]) then return -1 end
if #ARGV > 1 then redis.call('HSET', KEYS[2], unpack(ARGV, 2)) end
return 1
