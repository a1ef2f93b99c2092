/**
 * Numbers as the letter writes them. House style: one to ten in words,
 * larger numbers in digits with thousands separators.
 */

const WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];

/** 1234 -> "1,234". Written by hand so the output never depends on the host's ICU data. */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** 3 -> "three", 11 -> "11". */
export function numberInWords(n: number): string {
  return Number.isInteger(n) && n >= 0 && n <= 10 ? (WORDS[n] as string) : formatCount(n);
}
