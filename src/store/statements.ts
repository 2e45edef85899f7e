/**
 * Prepared statements, compiled once per SQL text. Preparing is a good part of a small
 * statement's cost, and the ledger runs the same few statements for every file.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';

export class Statements {
  private readonly cache = new Map<string, Statement>();

  constructor(private readonly db: Db) {}

  get(sql: string): Statement {
    let statement = this.cache.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.cache.set(sql, statement);
    }
    return statement;
  }
}
