/**
 * The two emails the register server sends, through the same relay as the
 * letters (SMTP_URL): a link to confirm an address, and a link to withdraw.
 * Plain text: they carry one link and must reach any mail client.
 */
import type { MailProvider } from '../send/mail-provider.js';

export interface RegisterMailOptions {
  /** The same relay as the letters (SMTP_URL), with RECIPIENT_ALLOWLIST applied. */
  provider: MailProvider;
  from: { name: string; address: string };
  /** Where the register server is reached, e.g. https://register.example.org (no trailing slash). */
  publicUrl: string;
}

export class RegisterMail {
  constructor(private readonly options: RegisterMailOptions) {}

  link(path: '/confirm' | '/withdraw/confirm', token: string): string {
    return `${this.options.publicUrl}${path}?token=${encodeURIComponent(token)}`;
  }

  async sendConfirmation(to: string, details: { name: string; authorityName: string }, token: string): Promise<void> {
    await this.send(
      to,
      'Confirm your registration for the Annual Review letter',
      [
        `Dear ${details.name},`,
        '',
        `You asked to receive the Ombudsman's Annual Review letter for ${details.authorityName}, as its Monitoring Officer.`,
        'Confirm this address by opening the link below. It works once, for 48 hours:',
        '',
        this.link('/confirm', token),
        '',
        'An Ombudsman officer then checks your registration before the next letters are sent.',
        'If you did not ask for this, ignore this email: nothing is registered unless the link is opened.',
      ].join('\n'),
    );
  }

  async sendWithdrawal(to: string, token: string): Promise<void> {
    await this.send(
      to,
      'Stop receiving the Annual Review letter',
      [
        "You asked to stop receiving the Ombudsman's Annual Review letter at this address.",
        'Confirm by opening the link below. It works once, for 48 hours:',
        '',
        this.link('/withdraw/confirm', token),
        '',
        'If you did not ask for this, ignore this email: nothing changes unless the link is opened.',
      ].join('\n'),
    );
  }

  private async send(to: string, subject: string, text: string): Promise<void> {
    const result = await this.options.provider.send({ from: this.options.from, to: { name: '', address: to }, subject, text });
    if (result.outcome !== 'sent') throw new RegisterMailError(`the relay did not take the email (${result.outcome}: ${result.response})`);
  }
}

/** A confirmation or withdrawal email the relay did not take; the register server logs it and frees the hour's slot. */
export class RegisterMailError extends Error {
  override name = 'RegisterMailError';
}
