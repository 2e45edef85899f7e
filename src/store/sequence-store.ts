/**
 * The store seam of counter sequences: the asynchronous interface both engines answer alike. The
 * SQLite side is today's `SequenceStore`; the PostgreSQL side is `postgres/sequences.ts`.
 * `serialise` is where the engines differ: on SQLite the write lock already lets one file's
 * transaction run at a time, while on PostgreSQL several nodes' transactions run at once, and
 * the file's transaction takes the sequence's lock before it reads the last counter.
 */
import type { Db } from './database.js';
import { SequenceStore, type SequenceKey, type SequenceSkip } from './sequences.js';

export interface SequenceStoreAsync {
  /** Until the caller's transaction ends, no other transaction takes the same sequence. */
  serialise(key: SequenceKey): Promise<void>;
  lastProcessed(key: SequenceKey): Promise<number>;
  setLastProcessed(key: SequenceKey, counter: number): Promise<void>;
  addSkip(key: SequenceKey, skip: Omit<SequenceSkip, 'releasedAt'>): Promise<SequenceSkip>;
  skips(key: SequenceKey): Promise<SequenceSkip[]>;
}

/** SQLite: today's `SequenceStore`; the write lock the caller holds is the serialisation. */
export class SqliteSequenceStore implements SequenceStoreAsync {
  private readonly store: SequenceStore;

  constructor(db: Db, now: () => Date) {
    this.store = new SequenceStore(db, now);
  }

  async serialise(): Promise<void> {}
  async lastProcessed(key: SequenceKey) {
    return this.store.lastProcessed(key);
  }
  async setLastProcessed(key: SequenceKey, counter: number) {
    this.store.setLastProcessed(key, counter);
  }
  async addSkip(key: SequenceKey, skip: Omit<SequenceSkip, 'releasedAt'>) {
    return this.store.addSkip(key, skip);
  }
  async skips(key: SequenceKey) {
    return this.store.skips(key);
  }
}
