-- removeRolePolicy-2: deletes an inline policy.
-- KEYS[1] the role, KEYS[2] its inline policies. ARGV[1] policy name.
-- Returns 'deleted', 'missing-role' or 'missing-policy'.
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing-role' end
if redis.call('HDEL', KEYS[2], ARGV[1]) == 0 then return 'missing-policy' end
return 'deleted'
