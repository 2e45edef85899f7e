/**
 * This node's row in `nodes`: written when the daemon starts and beaten every `NODE_BEAT_MS`
 * while it runs, so that `posdrop status`, from any node, lists the nodes and which are alive. A
 * beat that finds no row (an operator cleared the table) announces the node again. A failed beat
 * is logged and tried again at the next one: the node stays up, and reads as dead only once it
 * has missed three. On PostgreSQL only: a single daemon on SQLite is what its runtime file says.
 */
import { errorMessage } from '../core/errors.js';
import type { Log } from '../log.js';
import { NODE_BEAT_MS } from '../store/nodes.js';
import type { Store } from '../store/store.js';

export interface NodePresenceOptions {
  store: Store;
  node: string;
  version: string;
  log: Log;
  now: () => Date;
}

export class NodePresence {
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;

  constructor(private readonly options: NodePresenceOptions) {}

  async start(): Promise<void> {
    // One daemon on SQLite: its runtime file says it runs, and a beat would be a write on the loop
    // that waits, the whole loop with it, for whichever operator's process holds SQLite's lock.
    if (this.options.store.engine === 'sqlite') return;
    await this.announce();
    this.timer = setInterval(() => void this.beat(), NODE_BEAT_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.beating;
  }

  /** One beat at a time: a slow database never piles them up. */
  beat(): Promise<void> {
    this.beating ??= this.beatOnce().finally(() => (this.beating = undefined));
    return this.beating;
  }

  private async beatOnce(): Promise<void> {
    const { store, node, log, now } = this.options;
    try {
      const known = await store.transaction((tx) => tx.nodes.beat(node, now()));
      if (!known) await this.announce();
    } catch (err) {
      log.warn('node.beat_failed', { node, error: errorMessage(err) });
    }
  }

  private announce(): Promise<void> {
    const { store, node, version, now } = this.options;
    return store.transaction((tx) => tx.nodes.announce({ id: node, startedAt: now(), version, pid: process.pid }));
  }
}
