/**
 * Server-sent events for the console's live parts: each state change of a file is one `file`
 * event, and the pages re-fetch what shows it (htmx's SSE extension). Only ids and states are
 * sent; what a page shows it reads again, through the same escaping as any page.
 */
import type { ServerResponse } from 'node:http';

/** Streams open at once, at most: each holds a socket. */
const MAX_STREAMS = 64;
/** A comment line this often keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 25_000;

export class LiveEvents {
  private readonly streams = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | undefined;

  /** Takes over `res` as an event stream; false when too many are open. */
  open(res: ServerResponse, headers: Record<string, string>): boolean {
    if (this.streams.size >= MAX_STREAMS) return false;
    res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write('retry: 3000\n\n');
    this.streams.add(res);
    res.once('close', () => this.streams.delete(res));
    this.timer ??= setInterval(() => this.broadcast(': keepalive\n\n'), KEEPALIVE_MS).unref();
    return true;
  }

  /** A file changed state. */
  fileChanged(file: { id: number; partner: string; state: string }): void {
    this.broadcast(`event: file\ndata: ${JSON.stringify({ id: file.id, partner: file.partner, state: file.state })}\n\n`);
  }

  get size(): number {
    return this.streams.size;
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const res of this.streams) res.end();
    this.streams.clear();
  }

  private broadcast(text: string): void {
    for (const res of this.streams) res.write(text);
  }
}
