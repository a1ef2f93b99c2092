/**
 * Characters no value of a data file may hold: each would end up in an email
 * header, reorder the text around it, or hide in it unseen.
 */
import { show } from './show-value.js';

/** C0 and C1 controls, DEL, and the Unicode line and paragraph separators: none belongs in an email header. */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
/** Bidirectional controls (U+202A-202E, U+2066-2069, U+200E/F): they reorder the text around them in a subject or on screen. */
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069\u200e\u200f]/;
/** Characters that show nothing: zero-width space and joiners, word joiner, soft hyphen, a byte-order mark inside a value. */
const INVISIBLE = /[\u200b-\u200d\u2060\u00ad\ufeff]/;

/**
 * Anything a character check here could object to, or a quote: the fast CSV
 * pass leaves a file with one of these to the exact pass, which reports each
 * at its exact line.
 */
export const UNUSUAL_IN_FIELD =
  /["\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u200b-\u200d\u2060\u00ad\ufeff]/;

/** Why `raw` cannot be a value, or undefined when its characters are fine. */
export function characterProblem(raw: string): string | undefined {
  if (CONTROL_CHARACTER.test(raw)) {
    const what = /[\r\n]/.test(raw) ? 'a line break' : 'a control character';
    return `${show(raw)} contains ${what}; every value must be on one line with no control characters`;
  }
  if (BIDI_CONTROL.test(raw)) {
    return `${show(raw)} contains a bidirectional control character (${codePoint(raw, BIDI_CONTROL)}) that can reorder the text around it`;
  }
  if (INVISIBLE.test(raw)) return `${show(raw)} contains an invisible character (${codePoint(raw, INVISIBLE)}); remove it`;
  return undefined;
}

/** "U+202E": the first character of `value` that `pattern` matches. */
function codePoint(value: string, pattern: RegExp): string {
  const c = pattern.exec(value)?.[0] ?? '';
  return `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}
