/**
 * The console's static files: its own stylesheet and script, and htmx, its SSE extension and
 * Chart.js straight from node_modules. Served by posdrop itself (no CDN: the console works on a
 * host without internet), by name from a fixed list, so no request path ever reaches the disk.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  body: Buffer;
  contentType: string;
}

/** The posdrop checkout or install this module runs from (src/ under tests, dist/src/ built). */
export function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) || !existsSync(path.join(dir, 'console'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the posdrop folder holding console/ and package.json');
    dir = up;
  }
  return dir;
}

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** URL name → file under the project root. */
const FILES: Record<string, [string, string]> = {
  'console.css': ['console/assets/console.css', CSS],
  'console.js': ['console/assets/console.js', JS],
  'htmx.min.js': ['node_modules/htmx.org/dist/htmx.min.js', JS],
  'sse.js': ['node_modules/htmx-ext-sse/dist/sse.min.js', JS],
  'chart.umd.min.js': ['node_modules/chart.js/dist/chart.umd.min.js', JS],
};

/** Reads every asset once, at start: a missing one fails the start, not a page. */
export async function loadAssets(root: string): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  for (const [name, [file, contentType]] of Object.entries(FILES)) {
    assets.set(name, { body: await readFile(path.join(root, file)), contentType });
  }
  return assets;
}
