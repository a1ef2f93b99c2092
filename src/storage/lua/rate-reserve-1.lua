-- KEYS[1] the limiter; ARGV[1] the spacing in µs. Reserves the next free slot
-- (GCRA, virtual scheduling) and returns the ms to wait for it.
-- Microseconds, not now_ms: slots a millisecond apart would allow no rate above 1000 a second.

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local spacing = tonumber(ARGV[1])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now then slot = now end
local nextSlot = slot + spacing
redis.call('SET', KEYS[1], string.format('%.0f', nextSlot), 'PX', math.ceil((nextSlot - now) / 1000) + 1000)
return math.ceil((slot - now) / 1000)
