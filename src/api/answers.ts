/**
 * The one place where refusals become HTTP answers: a status and a body in the dialect of the API
 * the request was for (PBJ's and Carma's JSON, Client Toolbox's XML or JSON). Nothing else leaves
 * the listener: an unforeseen error is logged with its cause and answered as a bare 500.
 */
import { PosdropError } from '../core/errors.js';
import { DeliveryRefusal, formatBytes } from '../delivery/refusal.js';

/** An answer a handler decided on: the status, a stable code and the message for the partner. */
export class ApiRefusal extends PosdropError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message);
  }
}

export interface Answer {
  status: number;
  code: string;
  message: string;
  headers: Record<string, string>;
  /** Not foreseen: worth a log line with the cause, and the partner is told nothing of it. */
  unexpected: boolean;
}

interface FrameworkError {
  code?: string;
  statusCode?: number;
}

/** Fastify's and its plugins' refusals of a malformed request, in posdrop's words. */
function frameworkAnswer(err: FrameworkError, bodyLimit: number): Answer | undefined {
  const answer = (status: number, code: string, message: string): Answer => ({ status, code, message, headers: {}, unexpected: false });
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return answer(413, 'too_large', `the request body is larger than the limit of ${formatBytes(bodyLimit)}`);
    case 'FST_REQ_FILE_TOO_LARGE':
      return answer(413, 'too_large', 'the file is larger than the upload limit; the upload was discarded');
    case 'FST_FILES_LIMIT':
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return answer(413, 'too_many_parts', 'the form has more fields or files than allowed');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return answer(415, 'unsupported_media_type', 'this Content-Type is not accepted here');
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return answer(415, 'unsupported_media_type', 'the body must be multipart/form-data');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return answer(400, 'empty_body', 'the JSON body is empty');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return answer(400, 'invalid_json', 'the body is not valid JSON');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return answer(400, 'bad_length', 'Content-Length does not match the body');
    default:
      if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
        // e.g. JSON the parser refused: the message would quote internals, so it is not passed on
        return answer(err.statusCode, 'bad_request', err.statusCode === 400 ? 'the request could not be read' : 'the request was refused');
      }
      return undefined;
  }
}

export function answerFor(err: unknown, bodyLimit: number): Answer {
  if (err instanceof ApiRefusal) return { status: err.status, code: err.code, message: err.message, headers: err.headers, unexpected: false };
  if (err instanceof DeliveryRefusal) {
    const status = err.kind === 'too_large' ? 413 : 409;
    return { status, code: err.kind, message: err.message, headers: {}, unexpected: false };
  }
  return frameworkAnswer(err as FrameworkError, bodyLimit) ?? { status: 500, code: 'internal', message: 'internal server error', headers: {}, unexpected: true };
}

/** Which API a path belongs to, for the shape of its error bodies. */
export type Dialect = 'pbj' | 'carma' | 'toolbox' | 'plain';

export function dialectOf(url: string): Dialect {
  const path = url.split('?')[0] ?? '';
  if (path.startsWith('/api-admin/') || path.startsWith('/bulk-sales/')) return 'pbj';
  if (path.startsWith('/rest/')) return 'carma';
  if (path === '/api' || path.startsWith('/api/')) return 'toolbox';
  return 'plain';
}

/** The body of a refusal in a dialect that is JSON: PBJ's `{"error": {"code", "message"}}` shape. */
export function jsonErrorBody(answer: Pick<Answer, 'status' | 'message'>): { error: { code: number; message: string } } {
  return { error: { code: answer.status, message: answer.message } };
}
