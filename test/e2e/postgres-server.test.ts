import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { havePostgres, startPostgres, type PostgresServer } from '../support/postgres.js';

describe.skipIf(!havePostgres('postgres-server'))('a throwaway PostgreSQL for tests', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());

  it('runs as an unprivileged user, answers on its port and its socket, and gives each test a database of its own', async () => {
    const url = await server.createDatabase('first_test');
    const tcp = new pg.Client({ connectionString: url });
    await tcp.connect();
    const { rows } = await tcp.query<{ db: string; superuser: string }>("SELECT current_database() AS db, current_setting('is_superuser') AS superuser");
    expect(rows).toEqual([{ db: 'first_test', superuser: 'on' }]);
    const owner = await tcp.query<{ usename: string }>('SELECT usename FROM pg_user WHERE usesysid = (SELECT datdba FROM pg_database WHERE datname = current_database())');
    expect(owner.rows[0]?.usename).toBe('posdrop');
    await tcp.end();

    const socket = new pg.Client({ host: server.socketDir, port: server.port, user: 'posdrop', database: 'first_test' });
    await socket.connect();
    await socket.query('CREATE TABLE t (n integer)');
    await socket.query('INSERT INTO t VALUES (1), (2)');
    expect((await socket.query('SELECT sum(n)::int AS s FROM t')).rows).toEqual([{ s: 3 }]);
    await socket.end();

    await expect(server.createDatabase('first_test')).rejects.toThrow(/already exists/);
  });

  it('is never run by root, and leaves nothing behind once stopped', async () => {
    const pid = path.join(server.socketDir, 'data', 'postmaster.pid');
    expect(statSync(pid).uid).not.toBe(0);
    const other = await startPostgres();
    expect(other.port).not.toBe(server.port);
    other.stop();
    expect(existsSync(other.socketDir)).toBe(false);
  });
});
