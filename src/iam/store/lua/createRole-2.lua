-- createRole-2: creates a role unless one has its name (in any case).
-- KEYS[1] the index of role names (sorted set of lower-cased names, scores 0), KEYS[2] the role (JSON string).
-- ARGV[1] lower-cased name, ARGV[2] the record (JSON).
-- Returns 1 created, 0 existed.
if redis.call('SET', KEYS[2], ARGV[2], 'NX') then
  redis.call('ZADD', KEYS[1], 0, ARGV[1])
  return 1
end
return 0
