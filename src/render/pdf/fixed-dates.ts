/**
 * Chromium stamps each PDF with the moment it was printed; that is the only
 * thing that differs between two prints of one letter. Writing the letter's
 * date there instead makes every print byte-identical: every recipient of an
 * authority, and every rerun, gets the same file (the publication set's
 * sha256 stays put). The new date has the same length as the old, so the
 * PDF's cross-reference offsets stay right.
 */

/** Skia writes `/CreationDate (D:20261130154010+00'00')`, and the same for /ModDate. */
const DATE_ENTRY = /\/(CreationDate|ModDate) \(D:\d{14}\+00'00'\)/g;

export function fixPdfDates(pdf: Buffer, isoDate: string): Buffer {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(isoDate)) throw new Error(`not an ISO date: ${isoDate}`);
  const stamp = `${isoDate.replaceAll('-', '')}000000`;
  // latin1 maps each byte to one character and back, so binary streams pass through untouched.
  const text = pdf.toString('latin1');
  const fixed = text.replace(DATE_ENTRY, (_entry, name: string) => `/${name} (D:${stamp}+00'00')`);
  return Buffer.from(fixed, 'latin1');
}
