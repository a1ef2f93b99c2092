/**
 * RECIPIENT_ALLOWLIST's grammar and its one question, "may mail go to this
 * address?": the config parses the list, the send guard and `run` ask it.
 */

const ADDRESS = /^[^@\s,<>]+@([^@\s,<>]+)$/;
const DOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

export type AllowlistParse = { ok: true; entries: string[] } | { ok: false; problems: string[] };

/**
 * Parses "example.org, @other.org, someone@example.net": a domain (with or
 * without a leading '@') allows every address at exactly that domain, not its
 * subdomains; an address allows itself. Case does not matter. Problems name
 * the entry by position, never by value (the config convention).
 */
export function parseAllowlist(text: string): AllowlistParse {
  const raw = text.split(',').map((s) => s.trim().toLowerCase());
  const problems: string[] = [];
  const entries: string[] = [];
  raw.forEach((entry, i) => {
    if (entry === '') return;
    const domain = entry.startsWith('@') ? entry.slice(1) : entry;
    if (entry.startsWith('@') ? DOMAIN.test(domain) : ADDRESS.test(entry) || DOMAIN.test(entry))
      entries.push(entry.startsWith('@') ? domain : entry);
    else problems.push(`entry ${i + 1} of ${raw.length} is neither a domain (example.org) nor an address (name@example.org)`);
  });
  if (problems.length === 0 && entries.length === 0) problems.push('lists no domain or address');
  return problems.length > 0 ? { ok: false, problems } : { ok: true, entries };
}

/** Whether `address` may receive mail; always true when there is no allowlist. */
export function isAllowed(address: string, allowlist: readonly string[] | undefined): boolean {
  if (!allowlist) return true;
  const normal = address.trim().toLowerCase();
  const domain = ADDRESS.exec(normal)?.[1];
  return allowlist.some((entry) => entry === normal || (!entry.includes('@') && entry === domain));
}

/** What the ledger and the delivery log record for a message the allowlist stopped before the relay. */
export function notAllowedResponse(address: string): string {
  return `not sent: ${address || '(no recipient)'} not in RECIPIENT_ALLOWLIST`;
}
