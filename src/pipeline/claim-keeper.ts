/**
 * Keeps this node's claims alive and takes over the files of nodes that died: the leases of the
 * files in hand are renewed every third of a lease, and every half lease the files whose lease
 * ran out (and whose row no transaction holds) go back to `queued`, logged as a takeover, for
 * whichever node claims them next. At start, the files this node had in hand before a restart
 * are taken back the same way (on SQLite, the one node, that is all there is to do).
 */
import { hostname } from 'node:os';
import { errorMessage } from '../core/errors.js';
import type { Log } from '../log.js';
import type { Abandoned } from '../store/claims.js';
import type { FileRecord } from '../store/files.js';
import type { Store } from '../store/store.js';

/** Who this node is among the nodes of one store, and how long its claims last unrenewed. */
export interface NodeIdentity {
  readonly id: string;
  readonly leaseMs: number;
}

export interface ClaimKeeperOptions {
  store: Store;
  node: NodeIdentity;
  log: Log;
  now: () => Date;
  /** A file taken over is `queued` again: the intake takes it. */
  onTakenOver: (file: FileRecord) => void;
}

export class ClaimKeeper {
  private timers: NodeJS.Timeout[] = [];
  private sweeping: Promise<void> | undefined;

  constructor(private readonly options: ClaimKeeperOptions) {}

  /** The lease of a claim taken now. */
  leaseFrom(at: Date): string {
    return new Date(at.getTime() + this.options.node.leaseMs).toISOString();
  }

  /** Takes back what this node had in hand before it stopped, then keeps the leases. */
  async start(): Promise<void> {
    await this.sweep(this.options.node.id);
    // One node on SQLite: nobody else to take its files, and a renewal would be a write outside
    // the write lock, on the loop, waiting for whichever process holds SQLite's lock.
    if (this.options.store.engine === 'sqlite') return;
    const { leaseMs } = this.options.node;
    const every = (ms: number, work: () => Promise<unknown>, event: string) => {
      const timer = setInterval(() => void work().catch((err: unknown) => this.options.log.warn(event, { error: errorMessage(err) })), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(Math.max(1000, leaseMs / 3), () => this.renew(), 'claims.renew_failed');
    every(Math.max(1000, leaseMs / 2), () => this.sweep(), 'claims.sweep_failed');
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.sweeping?.catch(() => undefined);
  }

  /** Every claim of this node lasts another lease from now. */
  async renew(): Promise<number> {
    return this.options.store.claims.renew(this.options.node.id, this.leaseFrom(this.options.now()));
  }

  /** Takes over every abandoned file (and, given `earlierRun`, that run's files); one sweep at a time. */
  sweep(earlierRun?: string): Promise<void> {
    this.sweeping ??= this.takeOverAll(earlierRun).finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async takeOverAll(earlierRun?: string): Promise<void> {
    const { store, now } = this.options;
    for (const abandoned of await store.claims.abandoned(now().toISOString(), earlierRun)) {
      const file = await this.takeOver(abandoned);
      if (file) this.options.onTakenOver(file);
    }
  }

  private async takeOver(abandoned: Abandoned): Promise<FileRecord | undefined> {
    const { store, node, log } = this.options;
    const own = abandoned.nodeId === node.id;
    const detail = own
      ? 'interrupted; processed again'
      : abandoned.nodeId
        ? `taken over by ${node.id}: the lease of ${abandoned.nodeId} ran out at ${abandoned.leaseUntil}`
        : 'interrupted; processed again';
    const file = await store.transaction(async (tx) => {
      if (!(await tx.claims.lockAbandoned(abandoned.fileId))) return undefined; // its node is alive after all, or it moved on
      await tx.claims.release(abandoned.fileId);
      return tx.ledger.move(abandoned.fileId, 'queued', { detail });
    });
    if (file) {
      const event = own || !abandoned.nodeId ? 'file.requeued' : 'file.taken_over';
      log.warn(event, { partner: file.partner, file: file.name, id: file.id, was: 'processing', from: abandoned.nodeId, lease_until: abandoned.leaseUntil });
    }
    return file;
  }
}

/** This node as configured: `store.node_id`, else the host name. */
export function nodeIdentity(config: { node_id: string; lease_seconds: number }): NodeIdentity {
  return { id: config.node_id || hostname(), leaseMs: config.lease_seconds * 1000 };
}
