/**
 * Small campaign folders for tests, written from plain rows, with the bundled
 * 2023-24 campaign.json and templates. The letter travels in the body only
 * (`letterAs: "body"`): a test that is not about PDFs does not wait for
 * Chromium; the PDF tests set `letterAs` themselves.
 */
import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAMPLE_DATA_DIR } from '../../src/paths.js';

export const AUTHORITIES_HEADER =
  'id,name,kind,ce_title,ce_first_name,ce_surname,ce_email,head_role,head_name,head_email,population,training_courses,investigations,upheld,compliance_outcomes,compliance_met,satisfactory_remedies';

export interface TestAuthority {
  id: string;
  name?: string;
  kind?: string;
  /** Statistics: investigations, upheld, compliance outcomes, compliance met, satisfactory remedies. */
  stats?: [number, number, number, number, number];
  head?: boolean;
  population?: number;
  training?: number;
  /** Registered monitoring officers' emails. */
  monitoringOfficers?: string[];
}

export function authorityRow(a: TestAuthority): string {
  const [inv, up, co, cm, sr] = a.stats ?? [0, 0, 0, 0, 0];
  const head = a.head === false ? ['', '', ''] : ['Leader', `Cllr Leader of ${a.id}`, `leader@${a.id}.example.org`];
  return [
    a.id,
    a.name ?? `${a.id.toUpperCase()} Council`,
    a.kind ?? 'unitary-authority',
    'Ms',
    'Alex',
    `Chief-${a.id}`,
    `ceo@${a.id}.example.org`,
    ...head,
    a.population ?? '',
    a.training ?? 0,
    inv,
    up,
    co,
    cm,
    sr,
  ].join(',');
}

export async function writeDataSet(dir: string, authorities: TestAuthority[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeBodyOnlyCampaign(dir);
  await cp(join(SAMPLE_DATA_DIR, 'templates'), join(dir, 'templates'), { recursive: true });
  await writeFile(join(dir, 'authorities.csv'), `${[AUTHORITIES_HEADER, ...authorities.map(authorityRow)].join('\n')}\n`);
  const mos = authorities.flatMap((a) => (a.monitoringOfficers ?? []).map((email, i) => `${a.id},Officer ${i + 1},${email},yes`));
  await writeFile(join(dir, 'monitoring-officers.csv'), `${['authority_id,name,email,registered', ...mos].join('\n')}\n`);
  return dir;
}

/** The whole bundled sample (400 authorities, attachments and all), with the letter in the body only. */
export async function copySample(dir: string): Promise<string> {
  await cp(SAMPLE_DATA_DIR, dir, { recursive: true });
  await writeBodyOnlyCampaign(dir);
  return dir;
}

async function writeBodyOnlyCampaign(dir: string): Promise<void> {
  const campaign = JSON.parse(await readFile(join(SAMPLE_DATA_DIR, 'campaign.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(join(dir, 'campaign.json'), `${JSON.stringify({ ...campaign, letterAs: 'body' }, null, 2)}\n`);
}

/**
 * A copy role from contacts.csv, as a preparer adds one: declared in
 * campaign.json, its contacts in contacts.csv, and its own copy notice.
 */
export async function addCopyRole(
  dir: string,
  copy: { role: string; title: string },
  contacts: Array<{ authorityId: string; name: string; email: string }>,
): Promise<void> {
  const file = join(dir, 'campaign.json');
  const campaign = JSON.parse(await readFile(file, 'utf8')) as { recipients: { copies: Array<{ role: string; title?: string }> } };
  campaign.recipients.copies.push(copy);
  await writeFile(file, `${JSON.stringify(campaign, null, 2)}\n`);
  const rows = contacts.map((c) => `${c.authorityId},${copy.role},${c.name},${c.email}`);
  await writeFile(join(dir, 'contacts.csv'), `${['authority_id,role,name,email', ...rows].join('\n')}\n`);
  const notice = join(dir, 'templates', 'partials', 'copy-notice.mjml');
  await writeFile(
    notice,
    (await readFile(notice, 'utf8')).replace(
      '  </div>',
      `    {{#if (eq recipient.role "${copy.role}")}}\n` +
        `    <p class="copy-notice" role="note">You receive this copy as {{recipient.title}} of {{authority.name}}.</p>\n` +
        '    {{/if}}\n  </div>',
    ),
  );
}

/** One of an authority's own files, sent with its letter (attachments/<authority-id>/<name>). */
export async function addAttachment(dir: string, authorityId: string, name: string, content: string): Promise<void> {
  await mkdir(join(dir, 'attachments', authorityId), { recursive: true });
  await writeFile(join(dir, 'attachments', authorityId, name), content);
}

/**
 * A bundled campaign folder copied whole into a new temporary folder, then
 * cut to these authorities (authorities.csv and monitoring-officers.csv keep
 * only their rows). The caller removes the folder.
 */
export async function copyCampaignCutTo(source: string, kept: readonly string[], name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `arm-${name}-`));
  await cp(source, dir, { recursive: true });
  for (const file of ['authorities.csv', 'monitoring-officers.csv']) {
    const [header, ...rows] = (await readFile(join(dir, file), 'utf8')).trimEnd().split('\n');
    await writeFile(join(dir, file), `${[header, ...rows.filter((row) => kept.includes(row.split(',')[0]!))].join('\n')}\n`);
  }
  return dir;
}

/** Rewrites a file through `change`. */
export async function editFile(file: string, change: (text: string) => string): Promise<void> {
  await writeFile(file, change(await readFile(file, 'utf8')));
}
