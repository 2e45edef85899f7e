/**
 * The files waiting to be handled, in arrival order, a few at a time: while one file holds the
 * database (its transaction), others can be hashed, answered and archived. Two items of one key
 * never run at once, and a key already waiting is not queued twice.
 */
export class WorkQueue<T> {
  private readonly waiting = new Map<string, T>();
  private readonly active = new Set<string>();
  private readonly runs = new Set<Promise<void>>();
  /** Who waits for a key in hand to be free ({@link exclusive}). */
  private readonly freed = new Map<string, (() => void)[]>();
  private stopped = false;
  private drained: (() => void)[] = [];

  constructor(
    private readonly handle: (item: T, key: string) => Promise<void>,
    private readonly onError: (err: unknown, key: string) => void,
    private readonly concurrency = 1,
  ) {}

  /** Queues `item` under `key`; false when that key is already waiting. */
  push(key: string, item: T): boolean {
    if (this.stopped || this.waiting.has(key)) return false;
    this.waiting.set(key, item);
    this.pump();
    return true;
  }

  has(key: string): boolean {
    return this.waiting.has(key);
  }

  /** Items waiting or in hand. */
  get size(): number {
    return this.waiting.size + this.active.size;
  }

  /** Resolves when nothing is waiting or in hand. */
  idle(): Promise<void> {
    if (this.settled()) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  /**
   * Runs `work` while no item of `key` is in hand, and keeps the key's items from starting
   * meanwhile (an upload replacing a file the intake may be handling).
   */
  async exclusive<R>(key: string, work: () => Promise<R>): Promise<R> {
    while (this.active.has(key)) {
      await new Promise<void>((resolve) => this.freed.set(key, [...(this.freed.get(key) ?? []), resolve]));
    }
    this.active.add(key);
    try {
      return await work();
    } finally {
      this.release(key);
      this.pump();
    }
  }

  /** Stops taking items; resolves when the items in hand are done. The rest stay for next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.runs);
  }

  /**
   * Starts `item` now, beside the items in hand however many they are, unless its key is in hand
   * (then it waits its turn like a pushed one). For work whose number something else bounds
   * already (the partner API's request slots): it must not wait behind the queue.
   */
  pushNow(key: string, item: T): void {
    if (this.stopped) return;
    if (this.active.has(key)) {
      this.push(key, item);
      return;
    }
    this.waiting.delete(key);
    this.run(key, item);
  }

  private pump(): void {
    while (!this.stopped && this.active.size < this.concurrency) {
      const next = this.nextFree();
      if (!next) break;
      const [key, item] = next;
      // Out of `waiting` before it runs: news about the same key while it runs queues it again.
      this.waiting.delete(key);
      this.run(key, item);
    }
    if (this.settled()) for (const resolve of this.drained.splice(0)) resolve();
  }

  private run(key: string, item: T): void {
    this.active.add(key);
    const run = this.handle(item, key)
      .catch((err: unknown) => this.onError(err, key))
      .finally(() => {
        this.release(key);
        this.runs.delete(run);
        this.pump();
      });
    this.runs.add(run);
  }

  private release(key: string): void {
    this.active.delete(key);
    const waiting = this.freed.get(key);
    this.freed.delete(key);
    for (const resolve of waiting ?? []) resolve();
  }

  /** The oldest waiting item whose key is not in hand. */
  private nextFree(): [string, T] | undefined {
    for (const entry of this.waiting) if (!this.active.has(entry[0])) return entry;
    return undefined;
  }

  private settled(): boolean {
    return this.active.size === 0 && (this.waiting.size === 0 || this.stopped);
  }
}
