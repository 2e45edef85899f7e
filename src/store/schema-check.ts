/**
 * Whether a process that is not the daemon may use a database as it stands. Only the daemon
 * migrates (at start, under the migration lock on PostgreSQL): an operator's command run on one
 * node must not change the schema under the nodes still running the older posdrop. So the CLI
 * checks the version and says what to do instead of migrating.
 */
import { OperatorError } from '../core/errors.js';

/** The schema a database is at, and the one this posdrop writes. */
export interface SchemaState {
  current: number;
  latest: number;
}

/**
 * Throws unless `state` is this posdrop's schema. `where` names the database in the message
 * (a file, or a URL without its password).
 */
export function requireSchema(state: SchemaState, where: string): void {
  const { current, latest } = state;
  if (current === latest) return;
  if (current === 0) {
    throw new OperatorError('no_schema', `${where} has no posdrop tables yet: start the daemon once (posdrop serve), which creates them`);
  }
  if (current < latest) {
    throw new OperatorError(
      'database_older',
      `${where} is at schema version ${current}, older than this posdrop (${latest}): start the daemon of this version (posdrop serve), which migrates it; operator commands never change the schema`,
    );
  }
  throw new OperatorError('database_too_new', `the database is at schema version ${current}, newer than this posdrop knows (${latest}); upgrade posdrop`);
}
