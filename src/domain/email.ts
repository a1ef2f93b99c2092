/** What counts as one email address, for the data files, the test inbox and the allowlist alike. */
import { z } from 'zod';

/** zod's own email rule (what z.email() checks), without a schema call per value. */
const EMAIL = z.regexes.email;

export function isEmail(value: string): boolean {
  return EMAIL.test(value);
}
