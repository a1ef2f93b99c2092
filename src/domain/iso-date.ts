/**
 * Dates as campaign.json writes them (YYYY-MM-DD, the ISO form), and the
 * words that help a person who wrote one another way: 17/06/2026,
 * "17 June 2026" and 2026-06-31 each get the form expected, and the date
 * they meant in it when that is certain.
 */

export const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** 17/06/2026 or 17-06-2026 or 17.06.2026: day first, as written in the UK. */
const DAY_MONTH_YEAR = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/;
/** "17 June 2026", "17th June 2026", "17 Jun 2026". */
const DAY_NAME_YEAR = /^(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?,?\s+(\d{4})$/;
/** "June 17, 2026". */
const NAME_DAY_YEAR = /^([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$/;

/** How a date is to be written, with an example, for every message about one. */
export const ISO_DATE_FORM = 'write dates as YYYY-MM-DD, e.g. "2026-06-17" for 17 June 2026';

/** The number of days in a month (1-12) of a year, leap years included. */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The month (1-12) a name or its first three letters stands for; undefined when it is none. */
export function monthOfName(name: string): number | undefined {
  const lower = name.toLowerCase();
  const index = MONTH_NAMES.findIndex(
    (month) => month.toLowerCase() === lower || (lower.length === 3 && month.toLowerCase().startsWith(lower)),
  );
  return index === -1 ? undefined : index + 1;
}

/** YYYY-MM-DD of a year, month and day, or undefined when there is no such day. */
export function isoDateOf(year: number, month: number, day: number): string | undefined {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Why `value` is not a YYYY-MM-DD date, with the form and an example; undefined when it is one. */
export function isoDateProblem(value: string): string | undefined {
  const shown = JSON.stringify(value);
  const iso = ISO_DATE.exec(value);
  if (iso) {
    const [year, month, day] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
    if (month < 1 || month > 12) return `${shown} has no month ${iso[2]}; ${ISO_DATE_FORM}`;
    if (isoDateOf(year, month, day) === undefined) {
      return `${shown} is not a date: ${MONTH_NAMES[month - 1]} ${year} has ${daysInMonth(year, month)} days; ${ISO_DATE_FORM}`;
    }
    return undefined;
  }
  const meant = dateMeant(value.trim());
  if (meant) {
    const [year, month, day] = meant.split('-').map(Number) as [number, number, number];
    return `${shown} is not written as YYYY-MM-DD: for ${day} ${MONTH_NAMES[month - 1]} ${year} write "${meant}"`;
  }
  return `${shown} is not a date; ${ISO_DATE_FORM}`;
}

/** The YYYY-MM-DD of a date written day first or with the month's name, when that is certain. */
function dateMeant(value: string): string | undefined {
  const numeric = DAY_MONTH_YEAR.exec(value);
  if (numeric) return isoDateOf(Number(numeric[3]), Number(numeric[2]), Number(numeric[1]));
  const named = DAY_NAME_YEAR.exec(value);
  if (named) {
    const month = monthOfName(named[2]!);
    return month === undefined ? undefined : isoDateOf(Number(named[3]), month, Number(named[1]));
  }
  const american = NAME_DAY_YEAR.exec(value);
  if (american) {
    const month = monthOfName(american[1]!);
    return month === undefined ? undefined : isoDateOf(Number(american[3]), month, Number(american[2]));
  }
  return undefined;
}
