/**
 * Who may use the ui: credentials from the environment, read-only users,
 * password hashes. Nothing running: no Redis, no server.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { hashPassword, verifyPassword } from '../src/ui/passwords.js';
import { Credentials, isLoopback, parseReadOnlyUsers, UiUsersError, usersFromConfig } from '../src/ui/users.js';

const config = (env: Record<string, string>) => loadConfig({ LOG_LEVEL: 'silent', ...env });

describe('ui users', () => {
  it('refuses to start without an operator login, and says which variables to set', () => {
    expect(() => usersFromConfig(config({}))).toThrow(/set UI_USERNAME and UI_PASSWORD/);
    expect(() => usersFromConfig(config({ UI_USERNAME: 'olivia' }))).toThrow(UiUsersError);
    expect(() => usersFromConfig(config({ UI_PASSWORD: 'long-enough-1' }))).toThrow(UiUsersError);
  });

  it('makes up a one-time password only for the demo on a loopback address', () => {
    const demo = usersFromConfig(config({}), { demo: true });
    expect(demo.generated?.name).toBe('operator');
    expect(demo.generated?.password).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(demo.users).toEqual([{ name: 'operator', role: 'operator', secret: demo.generated?.password }]);
    expect(() => usersFromConfig(config({ UI_HOST: '0.0.0.0' }), { demo: true })).toThrow(/not loopback/);
    expect(usersFromConfig(config({ UI_USERNAME: 'olivia', UI_PASSWORD: 'long-enough-1' }), { demo: true }).generated).toBeUndefined();
  });

  it('reads read-only users as name:secret pairs, without echoing a secret in an error', () => {
    expect(parseReadOnlyUsers('victor:viewer-secret-1, wendy:scrypt:abc:def')).toEqual([
      { name: 'victor', role: 'viewer', secret: 'viewer-secret-1' },
      { name: 'wendy', role: 'viewer', secret: 'scrypt:abc:def' },
    ]);
    expect(() => parseReadOnlyUsers('victor:short')).toThrow(/entry 1 \(victor\)/);
    expect(() => parseReadOnlyUsers('bad name:whatever-long')).toThrow(/entry 1 needs a name/);
    try {
      parseReadOnlyUsers('victor:short');
    } catch (error) {
      expect((error as Error).message).not.toContain('short');
    }
    const users = usersFromConfig(
      config({ UI_USERNAME: 'olivia', UI_PASSWORD: 'long-enough-1', UI_READONLY_USERS: 'victor:viewer-secret-1' }),
    );
    expect(users.users.map((u) => `${u.name}:${u.role}`)).toEqual(['olivia:operator', 'victor:viewer']);
    expect(() =>
      usersFromConfig(config({ UI_USERNAME: 'olivia', UI_PASSWORD: 'long-enough-1', UI_READONLY_USERS: 'olivia:other-secret' })),
    ).toThrow(/twice/);
  });

  it('checks a password against a scrypt hash or a clear secret, and rejects a wrong one', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^scrypt:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/);
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false);
    expect(await verifyPassword('clear-secret-1', 'clear-secret-1')).toBe(true);
    expect(await verifyPassword('clear-secret', 'clear-secret-1')).toBe(false);
    // A hash is accepted by the config only in the form `ui --hash-password` prints.
    expect(loadConfig({ UI_PASSWORD_HASH: hash }).UI_PASSWORD_HASH).toBe(hash);
    expect(() => loadConfig({ UI_PASSWORD_HASH: 'md5:abc' })).toThrow(/UI_PASSWORD_HASH/);
  });

  it('signs in a known user with the right password and nobody else', async () => {
    const users = [
      { name: 'olivia', role: 'operator' as const, secret: await hashPassword('operator-secret-1') },
      { name: 'victor', role: 'viewer' as const, secret: 'viewer-secret-1' },
    ];
    const credentials = new Credentials(users);
    expect(await credentials.check('olivia', 'operator-secret-1')).toEqual({ name: 'olivia', role: 'operator' });
    expect(await credentials.check('victor', 'viewer-secret-1')).toEqual({ name: 'victor', role: 'viewer' });
    expect(await credentials.check('victor', 'operator-secret-1')).toBeNull();
    expect(await credentials.check('mallory', 'operator-secret-1')).toBeNull();
    expect(credentials.current('mallory')).toBeNull();
  });

  it('knows a loopback address when it sees one', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopback(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'ui.example.org']) expect(isLoopback(host), host).toBe(false);
  });
});
