/**
 * The operator CLI against a running daemon's data directory: what operators read, the partner
 * commands (which take effect without a restart), help everywhere, one clear line on misuse.
 */
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEd25519KeyPair } from '../../src/security/ed25519.js';
import { COMMANDS } from '../../src/cli/main.js';
import { FILE_STATES } from '../../src/core/file-state.js';
import { lines, runCli } from '../support/cli.js';
import { sftpBatch } from '../support/clients.js';
import { TestDaemon, waitFor, type TestPartner, NAMES_JUDGED_BY_PIPELINE } from '../support/daemon.js';

const posName = (counter: number) => `20240105_${String(counter).padStart(4, '0')}_acme_pos_cli.json`;

describe('posdrop CLI', () => {
  let daemon: TestDaemon;
  let acme: TestPartner;
  let config: string;
  let scratch: string;
  /** `posdrop <args…> --config <the daemon's config>` */
  const cli = (args: string[], stdin = '') => runCli([...args, '--config', config], stdin);

  beforeAll(async () => {
    daemon = await TestDaemon.start(NAMES_JUDGED_BY_PIPELINE);
    acme = await daemon.addPartner({ id: 'acme' });
    scratch = await mkdtemp(path.join(tmpdir(), 'posdrop-cli-'));
    config = path.join(scratch, 'posdrop.yaml');
    const store = daemon.storeUrl ? `store:\n  url: ${daemon.storeUrl}\n` : '';
    await writeFile(config, `data_dir: ${daemon.dataDir}\n${store}`);
    // One processed file and one rejected file to look at.
    const local = path.join(scratch, posName(1));
    await writeFile(local, '{"pos_data": []}');
    await writeFile(path.join(scratch, 'notes.txt'), 'hello');
    expect((await sftpBatch(daemon.port, acme, [`put ${local} /inbox/`, `put ${scratch}/notes.txt /inbox/`])).code).toBe(0);
    await waitFor(async () => (await daemon.ledger('acme')).length === 2 && (await daemon.ledger('acme')).every((row) => row.state === 'processed' || row.state === 'rejected'));
    await waitFor(async () => (await daemon.ledger('acme')).find((row) => row.name === 'notes.txt')?.archivePath);
  });
  afterAll(() => daemon.destroy());

  describe('reading', () => {
    it('status says the daemon runs, where, and counts files by state', async () => {
      const text = await cli(['status']);
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(new RegExp(`daemon: +running \\(pid ${process.pid}`));
      expect(text.stdout).toMatch(new RegExp(`sftp: +127\\.0\\.0\\.1:${daemon.port}`));
      const json = await cli(['status', '--json']);
      expect(JSON.parse(json.stdout)).toMatchObject({
        running: true,
        pid: process.pid,
        sftp: { host: '127.0.0.1', port: daemon.port },
        partners: { total: 1, enabled: 1 },
        files: { processed: 1, rejected: 1 },
      });
    });

    it('files --json gives every field scripts rely on', async () => {
      const result = await cli(['files', '--json']);
      expect(result.code).toBe(0);
      const files = JSON.parse(result.stdout) as Record<string, unknown>[];
      expect(files).toHaveLength(2);
      for (const file of files) {
        for (const field of ['id', 'partner', 'name', 'format', 'state', 'reason', 'sha256', 'size', 'name_fields', 'counts', 'received_at', 'processed_at']) {
          expect(file, field).toHaveProperty(field);
        }
      }
      const notes = files.find((file) => file.name === 'notes.txt');
      expect(notes).toMatchObject({ partner: 'acme', state: 'rejected', format: null, size: 5, reason: { code: 'name_unrecognised' } });
      expect(notes?.processed_at).toEqual(expect.any(String));
      const pos = files.find((file) => file.name === posName(1));
      expect(pos).toMatchObject({ state: 'processed', format: 'crowdtwist-pos', reason: null, counts: { total: 0 } });
      expect(pos?.processed_at).toEqual(expect.any(String));
      expect(pos?.sha256).toMatch(/^[0-9a-f]{64}$/);
    });

    it('files filters by partner and state, and lists in a table', async () => {
      const processed = JSON.parse((await cli(['files', '--state', 'processed', '--json'])).stdout) as { name: string }[];
      expect(processed.map((file) => file.name)).toEqual([posName(1)]);
      expect(JSON.parse((await cli(['files', '--partner', 'acme', '--state', 'rejected', '--json'])).stdout)).toHaveLength(1);
      const table = await cli(['files']);
      expect(lines(table.stdout)[0]).toMatch(/^ID +PARTNER +STATE +FORMAT +RECEIVED +COUNTS +NAME$/);
      expect(table.stdout).toContain('notes.txt');
    });

    it('show gives one file by id or by name, with its history', async () => {
      const byName = await cli(['show', 'notes.txt', '--json']);
      expect(byName.code).toBe(0);
      const file = JSON.parse(byName.stdout) as { id: number; history: { state: string }[]; archive_path: string };
      expect(file.history.map((event) => event.state)).toEqual(['received', 'rejected']);
      expect(file.archive_path).toMatch(/^archive\/acme\//);
      const byId = await cli(['show', String(file.id)]);
      expect(byId.stdout).toMatch(/name: +notes\.txt/);
      expect(byId.stdout).toMatch(/reason: +name_unrecognised: /);
      expect(byId.stdout).toContain('history:');
    });
  });

  describe('partners', () => {
    const keys = generateEd25519KeyPair();
    let beta: TestPartner;

    beforeAll(async () => {
      const keyFile = path.join(scratch, 'beta.key');
      await writeFile(keyFile, keys.private, { mode: 0o600 });
      await chmod(keyFile, 0o600);
      beta = { id: 'beta', password: 'beta-password-1234', keyFile, privateKey: keys.private };
    });

    it('adds a partner who can log in at once, without a restart', async () => {
      const added = await cli(['partners', 'add', 'beta', '--format', 'crowdtwist-pos', '--client-id', 'b1', '--password-stdin', '--json'], `${beta.password}\n`);
      expect(added.stderr).toBe('');
      expect(added.code).toBe(0);
      expect(JSON.parse(added.stdout)).toMatchObject({ id: 'beta', client_id: 'b1', formats: ['crowdtwist-pos'], enabled: true, password: true, keys: 0 });
      expect((await sftpBatch(daemon.port, beta, ['ls /inbox'], { auth: 'password' })).code).toBe(0);
    });

    it('lists partners', async () => {
      const list = JSON.parse((await cli(['partners', 'list', '--json'])).stdout) as { id: string }[];
      expect(list.map((partner) => partner.id)).toEqual(['acme', 'beta']);
      const table = await cli(['partners', 'list']);
      expect(table.stdout).toMatch(/beta +yes +b1 +- +password +crowdtwist-pos/);
    });

    it('adds and removes keys, effective at once', async () => {
      expect((await sftpBatch(daemon.port, beta, ['ls /'])).code).not.toBe(0);
      const added = await cli(['partners', 'keys', 'beta', '--add', keys.public, '--json']);
      expect(added.code).toBe(0);
      const [key] = JSON.parse(added.stdout) as { fingerprint: string }[];
      expect(key?.fingerprint).toMatch(/^SHA256:/);
      expect((await sftpBatch(daemon.port, beta, ['ls /'])).code).toBe(0);
      expect(JSON.parse(added.stdout)).toEqual([
        { id: expect.any(Number), algo: 'ssh-ed25519', fingerprint: key?.fingerprint, comment: expect.any(String), public_key: expect.any(String), added_at: expect.any(String) },
      ]);
      expect((await cli(['partners', 'keys', 'beta', '--remove', key?.fingerprint as string])).code).toBe(0);
      expect((await sftpBatch(daemon.port, beta, ['ls /'])).code).not.toBe(0);
    });

    it('disables and enables a partner, effective at once', async () => {
      expect((await cli(['partners', 'disable', 'beta'])).stdout).toBe('partner beta disabled\n');
      expect((await sftpBatch(daemon.port, beta, ['ls /'], { auth: 'password' })).code).not.toBe(0);
      expect(JSON.parse((await cli(['status', '--json'])).stdout).partners).toEqual({ total: 2, enabled: 1 });
      expect((await cli(['partners', 'enable', 'beta'])).code).toBe(0);
      expect((await sftpBatch(daemon.port, beta, ['ls /'], { auth: 'password' })).code).toBe(0);
    });

    it('changes a password, effective at once', async () => {
      const changed = await cli(['partners', 'passwd', 'beta', '--generate-password']);
      expect(changed.code).toBe(0);
      const password = /shown once\): (\S+)/.exec(changed.stdout)?.[1] as string;
      expect(password).toHaveLength(20);
      expect((await sftpBatch(daemon.port, beta, ['ls /'], { auth: 'password' })).code).not.toBe(0);
      expect((await sftpBatch(daemon.port, { ...beta, password }, ['ls /'], { auth: 'password' })).code).toBe(0);
      // Without a key, removing the password would lock the partner out.
      const locked = await cli(['partners', 'passwd', 'beta', '--remove']);
      expect(locked.code).toBe(1);
      expect(lines(locked.stderr)).toEqual(['posdrop partners passwd: partner beta has no key: removing the password would lock it out']);
    });

    it('refuses to remove the last key of a partner without a password, unless forced', async () => {
      const keyOnly = generateEd25519KeyPair();
      const keyFile = path.join(scratch, 'delta.key');
      await writeFile(keyFile, keyOnly.private, { mode: 0o600 });
      const delta: TestPartner = { id: 'delta', password: '', keyFile, privateKey: keyOnly.private };
      expect((await cli(['partners', 'add', 'delta', '--format', 'all', '--key', keyOnly.public])).code).toBe(0);
      const [only] = JSON.parse((await cli(['partners', 'keys', 'delta', '--json'])).stdout) as { fingerprint: string }[];
      const refused = await cli(['partners', 'keys', 'delta', '--remove', only?.fingerprint as string]);
      expect(refused.code).toBe(1);
      expect(lines(refused.stderr)).toEqual([
        'posdrop partners keys: partner delta has no password: without its last key it could not log in; add --force if that is meant (posdrop partners disable delta stops it openly)',
      ]);
      expect(JSON.parse((await cli(['partners', 'keys', 'delta', '--json'])).stdout)).toHaveLength(1);
      expect((await sftpBatch(daemon.port, delta, ['ls /'])).code).toBe(0);
      // Another key in its place is a rotation, not a lock-out.
      const next = generateEd25519KeyPair();
      expect((await cli(['partners', 'keys', 'delta', '--add', next.public, '--remove', only?.fingerprint as string])).code).toBe(0);
      const [rotated] = JSON.parse((await cli(['partners', 'keys', 'delta', '--json'])).stdout) as { fingerprint: string }[];
      const forced = await cli(['partners', 'keys', 'delta', '--remove', rotated?.fingerprint as string, '--force']);
      expect(forced.code).toBe(0);
      expect(JSON.parse((await cli(['partners', 'keys', 'delta', '--json'])).stdout)).toEqual([]);
      expect((await cli(['partners', 'disable', 'delta'])).code).toBe(0);
    });
  });

  describe('help and misuse', () => {
    it('prints an overview with --help, and with no command at all', async () => {
      for (const args of [['--help'], ['-h'], []]) {
        const result = await runCli(args);
        expect(result.code).toBe(0);
        for (const command of COMMANDS) expect(result.stdout).toContain(`  ${command.name} `);
      }
    });

    it.each(COMMANDS.map((command) => command.name))('posdrop %s --help', async (name) => {
      const result = await runCli([...name.split(' '), '--help']);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      expect(lines(result.stdout)[0]).toMatch(new RegExp(`^usage: posdrop ${name} `));
      expect(result.stdout).toContain('--config');
    });

    it('lists the partner commands for posdrop partners --help', async () => {
      const result = await runCli(['partners', '--help']);
      expect(result.code).toBe(0);
      for (const sub of ['add', 'list', 'disable', 'enable', 'passwd', 'keys']) expect(result.stdout).toContain(`partners ${sub}`);
    });

    it('takes --config before the command too', async () => {
      const result = await runCli(['--config', config, 'files', '--json']);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toHaveLength(2);
      expect((await runCli(['-c', config, 'partners', 'list', '--json'])).code).toBe(0);
    });

    it.each([
      [['frobnicate'], /unknown command "frobnicate"/],
      [['partners'], /partners needs a command: add, list, disable, enable, passwd, keys, api-key or set/],
      [['config'], /^posdrop config needs a command: check \(see posdrop config --help\)$/m],
      [['partners', 'frob'], /unknown command "partners frob"/],
      [['files', '--limit', 'many'], /--limit must be a positive whole number/],
      [['files', '--state', 'lost'], new RegExp(`--state must be one of ${FILE_STATES.join(', ')}`)],
      [['files', '--bogus'], /--bogus/],
      [['show'], /show needs a file id or name/],
      [['partners', 'add', 'gamma', '--generate-password'], /give at least one --format/],
      [['partners', 'add', 'gamma', '--format', 'crowdtwist-pos'], /a partner needs a way to log in/],
      [['partners', 'add', 'Bad/Id', '--format', 'all', '--generate-password'], /not a valid partner id/],
      [['partners', 'add', 'gamma', '--format', 'nope', '--generate-password'], /unknown format nope/],
      [['partners', 'keys', 'acme', '--add', 'ssh-dss AAAA'], /key type ssh-dss is not accepted/],
      [['reprocess'], /reprocess needs a file id or name/],
      [['backup'], /backup needs a file or folder to write to/],
      [['restore'], /restore needs the backup file to restore/],
      [['errors', 'x', '--limit', '0'], /--limit must be a positive whole number/],
      [['config', 'check', '--bogus'], /Unknown option '--bogus'/],
      // an unknown name is misuse too: what it names is not there
      [['show', 'no-such-file.json'], /^posdrop show: no file "no-such-file.json"$/m],
      [['errors', '999'], /^posdrop errors: no file "999"$/m],
      [['partners', 'disable', 'nobody'], /no partner nobody/],
      [['files', '--partner', 'nobody'], /^posdrop files: no partner "nobody" \(posdrop partners list shows them\)$/m],
      [['held', '--partner', 'nobody', '--json'], /no partner "nobody"/],
      [['show', '1', '--partner', 'nobody'], /no partner "nobody"/],
      // arguments a command does not take are refused, not ignored
      [['status', 'now'], /^posdrop status: status takes no arguments; unexpected "now" \(see posdrop status --help\)$/m],
      [['files', 'acme'], /files takes no arguments; unexpected "acme"/],
      [['show', posName(1), 'extra'], /show takes one argument; unexpected "extra"/],
      [['partners', 'list', 'all', 'of', 'them'], /partners list takes no arguments; unexpected "all" "of" "them"/],
    ])('exits 2 with one clear line for posdrop %j', async (args, message) => {
      const result = await cli(args);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(lines(result.stderr)).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    });

    it.each([
      [['partners', 'add', 'acme', '--format', 'all', '--generate-password'], /partner acme already exists/],
    ])('exits 1 with one clear line when posdrop %j cannot be done', async (args, message) => {
      const result = await cli(args);
      expect(result.code).toBe(1);
      expect(lines(result.stderr)).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    });

    it('says where it looked when there is no database', async () => {
      const empty = path.join(scratch, 'empty.yaml');
      await writeFile(empty, `data_dir: ${path.join(scratch, 'nothing-here')}\n`);
      const result = await runCli(['files', '--config', empty]);
      expect(result.code).toBe(1);
      expect(lines(result.stderr)).toHaveLength(1);
      expect(result.stderr).toMatch(/no posdrop database in .*nothing-here/);
    });

    it('config check exits 1 on a bad file and lists every problem, for people and for scripts', async () => {
      const bad = path.join(scratch, 'check-bad.yaml');
      await writeFile(bad, 'sftp:\n  port: seventy\n  max_conections: 3\nstop_timeout_seconds: 7200\ncolour: blue\n');
      const problems = [
        expect.stringMatching(/^stop_timeout_seconds: must be at most 3600/),
        expect.stringMatching(/^sftp\.port: .*expected number/),
        'sftp.max_conections: unknown configuration key',
        'colour: unknown configuration key',
      ];
      const text = await runCli(['config', 'check', '--config', bad]);
      expect([text.code, text.stdout]).toEqual([1, '']);
      const [heading, ...listed] = lines(text.stderr);
      expect(heading).toBe(`${bad}: 4 problems`);
      expect(listed.map((line) => line.replace(/^ {2}- /, ''))).toEqual(problems);
      const json = await runCli(['config', 'check', '--config', bad, '--json']);
      expect(json.code).toBe(1);
      expect(JSON.parse(json.stdout)).toEqual({ ok: false, source: bad, problems });
    });

    it('names every problem of a bad configuration at once', async () => {
      const bad = path.join(scratch, 'bad.json');
      await writeFile(bad, JSON.stringify({ data_dir: daemon.dataDir, sftp: { port: 'twenty-two', max_conections: 3 }, colour: 'blue' }));
      const result = await runCli(['status', '--config', bad]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/sftp\.port/);
      expect(result.stderr).toMatch(/sftp\.max_conections: unknown configuration key/);
      expect(result.stderr).toMatch(/colour: unknown configuration key/);
    });
  });
});
