-- Stop releasing a sweep's children: a running sweep becomes cancelled (its children are
-- cancelled one by one by the caller). The status it had; nil if unknown.
local sweep = KEYS[1]
local finished_at = ARGV[1]

local status = redis.call('HGET', sweep, 'status')
if status == 'running' then
  redis.call('HSET', sweep, 'status', 'cancelled', 'finished_at', finished_at)
end
return status
