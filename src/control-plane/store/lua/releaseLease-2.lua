-- releaseLease-2: returns an invocation's concurrency lease (it is over): removes it from the function's
-- leases and from the unreserved pool's (it is in the first only when taken from a reservation).
-- One script rather than MULTI: one command to write, and no transaction object built per invocation.
-- KEYS[1] the function's leases (sorted set), KEYS[2] the unreserved pool's leases (sorted set).
-- ARGV[1] lease id.
-- Returns how many of the two sets held it.
return redis.call('ZREM', KEYS[1], ARGV[1]) + redis.call('ZREM', KEYS[2], ARGV[1])
