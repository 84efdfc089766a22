-- Gives a job its thread's slot (the right to run) when it heads its line and the slot is free or already its own
-- (a retry, or a job handed back at shutdown). The slot is a token-guarded lock holding the job id; taking and
-- keeping it are done here, in the same step as reading the head, so no job can slip in between.
--
-- KEYS[1]  the thread's line (see join-line.lua)
-- KEYS[2]  the thread's slot: a lock whose value is the running job's id
-- ARGV[1]  the job id
-- ARGV[2]  the slot's lifetime, ms
--
-- Returns the line's head when it is another job (the caller checks whether that job is still alive), else 1 when
-- the job holds the slot now, 0 when another job holds it.

local head = redis.call('zrange', KEYS[1], 0, 0)[1]
if head and head ~= ARGV[1] then return head end
local holder = redis.call('get', KEYS[2])
if holder == ARGV[1] then redis.call('pexpire', KEYS[2], ARGV[2]) return 1 end
if holder then return 0 end
redis.call('set', KEYS[2], ARGV[1], 'PX', ARGV[2])
return 1
