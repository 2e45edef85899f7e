/**
 * The store as an operator's command opens it, on either engine: the SQLite file of the data
 * directory, or the PostgreSQL database `store.url` names. Never migrated here: only the daemon
 * changes the schema (at its start), so a command run on one node cannot change it under nodes
 * still running the older posdrop. A database at another version is refused with what to do.
 */
import { existsSync } from 'node:fs';
import { errorMessage, OperatorError } from '../core/errors.js';
import type { Config } from '../config/schema.js';
import type { DataLayout } from '../data-layout.js';
import type { ReadModel } from '../read-model/read-model.js';
import { PostgresReadModel } from '../read-model/postgres-read-model.js';
import { SqliteReadModel } from '../read-model/sqlite-read-model.js';
import { openDatabase, type Db } from '../store/database.js';
import { sqliteSchema } from '../store/migrate.js';
import { connectPostgres } from '../store/postgres/database.js';
import { MIGRATIONS as POSTGRES_MIGRATIONS } from '../store/postgres/migrations/index.js';
import { requireSchema } from '../store/schema-check.js';
import { redactedUrl, storeLocation } from '../store/store-location.js';
import { PostgresStore, SqliteStore, type Store } from '../store/store.js';
import { WriteLock } from '../store/write-lock.js';

/** How long a command waits for PostgreSQL to answer a new connection before it says so. */
const CONNECT_TIMEOUT_MS = 10_000;

export interface OpenedStore {
  readonly store: Store;
  readonly read: ReadModel;
  /** The SQLite connection underneath; undefined on PostgreSQL. */
  readonly db: Db | undefined;
  /** The database as messages name it: the file, or the URL without its password. */
  readonly where: string;
  close(): Promise<void>;
}

/** Opens the store `config` names, as it stands; throws an OperatorError saying what to do when it cannot. */
export async function openStoreForCommand(config: Config, layout: DataLayout, now: () => Date): Promise<OpenedStore> {
  const location = storeLocation(config.store.url, layout.database);
  return location.engine === 'sqlite' ? openSqlite(location.file, layout, now) : openPostgres(location.url, now);
}

function openSqlite(file: string, layout: DataLayout, now: () => Date): OpenedStore {
  if (!existsSync(file)) {
    throw new OperatorError(
      'no_database',
      `no posdrop database in ${layout.root}: start the daemon once (posdrop serve), or set data_dir / POSDROP_DATA_DIR`,
    );
  }
  const db = openDatabase(file, { migrate: false });
  try {
    requireSchema(sqliteSchema(db), file);
  } catch (err) {
    db.close();
    throw err;
  }
  return {
    store: new SqliteStore(db, new WriteLock(db), now),
    read: new SqliteReadModel(db, now),
    db,
    where: file,
    async close() {
      db.close();
    },
  };
}

async function openPostgres(url: string, now: () => Date): Promise<OpenedStore> {
  const where = `the PostgreSQL database ${redactedUrl(url)}`;
  let opened: Awaited<ReturnType<typeof connectPostgres>>;
  try {
    opened = await connectPostgres(url, { max: 4, connectTimeoutMs: CONNECT_TIMEOUT_MS });
  } catch (err) {
    throw unreachable(err, url, where);
  }
  const { pool, schema } = opened;
  try {
    requireSchema({ current: schema, latest: POSTGRES_MIGRATIONS.at(-1)?.version ?? 0 }, where);
  } catch (err) {
    await pool.end();
    throw err;
  }
  const store = new PostgresStore(pool, now);
  return {
    store,
    read: new PostgresReadModel(pool, now),
    db: undefined,
    where,
    async close() {
      await store.idle();
      await pool.end();
    },
  };
}

/** Why the server could not be used, and what to check; never with the password. */
function unreachable(err: unknown, url: string, where: string): OperatorError {
  const code = (err as { code?: string }).code;
  const password = safePassword(url);
  const said = password ? errorMessage(err).split(password).join('***') : errorMessage(err);
  if (code === '3D000') {
    return new OperatorError('no_database', `${where} does not exist: create it (createdb), then start the daemon once (posdrop serve), which creates posdrop's tables`, { cause: err });
  }
  if (code === '28P01' || code === '28000') {
    return new OperatorError('store_login_refused', `${where} refused the login (${said}): check the user and password of store.url or POSDROP_STORE_URL`, { cause: err });
  }
  return new OperatorError(
    'store_unreachable',
    `cannot reach ${where} (${said || code || 'no answer'}): is the server running and reachable from here, and store.url (or POSDROP_STORE_URL) right?`,
    { cause: err },
  );
}

function safePassword(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}
