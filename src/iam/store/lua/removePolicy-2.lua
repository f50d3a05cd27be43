-- removePolicy-2: deletes a customer-managed policy that no role has attached, as IAM requires.
-- KEYS[1] the policy (JSON string), KEYS[2] its attachments (set of role names).
-- Returns 'deleted', 'missing' or 'attached'.
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
if redis.call('SCARD', KEYS[2]) > 0 then return 'attached' end
redis.call('DEL', KEYS[1], KEYS[2])
return 'deleted'
