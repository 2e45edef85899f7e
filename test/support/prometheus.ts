/** Scrapes and reads Prometheus text exposition, for tests of `/metrics`. */

export type Samples = Map<string, number>;

/** GETs `url` and parses every sample into `name{label="v",…}` → value (labels sorted). */
export async function scrape(url: string): Promise<Samples> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return parseSamples(await response.text());
}

export function parseSamples(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const [, name, labels = '', value] = match;
    samples.set(key(name as string, parseLabels(labels)), Number(value));
  }
  return samples;
}

/** The sample `name` with exactly these labels; 0 when absent (a counter not yet incremented). */
export function sample(samples: Samples, name: string, labels: Record<string, string> = {}): number {
  return samples.get(key(name, labels)) ?? 0;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const match of text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[match[1] as string] = match[2] as string;
  return labels;
}

function key(name: string, labels: Record<string, string>): string {
  const inner = Object.keys(labels)
    .sort()
    .map((label) => `${label}="${labels[label]}"`)
    .join(',');
  return `${name}{${inner}}`;
}
