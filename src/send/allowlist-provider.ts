/**
 * RECIPIENT_ALLOWLIST as a decorator over any MailProvider: every message is
 * checked right before it is handed on, whatever code path produced it. A
 * refused address is a permanent failure ("... not in RECIPIENT_ALLOWLIST"),
 * in the ledger and the delivery log, and never reaches the relay.
 */
import { isAllowed, notAllowedResponse } from '../domain/index.js';
import type { MailProvider } from './mail-provider.js';

export function withAllowlist(inner: MailProvider, allowlist: readonly string[] | undefined): MailProvider {
  if (!allowlist) return inner;
  return {
    async send(message, options) {
      const to = message.to.address;
      if (!isAllowed(to, allowlist)) return { outcome: 'permanent', response: notAllowedResponse(to), to };
      return inner.send(message, options);
    },
    close: () => inner.close(),
  };
}
