-- removeRole-4: deletes a role that has no policies left, as IAM requires.
-- KEYS[1] the index of role names, KEYS[2] the role, KEYS[3] its inline policies (hash), KEYS[4] its attached policies (sorted set).
-- ARGV[1] lower-cased name.
-- Returns 'deleted', 'missing', 'has-attached' or 'has-inline'.
if redis.call('EXISTS', KEYS[2]) == 0 then return 'missing' end
if redis.call('ZCARD', KEYS[4]) > 0 then return 'has-attached' end
if redis.call('HLEN', KEYS[3]) > 0 then return 'has-inline' end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
redis.call('ZREM', KEYS[1], ARGV[1])
return 'deleted'
