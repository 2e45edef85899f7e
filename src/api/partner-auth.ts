/**
 * Who is calling: an API key (PBJ's login, HTTP Basic for Carma, Client Toolbox's `user_api_key`)
 * or a PBJ access token. Failed logins count in the defender SFTP uses, are slowed down like
 * SFTP's, and a banned address is refused before any secret is looked at.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { partnerIdProblem } from '../core/safe-name.js';
import type { FormatId } from '../formats/types.js';
import { checkSecret } from '../security/partner-login.js';
import type { Partner } from '../store/partners.js';
import { ApiRefusal } from './answers.js';
import type { ApiContext } from './context.js';
import type { TokenUse } from './tokens.js';

export const WRONG_CREDENTIALS = 'Username or password is incorrect.';

function refuseBanned(ctx: ApiContext, address: string): void {
  if (ctx.backend.defender.isBanned(address)) {
    throw new ApiRefusal(403, 'address_banned', 'too many failed logins from this address; try again later');
  }
}

/** The partner whose API key `secret` is; a 401 (after the defender and the delay) otherwise. */
export async function loginWithKey(ctx: ApiContext, req: FastifyRequest, username: string, secret: string): Promise<Partner> {
  const address = req.ip;
  refuseBanned(ctx, address);
  const { defender } = ctx.backend;
  // While the account is locked out its key is not even checked, as over SFTP.
  const locked = defender.accountLock(username, address);
  const account = locked ? undefined : await checkSecret(ctx.backend.accounts, username, secret, 'api_key');
  const partner = account && (await ctx.backend.partner(account.id));
  if (!partner) {
    if (!locked) defender.recordFailure(address, partnerIdProblem(username) ? undefined : username);
    ctx.log.warn('api.login_failed', { address, username: username.slice(0, 64), path: req.routeOptions.url, ...(locked ? { locked_until: locked.toISOString() } : {}) });
    await new Promise((resolve) => setTimeout(resolve, ctx.backend.failureDelayMs()));
    throw new ApiRefusal(401, 'incorrect_details', WRONG_CREDENTIALS, { 'WWW-Authenticate': 'Basic realm="posdrop"' });
  }
  ctx.log.info('api.login', { partner: partner.id, address, path: req.routeOptions.url });
  ctx.backend.loggedIn?.(partner.id, address);
  return partner;
}

/** HTTP Basic credentials, or a 401 saying what is missing. */
export function basicCredentials(req: FastifyRequest): { username: string; secret: string } {
  const header = req.headers.authorization ?? '';
  const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header.trim());
  const text = match ? Buffer.from(match[1] as string, 'base64').toString('utf8') : '';
  const colon = text.indexOf(':');
  if (colon < 1) {
    throw new ApiRefusal(401, 'no_credentials', 'HTTP Basic authentication with the partner id and API key is required', {
      'WWW-Authenticate': 'Basic realm="posdrop"',
    });
  }
  return { username: text.slice(0, colon), secret: text.slice(colon + 1) };
}

/** The partner of a bearer token of this use, or a 401 saying why not. */
export async function partnerOfToken(ctx: ApiContext, req: FastifyRequest, token: string, use: TokenUse): Promise<Partner> {
  refuseBanned(ctx, req.ip);
  const checked = await ctx.tokens.verify(token, use, (id) => ctx.backend.partner(id));
  if ('problem' in checked) throw new ApiRefusal(401, 'invalid_token', checked.problem, { 'WWW-Authenticate': 'Bearer' });
  return (await ctx.backend.partner(checked.partner)) as Partner;
}

export function bearerToken(req: FastifyRequest): string {
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec((req.headers.authorization ?? '').trim());
  if (!match) throw new ApiRefusal(401, 'no_token', 'an Authorization: Bearer <access_token> header is required (POST /api-admin/login)', { 'WWW-Authenticate': 'Bearer' });
  return match[1] as string;
}

/**
 * The partner may use this API now: it sends the format, and has a request slot left. The
 * format check answers 403, so a partner learns which account is wrong, not which exist.
 */
export function admit(ctx: ApiContext, reply: FastifyReply, partner: Partner, format: FormatId): void {
  if (!partner.formats.includes(format)) {
    throw new ApiRefusal(403, 'format_unavailable', `the account ${partner.id} does not send ${format}; an operator can add it with posdrop partners`);
  }
  if (!ctx.slots.takePartner(partner.id, reply.raw)) {
    throw new ApiRefusal(429, 'too_many_requests', `at most ${ctx.config.max_requests_per_partner} requests of one partner at a time`, { 'Retry-After': '1' });
  }
}
