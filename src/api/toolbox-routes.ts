/**
 * Client Toolbox's batch transactions API (`POST /api`, `type=batch_transactions`), as a form
 * (urlencoded or multipart) with the guide's fields. The headers and `Visits_Data` become one
 * delimited file in the partner's inbox; the request's options go with it for that batch only,
 * and the answer is the batch's own result file: the guide's XML, its JSON, or JSONP.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Partner } from '../store/partners.js';
import { TOOLBOX_COLUMN_NAMES } from '../config/schema.js';
import { ApiRefusal } from './answers.js';
import type { ApiContext } from './context.js';
import { admit, loginWithKey } from './partner-auth.js';
import { endpoint } from './routing.js';
import { CALLBACK_PATTERN, jsonAnswer, toolboxError, type AnswerStyle } from './toolbox-answer.js';
import { deliverAndWait, failedRefusal, type Outcome } from './upload-outcome.js';

const FORMAT = 'clienttoolbox-transactions';
const DELIMITERS: Record<string, { char: string; ext: string }> = { pipe: { char: '|', ext: 'psv' }, comma: { char: ',', ext: 'csv' }, tab: { char: '\t', ext: 'tsv' } };

type Fields = Map<string, string>;

const refuse = (status: number, code: string, message: string) => new ApiRefusal(status, code, message);

/** Every field of the form, urlencoded or multipart (a file part counts as its field's text). */
async function fieldsOf(req: FastifyRequest): Promise<Fields> {
  const fields: Fields = new Map();
  if (req.isMultipart()) {
    for await (const part of req.parts()) {
      fields.set(part.fieldname, part.type === 'file' ? (await part.toBuffer()).toString('utf8') : String(part.value));
    }
  } else if (req.body && typeof req.body === 'object') {
    for (const [name, value] of Object.entries(req.body as Record<string, unknown>)) fields.set(name, Array.isArray(value) ? String(value.at(-1)) : String(value));
  }
  // A byte that is not UTF-8 was decoded as U+FFFD: say so rather than store a changed value.
  for (const [name, value] of fields) {
    if (value.includes('\uFFFD')) throw refuse(400, 'not_utf8', `the field ${name} is not UTF-8 text`);
  }
  return fields;
}

/** XML unless `output=JSON`; a `callback` (JSONP) is JSON too, and must be a plain function name. */
function styleOf(fields: Fields): AnswerStyle {
  const callback = fields.get('callback');
  const output = fields.get('output')?.toLowerCase() === 'json' || callback !== undefined ? 'json' : 'xml';
  const style: AnswerStyle = { output, condensed: fields.get('condensed')?.toLowerCase() === 'yes' };
  if (callback === undefined) return style;
  if (!CALLBACK_PATTERN.test(callback)) {
    throw Object.assign(refuse(400, 'callback_invalid', 'callback must be a function name (letters, digits, _ and $, not starting with a digit, dot-separated, at most 64 characters)'), { style });
  }
  return { ...style, callback };
}

function required(fields: Fields, name: string): string {
  const value = fields.get(name)?.trim();
  if (!value) throw refuse(400, 'missing_field', `the field ${name} is required`);
  return value;
}

const CUSTOM_FIELD = /^custom_field_\d+$/;
const REQUIRED_COLUMNS = ['campaign_id', 'code', 'redeemed'];

/**
 * `visits_header_1…N`, in order, none missing in between, each a column the guide names (or one
 * of its `custom_field_N`), each once, with the three required ones. They are checked, not used
 * as the data's order: the guide's own example names `campaign_id` first over lines that start
 * with the card number, so the lines are read as a headerless file over SFTP is (the partner's
 * configured `columns`, else the order the guide's lines are written in).
 */
function headersOf(fields: Fields, delimiter: string): string[] {
  const headers: string[] = [];
  for (let index = 1; fields.has(`visits_header_${index}`); index += 1) {
    const field = `visits_header_${index}`;
    const header = (fields.get(field) ?? '').trim();
    if (!header || header.includes(delimiter) || /[\r\n]/.test(header)) {
      throw refuse(400, 'header_invalid', `${field} must be a column name without the delimiter or a line break`);
    }
    const name = header.toLowerCase();
    if (!(TOOLBOX_COLUMN_NAMES as readonly string[]).includes(name) && !CUSTOM_FIELD.test(name)) {
      throw refuse(400, 'unknown_header', `${field} names an unknown column ${JSON.stringify(header)}; expected one of ${TOOLBOX_COLUMN_NAMES.join(', ')} or custom_field_N`);
    }
    const earlier = headers.indexOf(name);
    if (earlier >= 0) throw refuse(400, 'duplicate_header', `${field} names the column ${header} that visits_header_${earlier + 1} names already`);
    headers.push(name);
  }
  const extra = [...fields.keys()].find((name) => /^visits_header_\d+$/.test(name) && Number(name.slice(14)) > headers.length);
  if (extra) throw refuse(400, 'header_invalid', `${extra} is given but visits_header_${headers.length + 1} is not`);
  const missing = REQUIRED_COLUMNS.filter((name) => !headers.includes(name));
  if (missing.length) throw refuse(400, 'missing_header', `the visits_header_N fields name no column ${missing.join(', ')}; ${REQUIRED_COLUMNS.join(', ')} are required`);
  return headers;
}

/** The options of this batch, as the guide reads its fields. */
function batchOptions(fields: Fields, style: AnswerStyle): Record<string, unknown> {
  const options: Record<string, unknown> = {
    apply_ratio: fields.get('apply_ratio')?.toLowerCase() === 'yes',
    allow_undo: fields.get('allow-undo')?.toLowerCase() === 'yes',
    receipt: style.output,
    condensed: style.condensed,
  };
  const create = fields.get('create_new_customers')?.toUpperCase();
  if (create === 'Y' || create === 'N') options.create_new_customers = create === 'Y';
  return options;
}

async function caller(ctx: ApiContext, req: FastifyRequest, reply: FastifyReply, fields: Fields): Promise<Partner> {
  const username = fields.get('user_id') ?? '';
  const header = req.headers.api_access_key;
  const secret = fields.get('user_api_key') ?? (typeof header === 'string' ? header : '');
  if (!username || !secret) throw new ApiRefusal(401, 'no_credentials', 'user_id and user_api_key (or the api_access_key header) are required');
  const partner = await loginWithKey(ctx, req, username, secret);
  admit(ctx, reply, partner, FORMAT);
  return partner;
}

/** A receipt that is the guide's error response: the batch imported nothing. */
function isErrorReceipt(text: string, output: AnswerStyle['output']): boolean {
  if (output === 'xml') return text.startsWith('<response status="error">');
  return (JSON.parse(text) as { response?: { status?: string } }).response?.status === 'error';
}

async function answer(ctx: ApiContext, partner: Partner, outcome: Outcome, style: AnswerStyle): Promise<{ status: number; contentType: string; body: string }> {
  if (!outcome.final) return { status: 202, ...toolboxError(`the batch ${outcome.name} is still being processed; its answer will be in the outbox`, style) };
  const { record } = outcome;
  if (record.state === 'failed') throw failedRefusal();
  const suffix = style.output === 'json' ? '.result.json' : '.result.xml';
  const text = record.processingStartedAt ? await ctx.backend.outboxText(partner.id, `${record.name}${suffix}`) : undefined;
  if (!text) return { status: 400, ...toolboxError(record.reason ?? 'the batch was refused', style) };
  const status = isErrorReceipt(text, style.output) ? 400 : 200;
  if (style.output === 'xml') return { status, contentType: 'application/xml; charset=utf-8', body: text };
  return { status, ...jsonAnswer(JSON.parse(text), style) };
}

async function batch(ctx: ApiContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  let style: AnswerStyle = { output: 'xml', condensed: false };
  try {
    const fields = await fieldsOf(req);
    style = styleOf(fields);
    const partner = await caller(ctx, req, reply, fields);
    const account = required(fields, 'account_id');
    if (account !== partner.clientId) throw refuse(403, 'account_invalid', `account_id ${account} is not the account of ${partner.id}`);
    if (required(fields, 'type') !== 'batch_transactions') throw refuse(400, 'type_invalid', `type must be batch_transactions, not ${JSON.stringify(fields.get('type'))}`);
    const given = required(fields, 'delimiter');
    const delimiter = DELIMITERS[given.toLowerCase()];
    if (!delimiter) throw refuse(400, 'delimiter_invalid', `delimiter must be pipe, comma or tab, not ${JSON.stringify(given)}`);
    const headers = headersOf(fields, delimiter.char);
    // The guide's PHP example opens Visits_Data with a line break: blank lines before the data are layout.
    const data = required(fields, 'Visits_Data').replace(/^(?:[ \t]*\r?\n)+/, '');
    ctx.log.info('api.toolbox_batch', { partner: partner.id, api: fields.get('API') ?? null, headers, send_transaction_email: fields.get('send_transaction_email') ?? null });
    const day = ctx.now().toISOString().slice(0, 10).replaceAll('-', '');
    const name = `transactions_${day}_api-${randomUUID()}.${delimiter.ext}`;
    const text = data.endsWith('\n') ? data : `${data}\n`;
    const outcome = await deliverAndWait(ctx, partner, name, Readable.from([Buffer.from(text, 'utf8')]), batchOptions(fields, style));
    const answered = await answer(ctx, partner, outcome, style);
    return reply.code(answered.status).type(answered.contentType).send(answered.body);
  } catch (err) {
    if (!(err instanceof ApiRefusal)) throw err;
    // A refused callback is answered as plain JSON, never wrapped in the name it refused.
    const { contentType, body } = toolboxError(err.message, (err as { style?: AnswerStyle }).style ?? style);
    return reply.code(err.status).headers(err.headers).type(contentType).send(body);
  }
}

/** Client Toolbox's `POST /api`; its answers are the guide's XML, its JSON or JSONP. */
export function toolboxRoutes(app: FastifyInstance, ctx: ApiContext): void {
  endpoint(app, '/api', { POST: (req, reply) => batch(ctx, req, reply) });
}
