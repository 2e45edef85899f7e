import { stat } from 'node:fs/promises';
import path from 'node:path';
import { OperatorError, UsageError } from '../../core/errors.js';
import { backupDatabase, highestArchivedId, restoreDatabase } from '../../ops/backup.js';
import { postgresBackupAdvice, postgresRestoreAdvice } from '../../ops/postgres-backup.js';
import type { Command, CommandInput } from '../command.js';
import { configFrom, withContext } from '../context.js';
import { runningDaemon } from '../daemon-runtime.js';
import { DataLayout } from '../../data-layout.js';
import { storeLocation } from '../../store/store-location.js';
import { logOperatorAction, RECORD_HELP, RECORD_OPTIONS } from '../operator-log.js';
import { printJson } from '../output.js';

export const backupCommand: Command = {
  name: 'backup',
  args: 1,
  summary: 'write a consistent copy of the database, also while the daemon runs',
  usage: '<file or folder> [--json]',
  details: [
    '  Uses SQLite\'s online backup: the daemon keeps accepting and processing files meanwhile.',
    '  Given a folder, the copy is named posdrop-<UTC time>.db. The copy is integrity-checked',
    '  before it takes its name; an existing file is never overwritten.',
    '  Not in the database, so back them up beside it: the host key (<data_dir>/keys/), the',
    '  configuration file, and archive/ and partners/*/outbox/ if you keep originals and receipts.',
    '  To restore: posdrop restore --help.',
    '  On PostgreSQL (store.url set) it writes nothing and shows the pg_dump command to run instead,',
    '  built from store.url without its password, with what of the data directory to copy beside it.',
  ].join('\n'),
  options: { json: { type: 'boolean' } },
  async run(input) {
    const [where] = input.positionals;
    if (!where) throw new UsageError('backup needs a file or folder to write to');
    if (input.positionals.length > 1) throw new UsageError('backup takes one target');
    const config = configFrom(input);
    const layout = DataLayout.of(config);
    const location = storeLocation(config.store.url, layout.database);
    if (location.engine === 'postgres') {
      const target = await targetFile(where, 'dump');
      throw new OperatorError('use_pg_dump', postgresBackupAdvice(location.url, target, layout));
    }
    const target = await targetFile(where, 'db');
    const result = await withContext(input, ({ db }) => backupDatabase(db, target));
    if (input.values.json) return printJson(input.stdout, { path: result.path, bytes: result.bytes, schema_version: result.schemaVersion });
    input.stdout.write(`backup written: ${result.path} (${result.bytes} bytes, schema version ${result.schemaVersion}, integrity ok)\n`);
  },
};

/** A folder gets a time-stamped name inside it; a file name is taken as it is. */
async function targetFile(where: string, extension: string): Promise<string> {
  const resolved = path.resolve(where);
  const stats = await stat(resolved).catch(() => undefined);
  if (stats?.isDirectory()) return path.join(resolved, `posdrop-${new Date().toISOString().replace(/[:.]/g, '-')}.${extension}`);
  const parent = await stat(path.dirname(resolved)).catch(() => undefined);
  if (!parent?.isDirectory()) throw new UsageError(`the folder ${path.dirname(resolved)} does not exist`);
  return resolved;
}

export const restoreCommand: Command = {
  name: 'restore',
  args: 1,
  summary: 'put a backup in place of the database (the daemon must be stopped)',
  usage: '<backup file> [--reason "…"] [--by NAME] [--json]',
  details: [
    '  1. Stop the daemon:            systemctl stop posdrop',
    '  2. Restore:                    posdrop restore /var/backups/posdrop/posdrop-….db',
    '     The backup is integrity-checked first. The database it replaces is kept beside it as',
    '     posdrop.db.replaced-<time> (with its -wal), never deleted.',
    '  3. Start the daemon:           systemctl start posdrop',
    '     A backup from an older posdrop is migrated at start; one from a newer posdrop is refused.',
    '  Files processed after the backup was taken are not in the restored ledger: their originals',
    '  stay in archive/, and a resend of one is processed again (stored records count as duplicates).',
    '  New files get ids above any handed out before, so ids and archive paths never repeat.',
    '  On PostgreSQL (store.url set) it changes nothing and shows the pg_restore command to run',
    '  instead, and the statement that keeps new file ids above those handed out before.',
    RECORD_HELP,
  ].join('\n'),
  options: { json: { type: 'boolean' }, ...RECORD_OPTIONS },
  async run(input) {
    const [backup] = input.positionals;
    if (!backup) throw new UsageError('restore needs the backup file to restore');
    const config = configFrom(input);
    const layout = DataLayout.of(config);
    const location = storeLocation(config.store.url, layout.database);
    if (location.engine === 'postgres') throw new OperatorError('use_pg_restore', await restoreAdvice(input, location.url, path.resolve(backup), layout));
    const daemon = runningDaemon(layout.runtimeFile);
    if (daemon) throw new OperatorError('daemon_running', `the daemon is running (pid ${daemon.pid}); stop it first (systemctl stop posdrop)`);
    const result = await restoreDatabase(path.resolve(backup), layout.database, new Date(), path.join(layout.root, 'archive'));
    await logOperatorAction(layout, input, 'restore', { backup: path.resolve(backup), database: layout.database, kept_as: result.keptAs ?? null, file_id_floor: result.fileIdFloor });
    if (input.values.json) {
      return printJson(input.stdout, { database: layout.database, schema_version: result.schemaVersion, kept_as: result.keptAs ?? null, file_id_floor: result.fileIdFloor });
    }
    input.stdout.write(`restored ${backup} as ${layout.database} (schema version ${result.schemaVersion})\n`);
    if (result.keptAs) input.stdout.write(`the replaced database is kept as ${result.keptAs}\n`);
    input.stdout.write(`new files get ids above ${result.fileIdFloor}, the highest handed out before\n`);
  },
};

/**
 * pg_restore's steps, with the file id floor read now, before anything is replaced: the highest
 * id the database in place (when it can be read) or the archive shows.
 */
async function restoreAdvice(input: CommandInput, url: string, dump: string, layout: DataLayout): Promise<string> {
  const inPlace = await withContext(input, ({ store }) => store.fileIdFloor.highest()).catch(() => 0);
  const floor = Math.max(inPlace, await highestArchivedId(path.join(layout.root, 'archive')));
  return postgresRestoreAdvice(url, dump, floor);
}
