/** A safety check said no to a run; the message says why and what to do. Nothing was enqueued. */
export class RunRefused extends Error {
  override name = 'RunRefused';
}
