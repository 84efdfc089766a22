-- Takes one slot in every bucket named by KEYS, or none: a shared rate budget (GCRA, the "generic cell rate
-- algorithm") that every process consults, so several workers together stay within a platform's limit.
-- Each bucket stores its theoretical arrival time (TAT, ms): the moment it would be back to a full burst if no
-- further call came. Redis's own clock is used, so processes on machines whose clocks differ still agree.
--
-- KEYS[i]       one bucket per key (all in one hash slot: callers put a {hash tag} in them)
-- ARGV[1]       mode: 'wait' reserves the earliest slot, even a future one (the caller sleeps until then);
--               'try' takes a slot only if one is free now and leaves ARGV[3] slots for calls that must happen
-- ARGV[2]       longest wait, ms, a 'wait' call accepts; past it nothing is reserved
-- ARGV[3]       slots a 'try' call must leave free in each bucket
-- ARGV[2 + 2i]  bucket i's emission interval, ms (one slot frees every interval)
-- ARGV[3 + 2i]  bucket i's burst: how many calls may go back to back when it is idle
--
-- Returns { granted (1 or 0), ms to wait before making the call (or that would have been needed), buckets left }.
-- A bucket is charged only for the moment the call really goes. A future slot is reserved only in the buckets that
-- make the call wait (say a busy channel's); the others are "left" (their 1-based indexes): the caller takes them
-- once the wait is over, with a longest wait of 0, and if one has no slot then it starts over (the reserved slot stays
-- spent, which only ever errs on the side of fewer calls). Charging them now for a later call would instead move their
-- TAT to that later time, and every other call through them (say, to the rest of the workspace) would queue behind it.

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local mode = ARGV[1]
local max_wait = tonumber(ARGV[2])
local keep = tonumber(ARGV[3])

local tats, intervals, waits = {}, {}, {}
local wait = 0
for i = 1, #KEYS do
  local interval = tonumber(ARGV[2 + 2 * i])
  local burst = tonumber(ARGV[3 + 2 * i])
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  if tat < now then tat = now end
  tats[i], intervals[i] = tat, interval
  -- A call conforms once TAT - (burst - 1) * interval has passed; a 'try' also leaves `keep` slots unspent.
  local reserve = (mode == 'try') and keep or 0
  waits[i] = math.max(0, tat + (reserve + 1 - burst) * interval - now)
  if waits[i] > wait then wait = waits[i] end
end

if (mode == 'try' and wait > 0) or wait > max_wait then
  return { 0, math.ceil(wait), {} }
end

local at = now + wait
local left = {}
for i = 1, #KEYS do
  if waits[i] < wait then
    -- Not what the call waits for: taken when the call goes (see above).
    left[#left + 1] = i
  else
    -- Whole milliseconds, rounded up: never a slot early.
    local tat = math.ceil(math.max(tats[i], at) + intervals[i])
    -- The key means nothing once its TAT has passed (a full burst is free again): let Redis drop it then.
    redis.call('SET', KEYS[i], tat, 'PX', math.max(1, tat - now))
  end
end
return { 1, math.ceil(wait), left }
