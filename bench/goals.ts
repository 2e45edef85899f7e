/**
 * The figures `npm run bench` is judged by, each with its goal: sections record them as they
 * measure, and the run prints them together at the end, met or not met.
 */

export interface Figure {
  what: string;
  /** The measured value, as printed (units included). */
  value: string;
  goal: string;
  met: boolean;
}

const figures: Figure[] = [];

/** Records one figure of this run against its goal. */
export function recordFigure(figure: Figure): void {
  figures.push(figure);
}

/** The figures recorded so far, as a Markdown table. */
export function figuresTable(): string {
  const rows = figures.map((figure) => `| ${figure.what} | ${figure.value} | ${figure.goal} | ${figure.met ? 'met' : 'NOT met'} |`);
  return ['| figure | this run | goal | |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
