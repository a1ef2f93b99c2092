/**
 * campaign.json: everything that is the same in every letter of one year.
 * An operator writes a new one each year; no code changes.
 */
import { z } from 'zod';
import { AUTHORITY_KINDS } from '../domain.js';

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
  signatory: z.strictObject({ name: z.string().min(1), titles: z.array(z.string().min(1)).min(1) }),
  /**
   * Year-specific wording. Each entry is a list of paragraphs; `[text](url)`
   * makes a link. The templates decide where each one goes.
   */
  wording: z.record(z.string(), paragraphs),
  training: z.strictObject({
    workshops: z.number().int().min(0),
    people: z.string().min(1),
    url: z.string().min(1),
    email: z.email(),
  }),
  surveyUrl: z.url(),
  averages: z.record(z.enum(AUTHORITY_KINDS), averagesSchema),
});

export type Campaign = z.infer<typeof campaignSchema>;
export type KindAverages = z.infer<typeof averagesSchema>;
