-- ARGV: field, change (JSON: email, messageId, by, reason?). An operator
-- corrects the address of a bounced or permanently failed delivery: it goes
-- back to queued, to the new address with a new Message-ID, and the change
-- (who, from what, to what, when, why it failed, and the operator's reason)
-- joins the record's history.
-- Returns {'1' | '0', record}: '0' when the record is in any other status.
-- KEYS[1] the campaign namespace's record hash, KEYS[2] its status counts.

--- @include "includes/now-ms"
--- @include "includes/move-count"

local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return {'0', ''} end
local rec = cjson.decode(raw)
if rec.status ~= 'bounced' and rec.status ~= 'permanent-failure' then return {'0', raw} end
local change = cjson.decode(ARGV[2])
local now = now_ms()
local history = rec.readdresses or {}
table.insert(history, {
  at = now, by = change.by, from = rec.email, to = change.email, status = rec.status,
  reason = rec.diagnostic or rec.response, messageId = rec.messageId, operatorReason = change.reason,
  -- The letter that did not arrive, as its outcome recorded it: the evidence of it outlives the readdress.
  sha256 = rec.sha256, approvalSha256 = rec.approvalSha256, queueId = rec.queueId, response = rec.response,
  finishedBy = rec.finishedBy, sentAt = rec.sentAt, bouncedAt = rec.bouncedAt
})
move(KEYS[2], rec.status, 'queued')
rec.readdresses = history
rec.email = change.email
rec.messageId = change.messageId
rec.status = 'queued'
rec.diagnostic = nil
rec.bouncedAt = nil
rec.sentAt = nil
rec.response = nil
rec.sha256 = nil
rec.approvalSha256 = nil
rec.queueId = nil
rec.finishedBy = nil
rec.updatedAt = now
local out = cjson.encode(rec)
redis.call('HSET', KEYS[1], ARGV[1], out)
return {'1', out}
