/** `posdrop operators …`: console accounts with scrypt hashes, two roles, and one line on misuse. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/security/password.js';
import { posdrop } from '../support/cli.js';
import { TestDaemon } from '../support/daemon.js';

describe('posdrop operators', () => {
  let daemon: TestDaemon;
  const store = () => daemon.operators;

  beforeAll(async () => {
    daemon = await TestDaemon.start();
  });
  afterAll(() => daemon.destroy());

  it('adds an operator with a generated password, stored only as an scrypt hash', async () => {
    const added = await posdrop(daemon, ['operators', 'add', 'alice', '--role', 'admin', '--generate-password', '--json']);
    expect(added.code).toBe(0);
    const { password, role } = JSON.parse(added.stdout) as { password: string; role: string };
    expect(role).toBe('admin');
    const stored = await store().get('alice');
    expect(stored?.passwordHash).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$/);
    expect(stored?.passwordHash).not.toContain(password);
    expect(await verifyPassword(password, stored?.passwordHash)).toBe(true);
  });

  it('reads a password from stdin, lists accounts without their hashes, changes a password and disables', async () => {
    expect((await posdrop(daemon, ['operators', 'add', 'victor', '--password-stdin'], 'viewer-password-1\n')).code).toBe(0);
    const listed = await posdrop(daemon, ['operators', 'list', '--json']);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ name: 'alice', role: 'admin', enabled: true }),
      expect.objectContaining({ name: 'victor', role: 'viewer', enabled: true, last_login_at: null }),
    ]);
    expect(listed.stdout).not.toContain('scrypt');
    const changed = await posdrop(daemon, ['operators', 'passwd', 'victor', '--password-stdin'], 'another-password-2\n');
    expect(changed).toMatchObject({ code: 0, stdout: 'password of victor changed\n' });
    expect(await verifyPassword('another-password-2', (await store().get('victor'))?.passwordHash)).toBe(true);
    expect((await posdrop(daemon, ['operators', 'disable', 'victor'])).stdout).toBe('operator victor disabled\n');
    expect((await store().get('victor'))?.enabled).toBe(false);
    const table = await posdrop(daemon, ['operators', 'list']);
    expect(table.stdout).toMatch(/^victor\s+viewer\s+no\s+-$/m);
  });

  it('refuses a taken name, an unknown role, a bad name, a short password and an unknown operator', async () => {
    expect(await posdrop(daemon, ['operators', 'add', 'alice', '--generate-password'])).toMatchObject({ code: 1, stderr: 'posdrop operators add: operator alice already exists\n' });
    const role = await posdrop(daemon, ['operators', 'add', 'bob', '--role', 'root', '--generate-password']);
    expect(role.code).toBe(2);
    expect(role.stderr).toContain('--role must be viewer or admin, not "root"');
    expect((await posdrop(daemon, ['operators', 'add', 'Bob Smith', '--generate-password'])).stderr).toContain('an operator name is a lower-case letter');
    expect((await posdrop(daemon, ['operators', 'add', 'bob', '--password-stdin'], 'short\n')).stderr).toContain('at least 12 characters');
    expect((await posdrop(daemon, ['operators', 'add', 'bob'])).stderr).toContain('give --generate-password or --password-stdin');
    expect(await posdrop(daemon, ['operators', 'passwd', 'nobody', '--generate-password'])).toMatchObject({ code: 1, stderr: 'posdrop operators passwd: no operator nobody\n' });
  });
});
