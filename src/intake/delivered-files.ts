/**
 * Files an upload path delivered and waits on: how each came (its `via`, recorded with its
 * ledger row) and who waits for its outcome. Keyed by inbox key and sha256, so a wait is for
 * these bytes, never for an earlier file of the same name.
 */
import type { FileRecord, FileVia } from '../store/files.js';

/** What registration records of a delivered file beside its bytes. */
export interface Arrival {
  via: FileVia | null;
  senderOptions: Record<string, unknown> | null;
}

interface Waiter {
  sha256: string;
  settle: (file: FileRecord) => void;
}

export class DeliveredFiles {
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly arrivals = new Map<string, Arrival>();

  /** Notes how the bytes came and waits for their outcome; `signal` ends the wait only. */
  expect(key: string, sha256: string, arrival: Arrival, signal?: AbortSignal): Promise<FileRecord> {
    this.arrivals.set(`${key}\n${sha256}`, arrival);
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
  takeArrival(key: string, sha256: string): Arrival {
    const id = `${key}\n${sha256}`;
    const arrival = this.arrivals.get(id) ?? { via: null, senderOptions: null };
    this.arrivals.delete(id);
    return arrival;
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
