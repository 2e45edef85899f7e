/**
 * Where a worker thread's script is. Compiled, it stands beside the module that starts it; run
 * from the TypeScript sources (the tests), that module is not the compiled one, and the worker is
 * then the build's under `dist/` (`npm run build`), as Node cannot run TypeScript.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The compiled `script` (e.g. `./check-worker.js`) of the module at `moduleUrl`. */
export function workerScript(script: string, moduleUrl: string): URL {
  const here = new URL(script, moduleUrl);
  if (moduleUrl.endsWith('.js')) return here;
  const sources = here.href.lastIndexOf('/src/');
  const built = new URL(`${here.href.slice(0, sources)}/dist${here.href.slice(sources)}`);
  if (!existsSync(fileURLToPath(built))) throw new Error(`${fileURLToPath(built)} is missing: run npm run build`);
  return built;
}
