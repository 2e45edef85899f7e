/**
 * Files are handled one at a time, in arrival order: SQLite has one writer anyway, and order is
 * what partners expect. A key already waiting is not queued twice.
 */
export class WorkQueue<T> {
  private readonly waiting = new Map<string, T>();
  private running: Promise<void> | undefined;
  private stopped = false;
  private drained: (() => void)[] = [];

  constructor(
    private readonly handle: (item: T, key: string) => Promise<void>,
    private readonly onError: (err: unknown, key: string) => void,
  ) {}

  /** Queues `item` under `key`; false when that key is already waiting. */
  push(key: string, item: T): boolean {
    if (this.stopped || this.waiting.has(key)) return false;
    this.waiting.set(key, item);
    this.running ??= this.drain();
    return true;
  }

  has(key: string): boolean {
    return this.waiting.has(key);
  }

  get size(): number {
    return this.waiting.size;
  }

  /** Resolves when nothing is waiting or running. */
  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  /** Stops taking items; resolves when the item in hand is done. The rest stay for next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      const next = this.waiting.entries().next();
      if (next.done) break;
      const [key, item] = next.value;
      // Out of `waiting` before it runs: news about the same key while it runs queues it again.
      this.waiting.delete(key);
      try {
        await this.handle(item, key);
      } catch (err) {
        this.onError(err, key);
      }
    }
    this.running = undefined;
    for (const resolve of this.drained.splice(0)) resolve();
  }
}
