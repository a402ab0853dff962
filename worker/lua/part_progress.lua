-- One part of a split job writes its own passes done (field done:<part>), and the job's
-- progress becomes their sum over `parts` (every part's name), of `total`. Only while the job
-- runs. 1 if written.
local record = KEYS[1]
local part, done, total, prefix = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local parts = {unpack(ARGV, 5)}

if redis.call('HGET', record, 'status') ~= 'running' then return 0 end
redis.call('HSET', record, 'done:' .. part, done)
local sum = 0
for _, name in ipairs(parts) do
  sum = sum + (tonumber(redis.call('HGET', record, 'done:' .. name)) or 0)
end
count_passes(prefix, redis.call('HGET', record, 'progress'), sum)
redis.call('HSET', record, 'progress', cjson.encode({done = sum, total = total}))
return 1
