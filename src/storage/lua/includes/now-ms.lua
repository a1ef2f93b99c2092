-- Milliseconds since the epoch on Redis's own clock, so that workers on hosts
-- with skewed clocks agree on leases and cool-downs.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
