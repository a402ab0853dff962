-- Queued (or running again, after a lost worker) -> running, noting when and which worker took
-- it; a job whose cancel was asked stays as it is. 1 if it started, else 0.
local record = KEYS[1]
local now, now_epoch, worker = ARGV[1], ARGV[2], ARGV[3]

local status = redis.call('HGET', record, 'status')
if (status == 'queued' or status == 'running') and redis.call('HGET', record, 'cancel') ~= '1'
then
  redis.call('HSET', record, 'status', 'running', 'started_at', now, 'started', now_epoch,
             'worker', worker)
  return 1
end
return 0
