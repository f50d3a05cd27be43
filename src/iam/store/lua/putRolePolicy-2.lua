-- putRolePolicy-2: adds or replaces an inline policy of an existing role.
-- KEYS[1] the role, KEYS[2] its inline policies (hash: name -> document).
-- ARGV[1] policy name, ARGV[2] document.
-- Returns 1, or 0 when the role is missing.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
