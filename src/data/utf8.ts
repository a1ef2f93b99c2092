/** Strict UTF-8 decoding, and the line of the first byte that is not UTF-8 when it fails. */

const LF = 0x0a;

export type Utf8Result = { ok: true; text: string } | { ok: false; line: number };

/**
 * Decodes strictly; a UTF-8 byte-order mark is accepted and dropped. On
 * failure, names the first line with a bad byte (usually a file saved as
 * Windows-1252, with a '£' or an 'é' in it).
 */
export function decodeUtf8(bytes: Uint8Array): Utf8Result {
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { ok: false, line: firstBadUtf8Line(bytes) };
  }
}

function firstBadUtf8Line(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let line = 1;
  let start = 0;
  try {
    while (start < bytes.length) {
      const lf = bytes.indexOf(LF, start);
      const end = lf === -1 ? bytes.length : lf + 1;
      // stream: a character split across chunks is not an error; a bad byte is.
      decoder.decode(bytes.subarray(start, end), { stream: true });
      if (lf === -1) break;
      start = end;
      line++;
    }
    decoder.decode();
  } catch {
    return line;
  }
  return line;
}
