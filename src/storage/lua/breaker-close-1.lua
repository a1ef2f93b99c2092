-- KEYS[1] breaker. ARGV: 'cool-down' | 'operator'. Closes an open breaker when
-- its cool-down is over, or at once for an operator.
-- Returns {'closed', pausedByBreaker} or {'open', ms left} or {'closed-already', '0'}.

--- @include "includes/now-ms"

local now = now_ms()
if redis.call('HGET', KEYS[1], 'state') ~= 'open' then return {'closed-already', '0'} end
local left = tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '0') - now
if ARGV[1] ~= 'operator' and left > 0 then return {'open', tostring(left)} end
local paused = redis.call('HGET', KEYS[1], 'pausedByBreaker') or '0'
redis.call('HSET', KEYS[1], 'state', 'closed', 'failures', 0, 'closedAt', now, 'closedBy', ARGV[1], 'pausedByBreaker', '0')
return {'closed', paused}
