/**
 * An endpoint and the methods it answers: any other method on its path is a 405 naming the
 * allowed ones (a 404 would tell a partner its URL is wrong when only its method is).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods, RouteOptions } from 'fastify';
import { ApiRefusal } from './answers.js';

type Handler = (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
type Method = 'GET' | 'POST';

const EVERY_METHOD: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

export function endpoint(app: FastifyInstance, url: string, handlers: Partial<Record<Method, Handler>>, options: Partial<RouteOptions> = {}): void {
  const allowed = Object.keys(handlers) as Method[];
  app.route({
    ...options,
    method: EVERY_METHOD,
    url,
    handler: async (req, reply) => {
      const handler = handlers[req.method as Method];
      if (!handler) {
        throw new ApiRefusal(405, 'method_not_allowed', `${req.method} is not allowed on ${url}; use ${allowed.join(' or ')}`, { Allow: allowed.join(', ') });
      }
      return handler(req, reply);
    },
  } as RouteOptions);
}
