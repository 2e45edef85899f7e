/**
 * The operator CLI on either store, through the real CLI. On PostgreSQL every command opens the database
 * `store.url` names (here with a password in it, which no output may show), reads and writes it
 * through the store's seams, and never migrates it. The database is migrated the way the daemon
 * migrates it at start; rows the daemon would write (files, record errors, webhook deliveries,
 * node heartbeats) are written through the same seams. On SQLite: `posdrop status` with a node
 * row, and a file of an older posdrop left unmigrated.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';
import { NODE_ALIVE_MS, SqliteNodeStore } from '../../src/store/nodes.js';
import { migrate } from '../../src/store/migrate.js';
import { MIGRATIONS as SQLITE_MIGRATIONS } from '../../src/store/migrations/index.js';
import { openPostgres, type PgPool } from '../../src/store/postgres/database.js';
import { migratePostgres } from '../../src/store/postgres/migrate.js';
import { MIGRATIONS } from '../../src/store/postgres/migrations/index.js';
import { PostgresStore } from '../../src/store/store.js';
import { lines, runCli } from '../support/cli.js';
import { havePostgres, startPostgres, type PostgresServer } from '../support/postgres.js';

const PASSWORD = 'hunter2-not-shown';
const LATEST = MIGRATIONS.at(-1)?.version ?? 0;

describe.skipIf(!havePostgres('cli on postgres'))('posdrop CLI on a PostgreSQL store', () => {
  let server: PostgresServer;
  let scratch: string;
  let url: string;
  let pool: PgPool;
  let store: PostgresStore;
  let config: string;
  let databases = 0;
  /** `posdrop <args…> --config <a configuration naming the database>` */
  const cli = (args: string[], stdin = '') => runCli([...args, '--config', config], stdin);
  /** The test server trusts every login, so the password is carried and ignored: a stand-in for a real one. */
  const withPassword = (plain: string) => plain.replace('posdrop@', `posdrop:${PASSWORD}@`);
  const rows = async (sql: string, params: unknown[] = []) => (await pool.query(sql, params)).rows;

  async function configFor(storeUrl: string, name: string): Promise<string> {
    const file = path.join(scratch, `${name}.json`);
    await writeFile(file, JSON.stringify({ data_dir: path.join(scratch, 'data'), store: { url: storeUrl } }));
    return file;
  }

  beforeAll(async () => {
    server = await startPostgres();
    scratch = await mkdtemp(path.join(tmpdir(), 'posdrop-cli-pg-'));
    url = withPassword(await server.createDatabase('cli_main'));
    pool = await openPostgres(url, { max: 4 }); // as the daemon does at start
    store = new PostgresStore(pool, () => new Date());
    config = await configFor(url, 'posdrop');
  });
  afterAll(async () => {
    await pool?.end();
    server?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  it('adds, lists, disables and enables partners, with keys and an API key, in the database and on the record', async () => {
    const added = await cli(['partners', 'add', 'acme', '--format', 'all', '--client-id', '12', '--generate-password', '--json', '--reason', 'onboarding']);
    expect([added.code, added.stderr]).toEqual([0, '']);
    expect(JSON.parse(added.stdout)).toMatchObject({ id: 'acme', client_id: '12', enabled: true, password: expect.any(String), keys: 0 });
    expect((await cli(['partners', 'add', 'zeta', '--format', 'crowdtwist-pos', '--password-stdin'], 'a-long-enough-password\n')).code).toBe(0);
    const again = await cli(['partners', 'add', 'acme', '--format', 'all', '--generate-password']);
    expect([again.code, again.stderr]).toEqual([1, 'posdrop partners add: partner acme already exists\n']);

    expect((await cli(['partners', 'disable', 'zeta', '--reason', 'contract ended'])).stdout).toBe('partner zeta disabled\n');
    const listed = JSON.parse((await cli(['partners', 'list', '--json'])).stdout) as { id: string; enabled: boolean; password: boolean }[];
    expect(listed.map(({ id, enabled, password }) => ({ id, enabled, password }))).toEqual([
      { id: 'acme', enabled: true, password: true },
      { id: 'zeta', enabled: false, password: true },
    ]);
    expect(await rows('SELECT id, enabled, credentials_version FROM partners ORDER BY id')).toEqual([
      { id: 'acme', enabled: 1, credentials_version: 1 },
      { id: 'zeta', enabled: 0, credentials_version: 2 },
    ]);
    expect((await cli(['partners', 'enable', 'zeta'])).code).toBe(0);
    expect((await rows("SELECT enabled FROM partners WHERE id = 'zeta'"))[0]).toEqual({ enabled: 1 });

    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ops@laptop';
    const keys = await cli(['partners', 'keys', 'acme', '--add', key, '--json']);
    expect(keys.code, keys.stderr).toBe(0);
    expect(JSON.parse(keys.stdout)).toMatchObject([{ algo: 'ssh-ed25519', comment: 'ops@laptop', fingerprint: expect.stringMatching(/^SHA256:/) }]);
    const apiKey = await cli(['partners', 'api-key', 'acme', '--json']);
    expect(JSON.parse(apiKey.stdout)).toMatchObject({ id: 'acme', api_key: expect.any(String), rotated: false });
    expect((await rows("SELECT api_key_hash LIKE '$scrypt$%' AS hashed FROM partners WHERE id = 'acme'"))[0]).toEqual({ hashed: true });

    // A command that fails part-way changes nothing: the transaction is rolled back.
    const removeUnknown = await cli(['partners', 'keys', 'acme', '--add', key.replace('ops@laptop', 'other'), '--remove', 'SHA256:nothing']);
    expect(removeUnknown.code).toBe(2);
    expect(await rows("SELECT count(*) AS n FROM partner_keys WHERE partner_id = 'acme'")).toEqual([{ n: 1 }]);

    const log = (await readFile(path.join(scratch, 'data', 'operator.log'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { event: string; reason: string | null });
    expect(log.map((line) => line.event)).toEqual(
      expect.arrayContaining(['operator.partner_added', 'operator.partner_disabled', 'operator.partner_enabled', 'operator.partner_keys', 'operator.partner_api_key']),
    );
    expect(log.find((line) => line.event === 'operator.partner_disabled')?.reason).toBe('contract ended');
  });

  it('adds an operator, stored only as its hash, and lists it', async () => {
    const added = await cli(['operators', 'add', 'ops', '--role', 'admin', '--generate-password', '--json']);
    expect([added.code, added.stderr]).toEqual([0, '']);
    const { password } = JSON.parse(added.stdout) as { password: string };
    const [row] = await rows("SELECT role, enabled, password_hash FROM operators WHERE name = 'ops'");
    expect(row).toMatchObject({ role: 'admin', enabled: 1, password_hash: expect.stringMatching(/^\$scrypt\$/) });
    expect(JSON.stringify(row)).not.toContain(password);
    expect(JSON.parse((await cli(['operators', 'list', '--json'])).stdout)).toEqual([{ name: 'ops', role: 'admin', enabled: true, created_at: expect.any(String), last_login_at: null }]);
    expect((await cli(['operators', 'add', 'ops', '--generate-password'])).stderr).toBe('posdrop operators add: operator ops already exists\n');
  });

  it('lists webhook deliveries with their last error, and sends dead ones again', async () => {
    await store.transaction((tx) =>
      tx.notifications.add([
        { subscription: 'crm', event: 'file.processed', partner: 'acme', fileId: null, body: (id) => JSON.stringify({ id }) },
        { subscription: 'crm', event: 'file.rejected', partner: 'acme', fileId: null, body: (id) => JSON.stringify({ id }) },
      ]),
    );
    const [first] = await rows('SELECT min(id) AS id FROM notification_deliveries');
    await store.transaction((tx) => tx.notifications.failed(Number(first.id), 'HTTP 503 from the receiver', null));
    const listed = await cli(['notifications', 'list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { event: string; state: string; last_error: string | null }[]).map(({ event, state, last_error }) => ({ event, state, last_error }))).toEqual([
      { event: 'file.rejected', state: 'pending', last_error: null },
      { event: 'file.processed', state: 'dead', last_error: 'HTTP 503 from the receiver' },
    ]);
    expect(lines((await cli(['notifications', 'list', '--state', 'dead'])).stdout)).toHaveLength(2); // header + the dead one
    expect((await cli(['notifications', 'retry', '--dead'])).stdout).toBe('1 delivery queued to be sent again\n');
    expect(await rows('SELECT state FROM notification_deliveries ORDER BY id')).toEqual([{ state: 'pending' }, { state: 'pending' }]);
  });

  it("shows a file's record errors and a crowdtwist-pos file's failed requests as sent", async () => {
    const file = await store.transaction(async ({ ledger, recordErrors, handle }) => {
      const name = '20260105_0001_12_pos_store.json';
      const inserted = await ledger.insert({ partner: 'acme', name, sha256: 'a'.repeat(64), size: 10 });
      await ledger.move(inserted.id, 'queued', { format: 'crowdtwist-pos', fields: { date: '2026-01-05', counter: 1, client_id: '12', any: 'store', ext: 'json' } });
      await ledger.move(inserted.id, 'processing');
      await recordErrors.replace(inserted.id, [{ position: 1, key: 'r-2', field: 'total', code: 'bad_amount', message: 'total must be a number', value: 'ten' }], 4);
      if (handle.engine !== 'postgres') throw new Error('not PostgreSQL');
      await handle.client.query("INSERT INTO crowdtwist_failed_requests (file_id, position, receipt_id, type, request) VALUES ($1, 1, 'r-2', 'purchase', $2)", [
        inserted.id,
        '{"receipt_id": "r-2", "total": "ten"}',
      ]);
      return ledger.move(inserted.id, 'processed', { counts: { total: 2, accepted: 1, failed: 1, duplicates: 0 } });
    });
    const text = await cli(['errors', String(file.id)]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`${file.name} (acme, id ${file.id}): processed — 2 records: 1 accepted, 1 failed, 0 duplicates`);
    expect(text.stdout).toMatch(/^1 +r-2 +purchase +total +bad_amount +ten +total must be a number$/m);
    expect(text.stdout).toContain('{"receipt_id": "r-2", "total": "ten"}');
    expect(text.stdout).toContain('… and 4 more errors, counted but not stored');
    const json = JSON.parse((await cli(['errors', file.name, '--partner', 'acme', '--json'])).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ id: file.id, stored: 1, not_stored: 4, errors: [{ position: 1, code: 'bad_amount' }], failed_requests: [{ index: 1, receipt_id: 'r-2', request: { receipt_id: 'r-2', total: 'ten' } }] });
  });

  it('refuses a mistyped --partner as misuse, naming it', async () => {
    for (const args of [['files', '--partner', 'acme-typo'], ['errors', '1', '--partner', 'acme-typo']]) {
      const result = await cli(args);
      expect([result.code, result.stderr]).toEqual([2, `posdrop ${args[0]}: no partner "acme-typo" (posdrop partners list shows them)\n`]);
    }
  });

  it('lists the nodes sharing the store with their last heartbeat, alive or dead', async () => {
    const now = Date.now();
    await store.transaction(async ({ nodes }) => {
      await nodes.announce({ id: 'node-a', startedAt: new Date(now - 3_600_000), version: VERSION, pid: 4101 });
      await nodes.announce({ id: 'node-b', startedAt: new Date(now - 7_200_000), version: '0.0.9', pid: 4102 });
    });
    await store.transaction(async ({ nodes }) => {
      await nodes.beat('node-a', new Date(now - 1000));
      await nodes.beat('node-b', new Date(now - NODE_ALIVE_MS - 60_000));
    });
    const text = await cli(['status']);
    expect(text.code).toBe(3); // no daemon on this machine
    expect(text.stdout).toMatch(/^daemon: +not running$/m);
    expect(text.stdout).toMatch(/^store: +PostgreSQL postgres:\/\/posdrop:\*\*\*@127\.0\.0\.1:\d+\/cli_main$/m);
    expect(text.stdout).toMatch(/^nodes: +1 alive of 2$/m);
    expect(text.stdout).toMatch(/^NODE +STATE +LAST HEARTBEAT +PID +VERSION +STARTED$/m);
    expect(text.stdout).toMatch(/^node-a +alive +\S+Z \(\d+ s ago\) +4101 /m);
    expect(text.stdout).toMatch(/^node-b +dead +\S+Z \(\d+ s ago\) +4102 +0\.0\.9 /m);
    const json = JSON.parse((await cli(['status', '--json'])).stdout) as { nodes: unknown[]; partners: unknown; files: unknown };
    expect(json.nodes).toEqual([
      { id: 'node-a', alive: true, beat_at: new Date(now - 1000).toISOString(), beat_age_seconds: expect.any(Number), started_at: new Date(now - 3_600_000).toISOString(), version: VERSION, pid: 4101 },
      { id: 'node-b', alive: false, beat_at: new Date(now - NODE_ALIVE_MS - 60_000).toISOString(), beat_age_seconds: expect.any(Number), started_at: new Date(now - 7_200_000).toISOString(), version: '0.0.9', pid: 4102 },
    ]);
    expect(json).toMatchObject({ partners: { total: 2, enabled: 2 }, files: { processed: 1 } });
  });

  it('refuses backup and restore, showing the pg_dump and pg_restore commands to run, without the password', async () => {
    const plain = url.replace(`:${PASSWORD}@`, '@');
    const backup = await cli(['backup', scratch]);
    expect(backup.code).toBe(1);
    const [first, command, hint, ...copies] = lines(backup.stderr);
    expect(first).toBe('posdrop backup: the store is PostgreSQL: back it up with pg_dump, which takes a consistent copy while the nodes run:');
    expect(command).toMatch(new RegExp(`^  pg_dump --format=custom --no-owner --file=${scratch}/posdrop-[0-9TZ-]+\\.dump --dbname=${plain.replace(/[.]/g, '\\.')}$`));
    expect(hint).toContain('~/.pgpass or the PGPASSWORD variable');
    expect(copies.join('\n')).toMatch(/keys\/ \(the SFTP host key partners trust, and the partner API's token key\)/);
    expect(copies.join('\n')).toContain('archive/');

    // The command shown does the job: the dump it writes restores into a fresh database.
    const dump = path.join(scratch, 'copy.dump');
    const env = { ...process.env, PGPASSWORD: PASSWORD };
    const { execFileSync } = await import('node:child_process');
    const bin = path.dirname(execFileSync('bash', ['-c', 'ls /usr/lib/postgresql/*/bin/pg_dump | sort -V | tail -1'], { encoding: 'utf8' }).trim());
    execFileSync(path.join(bin, 'pg_dump'), ['--format=custom', '--no-owner', `--file=${dump}`, `--dbname=${plain}`], { env });
    const restoreUrl = withPassword(await server.createDatabase('cli_restored'));
    const restoreConfig = await configFor(restoreUrl, 'restored');
    const restore = await runCli(['restore', dump, '--config', restoreConfig]);
    expect(restore.code).toBe(1);
    const restoreCommand = lines(restore.stderr).find((line) => /^ {2}2\. pg_restore /.test(line))?.replace(/^ {2}2\. /, '') ?? '';
    expect(restoreCommand).toBe(`pg_restore --clean --if-exists --no-owner --single-transaction --dbname=${restoreUrl.replace(`:${PASSWORD}@`, '@')} ${dump}`);
    execFileSync('bash', ['-c', `PATH=${bin}:$PATH ${restoreCommand}`], { env });
    expect((await runCli(['partners', 'list', '--json', '--config', restoreConfig])).stdout).toContain('"id": "acme"');
    for (const result of [backup, restore]) expect(result.stderr).not.toContain(PASSWORD);
  });

  it('never migrates: an older database is left as it is, with a word to start the daemon; a newer one is refused', async () => {
    const olderUrl = withPassword(await server.createDatabase(`cli_older_${++databases}`));
    const client = new pg.Client({ connectionString: olderUrl });
    await client.connect();
    try {
      await migratePostgres(client, MIGRATIONS.slice(0, -1));
      const older = await runCli(['partners', 'list', '--config', await configFor(olderUrl, 'older')]);
      expect(older.code).toBe(1);
      expect(older.stderr).toMatch(
        new RegExp(`^posdrop partners list: the PostgreSQL database postgres://posdrop:\\*\\*\\*@127\\.0\\.0\\.1:\\d+/cli_older_\\d+ is at schema version ${LATEST - 1}, older than this posdrop \\(${LATEST}\\): start the daemon of this version \\(posdrop serve\\), which migrates it`),
      );
      expect((await client.query('SELECT max(version)::int AS v FROM schema_version')).rows).toEqual([{ v: LATEST - 1 }]);
      await migratePostgres(client);
      await client.query("INSERT INTO schema_version (version, name) VALUES ($1, 'from-the-future')", [LATEST + 1]);
      const newer = await runCli(['status', '--config', await configFor(olderUrl, 'newer')]);
      expect([newer.code, newer.stderr]).toEqual([1, `posdrop status: the database is at schema version ${LATEST + 1}, newer than this posdrop knows (${LATEST}); upgrade posdrop\n`]);
    } finally {
      await client.end();
    }
    const empty = await runCli(['files', '--config', await configFor(withPassword(await server.createDatabase(`cli_empty_${++databases}`)), 'empty')]);
    expect(empty.stderr).toMatch(/cli_empty_\d+ has no posdrop tables yet: start the daemon once \(posdrop serve\), which creates them\n$/);
    const missing = await runCli(['files', '--config', await configFor(withPassword(server.url('no_such_db')), 'missing')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^posdrop files: the PostgreSQL database postgres:\/\/posdrop:\*\*\*@127\.0\.0\.1:\d+\/no_such_db does not exist: create it \(createdb\)/);
    for (const result of [empty, missing]) expect(result.stderr).not.toContain(PASSWORD);
  });
});

describe('posdrop status on SQLite', () => {
  it("lists the one node's heartbeat under today's fields, and says nothing of nodes before a daemon wrote its row", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'posdrop-cli-node-'));
    try {
      const file = path.join(dir, 'posdrop.db');
      const db = new Database(file);
      migrate(db);
      const config = path.join(dir, 'config.json');
      await writeFile(config, JSON.stringify({ data_dir: dir }));
      const before = await runCli(['status', '--config', config]);
      expect(before.code).toBe(3);
      expect(before.stdout).not.toMatch(/^nodes:/m);
      expect(before.stdout).toMatch(new RegExp(`^store: +SQLite ${file.replace(/[.]/g, '\\.')}$`, 'm'));
      const at = new Date();
      await new SqliteNodeStore(db).announce({ id: 'solo', startedAt: at, version: VERSION, pid: 77 });
      db.close();
      const after = await runCli(['status', '--config', config]);
      const [fields, table] = after.stdout.split('\n\n');
      expect(fields).toMatch(/^daemon: +not running$/m);
      expect(fields).toMatch(/^files: +none yet\nnodes: +1 alive of 1$/m);
      expect(lines(table ?? '')).toEqual([
        expect.stringMatching(/^NODE +STATE +LAST HEARTBEAT +PID +VERSION +STARTED$/),
        expect.stringMatching(new RegExp(`^solo +alive +${at.toISOString()} \\(\\d+ s ago\\) +77 +${VERSION.replace(/[.]/g, '\\.')} +${at.toISOString()}$`)),
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('posdrop CLI on an SQLite file of an older posdrop', () => {
  it('leaves the file at its version and says to start the daemon, which migrates it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'posdrop-cli-older-'));
    try {
      const file = path.join(dir, 'posdrop.db');
      const db = new Database(file);
      migrate(db, SQLITE_MIGRATIONS.slice(0, -1));
      db.close();
      const latest = SQLITE_MIGRATIONS.at(-1)?.version ?? 0;
      const config = path.join(dir, 'config.json');
      await writeFile(config, JSON.stringify({ data_dir: dir }));
      const result = await runCli(['partners', 'list', '--config', config]);
      expect([result.code, result.stderr]).toEqual([
        1,
        `posdrop partners list: ${file} is at schema version ${latest - 1}, older than this posdrop (${latest}): start the daemon of this version (posdrop serve), which migrates it; operator commands never change the schema\n`,
      ]);
      const after = new Database(file, { readonly: true });
      expect(after.pragma('user_version', { simple: true })).toBe(latest - 1);
      after.close();
      expect(existsSync(path.join(dir, 'operator.log'))).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
