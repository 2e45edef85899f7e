/**
 * The SQLite settings posdrop relies on (THREATS.md: power loss, a locked database), read from the
 * connection the running daemon writes with. Most of them are per connection: a fresh connection
 * on the same file would show SQLite's defaults, not the daemon's.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { TestDaemon } from '../support/daemon.js';
import { sqliteOnly } from '../support/store-sql.js';

sqliteOnly("the SQLite connection's pragmas")("the daemon's database connection", () => {
  let daemon: TestDaemon;

  beforeAll(async () => {
    daemon = await TestDaemon.start();
    await daemon.addPartner({ id: 'acme', clientId: '12' });
  });
  afterAll(() => daemon.destroy());

  const pragma = (name: string) => daemon.app.running.db.pragma(name, { simple: true });

  it('is in WAL mode, and the file on disk says so to any other connection', () => {
    expect(pragma('journal_mode')).toBe('wal');
    const other = new Database(daemon.path('posdrop.db'), { readonly: true, fileMustExist: true });
    try {
      expect(other.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      other.close();
    }
  });

  it('syncs every commit in full (a power loss keeps the last commit)', () => {
    expect(pragma('synchronous')).toBe(2); // FULL; better-sqlite3's build defaults WAL to NORMAL (1)
  });

  it('enforces foreign keys', async () => {
    expect(pragma('foreign_keys')).toBe(1);
    const { db, lock } = daemon.app.running;
    const addKey = db.prepare(
      "INSERT INTO partner_keys (partner_id, algo, public_key, fingerprint, added_at) VALUES (?, 'ssh-ed25519', 'AAAA', ?, '2026-01-01T00:00:00Z')",
    );
    await lock.exclusive(() => {
      expect(() => addKey.run('nobody', 'SHA256:x')).toThrow(/FOREIGN KEY constraint failed/);
      expect(db.prepare("SELECT count(*) AS n FROM partner_keys WHERE partner_id = 'nobody'").get()).toEqual({ n: 0 });
    });
  });

  it('leaves checkpoints to its own thread, which folds the log in so that the next write starts it over', async () => {
    expect(pragma('wal_autocheckpoint')).toBe(0); // no COMMIT on the event loop checkpoints
    const { db, lock } = daemon.app.running;
    const wal = daemon.path('posdrop.db-wal');
    /** The log's salt (WAL header bytes 16–23): SQLite draws a new one each time it starts the log over. */
    const salt = async () => (await readFile(wal)).subarray(16, 24).toString('hex');
    const write = (rows: number) =>
      lock.exclusive(() => {
        db.exec('CREATE TABLE IF NOT EXISTS checkpoint_probe (body TEXT)');
        const insert = db.prepare('INSERT INTO checkpoint_probe (body) VALUES (?)');
        db.transaction(() => {
          for (let i = 0; i < rows; i += 1) insert.run('x'.repeat(4000));
        })();
      });
    await write(500); // about 2 MB
    const before = { salt: await salt(), bytes: (await stat(wal)).size };
    // Only a checkpoint that folded the whole log in lets a write start it over, with a new salt.
    await expect
      .poll(async () => {
        await write(1);
        return await salt();
      }, { timeout: 5000, interval: 200 })
      .not.toBe(before.salt);
    await write(500);
    expect((await stat(wal)).size).toBeLessThanOrEqual(before.bytes * 1.2); // reused, not grown
  });

  it("waits for another process's write lock instead of failing at once", () => {
    expect(pragma('busy_timeout')).toBe(10_000);
  });

  it('is at the latest schema version, the migrations numbered 1 to n', () => {
    expect(MIGRATIONS.map((migration) => migration.version)).toEqual(MIGRATIONS.map((_, index) => index + 1));
    expect(pragma('user_version')).toBe((MIGRATIONS.at(-1) as { version: number }).version);
    expect(path.basename(daemon.app.running.db.name)).toBe('posdrop.db');
    expect(daemon.app.running.db.name).toBe(daemon.path('posdrop.db'));
  });
});
