/**
 * A real HTTP receiver for webhook tests, on 127.0.0.1:0: it verifies each request's signature as
 * a partner's receiver would, keeps what arrived, and can be told to fail (answer 503) or be
 * closed and opened again on the same port.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature } from '../../src/notify/signature.js';

export interface Received {
  path: string;
  event: string;
  deliveryId: string;
  signed: boolean;
  body: Record<string, unknown>;
}

export class WebhookReceiver {
  readonly received: Received[] = [];
  /** Answer 503 to everything while true. */
  failing = false;
  private server: http.Server | undefined;
  port = 0;

  private constructor(private readonly secrets: Record<string, string>) {}

  /** `secrets` by request path: the secret each path's subscription signs with. */
  static async start(secrets: Record<string, string>, port = 0): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(secrets);
    await receiver.listen(port);
    return receiver;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Stops listening: deliveries meet a refused connection. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  /** Listens again on the same port. */
  async reopen(): Promise<void> {
    await this.listen(this.port);
  }

  /** The deliveries that arrived at `path`, each once (receivers drop repeats by delivery id). */
  at(path: string): Received[] {
    const seen = new Set<string>();
    return this.received.filter((entry) => entry.path === path && !seen.has(entry.deliveryId) && seen.add(entry.deliveryId));
  }

  private listen(port: number): Promise<void> {
    const server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (this.failing) {
          response.writeHead(503).end();
          return;
        }
        const text = Buffer.concat(chunks).toString('utf8');
        const path = request.url ?? '';
        const secret = this.secrets[path] ?? '';
        this.received.push({
          path,
          event: String(request.headers['posdrop-event']),
          deliveryId: String(request.headers['posdrop-delivery']),
          signed: verifySignature(String(request.headers['posdrop-signature'] ?? ''), secret, text, new Date()),
          body: JSON.parse(text) as Record<string, unknown>,
        });
        response.writeHead(204).end();
      });
    });
    this.server = server;
    return new Promise((resolve) => {
      server.listen(port, '127.0.0.1', () => {
        this.port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  }
}
