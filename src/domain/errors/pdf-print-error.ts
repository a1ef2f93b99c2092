/** The PDF maker failed (crash, hang, no browser): a transient failure of this attempt, retried like a relay's 4xx. */
export class PdfPrintError extends Error {
  override name = 'PdfPrintError';
}
