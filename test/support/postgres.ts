/**
 * The tests' throwaway PostgreSQL: the server-starting part lives in bench/support, where the
 * torture runs and the benches (built into dist/, which test/ is not) reach it too.
 */
export { findPostgresBin, havePostgres, startPostgres, type PostgresServer } from '../../bench/support/postgres-server.js';
