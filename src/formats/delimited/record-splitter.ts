/**
 * Cuts decoded text into records, one per physical line: a line ends at its LF, always, whatever
 * it holds, so no byte of a file can make the lines after it disappear uncounted. Lines without a
 * special character (nearly all of them) are split on the delimiter directly. In a format with CSV
 * quoting (PBJ), a line with a quote is parsed by csv-parse, so quoting within the line follows
 * RFC 4180 exactly; a quote left open at the line's end is that line's error, never a reason to
 * gather the next ones. In a format without quoting (Carma, Client Toolbox), `"` is a character like
 * any other (`5" screen`). Structural faults (lone CR, NUL, over-long, bad quoting) are reported per
 * line, never thrown.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { preview, type LineProblem } from '../../core/line-problem.js';
import type { Quoting } from './declaration.js';

export interface SplitLine {
  /** Physical line number (from 1). */
  line: number;
  /** The line as written, without its line ending. */
  raw: string;
}

export interface RecordSink {
  /** A record's cells. `cells` is only valid during the call. */
  record(cells: string[], at: SplitLine): void;
  /** A record that cannot be split into cells. */
  broken(problem: LineProblem, at: SplitLine): void;
}

export interface SplitterOptions {
  readonly delimiter: string;
  readonly maxLineChars: number;
  readonly quoting: Quoting;
}

/** What makes a line need more than a split: a CR, a NUL, and a quote where quoting exists. */
const SPECIAL: Record<Quoting, RegExp> = { rfc4180: /[\r\0"]/, none: /[\r\0]/ };

function whole(code: string, message: string, expected: string, raw: string): LineProblem {
  return { column: '', value: preview(raw), code, message, expected };
}

export class RecordSplitter {
  private carry = '';
  /** The next physical line's number. */
  private lineNo = 1;
  /** Inside a line already reported as too long: drop text until its end. */
  private skipping = false;
  /** Reused for every line: the sink reads it during its call only. */
  private readonly at: SplitLine = { line: 0, raw: '' };
  private readonly delimiter: string;
  private readonly maxLineChars: number;
  private readonly quoted: boolean;
  private readonly special: RegExp;

  constructor(
    options: SplitterOptions,
    private readonly sink: RecordSink,
  ) {
    this.delimiter = options.delimiter;
    this.maxLineChars = options.maxLineChars;
    this.quoted = options.quoting === 'rfc4180';
    this.special = SPECIAL[options.quoting];
  }

  push(text: string): void {
    let buffer = this.carry + text;
    let pos = 0;
    // Nearly every piece of a file holds no special character at all: one scan of the piece then
    // spares three of every line in it, and its lines are split on the delimiter directly.
    const plain = !this.special.test(buffer);
    for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n', pos)) {
      if (this.skipping) this.skipping = false;
      else if (plain && nl - pos <= this.maxLineChars) this.plainLine(buffer.slice(pos, nl));
      else this.line(buffer.slice(pos, nl));
      pos = nl + 1;
      this.lineNo += 1;
    }
    buffer = pos === 0 ? buffer : buffer.slice(pos);
    if (this.skipping) buffer = '';
    else if (buffer.length > this.maxLineChars) {
      this.tooLong(buffer);
      buffer = '';
      this.skipping = true;
    }
    this.carry = buffer;
  }

  /** The last line, when the file does not end with a line break. */
  end(): void {
    if (this.carry !== '' && !this.skipping) this.line(this.carry);
    this.carry = '';
  }

  /** A line known to hold no special character, and not too long. */
  private plainLine(text: string): void {
    if (text === '') return;
    const at = this.here(text);
    this.sink.record(text.split(this.delimiter), at);
  }

  private line(withEnding: string): void {
    const text = withEnding.endsWith('\r') ? withEnding.slice(0, -1) : withEnding;
    if (text === '') return; // empty lines carry no record
    const at = this.here(text);
    if (text.length > this.maxLineChars) {
      this.tooLong(text);
    } else if (text.includes('\r')) {
      this.sink.broken(whole('lone_cr', 'the line contains a carriage return (CR) that does not end it', 'lines ended by LF or CR LF', text), at);
    } else if (text.includes('\0')) {
      this.sink.broken(whole('nul_byte', 'the line contains a NUL byte', 'text without NUL (0x00) bytes', text), at);
    } else if (!this.quoted || !text.includes('"')) {
      this.sink.record(text.split(this.delimiter), at);
    } else if (endsInsideQuotes(text, this.delimiter)) {
      this.sink.broken(
        whole('unclosed_quote', 'the line has a quoted field that is not closed on the line', 'a closing quote (") before the end of the line', text),
        at,
      );
    } else {
      this.parseQuoted(text, at);
    }
  }

  private here(text: string): SplitLine {
    const at = this.at;
    at.line = this.lineNo;
    at.raw = text;
    return at;
  }

  /** A line with quotes, and none of them left open. */
  private parseQuoted(text: string, at: SplitLine): void {
    try {
      const records = parseCsv(text, { delimiter: this.delimiter, relax_column_count: true, record_delimiter: ['\n'] }) as string[][];
      this.sink.record(records[0] ?? [''], at);
    } catch (err) {
      const reason = (err as Error).message.replace(/ at line \d+.*$/s, '');
      this.sink.broken(whole('bad_quotes', `the line's quoting is not valid CSV (${reason})`, 'cells either unquoted or wholly in double quotes, inner quotes doubled', text), at);
    }
  }

  private tooLong(text: string): void {
    this.sink.broken(
      whole('line_too_long', `the line is longer than ${this.maxLineChars} characters`, `lines of at most ${this.maxLineChars} characters`, text),
      { line: this.lineNo, raw: preview(text) },
    );
  }
}

/** True when `text` ends inside a quoted cell that began where a cell may begin. */
export function endsInsideQuotes(text: string, delimiter: string): boolean {
  let inQuotes = false;
  let cellStart = true;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (inQuotes) {
      if (ch !== '"') continue;
      if (text[i + 1] === '"') i += 1;
      else inQuotes = false;
    } else if (ch === '"' && cellStart) {
      inQuotes = true;
    } else {
      cellStart = text.startsWith(delimiter, i);
      if (cellStart) i += delimiter.length - 1;
      continue;
    }
    cellStart = false;
  }
  return inQuotes;
}
