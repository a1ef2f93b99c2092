-- Moves one record from status `from` (nil for a new record) to `to` in the status counts hash.
local function move(counts, from, to)
  if from then redis.call('HINCRBY', counts, from, -1) end
  redis.call('HINCRBY', counts, to, 1)
end
