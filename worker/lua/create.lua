-- Record a queued job if its result's `reserve` fits beside the reserves of the jobs in flight,
-- in both budgets: the record's `fields` (a flat list of names and values) with its time to
-- live, the id in the in-flight set and in the indexes (scores up to `oldest` dropped from
-- them). {1, 0}; else {0, bytes reserved in all} or {-1, the owner's bytes reserved}.
local record, index, owner_index = KEYS[1], KEYS[2], KEYS[3]
local job_id, owner, reserve = ARGV[1], ARGV[2], tonumber(ARGV[3])
local created, oldest, ttl = ARGV[4], ARGV[5], ARGV[6]
local budget, owner_budget, prefix = tonumber(ARGV[7]), tonumber(ARGV[8]), ARGV[9]
local fields = {unpack(ARGV, 10)}

if owner == '' then owner = nil end
local all, by = reserved(prefix, job_id)
if all + reserve > budget then return {0, all} end
if owner and owner_budget > 0 and (by[owner] or 0) + reserve > owner_budget then
  return {-1, by[owner] or 0}
end
redis.call('HSET', record, unpack(fields))
redis.call('EXPIRE', record, ttl)
redis.call('SADD', prefix .. 'results:inflight', job_id)
for _, key in ipairs({index, owner_index}) do
  redis.call('ZADD', key, created, job_id)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', oldest)
  redis.call('EXPIRE', key, ttl)
end
return {1, 0}
