/** One authority's letter cannot be rendered from its data (a figure out of range, an average the campaign lacks, a bad subject). */
export class RenderError extends Error {
  override name = 'RenderError';
}
