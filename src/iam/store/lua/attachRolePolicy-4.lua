-- attachRolePolicy-4: attaches a managed policy to an existing role (again: no change).
-- KEYS[1] the role, KEYS[2] its attached policies (sorted set of ARNs, scored by attach order),
-- KEYS[3] the policy's attachments (set of lower-cased role names), KEYS[4] the customer-managed policy.
-- ARGV[1] policy ARN, ARGV[2] lower-cased role name, ARGV[3] '1' when KEYS[4] must exist (not an AWS-managed policy).
-- Returns 'attached', 'missing-role' or 'missing-policy'.
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing-role' end
if ARGV[3] == '1' and redis.call('EXISTS', KEYS[4]) == 0 then return 'missing-policy' end
if redis.call('ZSCORE', KEYS[2], ARGV[1]) == false then
  local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
  local next = 1
  if #last == 2 then next = tonumber(last[2]) + 1 end
  redis.call('ZADD', KEYS[2], next, ARGV[1])
end
redis.call('SADD', KEYS[3], ARGV[2])
return 'attached'
