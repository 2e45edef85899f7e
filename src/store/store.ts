/**
 * The store: every seam of posdrop's state behind one object, on SQLite or PostgreSQL alike.
 *
 * Reads may go anywhere (`store.ledger.get`). Writes go through `store.transaction`, which hands
 * `work` the seams bound to that one transaction: on SQLite the daemon's one connection inside
 * the in-process write lock (a write outside it would silently join, and roll back with, the file
 * whose transaction is open); on PostgreSQL a pooled client of its own between BEGIN and COMMIT,
 * so several nodes' transactions run at once and a lock they share is taken explicitly (a
 * sequence's `serialise`, a row's `FOR UPDATE`).
 */
import type pg from 'pg';
import { SqliteClaimStore, type ClaimStore } from './claims.js';
import { DAEMON_FILE_WAIT_MS, type Db } from './database.js';
import type { MoveObserver } from './files.js';
import { SqliteLedgerStore, type LedgerStore } from './ledger-store.js';
import { PostgresClaimStore } from './postgres/claims.js';
import { PostgresLedgerStore, type PostgresMoveObserver } from './postgres/ledger.js';
import { PostgresRecordErrorStore } from './postgres/record-errors.js';
import { PostgresSequenceStore } from './postgres/sequences.js';
import { commit } from './postgres/transaction.js';
import { SqliteRecordErrorStore, type RecordErrorStoreAsync } from './record-error-store.js';
import { SqliteSequenceStore, type SequenceStoreAsync } from './sequence-store.js';
import { WriteLock } from './write-lock.js';
import { ApiImportStore, type ApiImports } from './api-imports.js';
import { BanTable, type BanStore } from './bans.js';
import { CredentialWatch, PollingCredentialWatch, type CredentialWatcher } from './credential-watch.js';
import { SqliteFileIdFloorStore, type FileIdFloorStore } from './file-id-floor.js';
import { SqliteHeartbeatStore, type HeartbeatStore } from './heartbeat.js';
import { SqliteNodeStore, type NodeStore } from './nodes.js';
import { NotificationStore, type NotificationOutbox } from './notifications.js';
import { OperatorStore, type OperatorStoreAsync } from './operators.js';
import { PartnerLoginStore, type PartnerLoginStoreAsync } from './partner-logins.js';
import { SqlitePartnerStore, type PartnerStoreAsync } from './partner-store.js';
import { PostgresApiImportStore } from './postgres/api-imports.js';
import { PostgresBanStore } from './postgres/bans.js';
import { PostgresFileIdFloorStore } from './postgres/file-id-floor.js';
import { PostgresHeartbeatStore } from './postgres/heartbeat.js';
import { PostgresNodeStore } from './postgres/nodes.js';
import { PostgresNotificationStore } from './postgres/notifications.js';
import { PostgresOperatorStore } from './postgres/operators.js';
import { PostgresPartnerLoginStore } from './postgres/partner-logins.js';
import { PostgresPartnerStore } from './postgres/partners.js';

export type StoreEngine = 'sqlite' | 'postgres';

/**
 * The engine's own handle inside a transaction, for the few writers that choose their statements
 * per engine (a format's bulk inserts: multi-row INSERT on SQLite, COPY on PostgreSQL).
 */
export type EngineHandle = { readonly engine: 'sqlite'; readonly db: Db } | { readonly engine: 'postgres'; readonly client: pg.ClientBase };

/** The daemon's other state: read anywhere from `Store`, written through a `StoreTx`. */
export interface StateSeams {
  readonly partners: PartnerStoreAsync;
  readonly operators: OperatorStoreAsync;
  readonly notifications: NotificationOutbox;
  readonly logins: PartnerLoginStoreAsync;
  readonly apiImports: ApiImports;
  readonly heartbeat: HeartbeatStore;
  readonly fileIdFloor: FileIdFloorStore;
  /** The daemons sharing the store, each with its last beat. */
  readonly nodes: NodeStore;
}

/** The seams as one transaction sees them. */
export interface StoreTx extends StateSeams {
  readonly ledger: LedgerStore;
  readonly claims: ClaimStore;
  readonly sequences: SequenceStoreAsync;
  readonly recordErrors: RecordErrorStoreAsync;
  readonly handle: EngineHandle;
}

export interface Store extends StateSeams {
  readonly engine: StoreEngine;
  /** For reads outside a transaction; on SQLite they also see the open transaction's writes. */
  readonly ledger: LedgerStore;
  readonly sequences: SequenceStoreAsync;
  readonly recordErrors: RecordErrorStoreAsync;
  readonly claims: ClaimStore;
  /** The defender's bans; `save` takes a transaction of its own (the write lock on SQLite). */
  readonly bans: BanStore;
  /** A new watch of partners' access, for one poller (each keeps what it saw last). */
  credentialWatch(): CredentialWatcher;
  /** Runs `work` in one transaction that commits when it resolves and rolls back when it throws. */
  transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T>;
  /** Runs `work` in a transaction that is always rolled back: a dry run stores nothing. */
  rolledBack<T>(work: (tx: StoreTx) => Promise<T>): Promise<T>;
  /**
   * Runs `work` waiting as long as the daemon's file in hand may take for a lock another process
   * holds (SQLite's `busy_timeout` raised to `DAEMON_FILE_WAIT_MS`; PostgreSQL's locks wait anyway):
   * for a command that must not fail for want of the lock.
   */
  waitingForOthers<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Runs `work` when no transaction of this process is open: on SQLite a read on the one
   * connection would otherwise see an open file's uncommitted writes (and a job must not run
   * inside one); on PostgreSQL every read sees only what is committed, so `work` runs at once.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  /** Resolves when every transaction begun so far has ended. */
  idle(): Promise<void>;
}

/** SQLite: one connection, one writer; every transaction is the same seams under the write lock. */
export class SqliteStore implements Store {
  readonly engine = 'sqlite';
  readonly ledger: LedgerStore;
  readonly claims: ClaimStore;
  readonly sequences: SequenceStoreAsync;
  readonly recordErrors: RecordErrorStoreAsync;
  readonly partners: SqlitePartnerStore;
  readonly operators: OperatorStoreAsync;
  /** The SQLite outbox, whose synchronous `addNow` the ledger's move observer calls. */
  readonly notifications: NotificationStore;
  readonly logins: PartnerLoginStoreAsync;
  readonly apiImports: ApiImports;
  readonly heartbeat: HeartbeatStore;
  readonly fileIdFloor: FileIdFloorStore;
  readonly nodes: NodeStore;
  readonly bans: BanStore;
  private readonly tx: StoreTx;

  constructor(
    readonly db: Db,
    readonly lock: WriteLock,
    now: () => Date,
    onMove?: MoveObserver,
  ) {
    this.ledger = SqliteLedgerStore.open(db, now, onMove);
    this.recordErrors = new SqliteRecordErrorStore(db);
    this.sequences = new SqliteSequenceStore(db, now);
    this.claims = new SqliteClaimStore(db);
    this.partners = new SqlitePartnerStore(db, now);
    this.operators = new OperatorStore(db, now);
    this.notifications = new NotificationStore(db, now);
    this.logins = new PartnerLoginStore(db);
    this.apiImports = new ApiImportStore(db, now);
    this.heartbeat = new SqliteHeartbeatStore(db);
    this.fileIdFloor = new SqliteFileIdFloorStore(db);
    this.nodes = new SqliteNodeStore(db);
    this.bans = new BanTable(db, lock);
    this.tx = {
      ledger: this.ledger,
      claims: this.claims,
      sequences: this.sequences,
      recordErrors: this.recordErrors,
      partners: this.partners,
      operators: this.operators,
      notifications: this.notifications,
      logins: this.logins,
      apiImports: this.apiImports,
      heartbeat: this.heartbeat,
      fileIdFloor: this.fileIdFloor,
      nodes: this.nodes,
      handle: { engine: 'sqlite', db },
    };
  }

  credentialWatch(): CredentialWatcher {
    return new CredentialWatch(this.db, this.partners.sync);
  }

  transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.lock.transaction(() => work(this.tx));
  }

  rolledBack<T>(work: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.lock.rolledBack(() => work(this.tx));
  }

  async waitingForOthers<T>(work: () => Promise<T>): Promise<T> {
    const before = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma(`busy_timeout = ${DAEMON_FILE_WAIT_MS}`);
    try {
      return await work();
    } finally {
      this.db.pragma(`busy_timeout = ${before}`);
    }
  }

  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.lock.exclusive(work);
  }

  idle(): Promise<void> {
    return this.lock.idle();
  }
}

/** PostgreSQL: a pool; each transaction holds a client of its own from BEGIN to COMMIT. */
export class PostgresStore implements Store {
  readonly engine = 'postgres';
  readonly ledger: LedgerStore;
  readonly claims: ClaimStore;
  readonly sequences: SequenceStoreAsync;
  readonly recordErrors: RecordErrorStoreAsync;
  readonly partners: PartnerStoreAsync;
  readonly operators: OperatorStoreAsync;
  readonly notifications: NotificationOutbox;
  readonly logins: PartnerLoginStoreAsync;
  readonly apiImports: ApiImports;
  readonly heartbeat: HeartbeatStore;
  readonly fileIdFloor: FileIdFloorStore;
  readonly nodes: NodeStore;
  readonly bans: BanStore;
  private readonly open = new Set<Promise<unknown>>();

  constructor(
    readonly pool: pg.Pool,
    private readonly now: () => Date,
    private readonly onMove?: PostgresMoveObserver,
  ) {
    this.ledger = new PostgresLedgerStore(pool, now, onMove);
    this.recordErrors = new PostgresRecordErrorStore(pool);
    this.sequences = new PostgresSequenceStore(pool, now);
    this.claims = new PostgresClaimStore(pool);
    this.partners = new PostgresPartnerStore(pool, now);
    this.operators = new PostgresOperatorStore(pool, now);
    this.notifications = new PostgresNotificationStore(pool, now);
    this.logins = new PostgresPartnerLoginStore(pool);
    this.apiImports = new PostgresApiImportStore(pool, now);
    this.heartbeat = new PostgresHeartbeatStore(pool);
    this.fileIdFloor = new PostgresFileIdFloorStore(pool);
    this.nodes = new PostgresNodeStore(pool);
    this.bans = new PostgresBanStore(pool);
  }

  credentialWatch(): CredentialWatcher {
    return new PollingCredentialWatch(this.partners);
  }

  transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.track(this.run(work, 'COMMIT'));
  }

  rolledBack<T>(work: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.track(this.run(work, 'ROLLBACK'));
  }

  waitingForOthers<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }

  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }

  async idle(): Promise<void> {
    await Promise.allSettled([...this.open]);
  }

  private async run<T>(work: (tx: StoreTx) => Promise<T>, end: 'COMMIT' | 'ROLLBACK'): Promise<T> {
    const client = await this.pool.connect();
    let broken: unknown;
    try {
      await client.query('BEGIN');
      const tx: StoreTx = {
        ledger: new PostgresLedgerStore(client, this.now, this.onMove),
        claims: new PostgresClaimStore(client),
        sequences: new PostgresSequenceStore(client, this.now),
        recordErrors: new PostgresRecordErrorStore(client),
        partners: new PostgresPartnerStore(client, this.now),
        operators: new PostgresOperatorStore(client, this.now),
        notifications: new PostgresNotificationStore(client, this.now),
        logins: new PostgresPartnerLoginStore(client),
        apiImports: new PostgresApiImportStore(client, this.now),
        heartbeat: new PostgresHeartbeatStore(client),
        fileIdFloor: new PostgresFileIdFloorStore(client),
        nodes: new PostgresNodeStore(client),
        handle: { engine: 'postgres', client },
      };
      const result = await work(tx);
      if (end === 'COMMIT') await commit(client);
      else await client.query('ROLLBACK');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackFailed: unknown) => (broken = rollbackFailed));
      throw err;
    } finally {
      // A client whose rollback failed may still hold the transaction: the pool must not hand it out again.
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  private track<T>(run: Promise<T>): Promise<T> {
    this.open.add(run);
    void run.finally(() => this.open.delete(run)).catch(() => undefined);
    return run;
  }
}
