/**
 * The data stage: reads a campaign folder (campaign.json, authorities.csv,
 * monitoring-officers.csv, contacts.csv when the campaign names further copy
 * roles), checks every value against the campaign's declaration, and reports
 * every problem at once. Nothing is sent from a data set with a problem unless the operator
 * asks to skip the invalid authorities.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Authority, type Campaign, campaignSchema, type DataProblem } from '../domain/index.js';
import { readAttachmentsFolder } from './attachments-folder.js';
import { AUTHORITIES_FILE, type AuthoritiesCsv, declarationOf, parseAuthoritiesCsv } from './authorities-csv.js';
import { templateProblems } from './campaign-templates.js';
import { CONTACTS_FILE, parseContactsCsv } from './contacts-csv.js';
import { MONITORING_OFFICERS_FILE, parseMonitoringOfficersCsv } from './monitoring-officers-csv.js';
import { ProblemLog } from './problem-log.js';
import { decodeUtf8 } from './utf8.js';

export const CAMPAIGN_FILE = 'campaign.json';
/** The campaign's own templates: letter.mjml and partials/, inside the campaign folder. */
export const TEMPLATES_FOLDER = 'templates';

export interface DataSet {
  campaign: Campaign;
  authorities: Authority[];
}

export interface LoadResult {
  /** The whole data set; null unless there is no problem at all. */
  dataSet: DataSet | null;
  problems: DataProblem[];
  /** Authorities with no problem in any file, even when others have one: for --skip-invalid and the preview. */
  validAuthorities: Authority[];
  campaign: Campaign | null;
}

export interface LoadOptions {
  /**
   * Also check the templates against the campaign's declaration (figures,
   * averages and roles they name); the commands pass the campaign's
   * templates folder. Default: not checked.
   */
  templatesDir?: string;
}

/** The templates of the campaign in `dataDir`, unless the caller names others. */
export function campaignTemplatesDir(dataDir: string, templatesDir?: string): string {
  return templatesDir ?? join(dataDir, TEMPLATES_FOLDER);
}

const UNCHECKED = 'not checked: the figures and roles it must have are declared in campaign.json, which has problems';

export async function loadDataSet(dir: string, options: LoadOptions = {}): Promise<LoadResult> {
  const [campaignFile, authoritiesFile, officersFile, contactsFile] = await Promise.all([
    readDataFile(dir, CAMPAIGN_FILE),
    readDataFile(dir, AUTHORITIES_FILE),
    readDataFile(dir, MONITORING_OFFICERS_FILE),
    readDataFile(dir, CONTACTS_FILE),
  ]);
  const problems: DataProblem[] = [];

  const parsed = Buffer.isBuffer(campaignFile)
    ? parseCampaignJson(campaignFile)
    : { campaign: null, problems: [campaignFile], lineOf: () => 0 };
  problems.push(...parsed.problems);
  const campaign = parsed.campaign;
  if (campaign && options.templatesDir) problems.push(...(await templateProblems(campaign, options.templatesDir, parsed.lineOf)));

  const notRead = (file: Buffer | DataProblem, name: string): DataProblem =>
    Buffer.isBuffer(file) ? { file: name, line: 0, field: '-', reason: UNCHECKED } : file;
  if (!campaign) {
    // Without the declaration no header can be checked; say so for each file that is there.
    problems.push(notRead(authoritiesFile, AUTHORITIES_FILE), notRead(officersFile, MONITORING_OFFICERS_FILE));
    return { dataSet: null, problems, validAuthorities: [], campaign: null };
  }

  const copyRoles = campaign.recipients.copies.map((copy) => copy.role);
  const authorities: AuthoritiesCsv = Buffer.isBuffer(authoritiesFile)
    ? parseAuthoritiesCsv(authoritiesFile, declarationOf(campaign))
    : { authorities: [], ids: null, problems: [authoritiesFile], invalidIds: new Set(), unreadable: true };
  problems.push(...authorities.problems);
  problems.push(...averagesProblems(campaign, authorities, parsed.lineOf));

  const invalid: Array<ReadonlySet<string>> = [];
  let unreadable = authorities.unreadable;
  if (copyRoles.includes('mo')) {
    if (Buffer.isBuffer(officersFile)) {
      const officers = parseMonitoringOfficersCsv(officersFile, authorities);
      problems.push(...officers.problems);
      invalid.push(officers.invalidIds);
      unreadable ||= officers.unreadable;
    } else {
      // Without the file no authority's list of recipients is known, so none is valid.
      problems.push(officersFile);
      unreadable = true;
    }
  }
  const contactRoles = copyRoles.filter((role) => role !== 'head' && role !== 'mo');
  if (Buffer.isBuffer(contactsFile)) {
    const contacts = parseContactsCsv(contactsFile, authorities, copyRoles);
    problems.push(...contacts.problems);
    invalid.push(contacts.invalidIds);
    unreadable ||= contacts.unreadable;
    if (!contacts.unreadable) {
      for (const role of contactRoles) {
        if (!contacts.roleCounts.has(role)) {
          const i = copyRoles.indexOf(role);
          problems.push({
            file: CAMPAIGN_FILE,
            line: parsed.lineOf(['recipients', 'copies', String(i), 'role']),
            field: `recipients.copies.${i}.role`,
            reason: `unknown role '${role}': no row of ${CONTACTS_FILE} has it`,
          });
        }
      }
    }
  } else if (contactRoles.length > 0) {
    problems.push({
      ...contactsFile,
      reason: `${contactsFile.reason}; campaign.json names the copy roles ${contactRoles.join(', ')}, whose people it lists`,
    });
    unreadable = true;
  }

  let validAuthorities: Authority[] = [];
  if (!unreadable) {
    const order = new Map(copyRoles.map((role, i) => [role, i]));
    for (const { authority } of authorities.authorities) {
      if (invalid.some((ids) => ids.has(authority.id))) continue;
      // The campaign's role order; within a role, file order (a stable sort keeps it).
      authority.copies.sort((a, b) => (order.get(a.role) ?? 0) - (order.get(b.role) ?? 0));
      validAuthorities.push(authority);
    }
  }

  // Only with a readable authorities.csv is it known which folders belong to an authority.
  if (authorities.ids) {
    const attachments = await readAttachmentsFolder(dir, authorities.ids, campaign.maxMessageMB * 1024 * 1024);
    problems.push(...attachments.problems);
    const invalidHere = new Set(attachments.problems.map((p) => p.authorityId));
    validAuthorities = validAuthorities.filter((a) => !invalidHere.has(a.id));
    for (const authority of validAuthorities) {
      const files = attachments.byAuthority.get(authority.id);
      if (files) authority.attachments = files;
    }
  }

  const dataSet = problems.length === 0 ? { campaign, authorities: validAuthorities } : null;
  return { dataSet, problems, validAuthorities, campaign };
}

/** Every kind of authority in the data needs its averages for similar organisations. */
function averagesProblems(campaign: Campaign, authorities: AuthoritiesCsv, lineOf: LineOf): DataProblem[] {
  const firstLine = new Map<string, number>();
  for (const { line, authority } of authorities.authorities) {
    if (!firstLine.has(authority.kind)) firstLine.set(authority.kind, line);
  }
  const problems: DataProblem[] = [];
  for (const [kind, line] of firstLine) {
    if (campaign.averages[kind as keyof Campaign['averages']] === undefined) {
      problems.push({
        file: CAMPAIGN_FILE,
        line: lineOf(['averages']),
        field: `averages.${kind}`,
        reason: `no averages for kind '${kind}', which ${AUTHORITIES_FILE} uses (first on line ${line})`,
      });
    }
  }
  return problems;
}

/** The file's bytes, or the problem that stops it being read (a missing file is the usual one). */
async function readDataFile(dir: string, file: string): Promise<Buffer | DataProblem> {
  try {
    return await readFile(join(dir, file));
  } catch (err) {
    const missing = err instanceof Error && 'code' in err && err.code === 'ENOENT';
    const reason = missing ? 'file not found' : `could not be read: ${err instanceof Error ? err.message : String(err)}`;
    return { file, line: 0, field: '-', reason };
  }
}

/** The line of a key path in campaign.json (best effort; 0 when not found). */
export type LineOf = (path: readonly string[]) => number;

export interface ParsedCampaign {
  campaign: Campaign | null;
  problems: DataProblem[];
  lineOf: LineOf;
}

/** campaign.json checked against its schema; each zod issue is a problem at the line of its key. */
export function parseCampaignJson(bytes: Uint8Array, file: string = CAMPAIGN_FILE): ParsedCampaign {
  const log = new ProblemLog(file);
  const decoded = decodeUtf8(bytes);
  if (!decoded.ok) {
    log.addFileProblem(decoded.line, '-', 'is not valid UTF-8; save the file as UTF-8');
    return { campaign: null, problems: log.problems(), lineOf: () => 0 };
  }
  const lineOf: LineOf = (path) => lineOfKey(decoded.text, path);
  let json: unknown;
  try {
    json = JSON.parse(decoded.text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log.addFileProblem(lineOfJsonError(message, decoded.text), '-', `is not valid JSON: ${message}`);
    return { campaign: null, problems: log.problems(), lineOf };
  }
  const parsed = campaignSchema.safeParse(json);
  if (parsed.success) return { campaign: parsed.data, problems: [], lineOf };
  for (const issue of parsed.error.issues) {
    const path = issue.path.map(String);
    // An unknown key's issue sits on its parent; point at the key itself.
    const keyPath = issue.code === 'unrecognized_keys' && issue.keys[0] ? [...path, issue.keys[0]] : path;
    log.add(lineOfKey(decoded.text, keyPath), path.join('.') || '-', issue.message);
  }
  return { campaign: null, problems: log.problems(), lineOf };
}

/**
 * V8 says where JSON went wrong in one of three ways, depending on the error
 * and the Node version: "(line 3 column 18)", "at position 42", or a short
 * excerpt of the text around the error. 0 when none of them is found.
 */
function lineOfJsonError(message: string, text: string): number {
  const line = /\(line (\d+) column \d+\)/.exec(message)?.[1];
  if (line !== undefined) return Number(line);
  const position = /at position (\d+)/.exec(message)?.[1];
  if (position !== undefined) return lineAtIndex(text, Number(position));
  const excerpt = /"(.+)"(?:\.\.\.)? is not valid JSON$/s.exec(message)?.[1];
  const index = excerpt === undefined ? -1 : text.indexOf(excerpt);
  if (index !== -1) return lineAtIndex(text, index);
  return /end of JSON input/.test(message) ? lineAtIndex(text, text.length) : 0;
}

function lineAtIndex(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * Best effort: finds each key of the path in turn after the previous one.
 * Right for any hand-written campaign.json; 0 when a key is not found.
 */
function lineOfKey(text: string, path: readonly string[]): number {
  let index = -1;
  for (const key of path) {
    if (/^\d+$/.test(key)) continue; // array positions have no key in the text
    const found = text.indexOf(JSON.stringify(key), index + 1);
    if (found === -1) break;
    index = found;
  }
  return index === -1 ? 0 : lineAtIndex(text, index);
}
