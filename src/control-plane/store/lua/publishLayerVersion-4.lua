-- publishLayerVersion-4: stores a new layer version under the layer's next number (numbers are never
-- reused: the counter outlives the versions), lists the layer, and makes the version hold its code.
-- KEYS[1] versions hash (number → version JSON without its number), KEYS[2] last version number,
-- KEYS[3] layer name index (sorted set, lexicographic), KEYS[4] holders of the version's code (set).
-- ARGV[1] version JSON, ARGV[2] layer name, ARGV[3] the prefix of its versions' holder ids (the number follows).
-- Returns the new version's number.
local version = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], version, ARGV[1])
redis.call('ZADD', KEYS[3], 0, ARGV[2])
redis.call('SADD', KEYS[4], ARGV[3] .. version)
return version
