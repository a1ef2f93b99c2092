/**
 * Each authority's own files: checked by validate, refused by run with
 * nothing enqueued, and otherwise sent with the letter's PDF to the chief
 * executive and to the copy roles the campaign names (`ownAttachments`),
 * read back byte for byte by mailparser; every other copy (a self-registered
 * monitoring officer's) carries the letter's PDF only.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../src/cli/commands/run.js';
import { loadDataSet } from '../src/data/load-data-set.js';
import { formatProblem } from '../src/domain/index.js';
import { createLogger } from '../src/logger.js';
import { openOperations } from '../src/operations/context.js';
import { LetterDelivery } from '../src/operations/deliver-letters.js';
import { PdfPrinter } from '../src/render/pdf/pdf-printer.js';
import { createSmtpProvider } from '../src/send/smtp-provider.js';
import { approve } from './support/approve.js';
import { writeDataSet } from './support/data-set.js';
import { type Harness, quietPrint, startHarness } from './support/harness.js';

let dir = '';
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function dataSetWith(files: Record<string, string | Buffer>): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), 'arm-attachments-'));
  await writeDataSet(dir, [{ id: 'alpha', monitoringOfficers: ['mo@alpha.example.org'] }, { id: 'beta' }]);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, 'attachments', path, '..'), { recursive: true });
    await writeFile(join(dir, 'attachments', path), content);
  }
  return dir;
}

describe("an authority's attachments folder", () => {
  it('reports an unknown authority, a disallowed type, an empty file, a control character in a name and a message over the limit, as file: field: reason', async () => {
    const data = await dataSetWith({
      'gamma/cases.csv': 'a,b\n1,2\n',
      'alpha/cases.exe': 'MZ',
      'alpha/empty.csv': '',
      'alpha/bad\u0007name.csv': 'a\n',
      'beta/huge.pdf': Buffer.alloc(8 * 1024 * 1024, 1),
    });
    const campaign = JSON.parse(await readFile(join(data, 'campaign.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(data, 'campaign.json'), JSON.stringify({ ...campaign, maxMessageMB: 5 }, null, 2));
    const result = await loadDataSet(data);
    expect(result.problems.map(formatProblem)).toEqual([
      'attachments/alpha/bad\\u0007name.csv: name: contains a control character; rename the file',
      'attachments/alpha/cases.exe: type: is not an allowed type; use pdf, csv, xlsx, ods, docx, odt',
      'attachments/alpha/empty.csv: size: is empty',
      'attachments/beta: size: the letter with these files would be a 11.4 MB message, over the 5.0 MB limit (campaign.json maxMessageMB)',
      'attachments/gamma: folder: no authority with id "gamma" in authorities.csv',
    ]);
    expect(result.dataSet).toBeNull();
  });

  it('stops run before anything is stored or enqueued', async () => {
    harness = await startHarness('attachments-bad');
    const data = await dataSetWith({ 'alpha/cases.exe': 'MZ' });
    await expect(runCommand({ data, wait: false }, harness.config, quietPrint)).rejects.toThrow(/1 problem\(s\) in .*nothing was enqueued/);
    expect(await harness.producer.letters.count()).toBe(0);
    expect(await harness.producer.store.version('2023-24')).toBeNull();
  });

  it('go, with the letter PDF, to the chief executive and the copy roles the campaign names, as MIME parts that mailparser reads back byte for byte; a monitoring officer gets the PDF only', async () => {
    harness = await startHarness('attachments-sent', { sink: { keepRaw: true } });
    const csv = Buffer.from('case_reference,decision\n23-000101,Upheld\n');
    const sheet = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0xff, 0x00, 0x80, 0x0d, 0x0a, 0x00]);
    const data = await dataSetWith({ 'alpha/cases 2023-24.csv': csv, 'alpha/remedies.xlsx': sheet });
    const campaign = JSON.parse(await readFile(join(data, 'campaign.json'), 'utf8')) as Record<string, unknown>;
    const recipients = {
      copies: [
        { role: 'head', ownAttachments: true },
        { role: 'mo', title: 'Monitoring Officer' },
      ],
    };
    await writeFile(join(data, 'campaign.json'), JSON.stringify({ ...campaign, letterAs: 'both', recipients }, null, 2));
    await approve(harness.config, data);
    await harness.startWorker();
    await runCommand({ data, wait: false }, harness.config, quietPrint);
    const totals = await harness.waitIdle(2, '2023-24');
    expect(totals).toMatchObject({ deliveries: 5, sent: 5 });

    const pdfs = new Set<string>();
    for (const recipient of ['ceo', 'head']) {
      const raw = harness.sink.raw.get(`<2023-24.alpha.${recipient}@example.org>`);
      expect(raw, recipient).toBeDefined();
      const mail = await simpleParser(raw!);
      expect(mail.attachments.map((a) => [a.filename, a.contentType])).toEqual([
        ['Annual Review letter 2023-24 - ALPHA Council.pdf', 'application/pdf'],
        ['cases 2023-24.csv', 'text/csv'],
        ['remedies.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
      ]);
      expect(mail.attachments[0]!.content.subarray(0, 5).toString()).toBe('%PDF-');
      pdfs.add(mail.attachments[0]!.content.toString('base64'));
      expect(mail.attachments[1]!.content.equals(csv)).toBe(true);
      expect(mail.attachments[2]!.content.equals(sheet)).toBe(true);
      expect(mail.text).toContain('Dear Ms Chief-alpha');
    }
    // A registered monitoring officer's copy: the letter's PDF, none of the authority's own files.
    const mo = await simpleParser(harness.sink.raw.get('<2023-24.alpha.mo-1@example.org>')!);
    expect(mo.attachments.map((a) => a.filename)).toEqual(['Annual Review letter 2023-24 - ALPHA Council.pdf']);
    pdfs.add(mo.attachments[0]!.content.toString('base64'));
    // One PDF per authority: the copy notice is in the email body, never in the PDF.
    expect(pdfs.size).toBe(1);
    const beta = await simpleParser(harness.sink.raw.get('<2023-24.beta.ceo@example.org>')!);
    expect(beta.attachments.map((a) => a.filename)).toEqual(['Annual Review letter 2023-24 - BETA Council.pdf']);
  }, 90_000);
  it("prints an authority's PDF once for all its recipients, and sends each of them those same bytes", async () => {
    harness = await startHarness('attachments-one-print', { sink: { keepRaw: true } });
    const data = await dataSetWith({});
    const campaign = JSON.parse(await readFile(join(data, 'campaign.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(data, 'campaign.json'), JSON.stringify({ ...campaign, letterAs: 'both' }, null, 2));
    await approve(harness.config, data);
    // Stored and enqueued, with no worker: this test delivers alpha's job itself, with a printer that counts.
    await runCommand({ data, wait: false }, harness.config, quietPrint);
    const job = (await harness.producer.letters.getJobs(['waiting', 'prioritized'])).find((j) => j.data.authorityId === 'alpha')!;
    const printed: string[] = [];
    class CountingPrinter extends PdfPrinter {
      override async print(...args: Parameters<PdfPrinter['print']>): Promise<Buffer> {
        printed.push(args[0].slice(0, 40));
        return super.print(...args);
      }
    }
    const printer = new CountingPrinter();
    const ops = await openOperations(harness.config);
    const provider = createSmtpProvider({ url: harness.config.SMTP_URL! });
    const delivery = new LetterDelivery(ops, { provider, printer, deliveryLog: createLogger({ level: 'silent' }), leaseMs: 30_000 });
    try {
      const result = await delivery.deliver(job.data, 'test:one-print');
      expect(result.results.map((r) => [r.recipient, r.outcome])).toEqual([
        ['ceo', 'sent'],
        ['head', 'sent'],
        ['mo-1', 'sent'],
      ]);
      expect(printed).toHaveLength(1);
      const pdfs = new Set<string>();
      for (const recipient of ['ceo', 'head', 'mo-1']) {
        const mail = await simpleParser(harness.sink.raw.get(`<2023-24.alpha.${recipient}@example.org>`)!);
        pdfs.add(mail.attachments[0]!.content.toString('base64'));
      }
      expect(pdfs.size).toBe(1);
    } finally {
      delivery.close();
      provider.close();
      await printer.close();
      await ops.close();
    }
  }, 90_000);
});
