/** A value as a problem's reason quotes it: what is really there, short enough to read. */

/** Everything `show` writes as \uXXXX: controls, line separators, bidirectional and invisible characters. */
const SHOWN_ESCAPED = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u200b-\u200d\u2060\u00ad\ufeff]/g;

/** A value as quoted in a reason: control characters made visible, long values cut short. */
export function show(value: string): string {
  const visible = value.replace(SHOWN_ESCAPED, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  return `'${visible.length > 60 ? `${visible.slice(0, 57)}...` : visible}'`;
}
