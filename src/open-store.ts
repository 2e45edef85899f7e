/**
 * Opens the store `store.url` names, with what the daemon reads beside it: the read model of
 * committed rows, the leader of the cluster's jobs, and how to close it all again. SQLite is the
 * data directory's file on one connection and one writer, plus a read-only connection that never
 * sees a file's uncommitted writes; PostgreSQL is a pool every node shares the database through.
 */
import Database from 'better-sqlite3';
import type { StoreConfig } from './config/store-schema.js';
import { errorMessage, PosdropError } from './core/errors.js';
import type { Log } from './log.js';
import type { ReadModel } from './read-model/read-model.js';
import { PostgresReadModel } from './read-model/postgres-read-model.js';
import { SqliteReadModel } from './read-model/sqlite-read-model.js';
import { openDatabase } from './store/database.js';
import type { MoveObserver } from './store/files.js';
import { PostgresLeadership, soleLeader, type Leadership } from './store/leadership.js';
import { noOtherNodes, type SettledSignals } from './store/settled-signals.js';
import { PostgresSettledSignals } from './store/postgres/settled-signals.js';
import { NotificationStore, type NotificationOutbox } from './store/notifications.js';
import { OperatorStore, type OperatorStoreAsync } from './store/operators.js';
import { openPostgres } from './store/postgres/database.js';
import type { PostgresMoveObserver } from './store/postgres/ledger.js';
import { redactedUrl, storeLocation } from './store/store-location.js';
import { PostgresStore, SqliteStore, type Store } from './store/store.js';
import { UsedNames } from './formats/delimited/accepted-names.js';
import { WriteLock } from './store/write-lock.js';
import { WalCheckpointer } from './store/wal-checkpointer.js';

/** What a committed state change raises, per engine (the webhook outbox's rows, written in the move). */
export interface MoveObservers {
  sqlite(outbox: NotificationStore): MoveObserver;
  postgres: PostgresMoveObserver;
}

export interface OpenedStore {
  readonly store: Store;
  /** The ledger as committed, for the metrics, the console and the jobs. */
  readonly read: ReadModel;
  /** Committed reads of the seams the metrics and the console's sign-in look at. */
  readonly committed: { readonly notifications: NotificationOutbox; readonly operators: OperatorStoreAsync; readonly names: UsedNames };
  /** Who runs the cluster's scheduled jobs and sends its webhooks. */
  readonly leadership: Leadership;
  /** Files settled on one node, heard on the others. */
  readonly signals: SettledSignals;
  /** Whether a transaction of this process is open now (a health probe waiting behind it is no fault). */
  writing(): boolean;
  /** After every transaction has ended: closes the connections (SQLite checkpoints its WAL first). */
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  config: StoreConfig;
  /** The SQLite file, when `config.url` is empty. */
  sqliteFile: string;
  node: string;
  now: () => Date;
  log: Log;
  observers?: MoveObservers;
}

export async function openStore(options: OpenStoreOptions): Promise<OpenedStore> {
  const location = storeLocation(options.config.url, options.sqliteFile);
  return location.engine === 'sqlite' ? openSqlite(location.file, options) : openPostgresStore(location.url, options);
}

function openSqlite(file: string, { now, log, observers }: OpenStoreOptions): OpenedStore {
  const db = openDatabase(file);
  // The log is folded in off the event loop (wal-checkpointer.ts), never in one of its COMMITs.
  db.pragma('wal_autocheckpoint = 0');
  const checkpointer = WalCheckpointer.start(file, {
    onError: (message) => log.warn('store.checkpoint_failed', { error: message }),
    onLost: () => {
      log.error('store.checkpointer_lost', { fallback: 'automatic checkpoint in COMMIT' });
      db.pragma('wal_autocheckpoint = 1000');
    },
  });
  const lock = new WriteLock(db);
  const outbox = new NotificationStore(db, now);
  const store = new SqliteStore(db, lock, now, observers?.sqlite(outbox));
  const readDb = new Database(file, { readonly: true, fileMustExist: true });
  readDb.pragma('busy_timeout = 2000');
  return {
    store,
    read: new SqliteReadModel(readDb, now),
    committed: { notifications: new NotificationStore(readDb, now), operators: new OperatorStore(readDb, now), names: new UsedNames(readDb) },
    leadership: soleLeader,
    signals: noOtherNodes,
    writing: () => db.inTransaction,
    async close() {
      await checkpointer.stop();
      readDb.close();
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
    },
  };
}

async function openPostgresStore(url: string, { config, node, now, log, observers }: OpenStoreOptions): Promise<OpenedStore> {
  const pool = await openPostgres(url, { max: config.pool_size }).catch((err: unknown) => {
    if (err instanceof PosdropError) throw err; // a schema this posdrop cannot run on, or a failed migration
    throw new PosdropError('store_unreachable', `cannot open the PostgreSQL database ${redactedUrl(url)} (store.url): ${errorMessage(err)}`, { cause: err });
  });
  const store = new PostgresStore(pool, now, observers?.postgres);
  const leadership = new PostgresLeadership(pool, node, log);
  const signals = new PostgresSettledSignals(pool, url, node, log);
  return {
    store,
    read: new PostgresReadModel(pool, now),
    committed: { notifications: store.notifications, operators: store.operators, names: new UsedNames(store) },
    leadership,
    signals,
    writing: () => false,
    async close() {
      await signals.stop();
      await leadership.stop();
      await pool.end();
    },
  };
}
