-- ARGV: field, initial delivery (JSON), owner, lease in ms.
-- Returns {outcome, record, extra}: claimed | already-sent | permanent-failure | held-by-other.
-- extra is, for held-by-other, the ms left on the live claim; for claimed, the
-- previous owner when this claim took over an expired one (else '').
-- Claiming again with the same owner (ioredis resends a script whose reply was
-- lost when Redis restarted) renews that owner's claim: it is still one sender.
-- KEYS[1] the campaign namespace's record hash, KEYS[2] its status counts.

--- @include "includes/now-ms"
--- @include "includes/move-count"

local now = now_ms()
local raw = redis.call('HGET', KEYS[1], ARGV[1])
local rec
if raw then
  rec = cjson.decode(raw)
else
  rec = cjson.decode(ARGV[2])
  rec.status = 'queued'
  rec.attempts = 0
  rec.queuedAt = now
  rec.updatedAt = now
  move(KEYS[2], nil, 'queued')
end
-- A bounced letter was sent: only an operator's readdress puts it back in the queue.
if rec.status == 'sent' or rec.status == 'bounced' then return {'already-sent', cjson.encode(rec), ''} end
if rec.status == 'permanent-failure' then return {'permanent-failure', cjson.encode(rec), ''} end
local recovered = ''
if rec.status == 'sending' then
  if rec.owner ~= ARGV[3] and tonumber(rec.leaseUntil) > now then
    return {'held-by-other', cjson.encode(rec), tostring(tonumber(rec.leaseUntil) - now)}
  end
  if rec.owner ~= ARGV[3] then
    rec.recoveredFrom = rec.owner
    recovered = rec.owner
  end
end
move(KEYS[2], rec.status, 'sending')
rec.status = 'sending'
rec.owner = ARGV[3]
rec.leaseUntil = now + tonumber(ARGV[4])
rec.attempts = rec.attempts + 1
rec.updatedAt = now
rec.finishedBy = nil
local out = cjson.encode(rec)
redis.call('HSET', KEYS[1], ARGV[1], out)
return {'claimed', out, recovered}
