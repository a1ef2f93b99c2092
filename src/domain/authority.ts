/**
 * The authority and its recipients: the nouns every stage of the pipeline
 * shares. Data produces them, render and send consume them, the ledger
 * records them.
 */
import type { AttachmentInfo } from './attachment.js';

/** The five kinds of council: the Complaint Handling Code is addressed to them. */
export const COUNCIL_KINDS = ['county-council', 'district-council', 'metropolitan-borough', 'unitary-authority', 'london-borough'] as const;

/** An authority id: part of a BullMQ job id `<campaign>-<id>`, so no ':'; also used in file and URL names. */
export const AUTHORITY_ID = /^[a-z0-9][a-z0-9-]*$/;
/** An id's longest: it names a preview folder, a file in the demo's outbox and part of each job id. */
export const AUTHORITY_ID_MAX_LENGTH = 64;

/** Every kind of organisation the Ombudsman oversees, councils first. */
export const AUTHORITY_KINDS = [...COUNCIL_KINDS, 'combined-authority', 'fire-and-rescue', 'national-park', 'other'] as const;

export type AuthorityKind = (typeof AUTHORITY_KINDS)[number];

export function isCouncil(kind: AuthorityKind): boolean {
  return (COUNCIL_KINDS as readonly string[]).includes(kind);
}

export interface Person {
  name: string;
  email: string;
}

/** A copy of the letter: someone in a role the campaign names (head, mo, or a role from contacts.csv). */
export interface Copy extends Person {
  /** 'head', 'mo-N' or '<role>-N' (N from 1, in file order). */
  key: RecipientKey;
  role: string;
}

/** One row of authorities.csv with the copies the campaign declares, joined from the other files. */
export interface Authority {
  /** Stable id, lower-case letters, digits and '-' (no ':'; it is part of a job id). */
  id: string;
  name: string;
  kind: AuthorityKind;
  chiefExecutive: { title: string; firstName: string; surname: string; email: string };
  /** The political head (Mayor, Leader, Chair, ...), or null where there is none. */
  head: { role: string; name: string; email: string } | null;
  /**
   * The campaign's figures by name (its authorities.csv columns): whole
   * numbers of 0 or more, null where a figure may be blank and is.
   */
  figures: Record<string, number | null>;
  /** Everyone who gets a copy, in the campaign's role order, then file order. */
  copies: Copy[];
  /** Its own files from `attachments/<id>/`, in name order; absent or empty when it has none. */
  attachments?: AttachmentInfo[];
}

/** 'ceo', 'head', 'mo-N', or '<role>-N' for a role from contacts.csv. */
export type RecipientKey = string;

export interface Recipient {
  key: RecipientKey;
  /** 'ceo' for the addressee; otherwise the copy's role as the campaign names it. */
  role: string;
  name: string;
  email: string;
  /** Everyone but the chief executive gets a copy that says so at its top. */
  isCopy: boolean;
}

/** Everyone one authority's letter goes to, the chief executive first. */
export function recipientsOf(authority: Authority): Recipient[] {
  const ce = authority.chiefExecutive;
  return [
    { key: 'ceo', role: 'ceo', name: `${ce.title} ${ce.firstName} ${ce.surname}`, email: ce.email, isCopy: false },
    ...authority.copies.map((copy) => ({ key: copy.key, role: copy.role, name: copy.name, email: copy.email, isCopy: true })),
  ];
}
