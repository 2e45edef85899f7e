/**
 * Line and column of places in a text that is read in pieces and dropped once read: only the
 * newlines of what was dropped are counted, once, and only when it is dropped.
 */
export class TextPosition {
  /** Newlines before the window. */
  private lines = 0;
  /** Characters between the last newline before the window and the window's start. */
  private column = 0;

  /** The window's first `count` characters are dropped. */
  drop(window: string, count: number): void {
    let last = -1;
    for (let at = window.indexOf('\n'); at !== -1 && at < count; at = window.indexOf('\n', at + 1)) {
      this.lines += 1;
      last = at;
    }
    this.column = last >= 0 ? count - last - 1 : this.column + count;
  }

  /** 1-based line and column (in UTF-16 units) of `offset` in the window. */
  at(window: string, offset: number): { line: number; column: number } {
    let line = this.lines;
    let last = -1;
    for (let at = window.indexOf('\n'); at !== -1 && at < offset; at = window.indexOf('\n', at + 1)) {
      line += 1;
      last = at;
    }
    return { line: line + 1, column: last >= 0 ? offset - last : this.column + offset + 1 };
  }
}
