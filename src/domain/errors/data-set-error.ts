/** A data directory that cannot be used at all; the message lists its problems as file:line: field: reason. */
export class DataSetError extends Error {
  override name = 'DataSetError';
}
