/**
 * Dates in the year's wording that the letter date has overtaken: a sentence
 * copied from last year that still says "we will begin ... from April 2026"
 * in a letter dated June 2026. A warning, not a problem: only a person can
 * tell whether the sentence is still true. A past date spoken of as past
 * ("I took up the role in February 2024") is what a year's narrative does,
 * so only a date whose sentence speaks of it as still to come is flagged.
 */
import { type Campaign, type DataProblem, daysInMonth, isoDateOf, MONTH_NAMES, monthOfName } from '../domain/index.js';
import { CAMPAIGN_FILE, fieldOf, type LineOf } from './campaign-json.js';

const MONTH = `(${MONTH_NAMES.join('|')}|${MONTH_NAMES.map((m) => m.slice(0, 3)).join('|')})`;
/** "17 June 2026", "17th June 2026", "June 2026", "2026-06-17", "17/06/2026". */
const DATE = new RegExp(
  `\\b(?:(\\d{1,2})(?:st|nd|rd|th)?\\s+)?${MONTH}\\.?\\s+(\\d{4})\\b|\\b(\\d{4})-(\\d{2})-(\\d{2})\\b|\\b(\\d{1,2})/(\\d{1,2})/(\\d{4})\\b`,
  'gi',
);
/** Words that put a sentence's date ahead of it. */
const FUTURE =
  /\b(will|shall|won't|going to|plans? to|intends? to|aims? to|expects? to|due to (?:start|begin|come|take)|comes? into (?:force|effect)|takes? effect)\b|'ll\b/i;
/** A word right before a date that makes it a start or a deadline: "from April 2026", "by 31 March". */
const STARTS = /\b(from|until|till|by|starting|beginning|after)\s+(?:the\s+)?(?:end of\s+)?$/i;
/** "from April 2023 to March 2024": a span, a past one here, not a start. */
const SPAN_AFTER = /^\s*(?:to|until|till|and|-|–)\s+/i;
/** Sentences end at . ! ? before a capital, a quote or a bracket. */
const SENTENCE_END = /(?<=[.!?])\s+(?=["'(A-Z0-9])/;

/** A date named in the text and the last day it covers (the month's last day for "April 2026"). */
interface NamedDate {
  text: string;
  index: number;
  lastDay: string;
}

export function wordingDateWarnings(campaign: Campaign, lineOf: LineOf): DataProblem[] {
  const warnings: DataProblem[] = [];
  const letterDate = campaign.letterDate;
  for (const [key, paragraphs] of Object.entries(campaign.wording)) {
    paragraphs.forEach((paragraph, i) => {
      for (const sentence of paragraph.split(SENTENCE_END)) {
        for (const date of datesIn(sentence)) {
          if (date.lastDay >= letterDate || !speaksOfItAhead(sentence, date)) continue;
          const path = ['wording', key, i];
          warnings.push({
            file: CAMPAIGN_FILE,
            line: lineOf(path),
            field: fieldOf(path),
            reason:
              `'${date.text}' is before the letter date (${letterDate}) but the sentence speaks of it as still to come ` +
              `(${quote(sentence, date)}); if it was copied from an earlier year, bring it up to date`,
          });
        }
      }
    });
  }
  return warnings;
}

function datesIn(sentence: string): NamedDate[] {
  const dates: NamedDate[] = [];
  for (const m of sentence.matchAll(DATE)) {
    let lastDay: string | undefined;
    if (m[2] !== undefined) {
      const month = monthOfName(m[2]);
      const year = Number(m[3]);
      if (month === undefined) continue;
      lastDay = isoDateOf(year, month, m[1] === undefined ? daysInMonth(year, month) : Number(m[1]));
    } else if (m[4] !== undefined) lastDay = isoDateOf(Number(m[4]), Number(m[5]), Number(m[6]));
    else lastDay = isoDateOf(Number(m[9]), Number(m[8]), Number(m[7]));
    if (lastDay !== undefined) dates.push({ text: m[0], index: m.index, lastDay });
  }
  return dates;
}

function speaksOfItAhead(sentence: string, date: NamedDate): boolean {
  if (FUTURE.test(sentence)) return true;
  const before = sentence.slice(0, date.index);
  const after = sentence.slice(date.index + date.text.length);
  return STARTS.test(before) && !SPAN_AFTER.test(after);
}

/** The sentence around the date, short enough for one line of output. */
function quote(sentence: string, date: NamedDate): string {
  // Cut at spaces, so no word is broken.
  const space = sentence.lastIndexOf(' ', Math.max(0, date.index - 60));
  const start = date.index <= 60 || space === -1 ? 0 : space + 1;
  const after = sentence.indexOf(' ', date.index + date.text.length + 15);
  const end = after === -1 ? sentence.length : after;
  return `"${start > 0 ? '...' : ''}${sentence.slice(start, end).trim()}${end < sentence.length ? '...' : ''}"`;
}
