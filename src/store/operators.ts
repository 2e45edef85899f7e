/**
 * Operator accounts (the console's users) and the record of their actions. Async so that callers
 * are written for a store that answers over a network; SQLite answers at once.
 */
import type { Db } from './database.js';
import { Statements } from './statements.js';

/** What an operator may do: `viewer` reads, `admin` also acts (release, reprocess, partners). */
export type OperatorRole = 'viewer' | 'admin';

export const OPERATOR_ROLES: readonly OperatorRole[] = ['viewer', 'admin'];

export interface Operator {
  name: string;
  passwordHash: string;
  role: OperatorRole;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  lastLoginAt: string | null;
}

/** One thing an operator did (or tried to do) in the console. */
export interface OperatorAction {
  id: number;
  at: string;
  operator: string;
  action: string;
  target: string;
  reason: string;
  outcome: string;
}

/** An `operators` row as both engines return it. */
export interface OperatorRow {
  name: string;
  password_hash: string;
  role: OperatorRole;
  enabled: number;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
}

/** The row mapper of `operators`, one for both engines. */
export function toOperator(row: OperatorRow): Operator {
  return {
    name: row.name,
    passwordHash: row.password_hash,
    role: row.role,
    enabled: row.enabled === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastLoginAt: row.last_login_at,
  };
}

/** Operators and their actions, whatever engine holds them (SQLite: `OperatorStore`; PostgreSQL: `postgres/operators.ts`). */
export interface OperatorStoreAsync {
  get(name: string): Promise<Operator | undefined>;
  list(): Promise<Operator[]>;
  /** False when the name is taken. */
  add(operator: { name: string; passwordHash: string; role: OperatorRole }): Promise<boolean>;
  /** False when there is no such operator. */
  update(name: string, patch: { passwordHash?: string; role?: OperatorRole; enabled?: boolean }): Promise<boolean>;
  loggedIn(name: string): Promise<void>;
  recordAction(action: Omit<OperatorAction, 'id' | 'at'>): Promise<OperatorAction>;
  /** The newest first. */
  actions(limit: number): Promise<OperatorAction[]>;
}

export class OperatorStore implements OperatorStoreAsync {
  private readonly sql: Statements;

  constructor(
    db: Db,
    private readonly now: () => Date,
  ) {
    this.sql = new Statements(db);
  }

  async get(name: string): Promise<Operator | undefined> {
    const row = this.sql.get('SELECT * FROM operators WHERE name = ?').get(name) as OperatorRow | undefined;
    return row && toOperator(row);
  }

  async list(): Promise<Operator[]> {
    return (this.sql.get('SELECT * FROM operators ORDER BY name').all() as OperatorRow[]).map(toOperator);
  }

  /** Adds an account; false when the name is taken. */
  async add(operator: { name: string; passwordHash: string; role: OperatorRole }): Promise<boolean> {
    const at = this.now().toISOString();
    const result = this.sql
      .get('INSERT OR IGNORE INTO operators (name, password_hash, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?)')
      .run(operator.name, operator.passwordHash, operator.role, at, at);
    return result.changes > 0;
  }

  /** Changes the given fields; false when there is no such operator. */
  async update(name: string, patch: { passwordHash?: string; role?: OperatorRole; enabled?: boolean }): Promise<boolean> {
    const columns: Record<string, unknown> = { updated_at: this.now().toISOString() };
    if (patch.passwordHash !== undefined) columns.password_hash = patch.passwordHash;
    if (patch.role !== undefined) columns.role = patch.role;
    if (patch.enabled !== undefined) columns.enabled = patch.enabled ? 1 : 0;
    const names = Object.keys(columns);
    const result = this.sql
      .get(`UPDATE operators SET ${names.map((column) => `${column} = @${column}`).join(', ')} WHERE name = @name`)
      .run({ ...columns, name });
    return result.changes > 0;
  }

  async loggedIn(name: string): Promise<void> {
    this.sql.get('UPDATE operators SET last_login_at = ? WHERE name = ?').run(this.now().toISOString(), name);
  }

  /** Records an action with who, when and why. */
  async recordAction(action: Omit<OperatorAction, 'id' | 'at'>): Promise<OperatorAction> {
    const at = this.now().toISOString();
    const { lastInsertRowid } = this.sql
      .get('INSERT INTO operator_actions (at, operator, action, target, reason, outcome) VALUES (?, ?, ?, ?, ?, ?)')
      .run(at, action.operator, action.action, action.target, action.reason, action.outcome);
    return { id: Number(lastInsertRowid), at, ...action };
  }

  /** The newest actions first. */
  async actions(limit: number): Promise<OperatorAction[]> {
    return this.sql.get('SELECT * FROM operator_actions ORDER BY id DESC LIMIT ?').all(limit) as OperatorAction[];
  }
}
