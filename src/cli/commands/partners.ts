/** `posdrop partners add|list|disable|enable|passwd|keys`: partners live in the store, on either engine. */
import { readFileSync } from 'node:fs';
import { NotFound, OperatorError, UsageError } from '../../core/errors.js';
import { partnerIdProblem } from '../../core/safe-name.js';
import { ensurePartnerFolders } from '../../fs/partner-folders.js';
import { FORMAT_IDS, isFormatId, type FormatId } from '../../formats/types.js';
import { generatePassword, hashPassword } from '../../security/password.js';
import { parsePublicKeyLine, type PublicKeyEntry } from '../../security/public-keys.js';
import type { PartnerStoreAsync } from '../../store/partner-store.js';
import type { Partner } from '../../store/partners.js';
import type { Command, CommandInput } from '../command.js';
import { withContext } from '../context.js';
import { logOperatorAction, RECORD_HELP, RECORD_OPTIONS } from '../operator-log.js';
import { printJson, printTable } from '../output.js';

function partnerJson(partner: Partner, keys: number) {
  return {
    id: partner.id,
    client_id: partner.clientId,
    channels: partner.channels,
    formats: partner.formats,
    enabled: partner.enabled,
    password: partner.passwordHash !== null,
    keys,
    api_key: partner.apiKeyHash !== null,
    max_upload_bytes: partner.maxUploadBytes,
    created_at: partner.createdAt,
    updated_at: partner.updatedAt,
  };
}

/** The partner id of a command's one argument. */
export function requireId(input: CommandInput): string {
  const [id] = input.positionals;
  if (!id) throw new UsageError('which partner? give its id');
  const problem = partnerIdProblem(id);
  if (problem) throw new UsageError(problem);
  return id;
}

/** The partner of that id, or the misuse of naming one that does not exist. */
export async function requirePartner(partners: PartnerStoreAsync, id: string): Promise<Partner> {
  const partner = await partners.get(id);
  if (!partner) throw new NotFound(`no partner ${id}`);
  return partner;
}

function formatsFrom(values: string[] | undefined): FormatId[] {
  if (!values || values.length === 0) {
    throw new UsageError(`give at least one --format: ${FORMAT_IDS.join(', ')} (or all)`);
  }
  if (values.includes('all')) return [...FORMAT_IDS];
  const wrong = values.filter((value) => !isFormatId(value));
  if (wrong.length) throw new UsageError(`unknown format ${wrong.join(', ')}; known: ${FORMAT_IDS.join(', ')}`);
  return values as FormatId[];
}

async function readStdinLine(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  const line = text.split(/\r?\n/)[0] ?? '';
  if (line.length < 12) throw new UsageError('the password read from stdin must have at least 12 characters');
  return line;
}

/** `--password-stdin` or `--generate-password`; undefined when neither was given. */
export async function passwordFrom(input: CommandInput): Promise<{ password: string; generated: boolean } | undefined> {
  if (input.values['password-stdin'] && input.values['generate-password']) {
    throw new UsageError('use either --password-stdin or --generate-password');
  }
  if (input.values['password-stdin']) return { password: await readStdinLine(input.stdin), generated: false };
  if (input.values['generate-password']) return { password: generatePassword(), generated: true };
  return undefined;
}

function keysFrom(lines: string[]): PublicKeyEntry[] {
  return lines
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line, index) => {
      try {
        return parsePublicKeyLine(line);
      } catch (err) {
        throw new UsageError(`key ${index + 1}: ${(err as Error).message}`);
      }
    });
}

function keyLinesFromOptions(values: CommandInput['values'], keyOption: string, fileOption: string): string[] {
  const lines = [...((values[keyOption] as string[] | undefined) ?? [])];
  for (const file of (values[fileOption] as string[] | undefined) ?? []) {
    try {
      lines.push(...readFileSync(file, 'utf8').split('\n'));
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
    }
  }
  return lines;
}

export const passwordOptions = {
  'password-stdin': { type: 'boolean' },
  'generate-password': { type: 'boolean' },
} as const;

export const partnersAdd: Command = {
  name: 'partners add',
  args: 1,
  summary: 'add a partner (SFTP account)',
  usage: '<id> --format F [--format F…] [--client-id C] [--channel CH…] (--generate-password | --password-stdin | --key LINE | --key-file F) [--max-upload-mb N] [--carma-customer-id N]',
  details: [
    `  --format              ${FORMAT_IDS.join(', ')}, or all`,
    '  --client-id           the client id in CrowdTwist file names (default: the partner id)',
    '  --channel             a PBJ channel key the partner sells on (repeatable; the first is its default)',
    "  --carma-customer-id   the customerId of Carma's batch status (default 0)",
    '  --generate-password   create a random password and print it once',
    '  --password-stdin      read the password from the first line of stdin',
    '  --key, --key-file     an OpenSSH public key line, or an authorized_keys file (repeatable)',
    RECORD_HELP,
  ].join('\n'),
  options: {
    format: { type: 'string', multiple: true },
    'client-id': { type: 'string' },
    channel: { type: 'string', multiple: true },
    key: { type: 'string', multiple: true },
    'key-file': { type: 'string', multiple: true },
    'max-upload-mb': { type: 'string' },
    'carma-customer-id': { type: 'string' },
    json: { type: 'boolean' },
    ...passwordOptions,
    ...RECORD_OPTIONS,
  },
  async run(input) {
    const id = requireId(input);
    const formats = formatsFrom(input.values.format as string[] | undefined);
    const keys = keysFrom(keyLinesFromOptions(input.values, 'key', 'key-file'));
    const secret = await passwordFrom(input);
    if (!secret && keys.length === 0) {
      throw new UsageError('a partner needs a way to log in: --generate-password, --password-stdin or --key');
    }
    const maxUpload = input.values['max-upload-mb'];
    const maxUploadBytes = maxUpload === undefined ? null : Number(maxUpload) * 1024 * 1024;
    if (maxUploadBytes !== null && (!Number.isInteger(maxUploadBytes) || maxUploadBytes <= 0)) {
      throw new UsageError('--max-upload-mb must be a positive number');
    }
    const carmaId = input.values['carma-customer-id'];
    const options = carmaId === undefined ? {} : { carma_customer_id: Number(carmaId) };
    if (carmaId !== undefined && !/^\d{1,15}$/.test(carmaId as string)) throw new UsageError('--carma-customer-id must be a whole number, such as 0');
    const passwordHash = secret ? await hashPassword(secret.password) : null;
    const partner = await withContext(input, async ({ store, layout }) => {
      const added = await store.transaction(async ({ partners }) => {
        if (await partners.get(id)) throw new OperatorError('exists', `partner ${id} already exists`);
        const created = await partners.add({
          id,
          clientId: (input.values['client-id'] as string | undefined) ?? id,
          channels: (input.values.channel as string[] | undefined) ?? [],
          formats,
          passwordHash,
          maxUploadBytes,
          options,
        });
        for (const key of keys) await partners.addKey(id, key);
        return created;
      });
      // The daemon creates them too on login; doing it now lets an operator drop files at once.
      await ensurePartnerFolders(layout, id).catch(() => undefined);
      await logOperatorAction(layout, input, 'partner_added', {
        partner: id,
        formats,
        password: passwordHash !== null,
        keys: keys.map((key) => key.fingerprint),
      });
      return added;
    });
    if (input.values.json) {
      return printJson(input.stdout, { ...partnerJson(partner, keys.length), ...(secret?.generated ? { password: secret.password } : {}) });
    }
    input.stdout.write(`added partner ${partner.id} (formats: ${partner.formats.join(', ')}; keys: ${keys.length})\n`);
    if (secret?.generated) input.stdout.write(`password (shown once): ${secret.password}\n`);
  },
};

export const partnersList: Command = {
  name: 'partners list',
  summary: 'list partners',
  usage: '[--json]',
  options: { json: { type: 'boolean' } },
  async run(input) {
    const rows = await withContext(input, async ({ store }) => {
      const listed = [];
      for (const partner of await store.partners.list()) listed.push(partnerJson(partner, (await store.partners.keys(partner.id)).length));
      return listed;
    });
    if (input.values.json) return printJson(input.stdout, rows);
    printTable(
      input.stdout,
      ['ID', 'ENABLED', 'CLIENT ID', 'CHANNELS', 'LOGIN', 'FORMATS'],
      rows.map((row) => [
        row.id,
        row.enabled ? 'yes' : 'no',
        row.client_id,
        row.channels.join(',') || null,
        [row.password ? 'password' : '', row.keys ? `${row.keys} key(s)` : '', row.api_key ? 'api key' : ''].filter(Boolean).join(' + ') || 'none',
        row.formats.join(','),
      ]),
    );
  },
};

function enabling(enabled: boolean): Command {
  return {
    name: enabled ? 'partners enable' : 'partners disable',
    args: 1,
    summary: enabled ? 'let a partner log in again' : 'stop a partner from logging in (files stay)',
    usage: '<id> [--reason "…"] [--by NAME]',
    details: RECORD_HELP,
    options: { ...RECORD_OPTIONS },
    async run(input) {
      const id = requireId(input);
      await withContext(input, async ({ store, layout }) => {
        await store.transaction(async ({ partners }) => {
          await requirePartner(partners, id);
          await partners.update(id, { enabled });
        });
        await logOperatorAction(layout, input, enabled ? 'partner_enabled' : 'partner_disabled', { partner: id });
      });
      input.stdout.write(`partner ${id} ${enabled ? 'enabled' : 'disabled'}\n`);
    },
  };
}

export const partnersEnable = enabling(true);
export const partnersDisable = enabling(false);

export const partnersPasswd: Command = {
  name: 'partners passwd',
  args: 1,
  summary: "set or remove a partner's password",
  usage: '<id> (--generate-password | --password-stdin | --remove) [--reason "…"] [--by NAME]',
  details: RECORD_HELP,
  options: { ...passwordOptions, remove: { type: 'boolean' }, ...RECORD_OPTIONS },
  async run(input) {
    const id = requireId(input);
    const secret = await passwordFrom(input);
    if (!secret && !input.values.remove) throw new UsageError('give --generate-password, --password-stdin or --remove');
    if (secret && input.values.remove) throw new UsageError('--remove cannot go with a new password');
    const passwordHash = secret ? await hashPassword(secret.password) : null;
    await withContext(input, async ({ store, layout }) => {
      await store.transaction(async ({ partners }) => {
        await requirePartner(partners, id);
        if (!secret && (await partners.keys(id)).length === 0) {
          throw new OperatorError('no_login', `partner ${id} has no key: removing the password would lock it out`);
        }
        await partners.update(id, { passwordHash });
      });
      await logOperatorAction(layout, input, 'partner_password', { partner: id, password: secret ? 'set' : 'removed' });
    });
    if (secret?.generated) input.stdout.write(`new password for ${id} (shown once): ${secret.password}\n`);
    else input.stdout.write(`password of ${id} ${secret ? 'changed' : 'removed'}\n`);
  },
};

export const partnersKeys: Command = {
  name: 'partners keys',
  args: 1,
  summary: "list, add or remove a partner's SSH public keys",
  usage: '<id> [--add LINE…] [--add-file F…] [--remove FINGERPRINT…] [--force] [--reason "…"] [--by NAME] [--json]',
  details: [
    '  --remove   a fingerprint as posdrop partners keys lists it (SHA256:…)',
    '  --force    remove the last key of a partner without a password, which then cannot log in',
    RECORD_HELP,
  ].join('\n'),
  options: {
    add: { type: 'string', multiple: true },
    'add-file': { type: 'string', multiple: true },
    remove: { type: 'string', multiple: true },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
    ...RECORD_OPTIONS,
  },
  async run(input) {
    const id = requireId(input);
    const added = keysFrom(keyLinesFromOptions(input.values, 'add', 'add-file'));
    const removals = (input.values.remove as string[] | undefined) ?? [];
    const keys = await withContext(input, async ({ store, layout }) => {
      await store.transaction(async ({ partners }) => {
        const partner = await requirePartner(partners, id);
        for (const key of added) await partners.addKey(id, key);
        for (const fingerprint of removals) {
          if (!(await partners.removeKey(id, fingerprint))) throw new NotFound(`partner ${id} has no key ${fingerprint}`);
        }
        // Rolled back: a partner with neither key nor password is locked out without a word.
        if (removals.length > 0 && (await partners.keys(id)).length === 0 && partner.passwordHash === null && input.values.force !== true) {
          throw new OperatorError(
            'no_login',
            `partner ${id} has no password: without its last key it could not log in; add --force if that is meant (posdrop partners disable ${id} stops it openly)`,
          );
        }
      });
      if (added.length > 0 || removals.length > 0) {
        await logOperatorAction(layout, input, 'partner_keys', { partner: id, added: added.map((key) => key.fingerprint), removed: removals, forced: input.values.force === true });
      }
      return store.partners.keys(id);
    });
    if (input.values.json) {
      return printJson(input.stdout, keys.map((key) => ({ id: key.id, algo: key.algo, fingerprint: key.fingerprint, comment: key.comment, public_key: key.publicKey, added_at: key.addedAt })));
    }
    printTable(
      input.stdout,
      ['ID', 'TYPE', 'FINGERPRINT', 'ADDED', 'COMMENT'],
      keys.map((key) => [key.id, key.algo, key.fingerprint, key.addedAt.slice(0, 10), key.comment || null]),
    );
  },
};

export const partnerCommands: Command[] = [partnersAdd, partnersList, partnersDisable, partnersEnable, partnersPasswd, partnersKeys];
