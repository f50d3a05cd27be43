-- detachRolePolicy-3: detaches a managed policy from a role.
-- KEYS[1] the role, KEYS[2] its attached policies, KEYS[3] the policy's attachments.
-- ARGV[1] policy ARN, ARGV[2] lower-cased role name.
-- Returns 'detached', 'missing-role' or 'not-attached'.
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing-role' end
if redis.call('ZREM', KEYS[2], ARGV[1]) == 0 then return 'not-attached' end
redis.call('SREM', KEYS[3], ARGV[2])
return 'detached'
