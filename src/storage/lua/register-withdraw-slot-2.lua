-- ARGV: window ms. A withdrawal form names an address: when it has a
-- registration not yet withdrawn, claim the window's one email to it.
-- One command whether or not the address is registered, so the register
-- server does the same work, in the same time, either way.
-- Returns 1 when the email may go now, 0 otherwise (not registered, or one
-- went within the window).
-- KEYS[1] the address's active registrations (a set), KEYS[2] its email slot.

if redis.call('SCARD', KEYS[1]) == 0 then return 0 end
if redis.call('SET', KEYS[2], '1', 'PX', ARGV[1], 'NX') then return 1 end
return 0
