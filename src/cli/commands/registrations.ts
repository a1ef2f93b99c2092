/**
 * `registrations list|approve|reject|export`: the operator's side of the
 * monitoring officers' self-registration, on the command line.
 */
import type { Config } from '../../config.js';
import { toCsv } from '../../csv-file.js';
import { CliError, domainMatches, type Registration, RegistrationError } from '../../domain/index.js';
import { type OperationsContext, openOperations } from '../../operations/context.js';
import { ExportError, type ExportResult, exportRegistrations } from '../../operations/export-registrations.js';
import { decideRegistration, listRegistrations } from '../../operations/registrations.js';
import { operatorName } from '../operator.js';
import type { Print } from '../print.js';

export const LIST_COLUMNS = [
  'id',
  'status',
  'authorityId',
  'authorityName',
  'name',
  'email',
  'domainMatchesChiefExecutive',
  'confirmedAt',
  'confirmedFrom',
  'decidedBy',
  'decidedAt',
  'withdrawnAt',
  'decisionReason',
  'rejectedBefore',
] as const;

const iso = (ms: number | undefined) => (ms === undefined ? '' : new Date(ms).toISOString());

export function toListRow(r: Registration): Record<(typeof LIST_COLUMNS)[number], string> {
  return {
    id: r.id,
    status: r.status,
    authorityId: r.authorityId,
    authorityName: r.authorityName,
    name: r.name,
    email: r.email,
    domainMatchesChiefExecutive: domainMatches(r) ? 'yes' : 'no',
    confirmedAt: iso(r.confirmedAt),
    confirmedFrom: r.confirmedFrom,
    decidedBy: r.decidedBy ?? '',
    decidedAt: iso(r.decidedAt),
    withdrawnAt: iso(r.withdrawnAt),
    decisionReason: r.decisionReason ?? '',
    // The record's own history: a rejection before it was confirmed again.
    rejectedBefore: r.events.some((e) => e.what === 'rejected') ? 'yes' : 'no',
  };
}

async function withOperations<T>(config: Config, work: (ops: OperationsContext) => Promise<T>): Promise<T> {
  const ops = await openOperations(config);
  try {
    return await work(ops);
  } finally {
    await ops.close();
  }
}

/** `registrations list [--format csv|json]`: every registration, oldest first. */
export async function listRegistrationsCommand(options: { format: 'csv' | 'json' }, config: Config, print: Print): Promise<Registration[]> {
  const registrations = await withOperations(config, listRegistrations);
  const rows = registrations.map(toListRow);
  print.out(options.format === 'json' ? JSON.stringify(rows, null, 2) : toCsv(rows, LIST_COLUMNS).trimEnd());
  return registrations;
}

/** `registrations approve|reject ID --by NAME [--reason TEXT]`. */
export async function decideRegistrationCommand(
  decision: 'approved' | 'rejected',
  options: { id: string; by: string; reason?: string },
  config: Config,
  print: Print,
): Promise<Registration> {
  const by = operatorName(options.by);
  const reason = options.reason?.trim();
  if (reason !== undefined && (reason === '' || reason.length > 500 || /[\u0000-\u001f\u007f-\u009f]/.test(reason)))
    throw new CliError('--reason: say why, on one line of at most 500 characters', 2);
  try {
    const registration = await withOperations(config, (ops) => decideRegistration(ops, options.id, decision, by, reason));
    print.out(
      `${registration.id}: ${registration.name} <${registration.email}> for ${registration.authorityName}: ${decision} by ${by}${reason ? ` (${reason})` : ''}`,
    );
    return registration;
  } catch (error) {
    if (error instanceof RegistrationError) {
      if (error.needs === 'reason') throw new CliError(`--reason: ${error.message}`, 2);
      throw new CliError(error.message, 1);
    }
    throw error;
  }
}

/** `registrations export --data DIR`: merges approved and withdrawn registrations into DIR/monitoring-officers.csv. */
export async function exportRegistrationsCommand(options: { data: string }, config: Config, print: Print): Promise<void> {
  const registrations = await withOperations(config, listRegistrations);
  let result: ExportResult;
  try {
    result = await exportRegistrations(options.data, registrations);
  } catch (error) {
    if (error instanceof ExportError) throw new CliError(error.message, 1);
    throw error;
  }
  for (const r of result.unknownAuthority)
    print.err(`${r.id}: not added: authority ${r.authorityId} is not in ${options.data}/authorities.csv`);
  print.out(
    `${result.file}: ${result.added.length} added, ${result.reRegistered.length} registered again, ${result.withdrawn.length} withdrawn (registered = no)`,
  );
  if (result.added.length + result.reRegistered.length + result.withdrawn.length > 0) {
    print.out(`the data changed: validate, preview and approve --data ${options.data} again before the next run`);
  }
}
