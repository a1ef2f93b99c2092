/**
 * The data stage: reads a data directory (campaign.json, authorities.csv,
 * monitoring-officers.csv), checks every value and reports every problem at
 * once. Nothing is sent from a data set with a problem unless the operator
 * asks to skip the invalid authorities.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Authority, type Campaign, campaignSchema, type DataProblem } from '../domain/index.js';
import { readAttachmentsFolder } from './attachments-folder.js';
import { AUTHORITIES_FILE, parseAuthoritiesCsv, type AuthoritiesCsv } from './authorities-csv.js';
import { MONITORING_OFFICERS_FILE, parseMonitoringOfficersCsv } from './monitoring-officers-csv.js';
import { ProblemLog, decodeUtf8 } from './read-csv.js';

export const CAMPAIGN_FILE = 'campaign.json';

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

export async function loadDataSet(dir: string): Promise<LoadResult> {
  const [campaignFile, authoritiesFile, officersFile] = await Promise.all([
    readDataFile(dir, CAMPAIGN_FILE),
    readDataFile(dir, AUTHORITIES_FILE),
    readDataFile(dir, MONITORING_OFFICERS_FILE),
  ]);
  const problems: DataProblem[] = [];

  const campaign = Buffer.isBuffer(campaignFile) ? parseCampaignJson(campaignFile) : { campaign: null, problems: [campaignFile] };
  problems.push(...campaign.problems);

  const authorities: AuthoritiesCsv = Buffer.isBuffer(authoritiesFile)
    ? parseAuthoritiesCsv(authoritiesFile)
    : { authorities: [], ids: null, problems: [authoritiesFile], invalidIds: new Set(), unreadable: true };
  problems.push(...authorities.problems);

  let validAuthorities: Authority[] = [];
  if (Buffer.isBuffer(officersFile)) {
    const officers = parseMonitoringOfficersCsv(officersFile, authorities);
    problems.push(...officers.problems);
    if (!officers.unreadable) {
      // Each valid authority's officers are on its row already.
      for (const { authority } of authorities.authorities) {
        if (!officers.invalidIds.has(authority.id)) validAuthorities.push(authority);
      }
    }
  } else {
    // Without the file no authority's list of recipients is known, so none is valid.
    problems.push(officersFile);
  }

  // Only with a readable authorities.csv is it known which folders belong to an authority.
  if (authorities.ids && campaign.campaign) {
    const attachments = await readAttachmentsFolder(dir, authorities.ids, campaign.campaign.maxMessageMB * 1024 * 1024);
    problems.push(...attachments.problems);
    const invalid = new Set(attachments.problems.map((p) => p.authorityId));
    validAuthorities = validAuthorities.filter((a) => !invalid.has(a.id));
    for (const authority of validAuthorities) {
      const files = attachments.byAuthority.get(authority.id);
      if (files) authority.attachments = files;
    }
  }

  const dataSet = problems.length === 0 && campaign.campaign ? { campaign: campaign.campaign, authorities: validAuthorities } : null;
  return { dataSet, problems, validAuthorities, campaign: campaign.campaign };
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

/** campaign.json checked against its schema; each zod issue is a problem at the line of its key. */
export function parseCampaignJson(bytes: Uint8Array, file: string = CAMPAIGN_FILE): { campaign: Campaign | null; problems: DataProblem[] } {
  const log = new ProblemLog(file);
  const decoded = decodeUtf8(bytes);
  if (!decoded.ok) {
    log.addFileProblem(decoded.line, '-', 'is not valid UTF-8; save the file as UTF-8');
    return { campaign: null, problems: log.problems() };
  }
  let json: unknown;
  try {
    json = JSON.parse(decoded.text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log.addFileProblem(lineOfJsonError(message, decoded.text), '-', `is not valid JSON: ${message}`);
    return { campaign: null, problems: log.problems() };
  }
  const parsed = campaignSchema.safeParse(json);
  if (parsed.success) return { campaign: parsed.data, problems: [] };
  for (const issue of parsed.error.issues) {
    const path = issue.path.map(String);
    // An unknown key's issue sits on its parent; point at the key itself.
    const keyPath = issue.code === 'unrecognized_keys' && issue.keys[0] ? [...path, issue.keys[0]] : path;
    log.add(lineOfKey(decoded.text, keyPath), path.join('.') || '-', issue.message);
  }
  return { campaign: null, problems: log.problems() };
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
