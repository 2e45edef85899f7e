/**
 * SIGHUPs become reloads one at a time, in the order they came, and never before start-up has
 * finished. A reload ends with READY=1: sent during start-up, it would tell systemd the daemon is
 * ready before its SFTP port listens, and the reload would write into parts not built yet. A
 * SIGHUP that comes early is kept, not dropped: the file may have changed after start-up read it.
 */
export class ReloadQueue {
  private tail: Promise<void>;
  private open!: () => void;

  constructor(private readonly reload: () => Promise<void>) {
    this.tail = new Promise<void>((resolve) => (this.open = resolve));
  }

  /** Start-up is done: reloads asked for meanwhile run now, later ones as they come. */
  started(): void {
    this.open();
  }

  /**
   * A SIGHUP: reloads after start-up and after every reload asked for before it. The promise
   * rejects if this reload does; the ones after it run all the same.
   */
  request(): Promise<void> {
    const run = this.tail.then(() => this.reload());
    this.tail = run.catch(() => undefined);
    return run;
  }
}
