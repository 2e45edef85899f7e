/**
 * The project's root folder, found from a module's own place whether it runs compiled (dist/…)
 * or as source (vitest): the nearest folder above it with posdrop's package.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The posdrop checkout that holds the module at `moduleUrl` (its `import.meta.url`). */
export function repoRootFrom(moduleUrl: string): string {
  let dir = path.dirname(fileURLToPath(moduleUrl));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'posdrop') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no posdrop package.json above ${moduleUrl}`);
    dir = parent;
  }
}
