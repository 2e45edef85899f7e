/**
 * PBJ's offline sales API (its "How To Automate Offline Sales Import" guide): `POST
 * /api-admin/login` for a token pair, `POST /bulk-sales/files` with the CSV in the multipart
 * field `file`, answered once the file is processed with exactly the body of its `.result.json`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Partner } from '../store/partners.js';
import { ApiRefusal } from './answers.js';
import type { ApiContext } from './context.js';
import { admit, bearerToken, loginWithKey, partnerOfToken } from './partner-auth.js';
import { endpoint } from './routing.js';
import { checkUploadName, deliverAndWait, failedRefusal, finalRow, type Outcome } from './upload-outcome.js';

const FORMAT = 'pbj-offline-sales';

/** "direct-mail" → "Direct Mail": PBJ shows a name beside each channel key. */
function channelName(key: string): string {
  return key
    .split(/[-_ ]+/)
    .filter(Boolean)
    .map((word) => word[0]?.toUpperCase() + word.slice(1))
    .join(' ');
}

async function tokenPair(ctx: ApiContext, partner: Partner) {
  return {
    messages: [],
    result: {
      access_token: await ctx.tokens.issue(partner, 'access'),
      refresh_token: await ctx.tokens.issue(partner, 'refresh'),
      admin: {
        capabilities: partner.formats.includes(FORMAT) ? ['bulksales.upload'] : [],
        channels: partner.channels.map((key, index) => ({ channel_key: key, channel_name: channelName(key), is_default: index === 0 })),
        email: typeof partner.options.email === 'string' ? partner.options.email : '',
        id: partner.id,
        name: typeof partner.options.name === 'string' ? partner.options.name : partner.id,
      },
    },
  };
}

/** PBJ's login answers its errors as `messages`, not as `error`. */
function loginRefusal(reply: FastifyReply, err: unknown): unknown {
  if (!(err instanceof ApiRefusal) || err.status >= 500) throw err;
  reply.code(err.status).type('application/json; charset=utf-8');
  return { messages: [{ code: err.code, level: 'error', message: err.message }] };
}

function stringField(body: unknown, name: string): string {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  if (typeof value !== 'string' || value === '') throw new ApiRefusal(400, 'missing_field', `the JSON body needs "${name}" (a string)`);
  return value;
}

async function login(ctx: ApiContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  try {
    const username = stringField(req.body, 'username');
    const password = stringField(req.body, 'password');
    const partner = await loginWithKey(ctx, req, username, password);
    return await tokenPair(ctx, partner);
  } catch (err) {
    return loginRefusal(reply, err);
  }
}

async function refresh(ctx: ApiContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  try {
    const partner = await partnerOfToken(ctx, req, stringField(req.body, 'refresh_token'), 'refresh');
    return await tokenPair(ctx, partner);
  } catch (err) {
    return loginRefusal(reply, err);
  }
}

/** The answer for a file's outcome: its `.result.json` as the body, 202 for a result, 400 for an error. */
async function answerOutcome(ctx: ApiContext, reply: FastifyReply, partner: string, outcome: Outcome): Promise<unknown> {
  if (!outcome.final) {
    const location = `/bulk-sales/files/status?name=${encodeURIComponent(outcome.name)}&sha256=${outcome.sha256}`;
    reply.code(202).header('Location', location).header('Retry-After', '5');
    return { result: null, status: 'processing', location };
  }
  const { record } = outcome;
  if (record.state === 'failed') throw failedRefusal();
  // Refused by its name, before any processing: no `.result.json` of this file exists.
  // A name sent again answers beside the accepted file's answer, under `<name>.upload-<id>`.
  const aside = record.reasonCode === 'name_used' ? await ctx.backend.outboxText(partner, `${record.name}.upload-${record.id}.result.json`) : undefined;
  const text = aside ?? (record.processingStartedAt ? await ctx.backend.outboxText(partner, `${record.name}.result.json`) : undefined);
  if (!text) return reply.code(400).send({ error: { code: 400, message: record.reason ?? 'the file was refused' } });
  // byte for byte the file's `.result.json`, as PBJ's own API answers
  const body = JSON.parse(text) as Record<string, unknown>;
  return reply.code('result' in body ? 202 : 400).type('application/json; charset=utf-8').send(text);
}

async function upload(ctx: ApiContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const partner = await partnerOfToken(ctx, req, bearerToken(req), 'access');
  admit(ctx, reply, partner, FORMAT);
  if (!req.isMultipart()) throw new ApiRefusal(415, 'unsupported_media_type', 'send the CSV as multipart/form-data in the field "file"');
  const part = await req.file({ limits: { fileSize: ctx.backend.uploadLimit(partner) + 1 } });
  if (!part) throw new ApiRefusal(400, 'missing_field', 'the form has no file: send the CSV in the field "file"');
  if (part.fieldname !== 'file') {
    part.file.resume();
    throw new ApiRefusal(400, 'missing_field', `the CSV must be in the field "file", not "${part.fieldname}"`);
  }
  checkUploadName(part.filename);
  const outcome = await deliverAndWait(ctx, partner, part.filename, part.file);
  return answerOutcome(ctx, reply, partner.id, outcome);
}

async function status(ctx: ApiContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const partner = await partnerOfToken(ctx, req, bearerToken(req), 'access');
  admit(ctx, reply, partner, FORMAT);
  const query = req.query as Record<string, unknown>;
  const name = typeof query.name === 'string' ? query.name : '';
  const sha256 = typeof query.sha256 === 'string' && /^[0-9a-f]{64}$/.test(query.sha256) ? query.sha256 : '';
  const known = name && sha256 ? await ctx.backend.findFile(partner.id, name, sha256) : undefined;
  if (!known) throw new ApiRefusal(404, 'not_found', 'no such upload of this account');
  const record = await finalRow(ctx, partner.id, name, sha256);
  return answerOutcome(ctx, reply, partner.id, record ? { final: true, record } : { final: false, name, sha256 });
}

export function pbjRoutes(app: FastifyInstance, ctx: ApiContext): void {
  endpoint(app, '/api-admin/login', { POST: (req, reply) => login(ctx, req, reply) });
  endpoint(app, '/api-admin/refresh', { POST: (req, reply) => refresh(ctx, req, reply) });
  endpoint(app, '/bulk-sales/files', { POST: (req, reply) => upload(ctx, req, reply) });
  endpoint(app, '/bulk-sales/files/status', { GET: (req, reply) => status(ctx, req, reply) });
}
