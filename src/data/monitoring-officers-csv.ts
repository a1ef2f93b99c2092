/**
 * monitoring-officers.csv: the monitoring officers of each authority. Only
 * those who registered to receive the letter directly are recipients.
 */
import { AUTHORITY_ID, copyKey, type DataProblem, type Person } from '../domain/index.js';
import { AUTHORITIES_FILE, type AuthoritiesCsv, type AuthorityRow } from './authorities-csv.js';
import { ProblemLog } from './problem-log.js';
import { readCsv } from './read-csv.js';
import { RowReader } from './row-reader.js';
import { show } from './show-value.js';

export const MONITORING_OFFICERS_FILE = 'monitoring-officers.csv';

export const MONITORING_OFFICER_COLUMNS = ['authority_id', 'name', 'email', 'registered'] as const;

export interface MonitoringOfficersCsv {
  /**
   * Registered monitoring officers of an authority, in file order; rows with a
   * problem left out. A valid authority's are also among its row's `copies`
   * (role 'mo', keys mo-1, mo-2, ...), joined as they are read.
   */
  officersOf(authorityId: string): Person[];
  problems: DataProblem[];
  /** Authorities with a problem in this file: their list of recipients is not known for certain. */
  invalidIds: ReadonlySet<string>;
  /** A problem with the file as a whole: no authority's monitoring officers are known. */
  unreadable: boolean;
}

/**
 * Checks each row, and against `authorities`: that its authority exists and
 * that no registered officer shares an address with another recipient of the
 * same letter (they would get it twice). Each registered officer is added to
 * their authority's `copies` as the row is read, so call this once
 * for a given `authorities`.
 */
export function parseMonitoringOfficersCsv(
  bytes: Uint8Array,
  authorities: Pick<AuthoritiesCsv, 'authorities' | 'ids'>,
  file: string = MONITORING_OFFICERS_FILE,
): MonitoringOfficersCsv {
  const log = new ProblemLog(file);
  // One look-up per row: at 100,000 authorities the map look-ups are most of the time here.
  const byId = new Map<string, Registered>();
  for (const row of authorities.authorities) byId.set(row.authority.id, { row, officers: [], lines: [] });
  /** An authority the file defines but that has a problem there still gets its officers checked against each other. */
  const registeredFor = (id: string): Registered | undefined => {
    let registered = byId.get(id);
    if (!registered && authorities.ids?.has(id)) {
      registered = { row: undefined, officers: [], lines: [] };
      byId.set(id, registered);
    }
    return registered;
  };

  readCsv(
    bytes,
    MONITORING_OFFICER_COLUMNS,
    log,
    (row) => {
      const authorityId = row.fields[row.index.authority_id]!;
      const r = new RowReader(row, log, AUTHORITY_ID.test(authorityId) ? authorityId : undefined);
      const registered = registeredFor(authorityId);
      if (r.required('authority_id') !== '' && authorities.ids && !registered) {
        r.problem('authority_id', `unknown authority id ${show(authorityId)}; it is not in ${AUTHORITIES_FILE}`);
      }
      const name = r.required('name');
      const email = r.email('email');
      const isRegistered = readYesNo(r);
      if (!r.ok || !isRegistered || !registered) return;

      const holder = holderOf(email, registered);
      if (holder) {
        r.problem(
          'email',
          `duplicate email ${show(email)}: also the address of ${holder}; each recipient needs their own, or they get the letter twice`,
        );
        return;
      }
      registered.officers.push({ name, email });
      registered.lines.push(row.line);
      registered.row?.authority.copies.push({ key: copyKey('mo', registered.officers.length), role: 'mo', name, email });
    },
    'authority_id',
  );

  return {
    officersOf: (id) => (log.authorityIds.has(id) ? [] : (byId.get(id)?.officers ?? [])),
    problems: log.problems(),
    invalidIds: log.authorityIds,
    unreadable: log.unreadable,
  };
}

/** One authority's row and the officers registered for it so far, with the line of each. */
interface Registered {
  row: AuthorityRow | undefined;
  officers: Person[];
  lines: number[];
}

/** Who among the letter's recipients so far already has `email`, described for a reason. */
function holderOf(email: string, { row, officers, lines }: Registered): string | undefined {
  const address = email.toLowerCase();
  if (row) {
    if (row.authority.chiefExecutive.email.toLowerCase() === address)
      return `the chief executive (${AUTHORITIES_FILE} line ${row.line}, ce_email)`;
    const head = row.authority.head;
    if (head && head.email.toLowerCase() === address) return `the ${head.role} (${AUTHORITIES_FILE} line ${row.line}, head_email)`;
  }
  const earlier = officers.findIndex((officer) => officer.email.toLowerCase() === address);
  return earlier === -1 ? undefined : `${show(officers[earlier]!.name)} on line ${lines[earlier]}`;
}

function readYesNo(r: RowReader<(typeof MONITORING_OFFICER_COLUMNS)[number]>): boolean | null {
  const text = r.required('registered').toLowerCase();
  if (text === 'yes') return true;
  if (text === 'no') return false;
  if (text !== '') r.problem('registered', `${show(r.value('registered'))} is not yes or no`);
  return null;
}
