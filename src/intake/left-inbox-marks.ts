/**
 * Which final files' originals have left the inbox for the archive, told to the ledger with the
 * next transaction the intake writes anyway instead of one of their own: a commit is an fsync on
 * the event loop, and one per file was a third of the intake's commits. The mark only matters when
 * the same bytes come again, and the intake writes pending marks first in the transaction that
 * registers any arrival; a crash before they are written is covered by the start-up scan, which
 * marks every final file missing from its inbox.
 */
import type { FileRecord } from '../store/files.js';
import type { Store, StoreTx } from '../store/store.js';

const IDLE_WRITE_MS = 250;

/** The marks not yet in the ledger, for the intake; see the module's comment. */
export class LeftInboxMarks {
  /** File id → its `stateChangedAt` when its original left: a file moved since is not marked. */
  private readonly pending = new Map<number, string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** The original of `file` (final) is in the archive now. */
  note(file: FileRecord): void {
    this.pending.set(file.id, file.stateChangedAt);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush().catch(this.onError);
    }, IDLE_WRITE_MS).unref();
  }

  /**
   * Writes the pending marks inside the caller's transaction; hand what it returns to `forget`
   * once that transaction has committed (rolled back, the marks stay pending).
   */
  async writeNow(tx: StoreTx): Promise<Written> {
    const written = [...this.pending];
    for (const [id, stateChangedAt] of written) await tx.ledger.markLeftInbox(id, stateChangedAt);
    return written;
  }

  /** The marks `written` are committed. */
  forget(written: Written): void {
    for (const [id, stateChangedAt] of written) {
      if (this.pending.get(id) === stateChangedAt) this.pending.delete(id);
    }
  }

  /** Writes the pending marks in a transaction of their own (when nothing else came, and at stop). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size > 0) this.forget(await this.store.transaction((tx) => this.writeNow(tx)));
  }
}

/** Marks written in a transaction: file id and the `stateChangedAt` it was written for. */
export type Written = readonly (readonly [number, string])[];
