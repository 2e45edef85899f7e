/**
 * The operations listener: `GET /healthz` (200 or 503, JSON with the reason) and `GET /metrics`
 * (Prometheus text), both without a login, and the operator console under `/console` (its own
 * sessions, src/http/console/).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { HttpConfig } from '../config/schema.js';
import { errorMessage } from '../core/errors.js';
import type { Log } from '../log.js';
import type { Health } from '../ops/health.js';
import type { Metrics } from '../ops/metrics.js';
import type { ConsoleServer } from './console/console-server.js';

export class OpsServer {
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly config: HttpConfig,
    private readonly health: Health,
    private readonly metrics: Metrics,
    private readonly log: Log,
    /** The operator console, served under `/console` when configured. */
    private readonly console?: ConsoleServer,
  ) {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        log.error('http.error', { path: req.url, error: errorMessage(err) });
        if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
        else res.destroy();
      });
    });
    // Scrapers keep connections open; closing must not wait for them.
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  start(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.config.port, this.config.host, () => {
        this.server.off('error', reject);
        this.server.on('error', (err) => this.log.error('http.listener_error', { error: err.message }));
        const address = this.server.address() as AddressInfo;
        this.log.info('http.listening', { host: address.address, port: address.port });
        resolve(address);
      });
    });
  }

  get address(): AddressInfo | undefined {
    return (this.server.address() as AddressInfo | null) ?? undefined;
  }

  async stop(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (this.console && (path === '/console' || path.startsWith('/console/'))) return this.console.handle(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, 405, 'text/plain; charset=utf-8', 'only GET and HEAD\n');
    }
    if (path === '/healthz') {
      const report = await this.health.report();
      if (!report.ok) this.log.warn('http.unhealthy', { checks: report.checks });
      return send(res, report.ok ? 200 : 503, 'application/json', `${JSON.stringify({ status: report.ok ? 'ok' : 'unhealthy', ...report.checks }, null, 2)}\n`);
    }
    if (path === '/metrics') {
      const { contentType, body } = await this.metrics.render();
      return send(res, 200, contentType, body);
    }
    send(res, 404, 'text/plain; charset=utf-8', 'not found: try /healthz, /metrics or /console\n');
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
