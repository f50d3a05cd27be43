-- removeTags-2: removes tags of a function.
-- KEYS[1] function key, KEYS[2] tags hash.
-- ARGV tag keys.
-- Returns 1, or 0 when the function is missing.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if #ARGV > 0 then redis.call('HDEL', KEYS[2], unpack(ARGV)) end
return 1
