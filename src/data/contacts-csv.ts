/**
 * contacts.csv (optional): further people who get a copy of the letter, by
 * role, for the roles the campaign names besides the political head and the
 * monitoring officers (a link officer, the chair of scrutiny, ...). Each is
 * a recipient `<role>-N`, N from 1 in file order within the authority.
 */
import { AUTHORITY_ID, copyKey, type DataProblem } from '../domain/index.js';
import { AUTHORITIES_FILE, type AuthoritiesCsv, type AuthorityRow } from './authorities-csv.js';
import { ProblemLog } from './problem-log.js';
import { readCsv } from './read-csv.js';
import { RowReader } from './row-reader.js';
import { show } from './show-value.js';

export const CONTACTS_FILE = 'contacts.csv';

export const CONTACT_COLUMNS = ['authority_id', 'role', 'name', 'email'] as const;

/** Roles with a source of their own, never in contacts.csv. */
const BUILT_IN_ROLES: Record<string, string> = {
  ceo: `the chief executive comes from ${AUTHORITIES_FILE} (ce_* columns)`,
  head: `the political head comes from ${AUTHORITIES_FILE} (head_* columns)`,
  mo: 'monitoring officers come from monitoring-officers.csv',
};

export interface ContactsCsv {
  problems: DataProblem[];
  /** Authorities with a problem in this file: their list of recipients is not known for certain. */
  invalidIds: ReadonlySet<string>;
  unreadable: boolean;
  /** How many contacts each role has, over all authorities (a declared role with none is likely misspelt). */
  roleCounts: ReadonlyMap<string, number>;
}

/**
 * Checks each row against `authorities` and the campaign's copy `roles`, and
 * adds each contact to its authority's `copies` as the row is read, so call
 * this once for a given `authorities`, after the monitoring officers.
 */
export function parseContactsCsv(
  bytes: Uint8Array,
  authorities: Pick<AuthoritiesCsv, 'authorities' | 'ids'>,
  roles: readonly string[],
  file: string = CONTACTS_FILE,
): ContactsCsv {
  const log = new ProblemLog(file);
  const byId = new Map<string, AuthorityRow>();
  for (const row of authorities.authorities) byId.set(row.authority.id, row);
  const declared = new Set(roles.filter((role) => !(role in BUILT_IN_ROLES)));
  const roleCounts = new Map<string, number>();
  /** Contacts per authority and role so far, for the N of `<role>-N`. */
  const seen = new Map<string, number>();

  readCsv(
    bytes,
    CONTACT_COLUMNS,
    log,
    (row) => {
      const authorityId = row.fields[row.index.authority_id]!;
      const r = new RowReader(row, log, AUTHORITY_ID.test(authorityId) ? authorityId : undefined);
      if (r.required('authority_id') !== '' && authorities.ids && !authorities.ids.has(authorityId)) {
        r.problem('authority_id', `unknown authority id ${show(authorityId)}; it is not in ${AUTHORITIES_FILE}`);
      }
      const role = r.required('role');
      if (role in BUILT_IN_ROLES) r.problem('role', `${show(role)} is not a role for ${CONTACTS_FILE}: ${BUILT_IN_ROLES[role]}`);
      else if (role !== '' && !declared.has(role)) {
        const known =
          declared.size > 0 ? `; the campaign's roles here are ${[...declared].join(', ')}` : '; the campaign names no such role';
        r.problem('role', `unknown role ${show(role)}: campaign.json recipients.copies does not name it${known}`);
      }
      const name = r.required('name');
      const email = r.email('email');
      if (!r.ok) return;
      roleCounts.set(role, (roleCounts.get(role) ?? 0) + 1);

      const authorityRow = byId.get(authorityId);
      if (!authorityRow) return;
      const authority = authorityRow.authority;
      const address = email.toLowerCase();
      const holder =
        authority.chiefExecutive.email.toLowerCase() === address
          ? 'the chief executive'
          : authority.copies.find((copy) => copy.email.toLowerCase() === address)?.key;
      if (holder) {
        r.problem(
          'email',
          `duplicate email ${show(email)}: also the address of ${holder}; each recipient needs their own, or they get the letter twice`,
        );
        return;
      }
      const n = (seen.get(`${authorityId} ${role}`) ?? 0) + 1;
      seen.set(`${authorityId} ${role}`, n);
      authority.copies.push({ key: copyKey(role, n), role, name, email });
    },
    'authority_id',
  );

  return { problems: log.problems(), invalidIds: log.authorityIds, unreadable: log.unreadable, roleCounts };
}
