/**
 * Tells the other nodes that a file is final and answered, by LISTEN/NOTIFY: a node that received
 * an upload over the partner API waits for its outcome, and the node that processed it may be
 * another. A notification is a hint, never the record: the listener reads the file's row, and a
 * notification lost while its connection was down only makes that wait end at its timeout (the
 * partner then polls for the outcome, as on any timeout).
 */
import pg from 'pg';
import { errorMessage } from '../../core/errors.js';
import type { Log } from '../../log.js';
import type { SettledSignals } from '../settled-signals.js';

const CHANNEL = 'posdrop_file_settled';
/** How long a lost listening connection waits before it connects again, at most. */
const MAX_RETRY_MS = 10_000;

interface Payload {
  node: string;
  id: number;
}

export class PostgresSettledSignals implements SettledSignals {
  private listener: pg.Client | undefined;
  private retryMs = 250;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly url: string,
    private readonly node: string,
    private readonly log: Log,
  ) {}

  async settled(fileId: number): Promise<void> {
    const payload: Payload = { node: this.node, id: fileId };
    await this.pool.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify(payload)]);
  }

  async listen(onSettled: (fileId: number) => void): Promise<void> {
    this.stopped = false;
    await this.connect(onSettled);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
  }

  private async connect(onSettled: (fileId: number) => void): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    const lost = (err?: Error) => {
      if (this.listener !== client) return;
      this.listener = undefined;
      if (this.stopped) return;
      this.log.warn('cluster.listen_lost', { node: this.node, error: err ? err.message : 'the connection ended', retry_ms: this.retryMs });
      this.retry(onSettled);
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (message) => {
      const payload = parse(message.payload);
      if (payload && payload.node !== this.node) onSettled(payload.id);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    this.listener = client;
    this.retryMs = 250;
  }

  private retry(onSettled: (fileId: number) => void): void {
    this.retryTimer = setTimeout(() => {
      this.connect(onSettled).catch((err: unknown) => {
        this.log.warn('cluster.listen_failed', { node: this.node, error: errorMessage(err) });
        this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
        if (!this.stopped) this.retry(onSettled);
      });
    }, this.retryMs);
    this.retryTimer.unref();
  }
}

function parse(text: string | undefined): Payload | undefined {
  try {
    const value = JSON.parse(text ?? '') as Partial<Payload>;
    return typeof value.node === 'string' && typeof value.id === 'number' ? { node: value.node, id: value.id } : undefined;
  } catch {
    return undefined;
  }
}
