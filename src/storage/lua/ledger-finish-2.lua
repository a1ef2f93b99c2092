-- ARGV: field, owner, final status, patch (JSON: response, messageId, and the
-- message handed to the relay: sha256, approvalSha256, queueId).
-- Returns {'1' | '0' (the claim was no longer ours), record}.
-- A 'sent' is always recorded, even from a worker that outlived its lease:
-- the message did go out, and the ledger must say so.
-- Idempotent: the same owner finishing with the same status again (a resend
-- after a Redis restart) gets '1' and changes nothing.
-- KEYS[1] the campaign namespace's record hash, KEYS[2] its status counts.

--- @include "includes/now-ms"
--- @include "includes/move-count"

local now = now_ms()
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return {'0', ''} end
local rec = cjson.decode(raw)
if rec.finishedBy == ARGV[2] and rec.status == ARGV[3] then return {'1', raw} end
local owned = rec.status == 'sending' and rec.owner == ARGV[2]
if not owned and (rec.status == 'sent' or ARGV[3] ~= 'sent') then
  return {'0', raw}
end
local patch = cjson.decode(ARGV[4])
move(KEYS[2], rec.status, ARGV[3])
rec.status = ARGV[3]
if patch.response then rec.response = patch.response end
if patch.messageId then rec.messageId = patch.messageId end
if patch.sha256 then rec.sha256 = patch.sha256 end
if patch.approvalSha256 then rec.approvalSha256 = patch.approvalSha256 end
if patch.queueId then rec.queueId = patch.queueId end
rec.owner = nil
rec.leaseUntil = nil
rec.finishedBy = ARGV[2]
rec.updatedAt = now
if ARGV[3] == 'sent' then rec.sentAt = now end
local out = cjson.encode(rec)
redis.call('HSET', KEYS[1], ARGV[1], out)
if owned then return {'1', out} end
return {'0', out}
