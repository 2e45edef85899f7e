/** Calendar dates as they appear in file names, checked without time zones: all dates are UTC. */

export type DateLayout = 'YYYYMMDD' | 'DD-MM-YYYY';

const LAYOUTS: Record<DateLayout, RegExp> = {
  YYYYMMDD: /^(?<y>\d{4})(?<m>\d{2})(?<d>\d{2})$/,
  'DD-MM-YYYY': /^(?<d>\d{2})-(?<m>\d{2})-(?<y>\d{4})$/,
};

/** `2017-06-23` for a real calendar date written in `layout`, otherwise undefined. */
export function parseCalendarDate(text: string, layout: DateLayout): string | undefined {
  const groups = LAYOUTS[layout].exec(text)?.groups;
  if (!groups) return undefined;
  const y = Number(groups.y);
  const m = Number(groups.m);
  const d = Number(groups.d);
  if (y < 1970 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return undefined;
  return `${groups.y}-${groups.m}-${groups.d}`;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Today's date in UTC as `YYYY-MM-DD`. */
export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}
