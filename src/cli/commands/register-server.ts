import { type Config, requireSmtpUrl } from '../../config.js';
import { CliError, ConfigError, EVENT } from '../../domain/index.js';
import { createLogger } from '../../logger.js';
import { createOperations } from '../../operations/context.js';
import { closeRedis, connectServer, redisTarget } from '../../redis.js';
import { choicesFromDataDir, choicesFromLatestCampaign, NoAuthoritiesError } from '../../register/authority-choices.js';
import { LinkSigner } from '../../register/link-token.js';
import { RegisterMail } from '../../register/register-mail.js';
import { type RunningRegisterServer, startRegisterServer } from '../../register/register-server.js';
import { parseAddress } from '../../send/address.js';
import { withAllowlist } from '../../send/allowlist-provider.js';
import { createSmtpProvider } from '../../send/smtp-provider.js';
import type { Print } from '../print.js';

export interface RegisterServerCommandOptions {
  /** Offer this data directory's authorities. Default: the latest stored campaign's. */
  data?: string;
  /** Stop serving; default: run until SIGINT or SIGTERM. */
  signal?: AbortSignal;
}

/**
 * `register-server`: the public page where monitoring officers register, on
 * REGISTER_HOST:REGISTER_PORT, until SIGINT or SIGTERM. Needs REGISTER_SECRET
 * (signs the emailed links) and SMTP_URL (sends them).
 */
export async function registerServerCommand(options: RegisterServerCommandOptions, config: Config, print: Print): Promise<void> {
  if (!config.REGISTER_SECRET)
    throw new ConfigError('REGISTER_SECRET is required by register-server (at least 32 random characters; it signs the emailed links)');
  const smtpUrl = requireSmtpUrl(config);
  const log = createLogger({ level: config.LOG_LEVEL });
  // It reconnects by itself for as long as the server runs; while Redis is away its posts answer 503.
  const redis = await connectServer(redisTarget(config), log);
  const ops = createOperations({ redis, config });
  const provider = withAllowlist(createSmtpProvider({ url: smtpUrl, maxConnections: 2 }), config.RECIPIENT_ALLOWLIST);
  let server: RunningRegisterServer;
  try {
    const authorities = options.data ? await choicesFromDataDir(options.data) : await choicesFromLatestCampaign(ops.storage.campaigns);
    const host = config.REGISTER_HOST;
    const publicUrl = (config.REGISTER_PUBLIC_URL ?? `http://${host.includes(':') ? `[${host}]` : host}:${config.REGISTER_PORT}`).replace(
      /\/+$/,
      '',
    );
    server = await startRegisterServer({
      ops,
      authorities,
      signer: new LinkSigner(config.REGISTER_SECRET),
      mail: new RegisterMail({ provider, from: config.MAIL_FROM ? parseAddress(config.MAIL_FROM) : authorities.from, publicUrl }),
      log,
      publicUrl,
      trustProxy: config.UI_TRUST_PROXY,
      host,
      port: config.REGISTER_PORT,
    });
    print.out(
      `register-server: ${server.url} (${authorities.list.length} authorities from ${authorities.source}; links point at ${publicUrl}); Ctrl-C stops it`,
    );
  } catch (error) {
    provider.close();
    await ops.close();
    await closeRedis(redis);
    if (error instanceof NoAuthoritiesError) throw new CliError(error.message, 1);
    if ((error as { code?: unknown }).code === 'EADDRINUSE')
      throw new CliError(`${config.REGISTER_HOST}:${config.REGISTER_PORT} is in use; set REGISTER_PORT to another port`, 2);
    throw error;
  }
  await new Promise<void>((resolve) => {
    if (options.signal) options.signal.addEventListener('abort', () => resolve(), { once: true });
    else {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    }
  });
  log.info({ event: EVENT.registerStopping }, 'register server stopping');
  await server.close();
  provider.close();
  await ops.close();
  await closeRedis(redis);
  await new Promise<void>((resolve) => log.flush(() => resolve()));
}
