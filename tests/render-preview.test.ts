import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PreviewResult, writePreview } from '../src/cli/preview-gallery.js';
import { loadDataSet } from '../src/data/load-data-set.js';
import { recipientsOf } from '../src/domain/index.js';

const SAMPLE = new URL('../data/sample', import.meta.url).pathname;

/** Sets one column of one authority's row in a copy of authorities.csv (the sample has no quoted fields). */
function setColumn(csv: string, id: string, column: string, value: string): string {
  const lines = csv.split('\n');
  const index = (lines[0] as string).split(',').indexOf(column);
  return lines
    .map((line) => {
      const cells = line.split(',');
      if (cells[0] !== id) return line;
      cells[index] = value;
      return cells.join(',');
    })
    .join('\n');
}

describe('the preview gallery', () => {
  let root: string;
  let result: PreviewResult;
  let index: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'preview-data-'));
    const dataDir = path.join(root, 'data');
    await cp(SAMPLE, dataDir, { recursive: true });
    const file = path.join(dataDir, 'authorities.csv');
    let csv = await readFile(file, 'utf8');
    csv = setColumn(csv, 'derbyshire-county-council', 'name', 'Derbyshire & <i>Peak</i> Council');
    csv = setColumn(csv, 'devon-county-council', 'upheld', '999');
    await writeFile(file, csv);
    result = await writePreview({ dataDir, outDir: path.join(root, 'out') });
    index = await readFile(result.indexPath, 'utf8');
  }, 60_000);

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("shows each letter's To, From and Reply-To in the index", async () => {
    const sample = await loadDataSet(SAMPLE);
    const derby = sample.validAuthorities.find((a) => a.id === 'derbyshire-county-council')!;
    const rows = recipientsOf(derby);
    expect(rows.length).toBeGreaterThan(1);
    for (const r of rows) {
      const item = new RegExp(`<li data-recipient="${r.key}">[^]*?</li>`).exec(
        index.slice(index.indexOf('id="derbyshire-county-council"')),
      )?.[0];
      expect(item, r.key).toContain(`To: <span class="to">${r.name.replace(/&/g, '&amp;')} &lt;${r.email}&gt;</span>`);
      expect(item).toContain(
        'From: <span class="from">Local Government and Social Care Ombudsman &lt;annual.review@example.org&gt;</span>',
      );
      expect(item).toContain('Reply-To: <span class="reply-to">annual.review.replies@example.org</span>');
    }
  });

  it('writes an HTML and a text file for every recipient of every valid authority', async () => {
    const derbyshire = await readdir(path.join(root, 'out', 'derbyshire-county-council'));
    expect(derbyshire.sort()).toEqual(['ceo.html', 'ceo.txt', 'head.html', 'head.txt', 'mo-1.html', 'mo-1.txt']);
    expect(result.letters).toBeGreaterThan(result.authorities);
    const text = await readFile(path.join(root, 'out', 'derbyshire-county-council', 'mo-1.txt'), 'utf8');
    expect(text).toMatch(/^Subject: Annual Review letter 2023-24: Derbyshire & <i>Peak<\/i> Council\n/);
  });

  it("lists an authority's own attachments with its letters", () => {
    const row = index.slice(index.indexOf('<tr id="lcrca">'));
    expect(row.slice(0, row.indexOf('</tr>'))).toContain(
      '<li>attachment: Decisions 2023-24 - Liverpool City Region Combined Authority.csv (244 bytes)</li>',
    );
  });

  it('escapes data in the index', () => {
    expect(index).toContain('Derbyshire &amp; &lt;i&gt;Peak&lt;/i&gt; Council');
    expect(index).not.toContain('<i>Peak');
  });

  it("shows an invalid authority's problems, and no letters for it", () => {
    const row = index.slice(index.indexOf('<tr id="devon-county-council">'));
    const devon = row.slice(0, row.indexOf('</tr>'));
    expect(devon).toContain('class="problems"');
    expect(devon).toMatch(/upheld/);
    expect(devon).not.toContain('.html"');
  });
});
