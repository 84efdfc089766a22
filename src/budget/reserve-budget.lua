-- Daily budgets: holds a model call's worst case against every limited scope (user, channel, workspace) at once, and
-- says how much the other calls in flight already hold there. One hash per scope maps each reservation id to
-- "expires-at usd-micros tokens"; an entry past its time is a call whose worker died (a live one renews its entry),
-- and is dropped here. Being one script, two workers reserving at once are ordered: the later sees the earlier.
-- The caller then adds what Postgres has recorded today and decides (src/budget/create-limit-guard.ts); the same
-- call with the same id renews the reservation's expiry.
--
-- KEYS[i]  one hash per limited scope
-- ARGV[1]  now, ms
-- ARGV[2]  how long the reservation holds unless renewed, ms
-- ARGV[3]  the reservation id
-- ARGV[4]  the worst case in micro-dollars (an integer)
-- ARGV[5]  the worst case in tokens
--
-- Returns { usd-micros held by others in KEYS[1], tokens held by others in KEYS[1], same for KEYS[2], ... }.

local now = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local id = ARGV[3]
local held = {}
for _, key in ipairs(KEYS) do
  local usd, tokens = 0, 0
  local entries = redis.call('HGETALL', key)
  for i = 1, #entries, 2 do
    if entries[i] ~= id then
      local expires, u, t = string.match(entries[i + 1], '^(%d+) (%d+) (%d+)$')
      if expires and tonumber(expires) > now then
        usd = usd + tonumber(u)
        tokens = tokens + tonumber(t)
      else
        redis.call('HDEL', key, entries[i])
      end
    end
  end
  redis.call('HSET', key, id, string.format('%d %d %d', now + ttl, tonumber(ARGV[4]), tonumber(ARGV[5])))
  redis.call('PEXPIRE', key, ttl)
  held[#held + 1] = usd
  held[#held + 1] = tokens
end
return held
