/**
 * Who may use the ui, and as what. The operator (UI_USERNAME) may change
 * things: retry jobs and deliveries, and everything bull-board offers. Each
 * read-only user (UI_READONLY_USERS) sees everything and can change nothing.
 */
import { isIP } from 'node:net';
import type { Config } from '../config.js';
import { generatePassword, verifyPassword } from './passwords.js';

export type UiRole = 'operator' | 'viewer';

export interface UiUser {
  name: string;
  role: UiRole;
  /** A password in clear or a `scrypt:<salt>:<key>` hash. Never logged, never sent to a page. */
  secret: string;
}

/** What a session remembers about who logged in. */
export interface SessionUser {
  name: string;
  role: UiRole;
}

export class UiUsersError extends Error {
  override name = 'UiUsersError';
}

/**
 * Parses UI_READONLY_USERS: `name:secret,name2:secret2`. A secret runs from
 * the first ':' to the next ','; a password that contains ',' must be given
 * as a hash (`ui --hash-password`).
 */
export function parseReadOnlyUsers(value: string | undefined): UiUser[] {
  if (!value || value.trim() === '') return [];
  return value.split(',').map((entry, i) => {
    const at = entry.indexOf(':');
    const name = (at < 0 ? entry : entry.slice(0, at)).trim();
    const secret = at < 0 ? '' : entry.slice(at + 1);
    // Name the entry by position only: the value may hold a password.
    if (!/^[A-Za-z0-9._@-]+$/.test(name)) throw new UiUsersError(`UI_READONLY_USERS: entry ${i + 1} needs a name of letters, digits, ".", "_", "@" or "-"`);
    if (secret.length < 8) throw new UiUsersError(`UI_READONLY_USERS: entry ${i + 1} (${name}) needs a password of at least 8 characters or a scrypt hash`);
    return { name, role: 'viewer', secret };
  });
}

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}

export interface UiUsers {
  users: UiUser[];
  /** Set when no credentials were configured and the demo generated a one-time password. */
  generated?: { name: string; password: string };
}

/**
 * The users from the configuration. Without an operator's credentials the ui
 * refuses to start, except in the demo on a loopback address, where it makes
 * up a one-time password (for this process only) for the caller to print.
 */
export function usersFromConfig(config: Config, options: { demo?: boolean } = {}): UiUsers {
  const readOnly = parseReadOnlyUsers(config.UI_READONLY_USERS);
  const secret = config.UI_PASSWORD_HASH ?? config.UI_PASSWORD;
  if (config.UI_PASSWORD_HASH && config.UI_PASSWORD) {
    throw new UiUsersError('set UI_PASSWORD or UI_PASSWORD_HASH, not both');
  }
  if (config.UI_USERNAME && secret) {
    const users: UiUser[] = [{ name: config.UI_USERNAME, role: 'operator', secret }, ...readOnly];
    assertUniqueNames(users);
    return { users };
  }
  if (config.UI_USERNAME || secret) {
    throw new UiUsersError('set both UI_USERNAME and UI_PASSWORD (or UI_PASSWORD_HASH), or neither');
  }
  if (options.demo && isLoopback(config.UI_HOST)) {
    const password = generatePassword();
    const users: UiUser[] = [{ name: 'operator', role: 'operator', secret: password }, ...readOnly];
    assertUniqueNames(users);
    return { users, generated: { name: 'operator', password } };
  }
  throw new UiUsersError(
    options.demo
      ? `the ui is bound to ${config.UI_HOST}, not loopback: set UI_USERNAME and UI_PASSWORD (or UI_PASSWORD_HASH) to serve it there`
      : 'the ui needs a login: set UI_USERNAME and UI_PASSWORD (or UI_PASSWORD_HASH); `ui --demo` on 127.0.0.1 makes up a one-time password instead',
  );
}

function assertUniqueNames(users: UiUser[]): void {
  const seen = new Set<string>();
  for (const user of users) {
    if (seen.has(user.name)) throw new UiUsersError(`ui user ${user.name} is defined twice`);
    seen.add(user.name);
  }
}

/** Looks a user up and checks the password, taking the same time whether or not the name exists. */
export async function authenticate(users: readonly UiUser[], name: string, password: string): Promise<SessionUser | null> {
  const user = users.find((u) => u.name === name);
  // An unknown name still pays for the operator's kind of check, so its answer comes no faster than a wrong password's.
  const ok = await verifyPassword(password, user?.secret ?? users[0]?.secret ?? DUMMY_SECRET);
  return user && ok ? { name: user.name, role: user.role } : null;
}

const DUMMY_SECRET = 'scrypt:AAAAAAAAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
