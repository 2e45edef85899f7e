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
import { chmod, copyFile, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { OperatorError } from '../core/errors.js';
import { errnoCode, fsyncDir, isMissing, pathExists } from '../fs/durable.js';
import type { Db } from '../store/database.js';
import { highestFileId } from '../store/file-id-floor.js';
import { migrate } from '../store/migrate.js';
import { MIGRATIONS } from '../store/migrations/index.js';
import { SqliteStore } from '../store/store.js';
import { WriteLock } from '../store/write-lock.js';

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
  /** New files get ids above this one: the highest the replaced database or the archive used. */
  fileIdFloor: number;
}

/**
 * Puts `backup` in place of the database at `database`. The daemon must be stopped (the caller
 * checks); the replaced database and its WAL are kept beside it, renamed, never deleted. The
 * restored ledger never hands out again an id given before the restore: the highest id the
 * replaced database knew, or an archived original's name (`<id>-<name>`) shows, becomes its floor.
 */
export async function restoreDatabase(backup: string, database: string, now: Date, archiveDir: string): Promise<RestoreResult> {
  const schemaVersion = checkDatabaseFile(backup);
  const replacedHighest = assertUnused(database);
  const floor = Math.max(replacedHighest, await highestArchivedId(archiveDir));
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const keptAs = (await pathExists(database)) ? `${database}.replaced-${stamp}` : undefined;
  const temp = `${database}.restoring-${randomBytes(4).toString('hex')}`;
  await copyFile(backup, temp, constants.COPYFILE_EXCL);
  try {
    await setFloor(temp, floor, now);
  } catch (err) {
    for (const leftover of [temp, `${temp}-wal`, `${temp}-shm`]) await unlink(leftover).catch(() => undefined);
    throw err;
  }
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
  return { schemaVersion, keptAs, fileIdFloor: floor };
}

/**
 * Refuses when any process holds the database (a daemon whose runtime file went missing);
 * returns the highest file id it handed out (0 when there is no database).
 */
function assertUnused(database: string): number {
  let db: Db;
  try {
    db = new Database(database, { fileMustExist: true, timeout: 0 });
  } catch {
    return 0; // no database yet: nothing to replace
  }
  try {
    // In WAL mode only an exclusive locking mode conflicts with a connection that is merely open.
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('ROLLBACK');
  } catch {
    db.close();
    throw new OperatorError('database_in_use', `${database} is in use by another process; stop the daemon first`);
  }
  try {
    const floorTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'file_id_floor'").get() !== undefined;
    const filesTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'files'").get() !== undefined;
    if (floorTable) return highestFileId(db);
    return filesTable ? ((db.prepare('SELECT coalesce(max(id), 0) AS id FROM files').get() as { id: number }).id) : 0;
  } catch {
    return 0; // a database too broken to read is replaced all the same; the archive still tells
  } finally {
    db.close();
  }
}

/** The highest id in the names of archived originals, `archive/<partner>/<day>/<id>-<name>`. */
export async function highestArchivedId(archiveDir: string): Promise<number> {
  let highest = 0;
  for (const partner of await listDir(archiveDir)) {
    for (const day of await listDir(path.join(archiveDir, partner))) {
      for (const name of await listDir(path.join(archiveDir, partner, day))) {
        const id = /^(\d+)-/.exec(name)?.[1];
        if (id) highest = Math.max(highest, Number(id));
      }
    }
  }
  return highest;
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (isMissing(err) || errnoCode(err) === 'ENOTDIR') return [];
    throw err;
  }
}

/** Migrates the restored copy (as the next start would) and raises its file id floor through the store. */
async function setFloor(file: string, floor: number, now: Date): Promise<void> {
  const db = new Database(file, { fileMustExist: true });
  try {
    migrate(db);
    const store = new SqliteStore(db, new WriteLock(db), () => now);
    await store.transaction((tx) => tx.fileIdFloor.raise(floor));
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
