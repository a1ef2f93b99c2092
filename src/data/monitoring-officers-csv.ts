/**
 * monitoring-officers.csv: the monitoring officers of each authority. Only
 * those who registered to receive the letter directly are recipients.
 */
import type { DataProblem, Person } from '../domain.js';
import type { AuthoritiesCsv } from './authorities-csv.js';
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

/** Someone already receiving an authority's letter, to tell a duplicate address who has it. */
interface Holder {
  email: string;
  who: string;
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
  const officers = new Map<string, Person[]>();
  const holders = new Map<string, Holder[]>();
  for (const { line, authority } of authorities.authorities) {
    const list: Holder[] = [{ email: authority.chiefExecutive.email, who: `the chief executive (${AUTHORITIES_FILE} line ${line}, ce_email)` }];
    if (authority.head) list.push({ email: authority.head.email, who: `the ${authority.head.role} (${AUTHORITIES_FILE} line ${line}, head_email)` });
    holders.set(authority.id, list);
  }

  readCsv(bytes, MONITORING_OFFICER_COLUMNS, log, (row) => {
    const authorityId = row.values.authority_id;
    const r = new RowReader(row, log, AUTHORITY_ID.test(authorityId) ? authorityId : undefined);
    if (r.required('authority_id') !== '' && authorities.ids && !authorities.ids.has(authorityId)) {
      r.problem('authority_id', `unknown authority id ${show(authorityId)}; it is not in ${AUTHORITIES_FILE}`);
    }
    const name = r.required('name');
    const email = r.email('email');
    const registered = readYesNo(r);
    if (!r.ok || !registered) return;

    const taken = holders.get(authorityId) ?? [];
    const holder = taken.find((h) => h.email.toLowerCase() === email.toLowerCase());
    if (holder) {
      r.problem('email', `duplicate email ${show(email)}: also the address of ${holder.who}; each recipient needs their own, or they get the letter twice`);
      return;
    }
    holders.set(authorityId, [...taken, { email, who: `${show(name)} on line ${row.line}` }]);
    const list = officers.get(authorityId) ?? [];
    list.push({ name, email });
    officers.set(authorityId, list);
  }, 'authority_id');

  for (const id of log.authorityIds) officers.delete(id);
  return { officers, problems: log.problems(), invalidIds: log.authorityIds, unreadable: log.unreadable };
}

function readYesNo(r: RowReader<(typeof MONITORING_OFFICER_COLUMNS)[number]>): boolean | null {
  const text = r.required('registered').toLowerCase();
  if (text === 'yes') return true;
  if (text === 'no') return false;
  if (text !== '') r.problem('registered', `${show(r.value('registered'))} is not yes or no`);
  return null;
}
