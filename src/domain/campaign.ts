/**
 * campaign.json: everything that is the same in every letter of one year.
 * An operator writes a new one each year; no code changes.
 */
import { z } from 'zod';
import { AUTHORITY_KINDS, COUNCIL_KINDS } from './index.js';

const noLineBreaks = (s: string) => !/[\r\n]/.test(s);
const headerSafe = z.string().min(1).refine(noLineBreaks, 'must not contain a line break (CR or LF)');
const isoDate = z.iso.date();
const paragraphs = z.array(z.string().min(1)).min(1);

/** Averages for similar organisations, for one kind of authority. */
const averagesSchema = z.object({
  upheldPct: z.number().min(0).max(100),
  compliancePct: z.number().min(0).max(100),
  remedyPct: z.number().min(0).max(100),
  /** Upheld decisions per 100,000 residents; councils only. */
  upheldPer100k: z.number().min(0).optional(),
});

export const campaignSchema = z.strictObject({
  /** Campaign id, e.g. "2023-24": the ledger namespace and the prefix of every job id. */
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and "-" only'),
  /** The reporting year as written in the letter, e.g. "2023-24". */
  reportingYear: z.string().min(1),
  period: z.strictObject({ start: isoDate, end: isoDate }),
  /** The date the letter bears, and the day the scheduled run sends it. */
  letterDate: isoDate,
  mail: z.strictObject({
    from: z.strictObject({ name: headerSafe, address: z.email() }),
    replyTo: z.email().optional(),
    /** Handlebars pattern; sees `campaign`, `authority` and `recipient`. */
    subject: headerSafe,
  }),
  /**
   * How the email carries the letter: `body` (the letter is the email's HTML
   * and text), `pdf` (an attached tagged PDF, with the `coverNote` wording as
   * the body) or `both`. Every recipient of one authority gets the same PDF,
   * made once. Default `body`.
   */
  letterAs: z.enum(['body', 'pdf', 'both']).default('body'),
  /**
   * The largest message the relay takes, in MB: `validate` refuses an
   * authority whose own attachments, with room for the letter, would make a
   * larger one. Default 10.
   */
  maxMessageMB: z.number().positive().max(1000).default(10),
  signatory: z.strictObject({ name: z.string().min(1), titles: z.array(z.string().min(1)).min(1) }),
  /**
   * Year-specific wording. Each entry is a list of paragraphs (or sentences,
   * where the template puts them inside a paragraph); `[text](url)` makes a
   * link. The templates decide where each one goes, by key: a new key needs
   * only a template edit, and a key a template uses but the file lacks is an
   * error when the renderer is created. Keys the 2023-24 templates use:
   * openingClose, ombudsmanYear, complaintHandlingCodeCouncils,
   * complaintHandlingCodeOthers, trainingProgramme; and coverNote, the body
   * of an email that carries the letter only as a PDF (`letterAs: "pdf"`).
   */
  wording: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/, 'use letters and digits only'), paragraphs),
  training: z.strictObject({
    workshops: z.number().int().min(0),
    /** As written in the letter, e.g. "more than 1,700". */
    people: z.string().min(1),
    /** Full URL; the letter shows it without "https://". */
    url: z.url(),
    email: z.email(),
  }),
  surveyUrl: z.url(),
  /**
   * The public register page (`register-server`, its REGISTER_PUBLIC_URL). When set, every copy to a
   * monitoring officer links to its /withdraw page, where they can stop receiving the letter.
   */
  registerUrl: z.url({ protocol: /^https?$/ }).optional(),
  averages: z.record(z.enum(AUTHORITY_KINDS), averagesSchema).superRefine((averages, ctx) => {
    for (const kind of COUNCIL_KINDS) {
      if (averages[kind].upheldPer100k === undefined) {
        ctx.addIssue({ code: 'custom', path: [kind, 'upheldPer100k'], message: 'councils need an upheldPer100k average' });
      }
    }
  }),
}).superRefine((campaign, ctx) => {
  if (campaign.letterAs === 'pdf' && !campaign.wording.coverNote) {
    ctx.addIssue({ code: 'custom', path: ['wording', 'coverNote'], message: 'letterAs "pdf" needs a coverNote: the body of the email the PDF is attached to' });
  }
});

export type Campaign = z.infer<typeof campaignSchema>;
export type KindAverages = z.infer<typeof averagesSchema>;
