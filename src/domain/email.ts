/** What counts as one email address, for the data files, the test inbox and the allowlist alike. */
import { z } from 'zod';

/** zod's own email rule (what z.email() checks), without a schema call per value. */
const EMAIL = z.regexes.email;

/** What is wrong with `value` as one email address (`''` when its form is wrong), or undefined when it is one. */
export function emailProblem(value: string): string | undefined {
  if (!EMAIL.test(value)) return '';
  const at = value.lastIndexOf('@');
  // RFC 5321 4.5.3.1 and RFC 1035 2.3.4: limits a relay enforces, so an address past them is never delivered.
  if (at > 64) return `its local part is ${at} characters (at most 64)`;
  if (value.length > 254) return `it is ${value.length} characters (at most 254)`;
  const long = value
    .slice(at + 1)
    .split('.')
    .find((label) => label.length > 63);
  if (long) return `its domain part '${long.slice(0, 12)}...' is ${long.length} characters (at most 63 between dots)`;
  return undefined;
}

export function isEmail(value: string): boolean {
  return emailProblem(value) === undefined;
}
