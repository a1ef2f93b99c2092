/**
 * Who may use the ui, and as what. The operator (UI_USERNAME) may change
 * things: retry jobs and deliveries, and everything bull-board offers. Each
 * read-only user (UI_READONLY_USERS) sees everything and can change nothing.
 */
import { isIP } from 'node:net';
import type { Config } from '../config.js';
import { generatePassword, hashPassword, isPasswordHash, verifyPassword } from './passwords.js';

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
    if (!/^[A-Za-z0-9._@-]+$/.test(name))
      throw new UiUsersError(`UI_READONLY_USERS: entry ${i + 1} needs a name of letters, digits, ".", "_", "@" or "-"`);
    if (secret.length < 8)
      throw new UiUsersError(`UI_READONLY_USERS: entry ${i + 1} (${name}) needs a password of at least 8 characters or a scrypt hash`);
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

/**
 * The users of this process, ready to check a sign-in and to say, on every
 * request, who a session's user is now. Every sign-in costs exactly one
 * scrypt, whether the name exists or not and whatever kind of secret it has:
 * a password given in clear is hashed once at start, and an unknown name is
 * checked against a dummy hash, so no answer comes faster than another.
 */
export class Credentials {
  private readonly hashes: Promise<Map<string, string>>;

  constructor(readonly users: readonly UiUser[]) {
    this.hashes = Promise.all(
      users.map(async (u) => [u.name, isPasswordHash(u.secret) ? u.secret : await hashPassword(u.secret)] as const),
    ).then((pairs) => new Map(pairs));
  }

  /** The user, when the name and password match. */
  async check(name: string, password: string): Promise<SessionUser | null> {
    const hash = (await this.hashes).get(name);
    const ok = await verifyPassword(password, hash ?? DUMMY_HASH);
    const user = this.current(name);
    return hash && ok ? user : null;
  }

  /** The user as the settings have them now, or null when there is no longer such a user. */
  current(name: string): SessionUser | null {
    const user = this.users.find((u) => u.name === name);
    return user ? { name: user.name, role: user.role } : null;
  }
}

const DUMMY_HASH = 'scrypt:AAAAAAAAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
