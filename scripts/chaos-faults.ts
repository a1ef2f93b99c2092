/**
 * What the chaos run's SMTP server does wrong, and when: a share of 4xx
 * replies at every stage, connections cut mid-DATA, 550 for a fixed set of
 * addresses, and on demand an outage (421 to everything) to trip the breaker.
 * Every choice comes from one seeded generator, so the rates are reproducible
 * (the order of events is not: that is what real concurrency looks like).
 */
import type { SmtpSinkOptions } from '../src/demo/smtp-sink.js';
import { prng } from './prng.js';

export interface FaultRates {
  /** 421 to the greeting of a new connection. */
  connect: number;
  /** 451 to MAIL FROM. */
  mailFrom: number;
  /** 452 / 451 to RCPT TO. */
  rcptTo: number;
  /** Connection cut after the first bytes of DATA, before the final ".". */
  dropMidData: number;
  /** 451 at the end of DATA (the message is not kept). */
  endOfData: number;
}

export const DEFAULT_FAULT_RATES: FaultRates = {
  connect: 0.02,
  mailFrom: 0.015,
  rcptTo: 0.015,
  dropMidData: 0.015,
  endOfData: 0.015,
};

export interface FaultCounts {
  connect: number;
  mailFrom: number;
  rcptTo: number;
  dropMidData: number;
  endOfData: number;
  outage: number;
  permanent: number;
}

export class FaultPlan {
  readonly counts: FaultCounts = { connect: 0, mailFrom: 0, rcptTo: 0, dropMidData: 0, endOfData: 0, outage: 0, permanent: 0 };
  /** While true, every MAIL FROM gets 421: the relay is down. */
  outage = false;
  private readonly random: () => number;

  constructor(
    seed: number,
    private readonly rates: FaultRates,
    /** Addresses answered 550 at RCPT TO, every time. */
    private readonly refused: ReadonlySet<string>,
  ) {
    this.random = prng(seed ^ 0x5eed);
  }

  private roll(share: number): boolean {
    return share > 0 && this.random() < share;
  }

  sinkOptions(): SmtpSinkOptions {
    return {
      onConnect: () => {
        if (!this.roll(this.rates.connect)) return null;
        this.counts.connect++;
        return { code: 421, message: '4.3.2 chaos: service not available, try again later' };
      },
      onMailFrom: () => {
        if (this.outage) {
          this.counts.outage++;
          return { code: 421, message: '4.3.0 chaos: relay outage' };
        }
        if (!this.roll(this.rates.mailFrom)) return null;
        this.counts.mailFrom++;
        return { code: 451, message: '4.3.0 chaos: temporary local problem' };
      },
      onRecipient: (address) => {
        if (this.refused.has(address.toLowerCase())) {
          this.counts.permanent++;
          return { code: 550, message: '5.1.1 chaos: no such user' };
        }
        if (!this.roll(this.rates.rcptTo)) return null;
        this.counts.rcptTo++;
        return this.random() < 0.5
          ? { code: 452, message: '4.2.2 chaos: mailbox full, try later' }
          : { code: 451, message: '4.7.1 chaos: greylisted, try again later' };
      },
      onDataStart: () => {
        if (!this.roll(this.rates.dropMidData)) return null;
        this.counts.dropMidData++;
        return 'drop';
      },
      onMessage: () => {
        if (!this.roll(this.rates.endOfData)) return null;
        this.counts.endOfData++;
        return { code: 451, message: '4.3.0 chaos: queue write failed' };
      },
    };
  }
}
