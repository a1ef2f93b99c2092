-- ARGV: field, patch (JSON: diagnostic, email?, messageId?). A DSN came back for
-- a sent letter: sent -> bounced, with the diagnostic. When the bounce names the
-- address it failed for (email), it must be the record's current one: a late
-- bounce for an address since corrected changes nothing. So must the Message-ID
-- its VERP token was checked against (a readdress in between changes it).
-- Returns {'1' | '0', record}: '0' for no record, not `sent`, or another address or Message-ID.
-- KEYS[1] the campaign namespace's record hash, KEYS[2] its status counts.

--- @include "includes/now-ms"
--- @include "includes/move-count"

local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return {'0', ''} end
local rec = cjson.decode(raw)
local patch = cjson.decode(ARGV[2])
if rec.status ~= 'sent' then return {'0', raw} end
if patch.email and string.lower(patch.email) ~= string.lower(rec.email) then return {'0', raw} end
if patch.messageId and patch.messageId ~= rec.messageId then return {'0', raw} end
local now = now_ms()
move(KEYS[2], 'sent', 'bounced')
rec.status = 'bounced'
rec.bouncedAt = now
rec.diagnostic = patch.diagnostic
rec.updatedAt = now
local out = cjson.encode(rec)
redis.call('HSET', KEYS[1], ARGV[1], out)
return {'1', out}
