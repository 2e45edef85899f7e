/**
 * The partner API listener: PBJ's, Carma's and Client Toolbox's own HTTP APIs, served by posdrop so
 * that a partner's existing client needs only a new host and credentials.
 */
import { isIP } from 'node:net';
import { z } from 'zod';

const positive = z.number().int().positive();

interface ApiConfigShape {
  host: string;
  cert: string;
  key: string;
  trusted_proxy: string;
}

export const apiSchema = z
  .strictObject({
    /** Serves the partners' APIs; off for hosts that take files over SFTP only. */
    enabled: z.boolean().default(true),
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8080),
    /** PEM files; with both, the listener serves HTTPS (TLS 1.2 or later) only. */
    cert: z.string().default(''),
    key: z.string().default(''),
    /**
     * The address of a TLS-terminating proxy in front. Plain HTTP on an address other than
     * loopback is refused unless this is set; `X-Forwarded-For` is believed from it only.
     */
    trusted_proxy: z
      .string()
      .default('')
      .refine((value) => value === '' || isIP(value) !== 0, { message: 'not an IP address' }),
    /**
     * Also serves the operator console under `/console` on this listener, with its TLS (the
     * console stays on the operations listener too); `console.enabled: false` turns it off on both.
     */
    console: z.boolean().default(false),
    /** The request line and headers must arrive within this (slow headers are cut). */
    header_timeout_seconds: positive.default(10),
    /** A whole request, body included (a trickled body is cut). */
    request_timeout_seconds: positive.default(300),
    /** An idle keep-alive connection is closed after this. */
    keep_alive_seconds: positive.default(5),
    /** Requests in progress at once, all partners together; more answer 503. */
    max_requests: positive.default(64),
    /** Requests in progress at once for one partner; more answer 429. */
    max_requests_per_partner: positive.default(4),
    /** How long an upload waits for its file's answer before it answers 202 with a Location. */
    result_wait_seconds: positive.default(120),
    /** Lifetime of a PBJ access token; its refresh token lives `refresh_token_hours`. */
    token_minutes: positive.default(60),
    refresh_token_hours: positive.default(24 * 14),
    /** Fields and parts of a form (Client Toolbox sends one field per header). */
    max_form_fields: positive.default(64),
  })
  .prefault({})
  .check((ctx) => {
    if ((ctx.value.cert === '') !== (ctx.value.key === '')) {
      ctx.issues.push({ code: 'custom', message: 'cert and key go together: give both for HTTPS, or neither', input: ctx.value, path: ['cert'] });
      return;
    }
    const mode = listenMode(ctx.value);
    if (ctx.value.enabled && 'refused' in mode) ctx.issues.push({ code: 'custom', message: mode.refused, input: ctx.value, path: ['host'] });
  });

export type ApiConfig = z.infer<typeof apiSchema>;

/*
 * Whether the listener may listen as configured. Credentials and files cross it, so plain HTTP
 * is only for loopback, or behind a TLS-terminating proxy the operator names on purpose.
 */
export type ListenMode = { scheme: 'https' } | { scheme: 'http'; why: 'loopback' | 'behind_proxy' };

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1']);

/** True for an address only this host can reach. */
export function isLoopback(host: string): boolean {
  if (LOOPBACK_NAMES.has(host)) return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** How to listen, or the reason not to. */
export function listenMode(config: Pick<ApiConfigShape, 'host' | 'cert' | 'key' | 'trusted_proxy'>): ListenMode | { refused: string } {
  if (config.cert && config.key) return { scheme: 'https' };
  if (isLoopback(config.host)) return { scheme: 'http', why: 'loopback' };
  if (config.trusted_proxy) return { scheme: 'http', why: 'behind_proxy' };
  return {
    refused:
      `${config.host} is not loopback: give api.cert and api.key for HTTPS, or set api.trusted_proxy ` +
      'to the address of the TLS-terminating proxy in front',
  };
}

