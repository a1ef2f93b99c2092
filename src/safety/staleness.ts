/**
 * The scheduled run sends a campaign on its letter date, Europe/London: a
 * campaign whose letter date is long past is last year's (the scheduler fired
 * again a year on, or nobody stored this year's), and one dated in the future
 * is not due. Either way it must not go out by itself.
 */
import { type Campaign, TIMEZONE } from '../domain/index.js';

const DAY_MS = 86_400_000;

/** Today's date in London, as YYYY-MM-DD. */
export function londonDate(now: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: TIMEZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** Whole days from the letter date to today in London: negative before it. */
export function daysSinceLetterDate(letterDate: string, now: number): number {
  return Math.round((Date.parse(londonDate(now)) - Date.parse(letterDate)) / DAY_MS);
}

/** Why the scheduled run must not send this campaign today, or null when it may. */
export function letterDateRefusal(campaign: Pick<Campaign, 'id' | 'letterDate'>, now: number, maxAgeDays: number): string | null {
  const days = daysSinceLetterDate(campaign.letterDate, now);
  if (days > maxAgeDays) {
    return (
      `campaign ${campaign.id} is stale: its letter date ${campaign.letterDate} was ${days} days ago, more than ` +
      `MAX_LETTER_AGE_DAYS (${maxAgeDays}); store this year's campaign with \`schedule --data DIR\`, or send it on purpose with \`run\``
    );
  }
  if (days < 0) {
    return `campaign ${campaign.id} is not due: its letter date ${campaign.letterDate} is ${-days} day(s) away, and a letter must not go out before the date it bears`;
  }
  return null;
}
