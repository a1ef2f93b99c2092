/**
 * monitoring-officers.csv: the monitoring officers of each authority. Only
 * those who registered to receive the letter directly are recipients.
 */
import type { DataProblem, Person } from '../domain.js';
import type { AuthoritiesCsv, AuthorityRow } from './authorities-csv.js';
import { AUTHORITIES_FILE } from './authorities-csv.js';
import { AUTHORITY_ID, ProblemLog, RowReader, readCsv, show } from './read-csv.js';

export const MONITORING_OFFICERS_FILE = 'monitoring-officers.csv';

export const MONITORING_OFFICER_COLUMNS = ['authority_id', 'name', 'email', 'registered'] as const;

export interface MonitoringOfficersCsv {
  /** Registered monitoring officers by authority id, in file order; rows with a problem left out. */
  officers: ReadonlyMap<string, Person[]>;
  problems: DataProblem[];
  /** Authorities with a problem in this file: their list of recipients is not known for certain. */
  invalidIds: ReadonlySet<string>;
  /** A problem with the file as a whole: no authority's monitoring officers are known. */
  unreadable: boolean;
}

/**
 * Checks each row, and against `authorities`: that its authority exists and
 * that no registered officer shares an address with another recipient of the
 * same letter (they would get it twice).
 */
export function parseMonitoringOfficersCsv(
  bytes: Uint8Array,
  authorities: Pick<AuthoritiesCsv, 'authorities' | 'ids'>,
  file: string = MONITORING_OFFICERS_FILE,
): MonitoringOfficersCsv {
  const log = new ProblemLog(file);
  const rowOf = new Map(authorities.authorities.map((row) => [row.authority.id, row]));
  const officers = new Map<string, Person[]>();
  /** Registered officers by authority and lower-cased address, to name the first holder of a duplicate. */
  const earlier = new Map<string, { name: string; line: number }>();

  readCsv(bytes, MONITORING_OFFICER_COLUMNS, log, (row) => {
    const authorityId = row.values.authority_id;
    const r = new RowReader(row, log, AUTHORITY_ID.test(authorityId) ? authorityId : undefined);
    if (r.required('authority_id') !== '' && authorities.ids && !authorities.ids.has(authorityId)) {
      r.problem('authority_id', `unknown authority id ${show(authorityId)}; it is not in ${AUTHORITIES_FILE}`);
    }
    const name = r.required('name');
    const email = r.email('email');
    const isRegistered = readYesNo(r);
    if (!r.ok || !isRegistered) return;

    const key = `${authorityId}\u0000${email.toLowerCase()}`;
    const holder = holderOf(email, rowOf.get(authorityId)) ?? describeOfficer(earlier.get(key));
    if (holder) {
      r.problem('email', `duplicate email ${show(email)}: also the address of ${holder}; each recipient needs their own, or they get the letter twice`);
      return;
    }
    earlier.set(key, { name, line: row.line });
    const list = officers.get(authorityId);
    if (list) list.push({ name, email });
    else officers.set(authorityId, [{ name, email }]);
  }, 'authority_id');

  for (const id of log.authorityIds) officers.delete(id);
  return { officers, problems: log.problems(), invalidIds: log.authorityIds, unreadable: log.unreadable };
}

/** The chief executive or political head who already has `email`, described for a reason. */
function holderOf(email: string, row: AuthorityRow | undefined): string | undefined {
  if (!row) return undefined;
  const address = email.toLowerCase();
  if (row.authority.chiefExecutive.email.toLowerCase() === address) return `the chief executive (${AUTHORITIES_FILE} line ${row.line}, ce_email)`;
  const head = row.authority.head;
  if (head && head.email.toLowerCase() === address) return `the ${head.role} (${AUTHORITIES_FILE} line ${row.line}, head_email)`;
  return undefined;
}

function describeOfficer(officer: { name: string; line: number } | undefined): string | undefined {
  return officer && `${show(officer.name)} on line ${officer.line}`;
}

function readYesNo(r: RowReader<(typeof MONITORING_OFFICER_COLUMNS)[number]>): boolean | null {
  const text = r.required('registered').toLowerCase();
  if (text === 'yes') return true;
  if (text === 'no') return false;
  if (text !== '') r.problem('registered', `${show(r.value('registered'))} is not yes or no`);
  return null;
}
