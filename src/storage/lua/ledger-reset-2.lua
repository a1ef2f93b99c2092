-- ARGV: field, who asked ('' when not known). Puts a failed (or queued) delivery
-- back to queued; never a sent one or a live claim. Records who reset it and when,
-- so the report shows an operator's hand.
-- KEYS[1] the campaign namespace's record hash, KEYS[2] its status counts.

--- @include "includes/now-ms"
--- @include "includes/move-count"

local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return {'0', ''} end
local rec = cjson.decode(raw)
if rec.status ~= 'temporary-failure' and rec.status ~= 'permanent-failure' and rec.status ~= 'queued' then
  return {'0', raw}
end
move(KEYS[2], rec.status, 'queued')
rec.status = 'queued'
rec.updatedAt = now_ms()
if ARGV[2] and ARGV[2] ~= '' then
  rec.retriedBy = ARGV[2]
  rec.retriedAt = rec.updatedAt
end
local out = cjson.encode(rec)
redis.call('HSET', KEYS[1], ARGV[1], out)
return {'1', out}
