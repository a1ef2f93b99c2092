/** The Ombudsman's time zone: the annual schedule fires, and a letter's date is read, in it. */
export const TIMEZONE = 'Europe/London';

/** "17 July 2027 at 09:00 London time": when a scheduled run fires. */
export function formatFireTime(ms: number): string {
  return `${new Date(ms).toLocaleString('en-GB', { timeZone: TIMEZONE, day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit' })} London time`;
}
