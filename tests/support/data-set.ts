/**
 * Small campaign folders for tests, written from plain rows, with the bundled
 * 2023-24 campaign.json and templates.
 */
import { copyFile, cp, mkdir, writeFile } from 'node:fs/promises';
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
  await copyFile(join(SAMPLE_DATA_DIR, 'campaign.json'), join(dir, 'campaign.json'));
  await cp(join(SAMPLE_DATA_DIR, 'templates'), join(dir, 'templates'), { recursive: true });
  await writeFile(join(dir, 'authorities.csv'), [AUTHORITIES_HEADER, ...authorities.map(authorityRow)].join('\n') + '\n');
  const mos = authorities.flatMap((a) => (a.monitoringOfficers ?? []).map((email, i) => `${a.id},Officer ${i + 1},${email},yes`));
  await writeFile(join(dir, 'monitoring-officers.csv'), ['authority_id,name,email,registered', ...mos].join('\n') + '\n');
  return dir;
}
