/**
 * The data stage: reads a campaign folder (campaign.json, authorities.csv,
 * monitoring-officers.csv, contacts.csv when the campaign names further copy
 * roles), checks every value against the campaign's declaration, and reports
 * every problem at once. Nothing is sent from a data set with a problem unless the operator
 * asks to skip the invalid authorities.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Authority, Campaign, DataProblem } from '../domain/index.js';
import { readAttachmentsFolder } from './attachments-folder.js';
import { AUTHORITIES_FILE, type AuthoritiesCsv, declarationOf, parseAuthoritiesCsv } from './authorities-csv.js';
import { CAMPAIGN_FILE, fieldOf, type LineOf, parseCampaignJson } from './campaign-json.js';
import { templateProblems } from './campaign-templates.js';
import { CONTACTS_FILE, parseContactsCsv } from './contacts-csv.js';
import { MONITORING_OFFICERS_FILE, parseMonitoringOfficersCsv } from './monitoring-officers-csv.js';
import { wordingDateWarnings } from './wording-dates.js';

// The data stage's entry points for campaign.json, where its other readers have always found them.
export { CAMPAIGN_FILE, type LineOf, parseCampaignJson } from './campaign-json.js';
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
  /**
   * What is worth a second look but may be right (a date in the wording that
   * is past on the letter date): printed, never a reason to refuse.
   */
  warnings: DataProblem[];
  /**
   * The problems with campaign.json or the templates: every letter would be
   * wrong or unchecked, so `render` and `preview` refuse as well.
   */
  campaignProblems: DataProblem[];
  /**
   * Every problem belongs to one authority, so `--skip-invalid` can send the
   * others; false when any is with a file, the campaign or its templates.
   */
  skippable: boolean;
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
    : { campaign: null, problems: [campaignFile], lineOf: () => 1 };
  problems.push(...parsed.problems);
  const campaign = parsed.campaign;
  if (campaign && options.templatesDir) problems.push(...(await templateProblems(campaign, options.templatesDir, parsed.lineOf)));
  const warnings = campaign ? wordingDateWarnings(campaign, parsed.lineOf) : [];

  const notRead = (file: Buffer | DataProblem, name: string): DataProblem =>
    Buffer.isBuffer(file) ? { file: name, field: '-', reason: UNCHECKED } : file;
  if (!campaign) {
    // Without the declaration no header can be checked; say so for each file that is there.
    problems.push(notRead(authoritiesFile, AUTHORITIES_FILE), notRead(officersFile, MONITORING_OFFICERS_FILE));
    return {
      dataSet: null,
      problems,
      warnings,
      campaignProblems: campaignProblemsIn(problems),
      skippable: false,
      validAuthorities: [],
      campaign: null,
    };
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
          const path = ['recipients', 'copies', copyRoles.indexOf(role), 'role'];
          problems.push({
            file: CAMPAIGN_FILE,
            line: parsed.lineOf(path),
            field: fieldOf(path),
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
  const skippable = problems.every((problem) => problem.authorityId !== undefined);
  return { dataSet, problems, warnings, campaignProblems: campaignProblemsIn(problems), skippable, validAuthorities, campaign };
}

function campaignProblemsIn(problems: readonly DataProblem[]): DataProblem[] {
  return problems.filter((problem) => problem.file === CAMPAIGN_FILE || problem.file.startsWith(`${TEMPLATES_FOLDER}/`));
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
    return { file, field: '-', reason };
  }
}
