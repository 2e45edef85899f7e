/**
 * `TEST_STORE_ENGINE=postgres` (`npm run test:postgres`): one throwaway PostgreSQL for the whole
 * run, started before the first test file and stopped after the last; each test daemon gets a
 * fresh database on it (test/support/test-store.ts).
 */
import type { TestProject } from 'vitest/node';
import { findPostgresBin, startPostgres, type PostgresServer } from '../../bench/support/postgres-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The shared server's `postgres` database, from which each test's database is created. */
    postgresAdminUrl: string;
  }
}

let server: PostgresServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  if (!findPostgresBin()) {
    throw new Error('TEST_STORE_ENGINE=postgres needs initdb and pg_ctl under /usr/lib/postgresql/*/bin (apt-get install postgresql)');
  }
  server = await startPostgres();
  project.provide('postgresAdminUrl', server.url());
}

export function teardown(): void {
  server?.stop();
}
