/** Redis did not answer, or refused us; the message says why and what to do, without credentials. */
export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
}
