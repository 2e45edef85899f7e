/**
 * Cuts decoded text into records. Lines without a quote character (nearly all of them) are split
 * on the delimiter directly; a line with quotes is gathered into its whole record (a quoted cell
 * may hold line breaks) and parsed by csv-parse, so quoting follows RFC 4180 exactly while a bad
 * quote costs only its own record. Structural faults (lone CR, NUL, over-long, bad quoting) are
 * reported per line, never thrown.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { preview, type LineProblem } from '../../core/line-problem.js';

export interface SplitLine {
  /** Physical line number (from 1) where the record starts. */
  line: number;
  /** The record as written, without its line ending. */
  raw: string;
}

export interface RecordSink {
  /** A record's cells. `cells` is only valid during the call. */
  record(cells: string[], at: SplitLine): void;
  /** A record that cannot be split into cells. */
  broken(problem: LineProblem, at: SplitLine): void;
}

/** What makes a line need more than a split: a CR, a NUL, a quote. */
const SPECIAL = /[\r\0"]/;

function whole(code: string, message: string, expected: string, raw: string): LineProblem {
  return { column: '', value: preview(raw), code, message, expected };
}

export class RecordSplitter {
  private carry = '';
  /** The next physical line's number. */
  private lineNo = 1;
  /** A quoted record still open across lines. */
  private open: { line: number; text: string } | undefined;
  /** Inside a line already reported as too long: drop text until its end. */
  private skipping = false;
  /** Reused for every plain line: the sink reads it during its call only. */
  private readonly at: SplitLine = { line: 0, raw: '' };

  constructor(
    private readonly delimiter: string,
    private readonly maxLineChars: number,
    private readonly sink: RecordSink,
  ) {}

  push(text: string): void {
    let buffer = this.carry + text;
    let pos = 0;
    // Nearly every piece of a file holds no CR, NUL or quote at all: one scan of the piece then
    // spares three of every line in it, and its lines are split on the delimiter directly.
    const plain = !this.open && !SPECIAL.test(buffer);
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

  end(): void {
    if (this.carry !== '' && !this.skipping) this.line(this.carry);
    this.carry = '';
    if (this.open) {
      const raw = this.open.text;
      this.sink.broken(
        whole('unclosed_quote', 'the line has a quoted field that is never closed', 'a closing quote (") before the end of the file', raw),
        { line: this.open.line, raw },
      );
      this.open = undefined;
    }
  }

  /** A line known to hold no CR, NUL or quote, and not too long. */
  private plainLine(text: string): void {
    if (text === '') return;
    const at = this.at;
    at.line = this.lineNo;
    at.raw = text;
    this.sink.record(text.split(this.delimiter), at);
  }

  private line(withEnding: string): void {
    const text = withEnding.endsWith('\r') ? withEnding.slice(0, -1) : withEnding;
    if (this.open) {
      this.continueQuoted(`${this.open.text}\n${text}`);
      return;
    }
    if (text === '') return; // empty lines carry no record
    const at = this.at;
    at.line = this.lineNo;
    at.raw = text;
    if (text.length > this.maxLineChars) {
      this.tooLong(text);
    } else if (text.includes('\r')) {
      this.sink.broken(whole('lone_cr', 'the line contains a carriage return (CR) that does not end it', 'lines ended by LF or CR LF', text), at);
    } else if (text.includes('\0')) {
      this.sink.broken(whole('nul_byte', 'the line contains a NUL byte', 'text without NUL (0x00) bytes', text), at);
    } else if (!text.includes('"')) {
      this.sink.record(text.split(this.delimiter), at);
    } else if (endsInsideQuotes(text, this.delimiter)) {
      this.open = { line: this.lineNo, text };
    } else {
      this.quoted(text, at);
    }
  }

  private continueQuoted(text: string): void {
    const open = this.open as { line: number };
    if (text.length > this.maxLineChars) {
      this.open = undefined;
      this.tooLong(text, open.line);
    } else if (endsInsideQuotes(text, this.delimiter)) {
      this.open = { line: open.line, text };
    } else {
      this.open = undefined;
      this.quoted(text, { line: open.line, raw: text });
    }
  }

  private quoted(text: string, at: SplitLine): void {
    try {
      const records = parseCsv(text, { delimiter: this.delimiter, relax_column_count: true, record_delimiter: ['\n'] }) as string[][];
      this.sink.record(records[0] ?? [''], at);
    } catch (err) {
      const reason = (err as Error).message.replace(/ at line \d+.*$/s, '');
      this.sink.broken(whole('bad_quotes', `the line's quoting is not valid CSV (${reason})`, 'cells either unquoted or wholly in double quotes, inner quotes doubled', text), at);
    }
  }

  private tooLong(text: string, line = this.lineNo): void {
    this.sink.broken(
      whole('line_too_long', `the line is longer than ${this.maxLineChars} characters`, `lines of at most ${this.maxLineChars} characters`, text),
      { line, raw: preview(text) },
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
