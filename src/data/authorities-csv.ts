/**
 * authorities.csv: one row per authority, its chief executive, its political
 * head and the year's figures as the campaign declares them.
 */
import {
  AUTHORITY_ID,
  AUTHORITY_ID_MAX_LENGTH,
  AUTHORITY_KINDS,
  type Authority,
  type AuthorityKind,
  type Campaign,
  type Copy,
  type DataProblem,
  FIXED_COLUMNS,
  type FigureRule,
  type Figures,
  ruleProblems,
} from '../domain/index.js';
import { ProblemLog } from './problem-log.js';
import { readCsv } from './read-csv.js';
import { RowReader } from './row-reader.js';
import { show } from './show-value.js';

export const AUTHORITIES_FILE = 'authorities.csv';

/** What the data stage needs from the campaign to read authorities.csv. */
export interface FigureDeclarations {
  figures: ReadonlyArray<{ column: string; blank: boolean }>;
  rules: readonly FigureRule[];
  /** Copy roles, in order; 'head' makes the political head a recipient. */
  copyRoles: readonly string[];
}

/** What a campaign declares that authorities.csv is read by. */
export function declarationOf(campaign: Campaign): FigureDeclarations {
  return { figures: campaign.figures, rules: campaign.rules, copyRoles: campaign.recipients.copies.map((copy) => copy.role) };
}

/** The header authorities.csv must have for these figures: the fixed columns, then the figures (any order is accepted). */
export function authorityColumns(declared: Pick<FigureDeclarations, 'figures'>): string[] {
  return [...FIXED_COLUMNS, ...declared.figures.map((f) => f.column)];
}

const HEAD_COLUMNS = ['head_role', 'head_name', 'head_email'] as const;

/** An authority as its row gives it; its monitoring officers (none yet) are joined on by the data stage. */
export interface AuthorityRow {
  line: number;
  authority: Authority;
}

export interface AuthoritiesCsv {
  /** Rows with no problem at all, in file order. */
  authorities: AuthorityRow[];
  /**
   * Every id the file defines, good row or bad, so that another file naming a
   * broken authority is not also told the id is unknown; null when the rows
   * could not be read.
   */
  ids: { has(id: string): boolean } | null;
  problems: DataProblem[];
  /** Authorities with a problem, all of them even past the listing limit. */
  invalidIds: ReadonlySet<string>;
  /** A problem with the file as a whole: no authority in it can be trusted. */
  unreadable: boolean;
}

export function parseAuthoritiesCsv(bytes: Uint8Array, declared: FigureDeclarations, file: string = AUTHORITIES_FILE): AuthoritiesCsv {
  const log = new ProblemLog(file);
  const columns = authorityColumns(declared);
  const copyHead = declared.copyRoles.includes('head');
  const rows: AuthorityRow[] = [];
  const firstLineOf = new Map<string, number>();

  readCsv(
    bytes,
    columns,
    log,
    (row) => {
      const id = row.fields[row.index.id!]!;
      const validId = AUTHORITY_ID.test(id);
      if (validId) {
        const first = firstLineOf.get(id);
        if (first !== undefined) {
          log.add(row.line, 'id', `duplicate authority id ${show(id)} (first on line ${first})`, id);
          return;
        }
        firstLineOf.set(id, row.line);
      }
      const authority = readAuthority(new RowReader(row, log, validId ? id : undefined), declared, copyHead);
      if (authority) rows.push({ line: row.line, authority });
    },
    'id',
  );

  // Ids that appear only on rows with the wrong number of fields are still defined by the file.
  const defined = { has: (id: string) => firstLineOf.has(id) || log.authorityIds.has(id) };
  if (!log.unreadable && log.isEmpty && rows.length === 0) log.addFileProblem(undefined, '-', 'has a header but no authorities');

  return {
    authorities: log.unreadable ? [] : log.authorityIds.size === 0 ? rows : rows.filter((row) => !log.authorityIds.has(row.authority.id)),
    ids: log.unreadable ? null : defined,
    problems: log.problems(),
    invalidIds: log.authorityIds,
    unreadable: log.unreadable,
  };
}

/** The authority on the row, or null when any of its values is bad (each one reported). */
function readAuthority(r: RowReader<string>, declared: FigureDeclarations, copyHead: boolean): AuthorityRow['authority'] | null {
  const id = r.value('id');
  if (id === '') r.problem('id', 'is empty');
  else if (r.authorityId === undefined) {
    r.problem('id', `${show(id)} is not a valid id; use lower-case letters, digits and '-' only`);
  } else if (id.length > AUTHORITY_ID_MAX_LENGTH) {
    r.problem('id', `${show(id)} is ${id.length} characters long; an id has at most ${AUTHORITY_ID_MAX_LENGTH}`);
  }
  const name = r.required('name');
  const kind = readKind(r);
  const chiefExecutive = {
    title: r.required('ce_title'),
    firstName: r.required('ce_first_name'),
    surname: r.required('ce_surname'),
    email: r.email('ce_email'),
  };
  const head = readHead(r, chiefExecutive.email);

  const figures: Figures = {};
  for (const { column, blank } of declared.figures) {
    if (blank && r.value(column) === '') figures[column] = null;
    else {
      const value = readCount(r, column);
      if (value !== null) figures[column] = value;
    }
  }
  for (const { field, reason } of ruleProblems(declared.rules, figures)) r.problem(field, reason);

  if (!r.ok || kind === null || head === undefined) return null;
  const copies: Copy[] = copyHead && head ? [{ key: 'head', role: 'head', name: head.name, email: head.email }] : [];
  return { id, name, kind, chiefExecutive, head, figures, copies };
}

function readKind(r: RowReader<string>): AuthorityKind | null {
  const kind = r.required('kind');
  if (kind === '') return null;
  const known = (AUTHORITY_KINDS as readonly string[]).indexOf(kind);
  if (known !== -1) return AUTHORITY_KINDS[known] ?? null;
  r.problem('kind', `unknown kind ${show(kind)}; expected one of ${AUTHORITY_KINDS.join(', ')}`);
  return null;
}

/** The political head, null when all three head_ values are empty, undefined when they are bad. */
function readHead(r: RowReader<string>, ceEmail: string): Authority['head'] | undefined {
  const filled = HEAD_COLUMNS.filter((column) => r.value(column) !== '');
  if (filled.length === 0) return null;
  if (filled.length < HEAD_COLUMNS.length) {
    for (const column of HEAD_COLUMNS) {
      if (!filled.includes(column)) {
        r.problem(
          column,
          `is empty but ${filled.join(' and ')} ${filled.length === 1 ? 'is' : 'are'} filled; give all three head_ values, or none when there is no political head`,
        );
      }
    }
    return undefined;
  }
  const email = r.email('head_email');
  if (email !== '' && email.toLowerCase() === ceEmail.toLowerCase()) {
    r.problem(
      'head_email',
      `duplicate email ${show(email)}: ce_email is the same address; each recipient needs their own, or they get the letter twice`,
    );
  }
  return { role: r.value('head_role'), name: r.value('head_name'), email };
}

/** A whole number of 0 or more, or null after reporting why not. */
function readCount(r: RowReader<string>, field: string): number | null {
  const text = r.value(field);
  if (text === '') {
    r.problem(field, 'is empty; write 0 for none');
    return null;
  }
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    if (Number.isSafeInteger(value)) return value;
    r.problem(field, `${show(text)} is too large`);
    return null;
  }
  if (/^-\s*\d+(\.\d+)?$/.test(text)) r.problem(field, `${show(text)} is negative; expected a whole number of 0 or more`);
  else r.problem(field, `${show(text)} is not a whole number`);
  return null;
}
