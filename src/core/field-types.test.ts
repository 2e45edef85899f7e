import { describe, expect, it } from 'vitest';
import {
  NOT_A_DATE,
  NOT_A_NUMBER,
  NOT_A_TIME,
  NOT_POSITIVE,
  parseCarmaTime,
  parseDecimal,
  parseFlag,
  parseInteger,
  parseIsoDate,
  parsePositiveInteger,
  parseSaleDate,
} from './field-types.js';

describe('cell kinds', () => {
  it('reads whole numbers within 2^53 and flags larger ones', () => {
    expect(parseInteger('1042')).toBe(1042);
    expect(parseInteger('-7')).toBe(-7);
    expect(parseInteger('12a')).toBe(NOT_A_NUMBER);
    expect(parseInteger('99999999999999999')).toBe(NOT_A_NUMBER);
    expect(parsePositiveInteger('0')).toBe(NOT_POSITIVE);
  });
  it('keeps decimals as written', () => {
    expect(parseDecimal('000100.00')).toBe('000100.00');
    expect(parseDecimal('20,50')).toMatchObject({ code: 'invalid_amount' });
  });
  it('checks real calendar dates', () => {
    expect(parseIsoDate('2010-03-15')).toBe('2010-03-15');
    expect(parseIsoDate('2013-0315')).toBe(NOT_A_DATE);
    expect(parseIsoDate('2021-02-29')).toBe(NOT_A_DATE);
    expect(parseSaleDate('2020-04-20T10:15:00+02:00')).toBe('2020-04-20T10:15:00+02:00');
    expect(parseSaleDate('2020-04-20T25:00')).toMatchObject({ code: 'invalid_date' });
  });
  it("reads Carma's transaction time", () => {
    expect(parseCarmaTime('2014-03-12 14:05:00')).toBe('2014-03-12 14:05:00');
    expect(parseCarmaTime('2014-03-12T14:05:00')).toBe(NOT_A_TIME);
  });
  it('reads Y and N', () => {
    expect(parseFlag('Y')).toBe(true);
    expect(parseFlag('n')).toBe(false);
    expect(parseFlag('yes')).toMatchObject({ code: 'invalid_flag' });
  });
});

describe('dates checked by character codes', () => {
  it.each(['2024-02-29', '2000-02-29', '1999-12-31'])('accepts %s', (text) => {
    expect(parseIsoDate(text)).toBe(text);
  });
  it.each(['2023-02-29', '1900-02-29', '2024-13-01', '2024-00-10', '2024-04-31', '2024-4-01', '2024-04-01x', 'abcd-01-01'])('refuses %s', (text) => {
    expect(parseIsoDate(text)).toBe(NOT_A_DATE);
  });
  it('checks the clock of a Carma time', () => {
    expect(parseCarmaTime('2014-03-12 24:00:00')).toBe(NOT_A_TIME);
    expect(parseCarmaTime('2014-03-12 23:59:60')).toBe(NOT_A_TIME);
    expect(parseCarmaTime('2014-03-12 23:5a:00')).toBe(NOT_A_TIME);
  });
});
