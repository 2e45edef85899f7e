/**
 * Keeps a session's requests in the order the client meant. READ and WRITE run side by side
 * (clients pipeline dozens of them); every other request waits for all earlier ones and holds
 * back later ones, so that a RENAME pipelined right behind a CLOSE sees the closed file.
 */
export class RequestOrder {
  private barrier: Promise<unknown> = Promise.resolve();
  private readonly running = new Set<Promise<unknown>>();

  /** Number of requests started and not yet answered. */
  get inFlight(): number {
    return this.running.size;
  }

  concurrent<T>(work: () => Promise<T>): Promise<T> {
    return this.track(this.barrier.then(work));
  }

  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const before = Promise.allSettled([this.barrier, ...this.running]);
    const run = this.track(before.then(work));
    this.barrier = run.catch(() => undefined);
    return run;
  }

  private track<T>(run: Promise<T>): Promise<T> {
    this.running.add(run);
    const done = () => this.running.delete(run);
    run.then(done, done);
    return run;
  }
}
