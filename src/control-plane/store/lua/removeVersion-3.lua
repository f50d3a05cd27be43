-- removeVersion-3: removes a published version and its holds on its code and its layers' code, unless an
-- alias routes to it.
-- KEYS[1] function key, KEYS[2] versions hash, KEYS[3] aliases hash (name → alias JSON).
-- ARGV[1] version number, ARGV[2] code-holders key prefix, ARGV[3] the version's holder id.
-- Returns {'removed', record JSON}, {'no-function'}, {'no-version'}, or {'in-use', alias names…} (sorted).
if redis.call('EXISTS', KEYS[1]) == 0 then return {'no-function'} end
local json = redis.call('HGET', KEYS[2], ARGV[1])
if not json then return {'no-version'} end
local users = {}
for _, aliasJson in ipairs(redis.call('HVALS', KEYS[3])) do
  local alias = cjson.decode(aliasJson)
  local weights = alias['additionalVersionWeights']
  if alias['functionVersion'] == ARGV[1] or (type(weights) == 'table' and weights[ARGV[1]] ~= nil) then
    table.insert(users, alias['name'])
  end
end
if #users > 0 then
  table.sort(users)
  return {'in-use', unpack(users)}
end
redis.call('HDEL', KEYS[2], ARGV[1])
local record = cjson.decode(json)
redis.call('SREM', ARGV[2] .. record['code']['sha256Hex'], ARGV[3])
if type(record['layers']) == 'table' then
  for _, layer in ipairs(record['layers']) do redis.call('SREM', ARGV[2] .. layer['code']['sha256Hex'], ARGV[3]) end
end
return {'removed', json}
