/**
 * The operator console under `/console` on the operations listener (and on the partner API
 * listener with `api.console`): sessions, CSRF, login throttling and security headers here;
 * pages, downloads and actions in their own modules. Fastify routes and parses (form bodies,
 * size limits); each listener hands it every request under `/console`, one set of sessions for
 * both, and /metrics and /healthz stay as they were, without a login.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import formbody from '@fastify/formbody';
import * as cookie from 'cookie';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { errorMessage } from '../../core/errors.js';
import { verifyPassword } from '../../security/password.js';
import { loadAssets, projectRoot, type Asset } from './assets.js';
import type { ConsoleDeps } from './console-deps.js';
import { registerActions } from './action-routes.js';
import { registerDownloads } from './downloads.js';
import { LiveEvents } from './live.js';
import { registerPages } from './pages.js';
import { csrfMatches, SESSION_COOKIE, Sessions, type Session } from './sessions.js';
import { Views } from './views.js';

declare module 'fastify' {
  interface FastifyRequest {
    session: Session | undefined;
  }
  interface FastifyContextConfig {
    /** Served without a login (the login page, the assets). */
    public?: boolean;
    /** Only for operators with the admin role. */
    admin?: boolean;
  }
}

/**
 * No inline script or style, nothing from elsewhere; forms post only here. Chart.js sizes its
 * canvas through the style property, which `style-src 'self'` does not govern.
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** What every page template gets. */
export interface PageBase {
  operator: { name: string; role: string };
  admin: boolean;
  csrf: string;
  nav: string;
}

export class ConsoleServer {
  readonly live = new LiveEvents();
  private readonly app: FastifyInstance;
  private handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  private readonly sessions: Sessions;
  private views!: Views;
  private assets = new Map<string, Asset>();

  constructor(private readonly deps: ConsoleDeps) {
    const { config, now } = deps;
    this.sessions = new Sessions({ sessionMs: config.session_hours * 3_600_000, idleMs: config.idle_minutes * 60_000, now });
    this.app = Fastify({
      bodyLimit: 64 * 1024,
      logger: false,
      // Served on the partner API listener behind its TLS-terminating proxy, the proxy's
      // X-Forwarded-For names the operator's address (for the login throttle); nobody else's.
      trustProxy: (address: string, hop: number) => hop === 0 && address !== '' && address === (deps.trustedProxy?.() ?? ''),
      // The operations listener owns the socket; Fastify only routes what it is handed.
      serverFactory: (handler) => {
        this.handler = handler;
        return { on: () => undefined } as unknown as Server;
      },
    });
  }

  /** Loads templates and assets and builds the routes; before the first request. */
  async start(): Promise<void> {
    const root = projectRoot();
    this.views = new Views(root);
    this.assets = await loadAssets(root);
    await this.app.register(formbody, { bodyLimit: 64 * 1024 });
    this.hooks();
    this.routes();
    await this.app.ready();
  }

  /** Serves one request the operations listener received under `/console`. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    if (!this.handler) throw new Error('the console is not started');
    this.handler(req, res);
  }

  async stop(): Promise<void> {
    this.live.close();
    await this.app.close();
  }

  /** Renders `view` for the signed-in operator. */
  page(req: FastifyRequest, reply: FastifyReply, view: string, nav: string, data: Record<string, unknown>, status = 200): FastifyReply {
    const session = req.session as Session & { operator: NonNullable<Session['operator']> };
    const base: PageBase = { operator: session.operator, admin: session.operator.role === 'admin', csrf: session.csrf, nav };
    const flash = session.flash;
    session.flash = undefined;
    return reply.code(status).type('text/html; charset=utf-8').send(this.views.render(view, { ...base, flash, ...data }));
  }

  /** A page saying what went wrong, with a way back. */
  problem(req: FastifyRequest, reply: FastifyReply, status: number, title: string, message: string): FastifyReply {
    if (!req.session?.operator) return reply.code(status).type('text/plain; charset=utf-8').send(`${title}: ${message}\n`);
    return this.page(req, reply, 'problem', '', { title, message }, status);
  }

  /** Renders a template without the page frame (the live fragments). */
  fragment(reply: FastifyReply, view: string, data: Record<string, unknown>): FastifyReply {
    return reply.type('text/html; charset=utf-8').send(this.views.render(view, data));
  }

  get parts(): ConsoleDeps {
    return this.deps;
  }

  private hooks(): void {
    const { accounts } = this.deps;
    this.app.decorateRequest('session', undefined);
    this.app.addHook('onRequest', async (req, reply) => {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
      reply.header('Cache-Control', 'no-store');
      const id = cookie.parse(req.headers.cookie ?? '')[SESSION_COOKIE];
      req.session = this.sessions.get(id);
      const account = req.session?.operator ? await accounts.get(req.session.operator.name) : undefined;
      if (req.session?.operator) {
        // A disabled operator, or one whose role changed, is seen at the next request.
        if (!account?.enabled) {
          this.sessions.end(req.session.id);
          req.session = undefined;
        } else req.session.operator.role = account.role;
      }
      const config = req.routeOptions.config;
      if (config.public) return;
      if (!req.session?.operator) {
        if (req.method === 'GET' && !req.headers['hx-request']) {
          return reply.redirect(`/console/login${req.url === '/console' ? '' : `?next=${encodeURIComponent(req.url)}`}`, 303);
        }
        return reply.code(401).type('text/plain; charset=utf-8').send('log in first\n');
      }
      if (config.admin && req.session.operator.role !== 'admin') {
        return this.problem(req, reply, 403, 'Not allowed', `${req.session.operator.name} is a viewer: only an admin may do this.`);
      }
    });
    // Every state-changing request carries the session's CSRF token (SameSite=Strict is the
    // second line, not the only one).
    this.app.addHook('preHandler', async (req, reply) => {
      if (req.method !== 'POST') return;
      const body = (req.body ?? {}) as Record<string, unknown>;
      if (!req.session || !csrfMatches(req.session, body._csrf ?? req.headers['x-csrf-token'])) {
        this.deps.log.warn('console.csrf_refused', { path: req.url, address: req.ip });
        return this.problem(req, reply, 403, 'Refused', 'This form did not come from this console session (its CSRF token does not match). Reload the page and try again.');
      }
    });
    this.app.setErrorHandler((err, req, reply) => {
      const status = (err as { statusCode?: number }).statusCode ?? 500;
      if (status >= 500) this.deps.log.error('console.error', { path: req.url, error: errorMessage(err) });
      return this.problem(req, reply, status, status >= 500 ? 'Internal error' : 'Bad request', status >= 500 ? 'The console failed to answer; the log has the reason.' : errorMessage(err));
    });
    this.app.setNotFoundHandler((req, reply) => this.problem(req, reply, 404, 'Not found', `Nothing at ${req.url}.`));
  }

  private routes(): void {
    this.app.get('/console/assets/:name', { config: { public: true } }, async (req, reply) => {
      const asset = this.assets.get((req.params as { name: string }).name);
      if (!asset) return reply.code(404).type('text/plain; charset=utf-8').send('no such asset\n');
      return reply.header('Cache-Control', 'public, max-age=3600').type(asset.contentType).send(asset.body);
    });
    this.app.get('/console/login', { config: { public: true } }, async (req, reply) => this.loginPage(req, reply, {}));
    this.app.post('/console/login', { config: { public: true } }, async (req, reply) => this.login(req, reply));
    this.app.post('/console/logout', async (req, reply) => {
      if (req.session) this.sessions.end(req.session.id);
      this.deps.log.info('console.logout', { operator: req.session?.operator?.name });
      reply.header('Set-Cookie', this.cookie(req, '', 0));
      return reply.redirect('/console/login', 303);
    });
    this.app.get('/console/events', async (req, reply) => {
      reply.hijack();
      const headers = Object.fromEntries(Object.entries(reply.getHeaders()).map(([name, value]) => [name, String(value)]));
      if (!this.live.open(reply.raw, headers)) {
        reply.raw.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
        reply.raw.end('too many live streams\n');
      }
    });
    registerPages(this.app, this);
    registerDownloads(this.app, this);
    registerActions(this.app, this);
  }

  private loginPage(req: FastifyRequest, reply: FastifyReply, data: { error?: string; name?: string }, status = 200): FastifyReply {
    // The login form has a session of its own, for its CSRF token.
    let session = req.session;
    if (!session) {
      session = this.sessions.create(null);
      reply.header('Set-Cookie', this.cookie(req, session.id));
    }
    const next = safeNext((req.query as { next?: string }).next ?? (req.body as { next?: string } | undefined)?.next);
    return reply.code(status).type('text/html; charset=utf-8').send(this.views.render('login', { csrf: session.csrf, next, error: data.error, name: data.name ?? '' }));
  }

  private async login(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const { accounts, defender, log } = this.deps;
    const address = req.ip || 'unknown';
    const body = (req.body ?? {}) as { name?: unknown; password?: unknown; next?: unknown };
    const name = typeof body.name === 'string' ? body.name.slice(0, 64) : '';
    const password = typeof body.password === 'string' ? body.password.slice(0, 1024) : '';
    if (defender.isBanned(address)) {
      log.warn('console.login_refused', { operator: name, address, why: 'too many failed logins' });
      return this.loginPage(req, reply, { error: 'Too many failed logins from your address: wait a while and try again.', name }, 429);
    }
    const account = name ? await accounts.get(name) : undefined;
    // Always the full scrypt work, for unknown names too: timing tells nothing.
    const matches = await verifyPassword(password, account?.passwordHash);
    if (!account || !matches || !account.enabled) {
      defender.recordFailure(address);
      this.deps.onLoginFailure?.();
      log.warn('console.login_failed', { operator: name, address, why: !account ? 'unknown operator' : !matches ? 'wrong password' : 'disabled' });
      return this.loginPage(req, reply, { error: 'Wrong name or password.', name }, 401);
    }
    if (req.session) this.sessions.end(req.session.id);
    const session = this.sessions.create({ name: account.name, role: account.role });
    await accounts.loggedIn(account.name);
    log.info('console.login', { operator: account.name, role: account.role, address });
    reply.header('Set-Cookie', this.cookie(req, session.id));
    return reply.redirect(safeNext(body.next) ?? '/console', 303);
  }

  private cookie(req: FastifyRequest, value: string, maxAge = this.sessions.maxAgeSeconds): string {
    // TLS on this socket, or on the trusted proxy's (X-Forwarded-Proto, believed only from it).
    const secure = Boolean((req.raw.socket as TLSSocket).encrypted) || req.protocol === 'https';
    return cookie.serialize(SESSION_COOKIE, value, { httpOnly: true, sameSite: 'strict', path: '/console', secure, maxAge });
  }
}

/** A place inside the console to go after login; nothing else (no open redirect). */
function safeNext(next: unknown): string | undefined {
  return typeof next === 'string' && /^\/console(\/[^\\]*)?$/.test(next) && !next.startsWith('//') ? next : undefined;
}
