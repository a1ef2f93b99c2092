/** A bad or missing environment variable; the message names it, never its value. The CLI exits 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
