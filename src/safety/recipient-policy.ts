/**
 * RECIPIENT_ALLOWLIST: the domains and addresses mail may go to at all. The
 * worker wraps its SMTP transport in `guardTransport`, so every message is
 * checked against the list right before it is handed to the relay, whatever
 * code path produced it; `run` also checks the data up front and refuses.
 */
import type { SendMailOptions } from 'nodemailer';
import { type Authority, isAllowed, RecipientNotAllowedError, recipientsOf } from '../domain/index.js';
import type { MailTransport } from '../send/transport.js';

/** The response recorded in the ledger and the delivery log for a refused address. */
export const NOT_ALLOWED = 'not in RECIPIENT_ALLOWLIST';

/** "alpha/ceo ceo@alpha.example.org" for every recipient of the data the allowlist would refuse. */
export function recipientsOutside(authorities: readonly Authority[], allowlist: readonly string[] | undefined): string[] {
  if (!allowlist) return [];
  return authorities.flatMap((a) =>
    recipientsOf(a)
      .filter((r) => !isAllowed(r.email, allowlist))
      .map((r) => `${a.id}/${r.key} ${r.email}`),
  );
}

/** A list for a message: the first `max` items, then how many more. */
export function listSome(items: readonly string[], max = 20): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

/**
 * The transport, refusing any message with a recipient outside the allowlist
 * before it reaches the relay. The refusal is a RecipientNotAllowedError, which
 * the one classifier counts as permanent: the ledger and the delivery log say
 * permanent-failure, response "... not in RECIPIENT_ALLOWLIST".
 */
export function guardTransport(transport: MailTransport, allowlist: readonly string[] | undefined): MailTransport {
  if (!allowlist) return transport;
  const sendMail = async (mail: SendMailOptions) => {
    const addresses = envelopeAddresses(mail);
    const refused = addresses.filter((address) => !isAllowed(address, allowlist));
    if (addresses.length === 0 || refused.length > 0) throw new RecipientNotAllowedError(refused.length > 0 ? refused : ['(no recipient)']);
    return transport.sendMail(mail);
  };
  return new Proxy(transport, {
    get(target, property) {
      if (property === 'sendMail') return sendMail;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

type AddressField = SendMailOptions['to'];

/** Every address the message would be delivered to: the envelope's if it has one, else to, cc and bcc. */
function envelopeAddresses(mail: SendMailOptions): string[] {
  const envelope = mail.envelope as { to?: AddressField; cc?: AddressField; bcc?: AddressField } | undefined;
  const fields: AddressField[] =
    envelope?.to || envelope?.cc || envelope?.bcc ? [envelope.to, envelope.cc, envelope.bcc] : [mail.to, mail.cc, mail.bcc];
  return fields.flatMap(addressesOf);
}

function addressesOf(field: AddressField): string[] {
  if (!field) return [];
  if (Array.isArray(field)) return field.flatMap(addressesOf);
  if (typeof field === 'object') return [field.address ?? ''];
  // "Name <a@b>, c@d": only our own code builds messages, but a string must not slip past unchecked.
  return field
    .split(',')
    .map((part) => /<([^<>]+)>/.exec(part)?.[1] ?? part.trim())
    .filter((address) => address !== '');
}
