/**
 * The email domains an authority is known by: its chief executive's, its
 * political head's and every copy recipient's in its data. An address at
 * another domain may be right (a shared service, a new council domain), but
 * it is also what a look-alike domain looks like: changing a letter's address
 * to one needs an operator's reason (`readdress --reason`).
 */
import type { Authority } from './authority.js';
import { emailDomain } from './registration.js';

export function authorityDomains(authority: Authority): string[] {
  const addresses = [authority.chiefExecutive.email, authority.head?.email, ...authority.copies.map((c) => c.email)];
  return [...new Set(addresses.filter((a): a is string => !!a).map(emailDomain))];
}
