/**
 * A monitoring officer's registration for a copy of the letter (the register
 * server's double opt-in, then an operator's decision): the record and the
 * rules about it that the console and the command line share.
 */

export const REGISTRATION_STATUSES = ['confirmed', 'approved', 'rejected', 'withdrawn'] as const;
export type RegistrationStatus = (typeof REGISTRATION_STATUSES)[number];

/** Something that happened to a registration, kept for good: a rejected person who registers again is seen to have been rejected. */
export interface RegistrationEvent {
  at: number;
  what: 'confirmed' | 'approved' | 'rejected' | 'withdrawn';
  /** The operator (approved, rejected). */
  by?: string;
  /** The operator's reason (approved, rejected). */
  reason?: string;
  /** The client address that confirmed. */
  from?: string;
}

/** Someone on file for an authority when an officer registered: a monitoring officer of its data. */
export interface OfficerOnFile {
  name: string;
  email: string;
}

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
  /** The political head's email domain then, if the authority has one. */
  headDomain?: string;
  /** The monitoring officers its data had then (they got copies of the letter). */
  officersOnFile: OfficerOnFile[];
  status: RegistrationStatus;
  createdAt: number;
  /** Confirmed by following the emailed link from this client address. */
  confirmedAt: number;
  confirmedFrom: string;
  /** The operator who approved or rejected it, when, and why (required to approve an address at none of the authority's domains). */
  decidedBy?: string;
  decidedAt?: number;
  decisionReason?: string;
  withdrawnAt?: number;
  /** Everything that happened to it, oldest first. */
  events: RegistrationEvent[];
}

export const REGISTRATION_ID = /^r[0-9a-f]{12}$/;

/** The part after the last '@', lower-case. */
export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

/** Whether the officer's address is at the chief executive's domain (the list's column; the evidence looks wider). */
export function domainMatches(registration: Pick<Registration, 'email' | 'ceDomain'>): boolean {
  return registration.ceDomain !== '' && emailDomain(registration.email) === registration.ceDomain;
}

/**
 * A person's name as the register page takes it: letters (any alphabet, with
 * their accents), spaces, hyphens, apostrophes and full stops, starting with
 * a letter; a full stop ends a word ("J. R. Smith", never "evil.example").
 * The name is written into an email from the Ombudsman's address ("Dear
 * ..."), and into monitoring-officers.csv: no link, no markup, no control or
 * bidirectional character can get in.
 */
const OFFICER_NAME = /^\p{L}\p{M}*(?:[\p{L}\p{M}'’-]|\.(?= |$)| (?=[\p{L}]))*$/u;

/** What is wrong with a name for a registration, or undefined when it is one. */
export function officerNameProblem(name: string): string | undefined {
  if (OFFICER_NAME.test(name)) return undefined;
  return 'Full name can only include letters, spaces, hyphens, apostrophes and full stops';
}

/** One of the authority's domains, and whose it is. */
export interface KnownDomain {
  domain: string;
  /** 'chief executive', 'political head', or 'monitoring officer NAME'. */
  whose: string[];
}

/** A line of an address's history: what happened, to which of its registrations. */
export interface HistoryLine extends RegistrationEvent {
  registrationId: string;
  authorityName: string;
}

/** What an operator sees before deciding: the evidence for and against a registration. */
export interface RegistrationEvidence {
  /** The officer's address's domain. */
  domain: string;
  /** The authority's domains: its chief executive's, its political head's, its monitoring officers' on file. */
  knownDomains: KnownDomain[];
  /** The known domain the address is at, if any. Without one, approving needs a reason. */
  match: KnownDomain | undefined;
  /** The authority's monitoring officers on file, and its other approved registrations. */
  officersOnFile: Array<OfficerOnFile & { source: 'data' | 'registration' }>;
  /** Everything that happened to registrations of this address, this one's earlier events included, oldest first. */
  addressHistory: HistoryLine[];
  /** Whether any registration of this address was ever rejected. */
  rejectedBefore: boolean;
}

/**
 * The evidence for `registration`, from what it recorded when confirmed and
 * the other registrations of its address and of its authority. Only the
 * data's people make a domain known: an approved registration is listed as
 * on file, but never vouches for a domain by itself.
 */
export function registrationEvidence(
  registration: Registration,
  others: { sameAddress: readonly Registration[]; sameAuthority: readonly Registration[] },
): RegistrationEvidence {
  const domain = emailDomain(registration.email);
  const known = new Map<string, string[]>();
  const add = (email: string | undefined, whose: string) => {
    const at = email === undefined ? '' : email.includes('@') ? emailDomain(email) : email.toLowerCase();
    if (at === '') return;
    known.set(at, [...(known.get(at) ?? []), whose]);
  };
  add(registration.ceDomain, 'chief executive');
  add(registration.headDomain, 'political head');
  for (const officer of registration.officersOnFile) add(officer.email, `monitoring officer ${officer.name}`);
  const knownDomains = [...known].map(([d, whose]) => ({ domain: d, whose }));

  const address = registration.email.toLowerCase();
  const onFile: RegistrationEvidence['officersOnFile'] = registration.officersOnFile.map((o) => ({ ...o, source: 'data' as const }));
  for (const other of others.sameAuthority) {
    if (other.id === registration.id || other.status !== 'approved') continue;
    if (onFile.some((o) => o.email.toLowerCase() === other.email.toLowerCase())) continue;
    onFile.push({ name: other.name, email: other.email, source: 'registration' });
  }

  const history: HistoryLine[] = [];
  const seen = new Set<string>();
  for (const r of [registration, ...others.sameAddress]) {
    if (seen.has(r.id) || r.email.toLowerCase() !== address) continue;
    seen.add(r.id);
    for (const event of r.events) history.push({ ...event, registrationId: r.id, authorityName: r.authorityName });
  }
  history.sort((a, b) => a.at - b.at);

  return {
    domain,
    knownDomains,
    match: knownDomains.find((k) => k.domain === domain),
    officersOnFile: onFile,
    addressHistory: history,
    rejectedBefore: history.some((line) => line.what === 'rejected'),
  };
}
