/**
 * The members of one object inside an element's text, as the partner wrote them: `JSON.parse`
 * turns `1.50` into 1.5 and rounds long integers, the text keeps them. The text is one that
 * `JSON.parse` accepted, so the walk needs no error handling, and it runs only for an object that
 * has fields posdrop does not know, which most requests never have. Pure.
 */

/** `data.items[0]`: the path of a member or element below `parent` (`''` for the value itself). */
export function childPath(parent: string, step: string | number): string {
  if (typeof step === 'number') return `${parent}[${step}]`;
  return parent ? `${parent}.${step}` : step;
}

/**
 * The objects of one element's text and the members of each as written. The first question finds
 * every object's place in one walk of the text; each answer then walks that object only. (Walking
 * from the top for every object cost objects × text: 25,000 items with a field of their own in a
 * 1 MiB request took minutes.)
 */
export class WrittenObjects {
  private places: Map<string, number> | undefined;

  constructor(private readonly text: string) {}

  /** Each key of the object at `path` with its member as written (`"key":value`); a key written twice keeps its last, as `JSON.parse` does. */
  membersAt(path: string): Map<string, string> {
    this.places ??= new Walk(this.text, 0).objectPlaces();
    const at = this.places.get(path);
    if (at === undefined) throw new Error(`no object at ${path || 'the top'} in the text`);
    return new Walk(this.text, at).members();
  }
}

const SPACE = ' \t\n\r';

class Walk {
  constructor(
    private readonly text: string,
    private at: number,
  ) {
    this.space();
  }

  /** Where each object of the value starts, by its path; of a key written twice, the last. */
  objectPlaces(): Map<string, number> {
    const places = new Map<string, number>();
    this.place('', places);
    return places;
  }

  private place(path: string, places: Map<string, number>): void {
    const char = this.text.charAt(this.at);
    if (char === '{') {
      places.set(path, this.at);
      this.eachMember((name) => this.place(childPath(path, name), places));
    } else if (char === '[') {
      this.at++;
      for (let index = 0; ; index++) {
        this.space();
        if (this.text.charAt(this.at) === ']') break;
        this.place(childPath(path, index), places);
        this.space();
        if (this.text.charAt(this.at) === ',') this.at++;
      }
      this.at++;
    } else {
      this.skipValue();
    }
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
