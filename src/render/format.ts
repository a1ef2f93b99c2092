/** Dates and rounding used by the letter: plain functions, no locale data. */

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "2024-07-17" -> "17 July 2024" (the campaign schema guarantees an ISO date). */
export function formatLongDate(isoDate: string): string {
  const [year, month, day] = isoDate.split('-').map(Number);
  return `${day} ${MONTHS[(month ?? 1) - 1]} ${year}`;
}

/**
 * part / whole as a whole percentage, rounded half up, in integer arithmetic
 * so 5 of 8 (62.5%) is 63 and never 62 through a floating-point error.
 */
export function percentHalfUp(part: number, whole: number): number {
  return Math.floor((200 * part + whole) / (2 * whole));
}

/** part / whole * 100,000 to one decimal place, rounded half up, e.g. "1.3". */
export function per100kHalfUp(part: number, whole: number): string {
  const tenths = Math.floor((2 * part * 1_000_000 + whole) / (2 * whole));
  return `${Math.floor(tenths / 10)}.${tenths % 10}`;
}

/**
 * A decimal from the campaign file rounded half up to `places`, as written.
 * The exponent trick rounds the decimal the operator typed (1.45 -> 1.5),
 * not its binary approximation (1.4499...).
 */
export function roundHalfUp(value: number, places: number): string {
  const rounded = Number(`${Math.round(Number(`${value}e${places}`))}e-${places}`);
  return rounded.toFixed(places);
}
