/**
 * Turns a record's cells into typed values per the declaration: the header (when there is one)
 * decides where each column is; every cell is converted in this handler (csv-parse's `cast` hook is
 * far slower), and every problem of a line is collected, not only the first.
 */
import { isInvalid } from '../../core/field-types.js';
import { preview, type LineProblem } from '../../core/line-problem.js';
import { CONVERTERS, type Converter } from './column-kinds.js';
import type { ColumnSpec, DelimitedDeclaration } from './declaration.js';

export class LineReader {
  readonly columns: readonly ColumnSpec[];
  /** Where each declared column is in a line's cells; -1 when the header does not have it. */
  private positions: number[];
  private readonly converters: Converter[];
  private maxCells: number;
  private minCells: number;
  /** The converted values of the line in hand, by declared column; reused for every line. */
  readonly values: unknown[];
  /** Values from index `reached` on are undefined (what the last line left). */
  private reached = 0;
  /** What the header had that was let pass (unknown columns, when the layout ignores them). */
  readonly warnings: string[] = [];

  constructor(
    private readonly declaration: DelimitedDeclaration,
    private readonly delimiter: string,
  ) {
    this.columns = declaration.layout.columns;
    this.converters = this.columns.map((column) => CONVERTERS[column.kind]);
    this.values = new Array<unknown>(this.columns.length).fill(undefined);
    this.positions = this.columns.map((_, index) => index);
    this.maxCells = this.columns.length;
    this.minCells = this.requiredCells();
  }

  get needsHeader(): boolean {
    return this.declaration.layout.kind === 'header';
  }

  /** A first line may be data (the layout is `headerless`) when it names none of the columns. */
  get headerless(): boolean {
    const layout = this.declaration.layout;
    return layout.kind === 'header' && layout.headerless === true;
  }

  /** Whether one of `cells` names a declared column (or an extra name): then the line is a header. */
  namesAColumn(cells: readonly string[]): boolean {
    const layout = this.declaration.layout;
    return cells.some((cell) => {
      const name = cell.trim().toLowerCase();
      return this.columns.some((column) => column.name.toLowerCase() === name) || (layout.kind === 'header' && layout.extraNames?.test(name) === true);
    });
  }

  /** Reads the header line; problems mean no data line can be read. */
  header(cells: readonly string[]): LineProblem[] {
    const layout = this.declaration.layout;
    const ignoreUnknown = layout.kind === 'header' && layout.unknownColumns === 'ignore';
    const problems: LineProblem[] = [];
    const unknown: string[] = [];
    const seen = new Map<string, number>();
    cells.forEach((cell, index) => {
      const name = cell.trim().toLowerCase();
      const known = this.columns.some((column) => column.name.toLowerCase() === name);
      if (seen.has(name)) {
        problems.push(headerProblem(cell, 'duplicate_header', `the header names the column ${cell} twice`, 'each column named once'));
      } else if (!known && !(layout.kind === 'header' && layout.extraNames?.test(name))) {
        if (ignoreUnknown) unknown.push(`${cell} (column ${index + 1})`);
        else problems.push(headerProblem(cell, 'unknown_header', `the header names an unknown column ${cell}`, this.nameList()));
      }
      if (!seen.has(name)) seen.set(name, index);
    });
    if (unknown.length) this.warnings.push(unknownColumnsWarning(unknown));
    this.positions = this.columns.map((column) => seen.get(column.name.toLowerCase()) ?? -1);
    for (const [index, column] of this.columns.entries()) {
      if (column.required && this.positions[index] === -1) {
        problems.push(headerProblem('', 'missing_header', `the header has no column ${column.name}`, this.nameList()));
      }
    }
    this.maxCells = cells.length;
    this.minCells = this.requiredCells();
    return problems;
  }

  /**
   * A headerless file: its columns are `names`, in this order (checked by the configuration:
   * declared names, each once). Lines may stop after the last required column, as with a header.
   */
  useOrder(names: readonly string[]): void {
    this.positions = this.columns.map((column) => names.indexOf(column.name));
    this.maxCells = names.length;
    this.minCells = this.requiredCells();
  }

  /** Converts `cells` into `values`; returns the line's problems, or undefined when it is good. */
  read(cells: readonly string[]): LineProblem[] | undefined {
    const count = cells.length;
    if (count > this.maxCells || count < this.minCells) return [this.countProblem(cells)];
    let problems: LineProblem[] | undefined;
    // A positional line reaches only its own cells, and the count check above has made sure that
    // every required column is among them: the columns past it simply have no value. (Carma
    // declares 31 columns; a line usually has 6 or 7.)
    const reach = this.needsHeader ? this.columns.length : Math.min(count, this.columns.length);
    for (let i = reach; i < this.reached; i += 1) this.values[i] = undefined;
    this.reached = reach;
    for (let i = 0; i < reach; i += 1) {
      const position = this.positions[i] as number;
      const text = position >= 0 && position < count ? (cells[position] as string) : '';
      const column = this.columns[i] as ColumnSpec;
      if (text === '') {
        this.values[i] = undefined;
        if (column.required) (problems ??= []).push(required(column));
        continue;
      }
      const value = (this.converters[i] as Converter)(text);
      if (isInvalid(value)) {
        (problems ??= []).push({ column: column.name, value: text, code: value.code, message: `${column.name} ${value.problem}`, expected: value.expected });
      } else {
        this.values[i] = value;
      }
    }
    return problems;
  }

  private countProblem(cells: readonly string[]): LineProblem {
    const value = preview(cells.join(this.delimiter));
    const count = cells.length;
    if (this.declaration.layout.kind === 'positional') {
      return count > this.maxCells
        ? { column: '', value, code: 'too_many_columns', message: `the line has ${count} columns; at most ${this.maxCells} are allowed`, expected: `at most ${this.maxCells} columns` }
        : { column: '', value, code: 'missing_columns', message: `the line has ${count} columns; the first ${this.minCells} are required`, expected: `at least ${this.minCells} columns` };
    }
    const expected = this.minCells === this.maxCells ? `${this.maxCells} fields, as in the header` : `${this.minCells} to ${this.maxCells} fields`;
    return { column: '', value, code: 'ragged_line', message: `the line has ${count} fields but the header has ${this.maxCells}`, expected };
  }

  /** Cells a line must have: all of them, or up to the last required column. */
  private requiredCells(): number {
    if (!this.declaration.shortLines) return this.maxCells;
    let needed = 0;
    this.columns.forEach((column, index) => {
      const position = this.positions[index] as number;
      if (column.required && position >= 0) needed = Math.max(needed, position + 1);
    });
    return needed;
  }

  private nameList(): string {
    return `columns named ${this.columns.map((column) => column.name).join(', ')}`;
  }
}

/** Unknown header cells listed in the receipt; past these, counted. */
const MAX_LISTED_UNKNOWN = 20;

function unknownColumnsWarning(unknown: readonly string[]): string {
  const listed = unknown.slice(0, MAX_LISTED_UNKNOWN).join(', ');
  const more = unknown.length > MAX_LISTED_UNKNOWN ? ` and ${unknown.length - MAX_LISTED_UNKNOWN} more` : '';
  const what = unknown.length === 1 ? 'a column this format does not know' : `${unknown.length} columns this format does not know`;
  return `the header names ${what}, ignored with its values: ${listed}${more}`;
}

function required(column: ColumnSpec): LineProblem {
  return { column: column.name, value: '', code: 'missing_field', message: `${column.name} is required`, expected: 'a value' };
}

function headerProblem(value: string, code: string, message: string, expected: string): LineProblem {
  return { column: value, value, code, message, expected };
}
