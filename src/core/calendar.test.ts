import { describe, expect, it } from 'vitest';
import { parseCalendarDate, utcDay } from './calendar.js';

describe('parseCalendarDate', () => {
  it.each([
    ['20240229', 'YYYYMMDD', '2024-02-29'],
    ['20231231', 'YYYYMMDD', '2023-12-31'],
    ['29-02-2000', 'DD-MM-YYYY', '2000-02-29'],
    ['01-01-1970', 'DD-MM-YYYY', '1970-01-01'],
  ] as const)('%s (%s) is %s', (text, layout, day) => {
    expect(parseCalendarDate(text, layout)).toBe(day);
  });

  it.each([
    ['20230229', 'YYYYMMDD'],
    ['19000229', 'YYYYMMDD'],
    ['20240431', 'YYYYMMDD'],
    ['20241301', 'YYYYMMDD'],
    ['20240100', 'YYYYMMDD'],
    ['19691231', 'YYYYMMDD'],
    ['2024-01-01', 'YYYYMMDD'],
    ['2024011', 'YYYYMMDD'],
    ['31-04-2024', 'DD-MM-YYYY'],
    ['2024-04-01', 'DD-MM-YYYY'],
  ] as const)('%s is not a calendar date written %s', (text, layout) => {
    expect(parseCalendarDate(text, layout)).toBeUndefined();
  });
});

describe('utcDay', () => {
  it('is the UTC date, whatever the local time zone', () => {
    expect(utcDay(new Date('2024-03-01T23:30:00-05:00'))).toBe('2024-03-02');
    expect(utcDay(new Date('2024-03-01T00:30:00+02:00'))).toBe('2024-02-29');
  });
});
