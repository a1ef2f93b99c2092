/** The Ombudsman's time zone: the annual schedule fires, and a letter's date is read, in it. */
export const TIMEZONE = 'Europe/London';
