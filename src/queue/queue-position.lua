-- Where a queued message stands, for the herald (src/ingress/herald.ts), read in one step so the answer is coherent.
--
-- KEYS[1]  the job's hash (BullMQ: <prefix>:inbound:<job id>)
-- KEYS[2]  the queue's wait list (<prefix>:inbound:wait)
-- KEYS[3]  the queue's active list (<prefix>:inbound:active)
-- KEYS[4]  the job's thread line (see join-line.lua)
-- KEYS[5]  the job's thread slot (see take-thread-slot.lua)
-- ARGV[1]  the job id
--
-- Returns { state, ahead }: 'gone' (finished, or removed), 'started' (a worker has it: its own sign shows),
-- 'behind' (an earlier message of its thread is being answered), or 'waiting' with the number of jobs workers take
-- before it (-1 when unknown: delayed for a retry, or being moved).

if redis.call('exists', KEYS[1]) == 0 or redis.call('hexists', KEYS[1], 'finishedOn') == 1 then return { 'gone', -1 } end
local holder = redis.call('get', KEYS[5])
if holder == ARGV[1] then return { 'started', -1 } end
-- Another message of the thread is being answered: that answer is what the thread shows.
if holder then return { 'behind', -1 } end
-- BullMQ adds a job at the wait list's head (LPUSH) and workers take from its tail (RPOPLPUSH): the jobs taken before
-- this one are those to its right.
local length = redis.call('llen', KEYS[2])
local at = redis.call('lpos', KEYS[2], ARGV[1])
if at then return { 'waiting', length - 1 - at } end
if redis.call('lpos', KEYS[3], ARGV[1]) then return { 'started', -1 } end
-- Stepped aside for an earlier message of its thread that itself still waits: it goes right after that one.
local head = redis.call('zrange', KEYS[4], 0, 0)[1]
if head and head ~= ARGV[1] then
  local headAt = redis.call('lpos', KEYS[2], head)
  if headAt then return { 'waiting', length - headAt } end
end
return { 'waiting', -1 }
