/**
 * The store seam of record errors: the asynchronous interface both engines answer alike. The
 * SQLite side is today's `RecordErrorStore`; the PostgreSQL side is `postgres/record-errors.ts`.
 */
import type { RecordError } from '../core/record-error.js';
import type { Db } from './database.js';
import { RecordErrorStore } from './record-errors.js';

export interface RecordErrorStoreAsync {
  /** Replaces the stored errors of `fileId` (a file processed again keeps only its last run). */
  replace(fileId: number, errors: readonly RecordError[], notStored: number): Promise<void>;
  list(fileId: number, limit?: number): Promise<RecordError[]>;
  count(fileId: number): Promise<number>;
  notStored(fileId: number): Promise<number>;
  /** Deletes the errors (and failed requests as sent) of files processed before `before`. */
  forgetFilesProcessedBefore(before: Date): Promise<number>;
}

/** SQLite: today's `RecordErrorStore`, answered at once. */
export class SqliteRecordErrorStore implements RecordErrorStoreAsync {
  private readonly store: RecordErrorStore;

  constructor(db: Db) {
    this.store = new RecordErrorStore(db);
  }

  async replace(fileId: number, errors: readonly RecordError[], notStored: number) {
    this.store.replace(fileId, errors, notStored);
  }
  async list(fileId: number, limit?: number) {
    return this.store.list(fileId, limit);
  }
  async count(fileId: number) {
    return this.store.count(fileId);
  }
  async notStored(fileId: number) {
    return this.store.notStored(fileId);
  }
  async forgetFilesProcessedBefore(before: Date) {
    return this.store.forgetFilesProcessedBefore(before);
  }
}
