/** `posdrop operators add|list|passwd|disable|enable`: who may log in to the console. */
import { OperatorError, UsageError } from '../../core/errors.js';
import { hashPassword } from '../../security/password.js';
import { OPERATOR_ROLES, type Operator, type OperatorRole, type OperatorStoreAsync } from '../../store/operators.js';
import type { Command, CommandInput } from '../command.js';
import { withContext } from '../context.js';
import { printJson, printTable } from '../output.js';
import { passwordFrom, passwordOptions } from './partners.js';

const NAME = /^[a-z][a-z0-9._-]{0,63}$/;

function requireName(input: CommandInput): string {
  const [name] = input.positionals;
  if (!name) throw new UsageError('which operator? give a name');
  if (!NAME.test(name)) throw new UsageError(`an operator name is a lower-case letter, then letters, digits, ".", "_" or "-" (at most 64), not ${JSON.stringify(name)}`);
  return name;
}

function roleFrom(value: unknown): OperatorRole {
  const role = value ?? 'viewer';
  if (!OPERATOR_ROLES.includes(role as OperatorRole)) throw new UsageError(`--role must be ${OPERATOR_ROLES.join(' or ')}, not ${JSON.stringify(role)}`);
  return role as OperatorRole;
}

async function secretOf(input: CommandInput): Promise<{ password: string; generated: boolean }> {
  const secret = await passwordFrom(input);
  if (!secret) throw new UsageError('give --generate-password or --password-stdin');
  return secret;
}

/** Runs `work` on the operators of one transaction of the store. */
const stores = (input: CommandInput, work: (operators: OperatorStoreAsync) => Promise<void>) =>
  withContext(input, ({ store }) => store.transaction(({ operators }) => work(operators)));

export const operatorsAdd: Command = {
  name: 'operators add',
  args: 1,
  summary: 'create a console account (viewer reads, admin also acts)',
  usage: '<name> [--role viewer|admin] (--generate-password | --password-stdin) [--json]',
  details: '  --role   viewer (default): every page; admin: also release, reprocess, undo and partners',
  options: { ...passwordOptions, role: { type: 'string' }, json: { type: 'boolean' } },
  async run(input) {
    const name = requireName(input);
    const role = roleFrom(input.values.role);
    const secret = await secretOf(input);
    const passwordHash = await hashPassword(secret.password);
    await stores(input, async (operators) => {
      if (!(await operators.add({ name, passwordHash, role }))) throw new OperatorError('exists', `operator ${name} already exists`);
    });
    if (input.values.json) return printJson(input.stdout, { name, role, enabled: true, ...(secret.generated ? { password: secret.password } : {}) });
    input.stdout.write(`operator ${name} added (${role})\n`);
    if (secret.generated) input.stdout.write(`password (shown once): ${secret.password}\n`);
  },
};

export const operatorsList: Command = {
  name: 'operators list',
  summary: 'console accounts: role, enabled, last login',
  usage: '[--json]',
  options: { json: { type: 'boolean' } },
  async run(input) {
    const rows: Operator[] = await withContext(input, ({ store }) => store.operators.list());
    const shown = rows.map(({ passwordHash: _hash, ...operator }) => operator);
    if (input.values.json) {
      return printJson(input.stdout, shown.map((op) => ({ name: op.name, role: op.role, enabled: op.enabled, created_at: op.createdAt, last_login_at: op.lastLoginAt })));
    }
    printTable(input.stdout, ['NAME', 'ROLE', 'ENABLED', 'LAST LOGIN'], shown.map((op) => [op.name, op.role, op.enabled ? 'yes' : 'no', op.lastLoginAt]));
  },
};

export const operatorsPasswd: Command = {
  name: 'operators passwd',
  args: 1,
  summary: "set an operator's password (and role, with --role)",
  usage: '<name> (--generate-password | --password-stdin) [--role viewer|admin]',
  options: { ...passwordOptions, role: { type: 'string' } },
  async run(input) {
    const name = requireName(input);
    const role = input.values.role === undefined ? undefined : roleFrom(input.values.role);
    const secret = await secretOf(input);
    const passwordHash = await hashPassword(secret.password);
    await stores(input, async (operators) => {
      if (!(await operators.update(name, { passwordHash, ...(role ? { role } : {}) }))) throw new OperatorError('not_found', `no operator ${name}`);
    });
    if (secret.generated) input.stdout.write(`new password for ${name} (shown once): ${secret.password}\n`);
    else input.stdout.write(`password of ${name} changed\n`);
  },
};

function enabling(enabled: boolean): Command {
  return {
    name: enabled ? 'operators enable' : 'operators disable',
    args: 1,
    summary: enabled ? 'let an operator log in again' : 'stop an operator from logging in (sessions end at their next request)',
    usage: '<name>',
    options: {},
    async run(input) {
      const name = requireName(input);
      await stores(input, async (operators) => {
        if (!(await operators.update(name, { enabled }))) throw new OperatorError('not_found', `no operator ${name}`);
      });
      input.stdout.write(`operator ${name} ${enabled ? 'enabled' : 'disabled'}\n`);
    },
  };
}

export const operatorCommands: Command[] = [operatorsAdd, operatorsList, operatorsPasswd, enabling(false), enabling(true)];
