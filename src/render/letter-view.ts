/**
 * The view model: everything a template may print, as words, numbers and
 * booleans. Code decides which sentence applies; the templates hold the words.
 */
import { type Authority, type Campaign, isCouncil, type Recipient } from '../domain/index.js';
import { formatLongDate } from './format.js';
import { computeStatistics, type LetterStatistics } from './statistics.js';
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
    name: string;
    isCopy: boolean;
    isHead: boolean;
    isMonitoringOfficer: boolean;
    /** A monitoring officer's way to stop receiving the letter: the register page's /withdraw, when the campaign names one. */
    withdrawUrl: string | null;
  };
  authority: { name: string; isCouncil: boolean };
  chiefExecutive: { fullName: string; addressName: string };
  head: { role: string; name: string } | null;
  trainingCourses: number;
  statistics: LetterStatistics;
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

/** The letter's own part of the view; `authority` and `recipient` must be cleaned already. */
export function buildLetterView(
  campaign: Campaign,
  campaignView: CampaignView,
  authority: Authority,
  recipient: Recipient,
  subject: string,
): LetterView {
  const ce = authority.chiefExecutive;
  return {
    subject,
    campaign: campaignView,
    recipient: {
      name: recipient.name,
      isCopy: recipient.isCopy,
      isHead: recipient.role === 'head',
      isMonitoringOfficer: recipient.role === 'mo',
      withdrawUrl: recipient.role === 'mo' && campaign.registerUrl ? `${campaign.registerUrl.replace(/\/+$/, '')}/withdraw` : null,
    },
    authority: { name: authority.name, isCouncil: isCouncil(authority.kind) },
    chiefExecutive: {
      fullName: [ce.title, ce.firstName, ce.surname].filter(Boolean).join(' '),
      // "Ms Fairclough"; without a title, "Katherine Fairclough" rather than a bare surname.
      addressName: ce.title ? `${ce.title} ${ce.surname}` : `${ce.firstName} ${ce.surname}`,
    },
    head: authority.head && { role: authority.head.role, name: authority.head.name },
    trainingCourses: authority.trainingCourses,
    statistics: computeStatistics(authority, campaign.averages[authority.kind]),
  };
}
