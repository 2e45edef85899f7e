/**
 * Which engine holds the store: `store.url` empty means the SQLite file in the data directory, a
 * `postgres://` URL a PostgreSQL database. The daemon and the CLI open either
 * (open-store.ts, cli/open-store.ts).
 */
export type StoreLocation = { readonly engine: 'sqlite'; readonly file: string } | { readonly engine: 'postgres'; readonly url: string };

/** `url` as configured (`store.url`), `sqliteFile` the data directory's database file. */
export function storeLocation(url: string, sqliteFile: string): StoreLocation {
  return url.trim() === '' ? { engine: 'sqlite', file: sqliteFile } : { engine: 'postgres', url: url.trim() };
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
