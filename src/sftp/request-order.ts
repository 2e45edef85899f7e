/**
 * Keeps a session's requests in the order the client meant. READ and WRITE run side by side
 * (clients pipeline dozens of them); every other request waits for all earlier ones and holds
 * back later ones, so that a RENAME pipelined right behind a CLOSE sees the closed file.
 * A request that has nothing to wait for starts at once, in the same turn it arrived.
 */
export class RequestOrder {
  private barrier: Promise<unknown> = Promise.resolve();
  private readonly running = new Set<Promise<unknown>>();
  /** Exclusive requests started and not yet answered: while there are any, READ and WRITE wait. */
  private exclusiveRunning = 0;

  /** Number of requests started and not yet answered. */
  get inFlight(): number {
    return this.running.size;
  }

  concurrent<T>(work: () => Promise<T>): Promise<T> {
    return this.track(this.exclusiveRunning === 0 ? work() : this.barrier.then(work));
  }

  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const start = this.running.size === 0 ? work() : Promise.allSettled([this.barrier, ...this.running]).then(work);
    const run = this.track(start);
    this.exclusiveRunning += 1;
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    void settled.then(() => (this.exclusiveRunning -= 1));
    this.barrier = settled;
    return run;
  }

  private track<T>(run: Promise<T>): Promise<T> {
    this.running.add(run);
    const done = () => this.running.delete(run);
    run.then(done, done);
    return run;
  }
}
