-- Extends a token-guarded lock while the caller still holds it (a long piece of work outlasting the lock's lifetime).
--
-- KEYS[1]  the lock
-- ARGV[1]  the token the caller took it with
-- ARGV[2]  its new lifetime, ms
--
-- Returns 1 when extended, 0 when the lock was gone or held by another token.

if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
