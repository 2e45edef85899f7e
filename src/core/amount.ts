/**
 * Amounts as Client Toolbox partners write them (`14,95`, `0,50`, `.75`, `2.00`, `1500`), held as
 * whole hundredths so that balances add up exactly.
 */

const AMOUNT = /^(\d{0,12})(?:[.,](\d{1,2}))?$/;

/** Hundredths for a written amount, or undefined when it is not one (empty, `1.500,00`, `-3`). */
export function parseAmount(text: string): number | undefined {
  const match = AMOUNT.exec(text);
  if (!match) return undefined;
  const whole = match[1] ?? '';
  const fraction = match[2];
  if (whole === '' && fraction === undefined) return undefined;
  const cents = fraction === undefined ? 0 : Number(fraction.padEnd(2, '0'));
  return Number(whole || '0') * 100 + cents;
}

/** `1495` → `14.95`; `-50` → `-0.50`. */
export function formatHundredths(hundredths: number): string {
  const sign = hundredths < 0 ? '-' : '';
  const abs = Math.abs(hundredths);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** `amount × ratio`, rounded to the hundredth (half away from zero). */
export function applyRatio(hundredths: number, ratio: number): number {
  const product = hundredths * ratio;
  return Math.sign(product) * Math.round(Math.abs(product) + Number.EPSILON * 100);
}
