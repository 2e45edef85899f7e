/**
 * `posdrop partners api-key <id>`: the secret a partner's existing API client logs in with (PBJ's
 * login password, Carma's HTTP Basic password, Client Toolbox's `user_api_key`). Shown once,
 * stored as a scrypt hash; a new key ends every token issued under the old one.
 * `posdrop partners set <id>`: the partner's settings for those APIs.
 */
import { OperatorError, UsageError } from '../../core/errors.js';
import { generatePassword, hashPassword } from '../../security/password.js';
import type { Command } from '../command.js';
import { withContext } from '../context.js';
import { logOperatorAction, RECORD_HELP, RECORD_OPTIONS } from '../operator-log.js';
import { printJson } from '../output.js';
import { requireId, requirePartner } from './partners.js';

/** Longer than a password: it is pasted into configuration, never typed. */
function generateApiKey(): string {
  return `${generatePassword()}${generatePassword()}`;
}

export const partnersApiKey: Command = {
  name: 'partners api-key',
  args: 1,
  summary: "create or rotate a partner's API key (printed once), or revoke it",
  usage: '<id> [--revoke] [--reason "…"] [--by NAME] [--json]',
  details: RECORD_HELP,
  options: { revoke: { type: 'boolean' }, json: { type: 'boolean' }, ...RECORD_OPTIONS },
  async run(input) {
    const id = requireId(input);
    const revoke = input.values.revoke === true;
    const key = revoke ? undefined : generateApiKey();
    const apiKeyHash = key ? await hashPassword(key) : null;
    const rotated = await withContext(input, async ({ store, layout }) => {
      const had = await store.transaction(async ({ partners }) => {
        const partner = await requirePartner(partners, id);
        if (revoke && partner.apiKeyHash === null) throw new OperatorError('no_api_key', `partner ${id} has no API key`);
        await partners.update(id, { apiKeyHash });
        return partner.apiKeyHash !== null;
      });
      await logOperatorAction(layout, input, 'partner_api_key', { partner: id, api_key: revoke ? 'revoked' : had ? 'rotated' : 'created' });
      return had;
    });
    if (input.values.json) return printJson(input.stdout, { id, api_key: key ?? null, revoked: revoke, rotated: !revoke && rotated });
    if (revoke) input.stdout.write(`API key of ${id} revoked; its tokens no longer work\n`);
    else input.stdout.write(`${rotated ? 'new ' : ''}API key for ${id} (shown once): ${key}\n`);
  },
};

export const partnersSet: Command = {
  name: 'partners set',
  args: 1,
  summary: "change a partner's settings for its APIs",
  usage: '<id> [--carma-customer-id N] [--email E] [--name N] [--reason "…"] [--by NAME]',
  details: [
    '  --carma-customer-id   the customerId in the partner\'s Carma API paths (/rest/<customerId>/…)',
    "  --email, --name       shown in PBJ's login answer (admin.email, admin.name)",
    RECORD_HELP,
  ].join('\n'),
  options: { 'carma-customer-id': { type: 'string' }, email: { type: 'string' }, name: { type: 'string' }, ...RECORD_OPTIONS },
  async run(input) {
    const id = requireId(input);
    const changes: Record<string, string | number> = {};
    const customer = input.values['carma-customer-id'] as string | undefined;
    if (customer !== undefined) {
      if (!/^\d{1,15}$/.test(customer)) throw new UsageError('--carma-customer-id must be a whole number (Carma account ids are)');
      changes.carma_customer_id = Number(customer);
    }
    for (const field of ['email', 'name'] as const) {
      const value = input.values[field] as string | undefined;
      if (value !== undefined) changes[field] = value;
    }
    if (Object.keys(changes).length === 0) throw new UsageError('give --carma-customer-id, --email or --name');
    await withContext(input, async ({ store, layout }) => {
      await store.transaction(async ({ partners }) => {
        const partner = await requirePartner(partners, id);
        await partners.update(id, { options: { ...partner.options, ...changes } });
      });
      await logOperatorAction(layout, input, 'partner_settings', { partner: id, ...changes });
    });
    input.stdout.write(`partner ${id}: ${Object.entries(changes).map(([key, value]) => `${key} = ${value}`).join(', ')}\n`);
  },
};

export const partnerApiCommands: Command[] = [partnersApiKey, partnersSet];
