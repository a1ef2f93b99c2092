-- ARGV: field, owner, lease in ms. Pushes a live claim's lease forward while
-- its send is in flight, so a slow relay never lets a second worker in.
-- Returns 1, or 0 when the claim is no longer this owner's.
-- KEYS[1] the campaign namespace's record hash, KEYS[2] its status counts.

--- @include "includes/now-ms"

local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local rec = cjson.decode(raw)
if rec.status ~= 'sending' or rec.owner ~= ARGV[2] then return 0 end
rec.leaseUntil = now_ms() + tonumber(ARGV[3])
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(rec))
return 1
