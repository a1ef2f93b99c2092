/**
 * The authority and its recipients: the nouns every stage of the pipeline
 * shares. Data produces them, render and send consume them, the ledger
 * records them.
 */
import type { AttachmentInfo } from './attachment.js';

/** The five kinds of council: the Complaint Handling Code is addressed to them. */
export const COUNCIL_KINDS = [
  'county-council',
  'district-council',
  'metropolitan-borough',
  'unitary-authority',
  'london-borough',
] as const;

/** An authority id: part of a BullMQ job id `<campaign>-<id>`, so no ':'; also used in file and URL names. */
export const AUTHORITY_ID = /^[a-z0-9][a-z0-9-]*$/;

/** Every kind of organisation the Ombudsman oversees, councils first. */
export const AUTHORITY_KINDS = [
  ...COUNCIL_KINDS,
  'combined-authority',
  'fire-and-rescue',
  'national-park',
  'other',
] as const;

export type AuthorityKind = (typeof AUTHORITY_KINDS)[number];

export function isCouncil(kind: AuthorityKind): boolean {
  return (COUNCIL_KINDS as readonly string[]).includes(kind);
}

export interface Person {
  name: string;
  email: string;
}

/** One row of authorities.csv joined with its registered monitoring officers. */
export interface Authority {
  /** Stable id, lower-case letters, digits and '-' (no ':'; it is part of a job id). */
  id: string;
  name: string;
  kind: AuthorityKind;
  chiefExecutive: { title: string; firstName: string; surname: string; email: string };
  /** The political head (Mayor, Leader, Chair, ...), or null where there is none. */
  head: { role: string; name: string; email: string } | null;
  /** Residents, or null when not known; only councils with a population get per-capita figures. */
  population: number | null;
  trainingCourses: number;
  investigations: number;
  upheld: number;
  complianceOutcomes: number;
  complianceMet: number;
  satisfactoryRemedies: number;
  /** Registered monitoring officers only, in file order; they are recipients mo-1, mo-2, ... */
  monitoringOfficers: Person[];
  /** Its own files from `attachments/<id>/`, in name order; absent or empty when it has none. */
  attachments?: AttachmentInfo[];
}

/**
 * The counts the letter turns into percentages, each with the count it is a
 * part of: a part larger than its whole would print "125%". The data stage
 * reports a row that breaks one; the render stage refuses to render it.
 */
export const COUNT_PARTS = [
  { part: 'upheld', whole: 'investigations' },
  { part: 'complianceMet', whole: 'complianceOutcomes' },
  { part: 'satisfactoryRemedies', whole: 'upheld' },
] as const satisfies ReadonlyArray<{ part: keyof Authority; whole: keyof Authority }>;

/** 'ceo', 'head', or 'mo-N' (N from 1, the Nth registered monitoring officer). */
export type RecipientKey = string;

export interface Recipient {
  key: RecipientKey;
  role: 'ceo' | 'head' | 'mo';
  name: string;
  email: string;
  /** Everyone but the chief executive gets a copy that says so at its top. */
  isCopy: boolean;
}

/** Everyone one authority's letter goes to, the chief executive first. */
export function recipientsOf(authority: Authority): Recipient[] {
  const ce = authority.chiefExecutive;
  const recipients: Recipient[] = [
    { key: 'ceo', role: 'ceo', name: `${ce.title} ${ce.firstName} ${ce.surname}`, email: ce.email, isCopy: false },
  ];
  if (authority.head) {
    recipients.push({ key: 'head', role: 'head', name: authority.head.name, email: authority.head.email, isCopy: true });
  }
  authority.monitoringOfficers.forEach((mo, i) => {
    recipients.push({ key: `mo-${i + 1}`, role: 'mo', name: mo.name, email: mo.email, isCopy: true });
  });
  return recipients;
}
