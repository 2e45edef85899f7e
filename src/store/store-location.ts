/**
 * Which engine holds the store: `store.url` empty means the SQLite file in the data directory, a
 * `postgres://` URL a PostgreSQL database. The daemon and the CLI open either
 * (store/open-store.ts, cli/context.ts).
 */
import { PosdropError } from '../core/errors.js';

export type StoreLocation = { readonly engine: 'sqlite'; readonly file: string } | { readonly engine: 'postgres'; readonly url: string };

/** `url` as configured (`store.url`), `sqliteFile` the data directory's database file. */
export function storeLocation(url: string, sqliteFile: string): StoreLocation {
  return url.trim() === '' ? { engine: 'sqlite', file: sqliteFile } : { engine: 'postgres', url: url.trim() };
}

/** The SQLite file of `location`; a PostgreSQL location is refused with the reason. */
export function sqliteFileOf(location: StoreLocation): string {
  if (location.engine === 'sqlite') return location.file;
  throw new PosdropError(
    'store_engine_unavailable',
    `store.url names a PostgreSQL database (${redactedUrl(location.url)}), but this posdrop runs only on SQLite so far: ` +
      'leave store.url empty (and POSDROP_STORE_URL unset) to use <data_dir>/posdrop.db',
  );
}

/** The URL without its password, fit for logs and messages. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unreadable URL)';
  }
}
