/** Operator accounts and their actions on PostgreSQL, answering `OperatorStoreAsync` as SQLite does. */
import type pg from 'pg';
import { toOperator, type Operator, type OperatorAction, type OperatorRole, type OperatorRow, type OperatorStoreAsync } from '../operators.js';

export class PostgresOperatorStore implements OperatorStoreAsync {
  constructor(
    private readonly db: pg.Pool | pg.ClientBase,
    private readonly now: () => Date,
  ) {}

  async get(name: string): Promise<Operator | undefined> {
    const { rows } = await this.db.query<OperatorRow>('SELECT * FROM operators WHERE name = $1', [name]);
    return rows[0] && toOperator(rows[0]);
  }

  async list(): Promise<Operator[]> {
    const { rows } = await this.db.query<OperatorRow>('SELECT * FROM operators ORDER BY name');
    return rows.map(toOperator);
  }

  async add(operator: { name: string; passwordHash: string; role: OperatorRole }): Promise<boolean> {
    const at = this.now().toISOString();
    const result = await this.db.query(
      'INSERT INTO operators (name, password_hash, role, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) ON CONFLICT (name) DO NOTHING',
      [operator.name, operator.passwordHash, operator.role, at],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async update(name: string, patch: { passwordHash?: string; role?: OperatorRole; enabled?: boolean }): Promise<boolean> {
    const columns: Record<string, unknown> = { updated_at: this.now().toISOString() };
    if (patch.passwordHash !== undefined) columns.password_hash = patch.passwordHash;
    if (patch.role !== undefined) columns.role = patch.role;
    if (patch.enabled !== undefined) columns.enabled = patch.enabled ? 1 : 0;
    const names = Object.keys(columns);
    const result = await this.db.query(`UPDATE operators SET ${names.map((column, i) => `${column} = $${i + 2}`).join(', ')} WHERE name = $1`, [
      name,
      ...names.map((column) => columns[column]),
    ]);
    return (result.rowCount ?? 0) > 0;
  }

  async loggedIn(name: string): Promise<void> {
    await this.db.query('UPDATE operators SET last_login_at = $1 WHERE name = $2', [this.now().toISOString(), name]);
  }

  async recordAction(action: Omit<OperatorAction, 'id' | 'at'>): Promise<OperatorAction> {
    const at = this.now().toISOString();
    const { rows } = await this.db.query<{ id: number }>(
      'INSERT INTO operator_actions (at, operator, action, target, reason, outcome) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
      [at, action.operator, action.action, action.target, action.reason, action.outcome],
    );
    return { id: rows[0]!.id, at, ...action };
  }

  async actions(limit: number): Promise<OperatorAction[]> {
    const { rows } = await this.db.query<OperatorAction>('SELECT * FROM operator_actions ORDER BY id DESC LIMIT $1', [limit]);
    return rows;
  }
}
