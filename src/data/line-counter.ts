/**
 * Turns byte offsets into the line numbers an editor shows (a line ends at
 * LF, CRLF or a lone CR). Offsets arrive in rising order, so the file is
 * scanned once, without an index the size of the file.
 */
const LF = 0x0a;
const CR = 0x0d;
const LINE_BREAK = /\r\n|\r|\n/g;

export class LineCounter {
  private offset = 0;
  private line = 1;

  constructor(private readonly bytes: Uint8Array) {}

  /**
   * The line holding the byte at `offset`. After a syntax error csv-parse can
   * report an offset behind one it reported before; that gets the current
   * line rather than a rescan from the start of a possibly huge file.
   */
  lineAt(offset: number): number {
    const end = Math.min(offset, this.bytes.length);
    if (end <= this.offset) return this.line;
    // indexOf is native and fast; bounding the slice keeps each search to the new bytes.
    const slice = this.bytes.subarray(this.offset, end);
    for (let i = slice.indexOf(LF); i !== -1; i = slice.indexOf(LF, i + 1)) this.line++;
    for (let i = slice.indexOf(CR); i !== -1; i = slice.indexOf(CR, i + 1)) {
      const next = this.offset + i + 1;
      if (next >= this.bytes.length || this.bytes[next] !== LF) this.line++;
    }
    this.offset = end;
    return this.line;
  }
}

/** How many line breaks the values of a record hold: the lines it spans after its first. */
export function lineBreaksIn(fields: readonly string[]): number {
  let count = 0;
  for (const field of fields) {
    if (field.indexOf('\n') !== -1 || field.indexOf('\r') !== -1) count += field.match(LINE_BREAK)?.length ?? 0;
  }
  return count;
}
