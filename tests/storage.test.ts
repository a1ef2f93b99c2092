import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { StorageKeys } from '../src/storage/keys.js';
import { loadScripts } from '../src/storage/scripts.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function sources(): Array<{ file: string; text: string }> {
  return ['src', 'workers'].flatMap((folder) =>
    readdirSync(join(ROOT, folder), { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts'))
      .map((e) => relative(ROOT, join(e.parentPath, e.name)))
      // src/ui/browser/ runs in the browser, which has no Redis to read.
      .filter((file) => !file.startsWith('src/storage/') && !file.startsWith('src/ui/browser/'))
      .map((file) => ({ file, text: readFileSync(join(ROOT, file), 'utf8') })),
  );
}

describe('storage layer', () => {
  it('loads every Lua script with its includes inlined and its key count from its name', () => {
    const scripts = loadScripts();
    expect(scripts.map((s) => s.command).sort()).toEqual([
      'arm_breaker_close',
      'arm_breaker_record',
      'arm_ledger_bounce',
      'arm_ledger_claim',
      'arm_ledger_extend',
      'arm_ledger_finish',
      'arm_ledger_readdress',
      'arm_ledger_reset',
      'arm_ledger_seed',
      'arm_rate_reserve',
      'arm_register_withdraw_slot',
    ]);
    for (const script of scripts) {
      expect(script.lua).not.toContain('@include');
      expect(script.numberOfKeys).toBe(script.command.startsWith('arm_ledger_') || script.command.startsWith('arm_register_') ? 2 : 1);
      if (script.lua.includes('now_ms()')) expect(script.lua.match(/local function now_ms\(\)/g)).toHaveLength(1);
    }
  });

  it('builds every key of an installation under its prefix', () => {
    const keys = new StorageKeys('arm');
    expect(keys.ledger('2023-24')).toBe('arm:ledger:2023-24');
    expect(keys.ledgerCounts('2023-24~test')).toBe('arm:ledger:2023-24~test:counts');
    expect(keys.campaignIdOf(keys.campaign('2023-24'))).toBe('2023-24');
    expect(keys.campaignIdOf(keys.campaignAuthorities('2023-24'))).toBeNull();
    expect(keys.loginLimitPrefix()).toBe('arm:ui:login-limit:');
  });

  it('has no file outside src/storage spell a Redis key or decode a stored record by hand', () => {
    const offenders = sources().flatMap(({ file, text }) => {
      const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      const found: string[] = [];
      if (/JSON\.parse\([^;]*\)\s+as\s/.test(code)) found.push(`${file}: JSON.parse(...) as`);
      if (/\$\{[\w.]*prefix\}:|[`'"][^`'"\n]*[\w}]:(ledger|campaign|breaker|rate-limit|approval|test-run|ui)\b/i.test(code))
        found.push(`${file}: a Redis key`);
      return found;
    });
    expect(offenders).toEqual([]);
  });
});
