-- ARGV[1]: the deliveries, a line each: its field, a tab, and its queued
-- record's JSON without the closing brace, which the script completes with
-- the times from Redis's clock (JSON holds no raw tab or line break). Adds
-- only the missing ones. One argument per call rather than two per delivery,
-- and no JSON decoding or encoding here: the seed runs for every recipient
-- of a campaign.
-- KEYS[1] the campaign namespace's record hash, KEYS[2] its status counts.

--- @include "includes/now-ms"

local now = now_ms()
local times = string.format(',"queuedAt":%d,"updatedAt":%d}', now, now)
local added = 0
for field, record in string.gmatch(ARGV[1], '([^\t\n]+)\t([^\n]+)') do
  added = added + redis.call('HSETNX', KEYS[1], field, record .. times)
end
-- One count update per call, not per record.
if added > 0 then redis.call('HINCRBY', KEYS[2], 'queued', added) end
return added
