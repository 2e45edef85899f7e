/**
 * A throwaway PostgreSQL server for tests, the torture runs and the benches, from Debian's `postgresql` package: `initdb` and
 * `pg_ctl` into a temp folder, listening on a free port of 127.0.0.1 and on a unix socket in that
 * folder, stopped and removed at the end. PostgreSQL refuses to run as root (CI runs as root), so
 * as root the server runs as `nobody`, with the temp folder handed to it.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

const DEBIAN_ROOT = '/usr/lib/postgresql';
const SUPERUSER = 'posdrop';

/** The newest Debian PostgreSQL bin folder holding `initdb` and `pg_ctl`, if any is installed. */
export function findPostgresBin(): string | undefined {
  if (!existsSync(DEBIAN_ROOT)) return undefined;
  const versions = readdirSync(DEBIAN_ROOT)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = path.join(DEBIAN_ROOT, version, 'bin');
    if (existsSync(path.join(bin, 'initdb')) && existsSync(path.join(bin, 'pg_ctl'))) return bin;
  }
  return undefined;
}

const MISSING = `no initdb and pg_ctl under ${DEBIAN_ROOT}/*/bin (apt-get install postgresql; .ci/run installs it)`;

/** Whether a server can be started here; if not, says why `suite`'s PostgreSQL tests are skipped. */
export function havePostgres(suite: string): boolean {
  if (findPostgresBin()) return true;
  process.stderr.write(`\n*** ${suite}: PostgreSQL cases SKIPPED, ${MISSING} ***\n\n`);
  return false;
}

export interface PostgresServer {
  readonly port: number;
  /** The folder holding the unix socket. */
  readonly socketDir: string;
  /** A `postgres://` URL of `database` on this server (TCP on 127.0.0.1). */
  url(database?: string): string;
  /** Creates an empty database and returns its URL: one per test keeps tests apart. */
  createDatabase(name: string): Promise<string>;
  stop(): void;
}

/** Starts a fresh server; throws when the binaries are missing (ask `havePostgres` first). */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = findPostgresBin();
  if (!bin) throw new Error(MISSING);
  const root = mkdtempSync(path.join(tmpdir(), 'posdrop-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).trim());
    chownSync(root, uid, gid);
  }
  const run = (tool: string, args: string[]): void => {
    const command = asRoot ? 'runuser' : path.join(bin, tool);
    const argv = asRoot ? ['-u', 'nobody', '--', path.join(bin, tool), ...args] : args;
    // The server's own folder as working directory: `nobody` may not enter the caller's.
    execFileSync(command, argv, { cwd: root, stdio: 'pipe', env: { ...process.env, LC_ALL: 'C' } });
  };
  const data = path.join(root, 'data');
  const port = await freePort();
  try {
    run('initdb', ['-D', data, '-U', SUPERUSER, '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    const settings = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    run('pg_ctl', ['-D', data, '-l', path.join(root, 'server.log'), '-o', settings, '-w', '-t', '60', 'start']);
  } catch (err) {
    const log = path.join(root, 'server.log');
    const detail = existsSync(log) ? `\n${readFileSync(log, 'utf8')}` : '';
    rmSync(root, { recursive: true, force: true });
    throw new Error(`could not start PostgreSQL: ${(err as Error).message}${detail}`);
  }
  const url = (database = 'postgres') => `postgres://${SUPERUSER}@127.0.0.1:${port}/${database}`;
  let stopped = false;
  return {
    port,
    socketDir: root,
    url,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}

/** A port nothing listens on now: the kernel's choice for port 0, released at once. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
