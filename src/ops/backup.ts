/**
 * Backup and restore of the database. A backup uses SQLite's online backup API from another
 * connection, so the daemon keeps writing meanwhile (WAL: a reader never blocks the writer). It
 * copies every page in one step: a copy done in several steps starts over whenever another
 * connection writes in between, which a busy daemon would make endless. The copy is checked
 * before it takes its name, so a file at the target path is always a whole, sound database.
 * It holds password and key hashes, so it is created mode 0600 before a byte is written, and it
 * is left in rollback-journal mode: a copy in WAL mode grows `-wal` and `-shm` files beside it
 * whenever it is opened, even read-only.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, copyFile, open, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { OperatorError } from '../core/errors.js';
import { fsyncDir, isMissing, pathExists } from '../fs/durable.js';
import type { Db } from '../store/database.js';
import { MIGRATIONS } from '../store/migrations/index.js';

export interface BackupResult {
  path: string;
  bytes: number;
  schemaVersion: number;
  pages: number;
}

/** Writes a checked copy of `db` to `target` (which must not exist). */
export async function backupDatabase(db: Db, target: string): Promise<BackupResult> {
  if (await pathExists(target)) throw new OperatorError('exists', `${target} already exists; choose another name or remove it first`);
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(4).toString('hex')}.partial`);
  try {
    // An empty file is an empty database to SQLite: the copy goes into it and keeps its mode.
    await (await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, BACKUP_MODE)).close();
    await chmod(temp, BACKUP_MODE); // whatever the umask
    const { totalPages } = await db.backup(temp, {
      progress: () => 0x7fffffff, // everything in the next step
    });
    leaveWalMode(temp);
    const schemaVersion = checkDatabaseFile(temp);
    await syncFile(temp);
    await rename(temp, target);
    await fsyncDir(path.dirname(target));
    return { path: target, bytes: (await stat(target)).size, schemaVersion, pages: totalPages };
  } catch (err) {
    for (const leftover of [temp, `${temp}-wal`, `${temp}-shm`]) await unlink(leftover).catch(() => undefined);
    throw err;
  }
}

/** Who may read a backup: the service user alone (it holds password and API key hashes). */
export const BACKUP_MODE = 0o600;

/** Switches the copy to a rollback journal, which removes its `-wal` and `-shm` files. */
function leaveWalMode(file: string): void {
  const copy = new Database(file, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
}

/**
 * Opens `file` read-only, runs SQLite's integrity check and returns its schema version. Throws
 * an OperatorError when it is not a sound posdrop database this version can open.
 */
export function checkDatabaseFile(file: string): number {
  let db: Db;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new OperatorError('not_a_database', `${file} cannot be opened as a database: ${(err as Error).message}`);
  }
  try {
    const check = db.pragma('integrity_check', { simple: true }) as string;
    if (check !== 'ok') throw new OperatorError('corrupt', `${file} fails SQLite's integrity check: ${check}`);
    const version = db.pragma('user_version', { simple: true }) as number;
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'files'").get() as { n: number };
    if (version === 0 || tables.n === 0) throw new OperatorError('not_posdrop', `${file} is not a posdrop database`);
    const latest = MIGRATIONS.at(-1)?.version ?? 0;
    if (version > latest) {
      throw new OperatorError('database_too_new', `${file} is at schema version ${version}, newer than this posdrop knows (${latest}); upgrade posdrop first`);
    }
    return version;
  } catch (err) {
    if (err instanceof OperatorError) throw err;
    throw new OperatorError('not_a_database', `${file} cannot be read as a database: ${(err as Error).message}`);
  } finally {
    db.close();
  }
}

export interface RestoreResult {
  schemaVersion: number;
  /** Where the database that was replaced now is. */
  keptAs: string | undefined;
}

/**
 * Puts `backup` in place of the database at `database`. The daemon must be stopped (the caller
 * checks); the replaced database and its WAL are kept beside it, renamed, never deleted.
 */
export async function restoreDatabase(backup: string, database: string, now: Date): Promise<RestoreResult> {
  const schemaVersion = checkDatabaseFile(backup);
  assertUnused(database);
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const keptAs = (await pathExists(database)) ? `${database}.replaced-${stamp}` : undefined;
  const temp = `${database}.restoring-${randomBytes(4).toString('hex')}`;
  await copyFile(backup, temp, constants.COPYFILE_EXCL);
  await syncFile(temp);
  if (keptAs) {
    await rename(database, keptAs);
    for (const suffix of ['-wal', '-shm']) {
      await rename(`${database}${suffix}`, `${keptAs}${suffix}`).catch((err: unknown) => {
        if (!isMissing(err)) throw err;
      });
    }
  }
  await rename(temp, database);
  await fsyncDir(path.dirname(database));
  return { schemaVersion, keptAs };
}

/** Refuses when any process holds the database (a daemon whose runtime file went missing). */
function assertUnused(database: string): void {
  let db: Db;
  try {
    db = new Database(database, { fileMustExist: true, timeout: 0 });
  } catch {
    return; // no database yet: nothing to replace
  }
  try {
    // In WAL mode only an exclusive locking mode conflicts with a connection that is merely open.
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('ROLLBACK');
  } catch {
    throw new OperatorError('database_in_use', `${database} is in use by another process; stop the daemon first`);
  } finally {
    db.close();
  }
}

async function syncFile(file: string): Promise<void> {
  const handle = await open(file, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
