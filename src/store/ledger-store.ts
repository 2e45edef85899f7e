/**
 * The store seam of the file ledger: the asynchronous interface every engine answers alike, so a
 * caller written against it runs on SQLite and PostgreSQL unchanged. The SQLite side is today's
 * `FileLedger` (synchronous, one connection, the write lock held by the caller); the PostgreSQL
 * side is `postgres/ledger.ts`.
 */
import type { FileState } from '../core/file-state.js';
import type { Db } from './database.js';
import { FileLedger, type FileEvent, type FileQuery, type FileRecord, type FileVia, type MoveObserver, type StateChange } from './files.js';

/** A new arrival, as `LedgerStore.insert` records it. */
export interface NewFile {
  partner: string;
  name: string;
  sha256: string;
  size: number;
  via?: FileVia | null;
  /** Options its sender gave with the file (a Client Toolbox request's fields). */
  senderOptions?: Record<string, unknown> | null;
}

/** The file ledger, whatever engine holds it. Every call is awaited; see `FileLedger` for what each means. */
export interface LedgerStore {
  get(id: number): Promise<FileRecord | undefined>;
  /** Until the caller's transaction ends, no other transaction registers a file of `partner` and `name`. */
  serialiseName(partner: string, name: string): Promise<void>;
  /** The identity's row still (or maybe) in the inbox, else its newest earlier arrival. */
  find(partner: string, name: string, sha256: string): Promise<FileRecord | undefined>;
  insert(file: NewFile, detail?: string | null): Promise<FileRecord>;
  markLeftInbox(id: number, stateChangedAt?: string): Promise<void>;
  finalInInbox(): Promise<FileRecord[]>;
  /** Moves a file, refusing a transition the state machine does not allow; state and history together. */
  move(id: number, to: FileState, change?: StateChange): Promise<FileRecord>;
  inInbox(partner: string, name: string): Promise<FileRecord[]>;
  list(query?: FileQuery): Promise<FileRecord[]>;
  inStates(states: readonly FileState[]): Promise<FileRecord[]>;
  namesInStates(states: readonly FileState[]): Promise<{ partner: string; name: string }[]>;
  /** Adds `detail` to the file's history under its current state (an operator's undo). */
  note(id: number, detail: string): Promise<void>;
  events(id: number): Promise<FileEvent[]>;
  countByState(): Promise<Record<string, number>>;
}

/** The SQLite ledger behind the seam: each call is today's `FileLedger` call, answered at once. */
export class SqliteLedgerStore implements LedgerStore {
  constructor(private readonly ledger: FileLedger) {}

  /** A store on `db` (the caller holds the write lock around writes, as with `FileLedger`). */
  static open(db: Db, now: () => Date, onMove?: MoveObserver): SqliteLedgerStore {
    return new SqliteLedgerStore(new FileLedger(db, now, onMove));
  }

  async get(id: number) {
    return this.ledger.get(id);
  }
  /** The write lock the caller holds already lets one transaction run at a time. */
  async serialiseName(): Promise<void> {}
  async find(partner: string, name: string, sha256: string) {
    return this.ledger.find(partner, name, sha256);
  }
  async insert(file: NewFile, detail: string | null = null) {
    return this.ledger.insert(file, detail);
  }
  async markLeftInbox(id: number, stateChangedAt?: string) {
    this.ledger.markLeftInbox(id, stateChangedAt);
  }
  async finalInInbox() {
    return this.ledger.finalInInbox();
  }
  async move(id: number, to: FileState, change: StateChange = {}) {
    return this.ledger.move(id, to, change);
  }
  async inInbox(partner: string, name: string) {
    return this.ledger.inInbox(partner, name);
  }
  async list(query: FileQuery = {}) {
    return this.ledger.list(query);
  }
  async inStates(states: readonly FileState[]) {
    return this.ledger.inStates(states);
  }
  async namesInStates(states: readonly FileState[]) {
    return this.ledger.namesInStates(states);
  }
  async note(id: number, detail: string) {
    this.ledger.note(id, detail);
  }
  async events(id: number) {
    return this.ledger.events(id);
  }
  async countByState() {
    return this.ledger.countByState();
  }
}
