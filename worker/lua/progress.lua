-- A running job's passes `done` of `total`, and their rise counted; a job that has ended (or
-- was deleted) stays as it is. 1 if written.
local record = KEYS[1]
local done, total, prefix = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]

if redis.call('HGET', record, 'status') ~= 'running' then return 0 end
count_passes(prefix, redis.call('HGET', record, 'progress'), done)
redis.call('HSET', record, 'progress', cjson.encode({done = done, total = total}))
return 1
