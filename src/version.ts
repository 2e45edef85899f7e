/**
 * posdrop's version, read from its package.json: one number that the CLI (`--version`), the start
 * log line, `posdrop status` and the `posdrop_build_info` metric all agree on.
 */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  // From src/ (tests, tsx) the package is one folder up; from dist/src/ it is two.
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'posdrop' && pkg.version) return pkg.version;
    } catch {
      // not this one
    }
  }
  return 'unknown';
}

/** posdrop's version (package.json), `unknown` if the package file is missing. */
export const VERSION: string = readVersion();
