/**
 * For a format table whose store has no PostgreSQL side yet: the SQLite connection of the file's
 * transaction, or a clear refusal on another engine (rather than a statement failing mid-file).
 */
import { PosdropError } from '../core/errors.js';
import type { Db } from '../store/database.js';
import type { EngineHandle } from '../store/store.js';

/** A format's store was asked for on an engine it cannot write to yet. */
export class EngineUnsupported extends PosdropError {
  constructor(what: string, engine: string) {
    super('engine_unsupported', `${what} is stored on SQLite only; this store is ${engine}`);
  }
}

/** The SQLite connection of `handle`; throws {@link EngineUnsupported} on PostgreSQL. */
export function sqliteOnly(handle: EngineHandle, what: string): Db {
  if (handle.engine !== 'sqlite') throw new EngineUnsupported(what, handle.engine);
  return handle.db;
}
