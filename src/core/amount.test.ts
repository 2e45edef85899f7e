import { describe, expect, it } from 'vitest';
import { applyRatio, formatHundredths, parseAmount } from './amount.js';

describe('parseAmount', () => {
  it.each([
    ['14,95', 1495],
    ['0,50', 50],
    ['.75', 75],
    ['2.00', 200],
    ['1500', 150000],
    ['34.67', 3467],
    ['3,5', 350],
  ])('reads %s as %i hundredths', (text, hundredths) => {
    expect(parseAmount(text)).toBe(hundredths);
  });
  it.each(['', '.', '1.500,00', '-3', '1.234', 'ten', ' 1'])('refuses %j', (text) => {
    expect(parseAmount(text)).toBeUndefined();
  });
});

describe('hundredths', () => {
  it('formats with two decimals and a sign', () => {
    expect(formatHundredths(3792)).toBe('37.92');
    expect(formatHundredths(-50)).toBe('-0.50');
  });
  it('applies a ratio rounding to the hundredth', () => {
    expect(applyRatio(1495, 10)).toBe(14950);
    expect(applyRatio(333, 0.5)).toBe(167);
  });
});
