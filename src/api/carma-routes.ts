/**
 * Carma's purchase history API ("API - Purchase History"): open an import for a list, post its
 * CSV data (each post a batch of its own, append-only as the guide says), poll the batch. HTTP
 * Basic with the partner id and API key; the path's `customerId` must be the partner's own, and
 * another partner's customer, import or batch answers 404 as if it did not exist.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Partner } from '../store/partners.js';
import { ApiRefusal } from './answers.js';
import type { ApiContext } from './context.js';
import { admit, basicCredentials, loginWithKey } from './partner-auth.js';
import { endpoint } from './routing.js';
import { deliverAndWait, failedRefusal } from './upload-outcome.js';

const FORMAT = 'carma-purchase-history';
/** A list id becomes part of a file name, `purchasehistory_<listid>_…`: no underscore, nothing odd. */
const LIST_ID = /^[A-Za-z0-9-]{1,64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Params = Record<string, string>;

const notFound = () => new ApiRefusal(404, 'not_found', 'no such resource');

/** The partner's Carma customer id (`posdrop partners set <id> --carma-customer-id N`). */
export function customerIdOf(partner: Partner): string | undefined {
  const value = partner.options.carma_customer_id;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/** The partner behind the Basic credentials, if the path's customer id is its own. */
async function caller(ctx: ApiContext, req: FastifyRequest, reply: Parameters<typeof admit>[1]): Promise<Partner> {
  const { username, secret } = basicCredentials(req);
  const partner = await loginWithKey(ctx, req, username, secret);
  admit(ctx, reply, partner, FORMAT);
  if (customerIdOf(partner) !== (req.params as Params).customerId) throw notFound();
  return partner;
}

function listId(req: FastifyRequest): string {
  const id = (req.params as Params).listid ?? '';
  if (!LIST_ID.test(id)) throw new ApiRefusal(400, 'list_id_invalid', `the list id ${JSON.stringify(id)} must be 1 to 64 letters, digits or dashes`);
  return id;
}

/** `customerId` as the guide shows it: a number when it is one. */
function customerValue(partner: Partner): number | string {
  const id = customerIdOf(partner) ?? '';
  return /^\d{1,15}$/.test(id) ? Number(id) : id;
}

export function carmaRoutes(app: FastifyInstance, ctx: ApiContext): void {
  // the data stays a stream: it goes to the spool as it arrives, under the partner's upload limit
  app.addContentTypeParser('text/csv', (_req, payload, done) => done(null, payload));

  endpoint(app, '/rest/:customerId/purchasehistory/:listid/imports', {
    POST: async (req, reply) => {
      const partner = await caller(ctx, req, reply);
      const list = listId(req);
      const id = randomUUID();
      await ctx.backend.imports.open({ id, partner: partner.id, listId: list, metadata: req.body ?? null });
      ctx.log.info('api.carma_import_opened', { partner: partner.id, list, import: id });
      return { id };
    },
  });

  endpoint(app, '/rest/:customerId/purchasehistory/:listid/imports/:id/data', {
    POST: async (req, reply) => {
      const partner = await caller(ctx, req, reply);
      const list = listId(req);
      const importId = (req.params as Params).id ?? '';
      const found = UUID.test(importId) ? await ctx.backend.imports.find(partner.id, list, importId) : undefined;
      if (!found) throw notFound();
      if (!req.headers['content-type']?.toLowerCase().startsWith('text/csv')) {
        throw new ApiRefusal(415, 'unsupported_media_type', 'post the data with Content-Type: text/csv');
      }
      const post = await ctx.backend.imports.nextPost(importId);
      const name = `purchasehistory_${list}_${importId}${post > 1 ? `-${post}` : ''}.csv`;
      const outcome = await deliverAndWait(ctx, partner, name, req.body as AsyncIterable<Buffer>);
      const record = outcome.final ? outcome.record : await ctx.backend.findFile(partner.id, name, outcome.sha256);
      if (!record) throw new ApiRefusal(503, 'busy', 'the data is received but not yet registered; poll again shortly', { 'Retry-After': '5' });
      if (record.state === 'failed') throw failedRefusal();
      return { batchId: String(record.id) };
    },
  });

  endpoint(app, '/rest/:customerId/batches/:batchId', {
    GET: async (req, reply) => {
      const partner = await caller(ctx, req, reply);
      const batchId = (req.params as Params).batchId ?? '';
      const record = /^\d{1,15}$/.test(batchId) ? await ctx.backend.file(Number(batchId)) : undefined;
      if (!record || record.partner !== partner.id || record.format !== FORMAT) throw notFound();
      const text = await ctx.backend.outboxText(partner.id, `${record.name}.status.json`);
      // the guide's object, as `.status.json` has it
      if (text) return JSON.parse(text) as Record<string, unknown>;
      return { id: record.id, type: 'IMPORT', customerId: customerValue(partner), startTime: null, endTime: null, affected: 0, processed: 0, total: 0, status: 'PENDING' };
    },
  });
}
