import { createInterface } from 'node:readline';
import type { Config } from '../../config.js';
import { CliError, EVENT } from '../../domain/index.js';
import { createLogger } from '../../logger.js';
import { closeRedis, connectServer, redisTarget } from '../../redis.js';
import { hashPassword } from '../../ui/passwords.js';
import { type RunningUi, startUi } from '../../ui/server.js';
import { type UiUsers, UiUsersError, usersFromConfig } from '../../ui/users.js';
import type { Print } from '../print.js';

export interface UiCommandOptions {
  /** Show the demo's installation (`<QUEUE_PREFIX>-demo`); on loopback without credentials, make up a one-time password. */
  demo?: boolean;
  /** The campaign `/` shows first. Default: the most recently stored. */
  campaign?: string;
  /** Read a password on stdin and print its UI_PASSWORD_HASH instead of serving. */
  hashPassword?: boolean;
  /** Stop serving (e.g. on SIGINT); default: run until SIGINT or SIGTERM. */
  signal?: AbortSignal;
}

/**
 * `ui`: the operators' console (campaign page and bull-board) until SIGINT or
 * SIGTERM. Refuses to start without UI_USERNAME and UI_PASSWORD (or
 * UI_PASSWORD_HASH), except `ui --demo` on a loopback address.
 */
export async function uiCommand(options: UiCommandOptions, config: Config, print: Print): Promise<void> {
  if (options.hashPassword) {
    const password = await readPassword(print);
    if (password.length < 8) throw new CliError('use a password of at least 8 characters', 1);
    print.out(await hashPassword(password));
    return;
  }
  let users: UiUsers;
  try {
    users = usersFromConfig(config, { demo: options.demo });
  } catch (error) {
    if (error instanceof UiUsersError) throw new CliError(error.message, 2);
    throw error;
  }
  const prefix = options.demo ? `${config.QUEUE_PREFIX}-demo` : config.QUEUE_PREFIX;
  const log = createLogger({ level: config.LOG_LEVEL });
  // It reconnects by itself for as long as the console runs; while Redis is away the console answers 503.
  const redis = await connectServer(redisTarget(config), log);
  let ui: RunningUi;
  try {
    ui = await startUi({ config, redis, prefix, campaignId: options.campaign, users: users.users, log });
  } catch (error) {
    await closeRedis(redis);
    const code = (error as { code?: unknown }).code;
    if (code === 'EADDRINUSE') throw new CliError(`${config.UI_HOST}:${config.UI_PORT} is in use; set UI_PORT to another port`, 2);
    throw error;
  }
  print.out(`ui: ${ui.url} (key prefix ${prefix}); Ctrl-C stops it`);
  if (users.generated) {
    // Printed once, to the terminal only: never to the log.
    print.err(
      `ui: no UI_USERNAME/UI_PASSWORD set; sign in as "${users.generated.name}" with the one-time password ${users.generated.password}`,
    );
  }
  await new Promise<void>((resolve) => {
    if (options.signal) options.signal.addEventListener('abort', () => resolve(), { once: true });
    else {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    }
  });
  log.info({ event: EVENT.uiStopping }, 'ui stopping');
  await ui.close();
  await closeRedis(redis);
  await new Promise<void>((resolve) => log.flush(() => resolve()));
}

/** One line from stdin; typed at a terminal, it is not echoed. */
async function readPassword(print: Print): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const rl = createInterface({ input: stdin, terminal: false });
    try {
      for await (const line of rl) return line.replace(/\r$/, '');
      return '';
    } finally {
      rl.close();
    }
  }
  print.err('password (not shown), then Enter:');
  stdin.setRawMode(true);
  stdin.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let typed = '';
      const onData = (chunk: Buffer) => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n') return done(() => resolve(typed));
          if (ch === '\u0003') return done(() => reject(new CliError('cancelled', 130)));
          if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
          else typed += ch;
        }
      };
      const done = (finish: () => void) => {
        stdin.off('data', onData);
        finish();
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
}
