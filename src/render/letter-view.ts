/**
 * The view model: everything a template may print, as words, numbers and
 * booleans. The campaign declares the figures and the templates decide, with
 * the helpers, which sentence applies; this only gathers the values.
 */
import { type Authority, type Campaign, type Figures, figureProblems, isCouncil, type Recipient } from '../domain/index.js';
import { formatLongDate } from './format.js';
import { wordingToHtml, wordingToText } from './wording.js';

export interface CampaignView {
  reportingYear: string;
  /** "17 July 2024" */
  letterDate: string;
  /** "1 April 2023" */
  periodStart: string;
  /** "31 March 2024"; also "the year ending ..." */
  periodEnd: string;
  signatory: { name: string; titles: string[] };
  training: { workshops: number; people: string; url: string; urlText: string; email: string };
  surveyUrl: string;
  /** Per key, paragraphs as HTML (HTML part) or as plain text (text part). */
  wording: Record<string, string[]>;
}

export interface LetterView {
  subject: string;
  campaign: CampaignView;
  recipient: {
    key: string;
    /** 'ceo', or the copy's role as the campaign names it ('head', 'mo', 'link-officer', ...). */
    role: string;
    name: string;
    /** "Chief Executive", the head's role ("Mayor"), or the copy role's title from the campaign. */
    title: string;
    isCopy: boolean;
    /** A monitoring officer's way to stop receiving the letter: the register page's /withdraw, when the campaign names one. */
    withdrawUrl: string | null;
  };
  authority: { name: string; kind: string; isCouncil: boolean };
  chiefExecutive: { fullName: string; addressName: string };
  head: { role: string; name: string } | null;
  /** The campaign's figures for this authority, by name; null where blank. */
  figures: Figures;
  /** The averages for similar organisations of this authority's kind, by name; null where this kind has none. */
  averages: Record<string, number | null>;
}

/** What the print layout sees besides the letter: the letterhead (campaign.json's, with its logo), or null. */
export interface PrintView extends LetterView {
  letterhead: {
    /** The logo as a data: URI. */
    logo: string;
    logoAlt: string;
    address: string[];
  } | null;
}

/**
 * One line of text as the HTML would show it: whitespace runs (including CR
 * and LF) become one space. html-to-text does the same to the reference
 * letter, so both render paths print identical text, and no header breaks.
 */
export function oneLine(s: string): string {
  return s.replace(/[ \t\r\n\f\u200b]+/g, ' ').trim();
}

/** Authority data with every printable string made one clean line. */
export function cleanAuthority(a: Authority): Authority {
  const ce = a.chiefExecutive;
  return {
    ...a,
    name: oneLine(a.name),
    chiefExecutive: { ...ce, title: oneLine(ce.title), firstName: oneLine(ce.firstName), surname: oneLine(ce.surname) },
    head: a.head && { ...a.head, role: oneLine(a.head.role), name: oneLine(a.head.name) },
  };
}

export function cleanRecipient(r: Recipient): Recipient {
  return { ...r, name: oneLine(r.name) };
}

/** The campaign's part of the view, built once per campaign in both flavours. */
export function buildCampaignViews(campaign: Campaign): { html: CampaignView; text: CampaignView } {
  const convertAll = (convert: (p: string) => string) =>
    Object.fromEntries(Object.entries(campaign.wording).map(([key, paragraphs]) => [key, paragraphs.map(convert)]));
  const common = {
    reportingYear: oneLine(campaign.reportingYear),
    letterDate: formatLongDate(campaign.letterDate),
    periodStart: formatLongDate(campaign.period.start),
    periodEnd: formatLongDate(campaign.period.end),
    signatory: { name: oneLine(campaign.signatory.name), titles: campaign.signatory.titles.map(oneLine) },
    training: {
      workshops: campaign.training.workshops,
      people: oneLine(campaign.training.people),
      url: campaign.training.url,
      urlText: campaign.training.url.replace(/^https?:\/\//, '').replace(/\/$/, ''),
      email: campaign.training.email,
    },
    surveyUrl: campaign.surveyUrl,
  };
  return {
    html: { ...common, wording: convertAll(wordingToHtml) },
    text: { ...common, wording: convertAll(wordingToText) },
  };
}

/**
 * Each kind's averages with every name any kind has, null where this kind
 * has none, so a template may test `{{#if averages.x}}` in strict mode.
 * Built once per campaign.
 */
export function buildAveragesByKind(campaign: Campaign): Map<string, Record<string, number | null>> {
  const names = [...new Set(Object.values(campaign.averages).flatMap((a) => Object.keys(a ?? {})))];
  const byKind = new Map<string, Record<string, number | null>>();
  for (const [kind, averages] of Object.entries(campaign.averages)) {
    byKind.set(kind, Object.fromEntries(names.map((name) => [name, averages?.[name] ?? null])));
  }
  return byKind;
}

/**
 * The letter's own part of the view; `authority` and `recipient` must be
 * cleaned already. Throws on figures that break the campaign's rules: a wrong
 * figure must never reach a chief executive.
 */
export function buildLetterView(
  campaign: Campaign,
  campaignView: CampaignView,
  averagesByKind: ReadonlyMap<string, Record<string, number | null>>,
  authority: Authority,
  recipient: Recipient,
  subject: string,
): LetterView {
  const problems = figureProblems(campaign.figures, campaign.rules, authority.figures);
  if (problems.length > 0) {
    throw new Error(
      `Cannot render the figures for authority "${authority.id}": ${problems.map((p) => `${p.field}: ${p.reason}`).join('; ')}`,
    );
  }
  const averages = averagesByKind.get(authority.kind);
  if (!averages) throw new Error(`The campaign has no averages for kind "${authority.kind}" (authority "${authority.id}")`);
  const ce = authority.chiefExecutive;
  return {
    subject,
    campaign: campaignView,
    recipient: {
      key: recipient.key,
      role: recipient.role,
      name: recipient.name,
      title: recipientTitle(campaign, authority, recipient),
      isCopy: recipient.isCopy,
      withdrawUrl: recipient.role === 'mo' && campaign.registerUrl ? `${campaign.registerUrl.replace(/\/+$/, '')}/withdraw` : null,
    },
    authority: { name: authority.name, kind: authority.kind, isCouncil: isCouncil(authority.kind) },
    chiefExecutive: {
      fullName: [ce.title, ce.firstName, ce.surname].filter(Boolean).join(' '),
      // "Ms Fairclough"; without a title, "Katherine Fairclough" rather than a bare surname.
      addressName: ce.title ? `${ce.title} ${ce.surname}` : `${ce.firstName} ${ce.surname}`,
    },
    head: authority.head && { role: authority.head.role, name: authority.head.name },
    figures: authority.figures,
    averages,
  };
}

/** What a recipient is called in their role: also shown by test mode and the console. */
export function recipientTitle(campaign: Campaign, authority: Authority, recipient: Pick<Recipient, 'role'>): string {
  if (recipient.role === 'ceo') return 'Chief Executive';
  if (recipient.role === 'head') return authority.head?.role ?? 'Political head';
  return campaign.recipients.copies.find((copy) => copy.role === recipient.role)?.title ?? recipient.role;
}
