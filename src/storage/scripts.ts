/**
 * The Lua scripts, read from src/storage/lua/ (copied beside the compiled code
 * by `npm run build`). A file is named by its command and its key count, as
 * BullMQ names its commands: `ledger-claim-2.lua` is the command
 * `arm_ledger_claim` taking two keys. A line `--- @include "includes/now-ms"`
 * is replaced by that file, so a helper every script needs is written once.
 * Each script runs atomically inside Redis.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';

const LUA_DIR = join(dirname(fileURLToPath(import.meta.url)), 'lua');
const INCLUDE = /^--- @include "([a-z0-9/-]+)"$/gm;

/** Every script this package runs, by the command name ioredis gives it. */
export interface StorageCommands {
  arm_ledger_seed(key: string, countsKey: string, lines: string): Promise<number>;
  arm_ledger_claim(
    key: string,
    countsKey: string,
    field: string,
    init: string,
    owner: string,
    leaseMs: string,
  ): Promise<[string, string, string]>;
  arm_ledger_extend(key: string, countsKey: string, field: string, owner: string, leaseMs: string): Promise<number>;
  arm_ledger_finish(key: string, countsKey: string, field: string, owner: string, status: string, patch: string): Promise<[string, string]>;
  arm_ledger_reset(key: string, countsKey: string, field: string, who: string): Promise<[string, string]>;
  arm_ledger_bounce(key: string, countsKey: string, field: string, patch: string): Promise<[string, string]>;
  arm_ledger_readdress(key: string, countsKey: string, field: string, change: string): Promise<[string, string]>;
  arm_breaker_record(key: string, ...args: string[]): Promise<[string, number, number]>;
  arm_breaker_close(key: string, mode: string): Promise<[string, string]>;
  arm_rate_reserve(key: string, spacingUs: string): Promise<number>;
  arm_register_withdraw_slot(activeKey: string, mailedKey: string, windowMs: string): Promise<number>;
}

export interface LuaScript {
  /** The ioredis command name: `arm_` and the file's name before its key count, '-' as '_'. */
  command: keyof StorageCommands;
  numberOfKeys: number;
  lua: string;
}

function withIncludes(source: string, seen: readonly string[] = []): string {
  return source.replace(INCLUDE, (_, name: string) => {
    if (seen.includes(name)) throw new Error(`Lua include "${name}" includes itself`);
    return withIncludes(readFileSync(join(LUA_DIR, `${name}.lua`), 'utf8'), [...seen, name]).trimEnd();
  });
}

/** Reads every script of lua/ with its includes inlined. */
export function loadScripts(): LuaScript[] {
  return readdirSync(LUA_DIR)
    .filter((file) => file.endsWith('.lua'))
    .map((file) => {
      const match = /^([a-z-]+)-(\d+)\.lua$/.exec(file);
      if (!match) throw new Error(`Lua script ${file} is not named <command>-<number of keys>.lua`);
      return {
        command: `arm_${match[1]!.replaceAll('-', '_')}` as keyof StorageCommands,
        numberOfKeys: Number(match[2]),
        lua: withIncludes(readFileSync(join(LUA_DIR, file), 'utf8')),
      };
    });
}

let scripts: LuaScript[] | undefined;

/** Defines every script as a command on this connection (once per connection). */
export function withStorageCommands(redis: Redis): Redis & StorageCommands {
  if (!('arm_ledger_claim' in redis)) {
    scripts ??= loadScripts();
    for (const script of scripts) redis.defineCommand(script.command, { numberOfKeys: script.numberOfKeys, lua: script.lua });
  }
  return redis as Redis & StorageCommands;
}
