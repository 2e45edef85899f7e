/**
 * The members of one object inside an element's text, as the partner wrote them: `JSON.parse`
 * turns `1.50` into 1.5 and rounds long integers, the text keeps them. The text is one that
 * `JSON.parse` accepted, so the walk needs no error handling, and it runs only for an object that
 * has fields posdrop does not know, which most requests never have. Pure.
 */

/** A step into a JSON value: a key of an object or an index of an array. */
export type PathStep = string | number;

/** Each key of the object at `path` with its member as written (`"key":value`); a key written twice keeps its last, as `JSON.parse` does. */
export function writtenMembers(text: string, path: readonly PathStep[]): Map<string, string> {
  const walk = new Walk(text);
  for (const step of path) {
    if (typeof step === 'number') walk.intoElement(step);
    else walk.intoMember(step);
  }
  return walk.members();
}

const SPACE = ' \t\n\r';

class Walk {
  private at = 0;

  constructor(private readonly text: string) {
    this.space();
  }

  /** From an object's `{` to the value of its (last) member `key`. */
  intoMember(key: string): void {
    let found = -1;
    this.eachMember((name) => {
      if (name === key) found = this.at;
    });
    if (found < 0) throw new Error(`no member ${JSON.stringify(key)} in the text`);
    this.at = found;
  }

  /** From an array's `[` to its element `index`. */
  intoElement(index: number): void {
    this.at++;
    for (let skipped = 0; skipped < index; skipped++) {
      this.space();
      this.skipValue();
      this.space();
      this.at++; // ','
    }
    this.space();
  }

  members(): Map<string, string> {
    const found = new Map<string, string>();
    this.eachMember((name, keyText) => {
      const start = this.at;
      this.skipValue();
      found.set(name, `${keyText}:${this.text.slice(start, this.at)}`);
    });
    return found;
  }

  /** Calls `visit` at each member's value; if it leaves the value unread, it is skipped. */
  private eachMember(visit: (name: string, keyText: string) => void): void {
    this.at++; // '{'
    for (;;) {
      this.space();
      if (this.text.charAt(this.at) === '}') break;
      const keyStart = this.at;
      this.skipString();
      const keyText = this.text.slice(keyStart, this.at);
      this.space();
      this.at++; // ':'
      this.space();
      const valueStart = this.at;
      visit(JSON.parse(keyText) as string, keyText);
      if (this.at === valueStart) this.skipValue();
      this.space();
      if (this.text.charAt(this.at) === ',') this.at++;
    }
    this.at++;
  }

  private skipValue(): void {
    const char = this.text.charAt(this.at);
    if (char === '"') return this.skipString();
    if (char !== '{' && char !== '[') {
      while (this.at < this.text.length && !',}]'.includes(this.text.charAt(this.at)) && !SPACE.includes(this.text.charAt(this.at))) this.at++;
      return;
    }
    let depth = 0;
    do {
      const c = this.text.charAt(this.at);
      if (c === '"') {
        this.skipString();
        continue;
      }
      if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') depth--;
      this.at++;
    } while (depth > 0 && this.at < this.text.length);
  }

  private skipString(): void {
    this.at++;
    while (this.at < this.text.length) {
      const char = this.text.charAt(this.at);
      this.at += char === '\\' ? 2 : 1;
      if (char === '"') return;
    }
  }

  private space(): void {
    while (this.at < this.text.length && SPACE.includes(this.text.charAt(this.at))) this.at++;
  }
}
