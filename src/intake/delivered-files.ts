/**
 * Files an upload path delivered and waits on: how each came (its `via`, recorded with its
 * ledger row) and who waits for its outcome. Keyed by inbox key and sha256, so a wait is for
 * these bytes, never for an earlier file of the same name.
 */
import type { FileRecord, FileVia } from '../store/files.js';

interface Waiter {
  sha256: string;
  settle: (file: FileRecord) => void;
}

export class DeliveredFiles {
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly vias = new Map<string, FileVia>();

  /** Notes how the bytes came and waits for their outcome; `signal` ends the wait only. */
  expect(key: string, sha256: string, via: FileVia, signal?: AbortSignal): Promise<FileRecord> {
    this.vias.set(`${key}\n${sha256}`, via);
    return new Promise<FileRecord>((resolve, reject) => {
      const waiter: Waiter = { sha256, settle: resolve };
      this.waiters.set(key, [...(this.waiters.get(key) ?? []), waiter]);
      signal?.addEventListener(
        'abort',
        () => {
          this.drop(key, waiter);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  /** How these bytes came, once (registration records it with the new row). */
  takeVia(key: string, sha256: string): FileVia | null {
    const id = `${key}\n${sha256}`;
    const via = this.vias.get(id) ?? null;
    this.vias.delete(id);
    return via;
  }

  /** The file's outcome is known: tell whoever waits for these bytes. */
  settle(key: string, record: FileRecord): void {
    for (const waiter of this.waiters.get(key) ?? []) {
      if (waiter.sha256 !== record.sha256) continue;
      this.drop(key, waiter);
      waiter.settle(record);
    }
  }

  private drop(key: string, waiter: Waiter): void {
    const left = (this.waiters.get(key) ?? []).filter((other) => other !== waiter);
    if (left.length) this.waiters.set(key, left);
    else this.waiters.delete(key);
  }
}
