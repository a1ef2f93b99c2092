-- KEYS[1] breaker. ARGV: threshold, cool-down ms, who, last response, verdicts ('ok' | 'transient')...
-- Returns {'opened' | state, failures, ms left open}.

--- @include "includes/now-ms"

local now = now_ms()
local failures = tonumber(redis.call('HGET', KEYS[1], 'failures') or '0')
for i = 5, #ARGV do
  if ARGV[i] == 'ok' then failures = 0 else failures = failures + 1 end
end
redis.call('HSET', KEYS[1], 'failures', failures)
local state = redis.call('HGET', KEYS[1], 'state') or 'closed'
local threshold = tonumber(ARGV[1])
if state ~= 'open' and threshold > 0 and failures >= threshold then
  local openUntil = now + tonumber(ARGV[2])
  redis.call('HSET', KEYS[1], 'state', 'open', 'openedAt', now, 'openUntil', openUntil, 'openedBy', ARGV[3],
    'reason', failures .. ' sends in a row failed transiently; last: ' .. ARGV[4], 'lastResponse', ARGV[4], 'pausedByBreaker', '0')
  redis.call('HINCRBY', KEYS[1], 'opens', 1)
  return {'opened', failures, tonumber(ARGV[2])}
end
local left = 0
if state == 'open' then left = math.max(0, tonumber(redis.call('HGET', KEYS[1], 'openUntil') or now) - now) end
return {state, failures, left}
