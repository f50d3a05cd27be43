-- settleVersion-2: records the outcome of the activation a version was published with (Pending → Active
-- or Failed), while the version is still the revision that activation started from.
-- KEYS[1] versions hash, KEYS[2] holders of the version's code (set; unchanged: the code is the same).
-- ARGV[1] version number, ARGV[2] expected RevisionId, ARGV[3] new record JSON.
-- Returns 1 when settled, 0 when there is no such version, -1 when its RevisionId differs.
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return 0 end
if cjson.decode(current)['revisionId'] ~= ARGV[2] then return -1 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
