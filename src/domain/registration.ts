/**
 * A monitoring officer's registration for a copy of the letter (the register
 * server's double opt-in, then an operator's decision): the record and the
 * rules about it that the console and the command line share.
 */

export const REGISTRATION_STATUSES = ['confirmed', 'approved', 'rejected', 'withdrawn'] as const;
export type RegistrationStatus = (typeof REGISTRATION_STATUSES)[number];

/** One confirmed address of a monitoring officer for one authority. Only a confirmed address is ever stored. */
export interface Registration {
  /** "r" and 12 hex digits. */
  id: string;
  authorityId: string;
  authorityName: string;
  name: string;
  /** As the officer typed it; compared without regard to case. */
  email: string;
  /** The chief executive's email domain when the address was confirmed, to compare with the officer's. */
  ceDomain: string;
  status: RegistrationStatus;
  createdAt: number;
  /** Confirmed by following the emailed link from this client address. */
  confirmedAt: number;
  confirmedFrom: string;
  /** The operator who approved or rejected it, and when. */
  decidedBy?: string;
  decidedAt?: number;
  withdrawnAt?: number;
}

export const REGISTRATION_ID = /^r[0-9a-f]{12}$/;

/** The part after the last '@', lower-case. */
export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

/** Whether the officer's address is at the chief executive's domain: an operator's hint, not a rule. */
export function domainMatches(registration: Pick<Registration, 'email' | 'ceDomain'>): boolean {
  return registration.ceDomain !== '' && emailDomain(registration.email) === registration.ceDomain;
}
