/** Parses MAIL_FROM: "Name <address@example.org>" or a bare address. */
export function parseAddress(value: string): { name: string; address: string } {
  const match = /^\s*(.*?)\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(value);
  if (match) return { name: match[1]!.replace(/^"|"$/g, ''), address: match[2]! };
  const bare = value.trim();
  if (!/^[^@\s]+@[^@\s]+$/.test(bare)) throw new Error(`not an email address: ${JSON.stringify(value)}`);
  return { name: '', address: bare };
}
