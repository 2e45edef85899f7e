/**
 * The partner API listener: fastify (strict HTTP parsing by Node's llhttp, multipart by busboy,
 * forms by @fastify/formbody) with posdrop's limits around it. It serves PBJ's, Carma's and
 * Client Toolbox's own endpoints; every answer is JSON or the guide's XML with its content type,
 * never a stack trace or a path.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { listenMode } from '../config/api-schema.js';
import { ConfigError, errorMessage } from '../core/errors.js';
import { answerFor, dialectOf, jsonErrorBody, type Answer } from './answers.js';
import type { ApiContext } from './context.js';
import { toolboxErrorAnswer } from './toolbox-answer.js';

/** JSON bodies (logins, import metadata) are small; files come as streams, limited by the partner's cap. */
const JSON_BODY_LIMIT = 64 * 1024;

/** A form body's fields; a field sent more than once is the list of its values. */
function formFields(text: string): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of new URLSearchParams(text)) {
    const earlier = fields[name];
    fields[name] = earlier === undefined ? value : [...(Array.isArray(earlier) ? earlier : [earlier]), value];
  }
  return fields;
}

export type RouteSet = (app: FastifyInstance, ctx: ApiContext) => void;

/** The operator console, when this listener serves it too (`api.console`): it takes whole requests under `/console`. */
export interface ConsoleMount {
  handle(req: IncomingMessage, res: ServerResponse): void;
}

const isConsolePath = (url: string) => {
  const path = url.split('?')[0] ?? '';
  return path === '/console' || path.startsWith('/console/');
};

export class PartnerApiServer {
  private app: FastifyInstance | undefined;

  constructor(
    private readonly ctx: ApiContext,
    private readonly routes: readonly RouteSet[],
    /** The largest body any partner may send (forms are read whole before the partner is known). */
    private readonly maxBodyBytes: () => number,
    /** The console to serve under `/console`, if the configuration says so (asked at each start). */
    private readonly console: () => ConsoleMount | undefined = () => undefined,
  ) {}

  /** Listens; refuses (ConfigError) plain HTTP on an address others can reach without a proxy. */
  async start(): Promise<AddressInfo> {
    const { config, log } = this.ctx;
    const mode = listenMode(config);
    if ('refused' in mode) throw new ConfigError([mode.refused]);
    const https = mode.scheme === 'https' ? { cert: await readFile(config.cert), key: await readFile(config.key), minVersion: 'TLSv1.2' as const } : null;
    const app = Fastify({
      logger: false,
      https,
      bodyLimit: JSON_BODY_LIMIT,
      requestTimeout: config.request_timeout_seconds * 1000,
      keepAliveTimeout: config.keep_alive_seconds * 1000,
      connectionTimeout: config.request_timeout_seconds * 1000,
      trustProxy: config.trusted_proxy || false,
      return503OnClosing: true,
      forceCloseConnections: true,
      exposeHeadRoutes: false,
    }) as unknown as FastifyInstance;
    app.server.headersTimeout = config.header_timeout_seconds * 1000;
    this.app = app;
    // The WHATWG form decoding: a %-escape that is not UTF-8 becomes U+FFFD, which the handler
    // refuses, where querystring parsers keep the escape as text and a changed value would be stored.
    await app.register(formbody, { bodyLimit: this.maxBodyBytes(), parser: formFields });
    await app.register(multipart, { limits: { fields: config.max_form_fields, parts: config.max_form_fields + 1, files: 1, headerPairs: 64, fieldSize: this.maxBodyBytes(), fileSize: this.maxBodyBytes() } });
    const consoleMount = this.console();
    if (consoleMount) {
      // Before the partners' request slots and body parsers: the console has its own sessions,
      // limits and headers, and a live stream must not hold a partner's slot.
      app.addHook('onRequest', async (req, reply) => {
        if (!isConsolePath(req.url)) return undefined;
        reply.hijack();
        consoleMount.handle(req.raw, reply.raw);
        return reply;
      });
    }
    app.addHook('onRequest', async (req, reply) => {
      reply.header('X-Content-Type-Options', 'nosniff').header('Cache-Control', 'no-store');
      if (!this.ctx.slots.takeTotal(reply.raw)) {
        this.send(req, reply, { status: 503, code: 'busy', message: 'the server is busy; try again shortly', headers: { 'Retry-After': '1' }, unexpected: false });
        return reply;
      }
      return undefined;
    });
    app.setErrorHandler((err, req, reply) => {
      const answer = answerFor(err, req.routeOptions.bodyLimit ?? JSON_BODY_LIMIT);
      if (answer.unexpected) log.error('api.error', { method: req.method, path: req.url.split('?')[0], error: errorMessage(err), stack: (err as Error)?.stack });
      this.send(req, reply, answer);
    });
    app.setNotFoundHandler((req, reply) => {
      this.send(req, reply, { status: 404, code: 'not_found', message: `no such endpoint: ${req.method} ${req.url.split('?')[0]}`, headers: {}, unexpected: false });
    });
    for (const routes of this.routes) routes(app, this.ctx);
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address() as AddressInfo;
    log.info('api.listening', { host: address.address, port: address.port, scheme: mode.scheme, console: consoleMount !== undefined });
    return address;
  }

  get address(): AddressInfo | undefined {
    return (this.app?.server.address() as AddressInfo | null) ?? undefined;
  }

  async stop(): Promise<void> {
    const app = this.app;
    this.app = undefined;
    await app?.close();
  }

  private send(req: FastifyRequest, reply: FastifyReply, answer: Answer): void {
    reply.code(answer.status).headers(answer.headers);
    if (dialectOf(req.url) === 'toolbox') {
      const { contentType, body } = toolboxErrorAnswer(answer.message, req, this.ctx);
      reply.type(contentType).send(body);
      return;
    }
    reply.type('application/json; charset=utf-8').send(jsonErrorBody(answer));
  }
}
