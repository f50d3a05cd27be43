-- acquireLease-3: takes a concurrency lease for one invocation of a function: from its reservation when it
-- has one, else from the account's unreserved pool (the account limit less every reservation). Leases
-- carry an expiry that their holder renews; expired ones (a holder that died) are dropped first.
-- KEYS[1] reserved concurrency hash (name → n), KEYS[2] the function's leases (sorted set, id → expiry ms),
-- KEYS[3] the unreserved pool's leases (sorted set, id → expiry ms).
-- ARGV[1] function name, ARGV[2] lease id, ARGV[3] now (ms), ARGV[4] the lease's expiry (ms),
-- ARGV[5] account concurrency limit.
-- Returns 'reserved' or 'unreserved' (where it was taken), or 'function' / 'account' (the limit reached).
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
local reserved = redis.call('HGET', KEYS[1], ARGV[1])
if reserved then
  if redis.call('ZCARD', KEYS[2]) >= tonumber(reserved) then return 'function' end
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
  return 'reserved'
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[3])
local total = 0
for _, n in ipairs(redis.call('HVALS', KEYS[1])) do total = total + tonumber(n) end
if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[5]) - total then return 'account' end
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
return 'unreserved'
