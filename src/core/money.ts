/**
 * Money is integer cents everywhere (numbers up to 2^53 are exact, far past any budget here) and
 * `bigint` in the database. Parsing and formatting never go through binary floating point.
 */

/** Cents from a decimal dollar string such as "12.34", "12", "12.3" or "$1,234.50". Throws on anything else. */
export function parseDollars(text: string): number {
  const cleaned = text.trim().replace(/^\$/, '').replace(/,/g, '');
  const match = /^(-)?(\d+)(?:\.(\d{1,2}))?$/.exec(cleaned);
  if (!match) throw new RangeError(`"${text}" is not an amount in dollars (like 12.34)`);
  const [, minus, whole, fraction = ''] = match;
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  if (!Number.isSafeInteger(cents)) throw new RangeError(`"${text}" is too large an amount`);
  return minus ? -cents : cents;
}

/** "12.34" from 1234 cents (no currency sign). */
export function centsToDecimal(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(cents));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** "$12.34" from 1234 cents. */
export function formatDollars(cents: number): string {
  const text = centsToDecimal(cents);
  return text.startsWith('-') ? `-$${text.slice(1)}` : `$${text}`;
}

/** Dollars as a JSON number for reports (two decimals, from exact cents). */
export function centsToDollars(cents: number): number {
  return Number(centsToDecimal(cents));
}

/** Micros (Google Ads: 1 USD = 1,000,000 micros) to cents, rounded up so a charge is never under-counted. */
export function microsToCents(micros: number | bigint): number {
  const value = BigInt(micros);
  return Number((value + 9_999n) / 10_000n);
}

/** Cents to micros. */
export function centsToMicros(cents: number): number {
  return cents * 10_000;
}
