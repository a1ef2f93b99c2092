/**
 * A test run (`run --test-to`) as a decorator over any MailProvider: every
 * message goes to the run's one test inbox instead of its recipient, however
 * the letter was addressed (a readdressed one included). The letter itself
 * says it is a test (src/render/test-notice.ts).
 */
import type { MailProvider } from './mail-provider.js';

export function toTestInbox(inner: MailProvider, inbox: string): MailProvider {
  return {
    send: (message, options) => inner.send({ ...message, to: { name: message.to.name, address: inbox } }, options),
    close: () => inner.close(),
  };
}
