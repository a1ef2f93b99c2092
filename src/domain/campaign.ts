/**
 * campaign.json: everything that is the same in every letter of one year,
 * and the declaration of the year itself: its figures (the per-authority
 * columns of authorities.csv), the rules between them, the averages for
 * similar organisations, who gets a copy, and when it is sent. An operator
 * writes a new one each year; no code changes.
 */
import { z } from 'zod';
import { AUTHORITY_KINDS } from './authority.js';
import { FIXED_COLUMNS, type FigureRule, figuresOfRule, RULE_KINDS } from './figures.js';
import { ISO_DATE_FORM, isoDateProblem } from './iso-date.js';
import { ROLE_NAME } from './recipient-key.js';

const noLineBreaks = (s: string) => !/[\r\n]/.test(s);
const headerSafe = z.string().min(1).refine(noLineBreaks, 'must not contain a line break (CR or LF)');
/** YYYY-MM-DD; anything else is told the form, with the date it meant where that is certain (iso-date.ts). */
const isoDate = z.string({ error: `must be a date in double quotes; ${ISO_DATE_FORM}` }).superRefine((value, ctx) => {
  const problem = isoDateProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});
const paragraphs = z.array(z.string().min(1)).min(1);
/** A figure's name is its CSV column and its name in templates (`figures.<name>`). */
const figureName = z.string().regex(/^[a-z][a-z0-9_]*$/, 'use lower-case letters, digits and "_" only');
/** A copy role: part of recipient keys (`<role>-N`) and ledger fields. */
const roleName = z.string().regex(ROLE_NAME, 'use lower-case letters, digits and "-" only');

const figureSchema = z.strictObject({
  /** The column of authorities.csv, and `figures.<column>` in the templates. */
  column: figureName,
  /** What it counts, in words: documentation for whoever fills in the CSV. */
  counts: z.string().min(1),
  /** May the value be left blank (not known)? Blank is null in the templates. Default false: write 0 for none. */
  blank: z.boolean().default(false),
});

const ruleSchema = z.discriminatedUnion(
  'rule',
  [
    /** A part is at most its whole. */
    z.strictObject({ rule: z.literal('part'), part: figureName, whole: figureName }),
    /** A total is the sum of its parts. */
    z.strictObject({ rule: z.literal('total'), total: figureName, parts: z.array(figureName).min(2) }),
    /** Parts add up to at most their whole: the whole may also count things none of them does. */
    z.strictObject({ rule: z.literal('sum-at-most'), whole: figureName, parts: z.array(figureName).min(2) }),
    /** A figure that rates are per (a number of residents, say) is above 0 where given. */
    z.strictObject({ rule: z.literal('rate-base'), figure: figureName }),
  ],
  { error: `unknown rule; use one of ${RULE_KINDS.join(', ')}` },
);

const copySchema = z.strictObject({
  /**
   * "head" (the head_* columns), "mo" (registered monitoring officers,
   * monitoring-officers.csv), or any other role named in contacts.csv.
   */
  role: roleName,
  /** What the role is called ("Monitoring Officer"); the head's comes from head_role. */
  title: z.string().min(1).refine(noLineBreaks, 'must not contain a line break (CR or LF)').optional(),
  /**
   * Whether this role's copies carry the authority's own files
   * (`attachments/<id>/`) besides the letter's PDF. Default false: only the
   * chief executive, the letter's addressee, gets them unless the campaign
   * says so here. Monitoring officers register themselves (`mo`), and an
   * approved registration is not proof of who someone is.
   */
  ownAttachments: z.boolean().optional(),
});

/**
 * A link in the letter: https: only. javascript:, data: and plain http:
 * addresses would be live links in every letter and in the preview gallery.
 */
const httpsUrl = z.url({ protocol: /^https$/, error: 'must be an https: address' });

/** `[text](url)` in a wording paragraph: a link in the letter. */
export const WORDING_LINK = /\[([^\]]+)\]\(([^)\s]+)\)/g;
/** What a wording link may point to: a web page over https:, or an address (mailto:). */
const SAFE_LINK = /^(https:\/\/|mailto:)/i;

/**
 * The letterhead's logo: a file in the campaign's templates/ folder, so it is
 * approved, copied and stored with the templates. A relative path whose
 * parts do not start with "." (no `..`, and no hidden file, which approval
 * would not cover), ending .svg or .png.
 */
export const LETTERHEAD_LOGO = /^([A-Za-z0-9_][A-Za-z0-9_.-]*\/)*[A-Za-z0-9_][A-Za-z0-9_.-]*\.(svg|png)$/;

const letterheadSchema = z.strictObject({
  /** The logo, as a path in templates/ (e.g. "letterhead/logo.svg"): SVG or PNG. */
  logo: z.string().regex(LETTERHEAD_LOGO, 'name an .svg or .png file inside templates/, e.g. "letterhead/logo.svg"'),
  /** The logo's alternative text, read out in place of the image: say whose logo it is. */
  logoAlt: z.string().min(1).refine(noLineBreaks, 'must not contain a line break (CR or LF)'),
  /** The sender's address block, one line each. */
  address: z.array(z.string().min(1).refine(noLineBreaks, 'must not contain a line break (CR or LF)')).min(1),
});

/** HH:MM, 24-hour, London time. */
const clockTime = z
  .string({ error: 'must be a time in double quotes: HH:MM, 24-hour, London time, e.g. "09:00"' })
  .superRefine((value, ctx) => {
    if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(value)) {
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(value)} is not a time; use HH:MM, 24-hour, London time, e.g. "09:00" or "14:30"`,
      });
    }
  });

export const campaignSchema = z
  .strictObject({
    /** Campaign id, e.g. "2023-24": the ledger namespace and the prefix of every job id. */
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and "-" only'),
    /** The reporting year as written in the letter, e.g. "2023-24". */
    reportingYear: z.string().min(1),
    period: z.strictObject({ start: isoDate, end: isoDate }),
    /** The date the letter bears, and the day the scheduled run sends it. */
    letterDate: isoDate,
    /** The time on the letter date the scheduled run sends, London time. */
    sendTime: clockTime,
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
    /**
     * How many years each message is kept, byte for byte, after it was sent
     * (EVIDENCE_DIR): the record of what was sent to whom, for `evidence`;
     * `evidence --prune` removes them after that. Default 6.
     */
    retentionYears: z.number().int().min(1).max(100).default(6),
    signatory: z.strictObject({ name: z.string().min(1), titles: z.array(z.string().min(1)).min(1) }),
    /**
     * The letterhead of the letter on paper (the PDF): the logo and the
     * sender's address, printed by templates/print.mjml. Optional: without
     * it the PDF has no letterhead.
     */
    letterhead: letterheadSchema.optional(),
    /**
     * Year-specific wording. Each entry is a list of paragraphs (or sentences,
     * where the template puts them inside a paragraph); `[text](url)` makes a
     * link. The templates decide where each one goes, by key: a new key needs
     * only a template edit, and a key a template uses but the file lacks is an
     * error when the renderer is created. `coverNote` is the body of an email
     * that carries the letter only as a PDF (`letterAs: "pdf"`).
     */
    wording: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/, 'use letters and digits only'), paragraphs),
    training: z.strictObject({
      workshops: z.number().int().min(0),
      /** As written in the letter, e.g. "more than 1,700". */
      people: z.string().min(1),
      /** Full https: URL; the letter shows it without "https://". */
      url: httpsUrl,
      email: z.email(),
    }),
    surveyUrl: httpsUrl,
    /**
     * The public register page (`register-server`, its REGISTER_PUBLIC_URL). When set, every copy to a
     * monitoring officer links to its /withdraw page, where they can stop receiving the letter.
     */
    registerUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** The per-authority figures: each one a column of authorities.csv. */
    figures: z.array(figureSchema).min(1),
    /** Checked for every row by `validate`; a row that breaks one is not sent. */
    rules: z.array(ruleSchema),
    /**
     * Averages for similar organisations, per kind of authority: name -> value,
     * as `averages.<name>` in the templates. Every kind in authorities.csv needs
     * an entry; a name one kind lacks is null for that kind.
     */
    averages: z.partialRecord(
      z.enum(AUTHORITY_KINDS),
      z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/, 'use letters and digits only'), z.number().min(0)),
    ),
    /** The letter is addressed to the chief executive; these roles get a copy, in this order. */
    recipients: z.strictObject({ copies: z.array(copySchema) }),
  })
  .superRefine((campaign, ctx) => {
    if (campaign.letterAs === 'pdf' && !campaign.wording.coverNote) {
      ctx.addIssue({
        code: 'custom',
        path: ['wording', 'coverNote'],
        message: 'letterAs "pdf" needs a coverNote: the body of the email the PDF is attached to',
      });
    }
    for (const [key, paragraphs] of Object.entries(campaign.wording)) {
      paragraphs.forEach((paragraph, i) => {
        for (const [link, , url] of paragraph.matchAll(WORDING_LINK)) {
          if (!SAFE_LINK.test(url as string)) {
            ctx.addIssue({
              code: 'custom',
              path: ['wording', key, i],
              message: `the link ${link} must be https: (or mailto: for an address)`,
            });
          }
        }
      });
    }
    const declared = new Map<string, number>();
    campaign.figures.forEach((figure, i) => {
      const first = declared.get(figure.column);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['figures', i, 'column'],
          message: `figure '${figure.column}' is declared twice (first as figures.${first + 1})`,
        });
      } else if ((FIXED_COLUMNS as readonly string[]).includes(figure.column)) {
        ctx.addIssue({
          code: 'custom',
          path: ['figures', i, 'column'],
          message: `'${figure.column}' is a fixed column of authorities.csv, not a figure`,
        });
      } else declared.set(figure.column, i);
    });
    campaign.rules.forEach((rule: FigureRule, i) => {
      for (const { key, figure } of figuresOfRule(rule)) {
        if (!declared.has(figure)) {
          ctx.addIssue({
            code: 'custom',
            path: ['rules', i, ...key],
            message: `rule '${rule.rule}' names '${figure}', which is not a declared figure`,
          });
        }
      }
    });
    const roles = new Set<string>();
    campaign.recipients.copies.forEach((copy, i) => {
      if (copy.role === 'ceo')
        ctx.addIssue({ code: 'custom', path: ['recipients', 'copies', i, 'role'], message: "'ceo' is the addressee, not a copy" });
      if (roles.has(copy.role))
        ctx.addIssue({ code: 'custom', path: ['recipients', 'copies', i, 'role'], message: `role '${copy.role}' is listed twice` });
      if (copy.role !== 'head' && copy.title === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['recipients', 'copies', i, 'title'],
          message: `role '${copy.role}' needs a title, e.g. "Link Officer"`,
        });
      }
      roles.add(copy.role);
    });
  });

export type Campaign = z.infer<typeof campaignSchema>;
export type FigureDeclaration = Campaign['figures'][number];
export type CopyDeclaration = Campaign['recipients']['copies'][number];
export type Letterhead = NonNullable<Campaign['letterhead']>;

/** Whether a recipient in this role gets the authority's own files: the chief executive always; a copy role when the campaign says so. */
export function getsOwnAttachments(campaign: Pick<Campaign, 'recipients'>, role: string): boolean {
  if (role === 'ceo') return true;
  return campaign.recipients.copies.some((copy) => copy.role === role && copy.ownAttachments === true);
}
