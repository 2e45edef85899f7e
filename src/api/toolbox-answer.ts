/**
 * Client Toolbox's answers as its guide gives them: XML by default, JSON with `output=JSON`
 * (`condensed=yes`: no white space), JSONP with `callback`, whose name must match a strict
 * pattern so that nothing but a function name can reach a page that runs the answer.
 */
import type { FastifyRequest } from 'fastify';
import type { ApiContext } from './context.js';

/** A JavaScript identifier path (`cb`, `app.onBatch`), nothing that could be script. */
export const CALLBACK_PATTERN = /^(?=.{1,64}$)[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/;

export interface AnswerStyle {
  output: 'xml' | 'json';
  condensed: boolean;
  callback?: string;
}

function field(req: FastifyRequest, name: string): string | undefined {
  const body = req.body as Record<string, unknown> | undefined;
  const fromBody = body && typeof body === 'object' ? body[name] : undefined;
  const value = fromBody ?? (req.query as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** The style a request asks for; `callback` only when it is a safe name (else undefined). */
export function styleOf(req: FastifyRequest): AnswerStyle {
  const output = field(req, 'output')?.toLowerCase() === 'json' ? 'json' : 'xml';
  const callback = field(req, 'callback');
  const style: AnswerStyle = { output, condensed: field(req, 'condensed')?.toLowerCase() === 'yes' };
  if (output === 'json' && callback !== undefined && CALLBACK_PATTERN.test(callback)) style.callback = callback;
  return style;
}

function xmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '\uFFFD');
}

/** A JSON text as the request asked: plain, condensed, or wrapped in its callback. */
export function jsonAnswer(json: unknown, style: AnswerStyle): { contentType: string; body: string } {
  const text = style.condensed ? JSON.stringify(json) : JSON.stringify(json, null, 2);
  if (style.callback) return { contentType: 'application/javascript; charset=utf-8', body: `/**/${style.callback}(${text});\n` };
  return { contentType: 'application/json; charset=utf-8', body: `${text}\n` };
}

/** `<response status="error"><error>…</error></response>`, or its JSON form. */
export function toolboxError(message: string, style: AnswerStyle): { contentType: string; body: string } {
  if (style.output === 'json') return jsonAnswer({ response: { status: 'error', error: message } }, style);
  return { contentType: 'application/xml; charset=utf-8', body: `<response status="error">\n  <error>${xmlEscape(message)}</error>\n</response>\n` };
}

export function toolboxErrorAnswer(message: string, req: FastifyRequest, _ctx: ApiContext): { contentType: string; body: string } {
  return toolboxError(message, styleOf(req));
}
