/**
 * Backup and restore when the store is PostgreSQL: posdrop does not copy a server's database
 * itself (SQLite's online backup has no PostgreSQL twin in-process); `pg_dump` and `pg_restore`
 * do it, consistently and while the nodes run. This builds their exact command lines from
 * `store.url`, never with its password: they read it from ~/.pgpass or PGPASSWORD.
 */
import type { DataLayout } from '../data-layout.js';

/** `url` without its password (user info and `password=` parameter alike), for a command line. */
export function urlWithoutPassword(url: string): string {
  const parsed = new URL(url);
  parsed.password = '';
  parsed.searchParams.delete('password');
  return parsed.toString();
}

/** A shell word: as it is when it is plain, else in single quotes. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The pg_dump command writing the database of `url` to `target` (custom format, for pg_restore). */
export function pgDumpCommand(url: string, target: string): string {
  return ['pg_dump', '--format=custom', '--no-owner', `--file=${target}`, `--dbname=${urlWithoutPassword(url)}`].map(shellWord).join(' ');
}

/** The pg_restore command putting `dump` in place of the database of `url`, in one transaction. */
export function pgRestoreCommand(url: string, dump: string): string {
  return ['pg_restore', '--clean', '--if-exists', '--no-owner', '--single-transaction', `--dbname=${urlWithoutPassword(url)}`, dump].map(shellWord).join(' ');
}

/** What of the data directory is not in the database and is copied beside a dump. */
export function dataDirCopies(layout: DataLayout): string[] {
  return [
    `${layout.root}/keys/ (the SFTP host key partners trust, and the partner API's token key)`,
    'the configuration file (and any key file it names: sftp.host_key, pgp keys)',
    `${layout.root}/archive/ and ${layout.root}/partners/*/outbox/ (the originals and the receipts), if you keep them`,
    `${layout.root}/operator.log (what operators did)`,
  ];
}

const PASSWORD_HINT = 'It reads the password from ~/.pgpass or the PGPASSWORD variable (never shown here).';

/** Why `posdrop backup` does not run on PostgreSQL, and the command that does the job. */
export function postgresBackupAdvice(url: string, target: string, layout: DataLayout): string {
  return [
    'the store is PostgreSQL: back it up with pg_dump, which takes a consistent copy while the nodes run:',
    `  ${pgDumpCommand(url, target)}`,
    `  ${PASSWORD_HINT}`,
    'The database is not everything; copy these of the shared data directory beside it:',
    ...dataDirCopies(layout).map((line) => `  - ${line}`),
  ].join('\n');
}

/** The psql command that keeps new file ids above `floor` (the identity follows the floor). */
export function raiseFloorCommand(url: string, floor: number): string {
  const raise = `INSERT INTO file_id_floor (id, file_id) VALUES (1, ${floor}) ON CONFLICT (id) DO UPDATE SET file_id = greatest(file_id_floor.file_id, excluded.file_id)`;
  return ['psql', `--dbname=${urlWithoutPassword(url)}`, '-c', raise].map(shellWord).join(' ');
}

/**
 * Why `posdrop restore` does not run on PostgreSQL, and the commands that do the job; with
 * `floor` above 0, the step that keeps ids of files handed out since the dump from being given
 * again (their originals are in the archive under `<id>-<name>`).
 */
export function postgresRestoreAdvice(url: string, dump: string, floor: number): string {
  return [
    'the store is PostgreSQL: restore a pg_dump copy with pg_restore, with every node stopped:',
    '  1. systemctl stop posdrop            (on every node)',
    `  2. ${pgRestoreCommand(url, dump)}`,
    ...(floor > 0 ? [`  3. ${raiseFloorCommand(url, floor)}`, `     (new files get ids above ${floor}, the highest handed out so far, so no id or archive path means two files)`] : []),
    `  ${floor > 0 ? 4 : 3}. systemctl start posdrop           (one node first: it migrates a copy from an older posdrop)`,
    `  ${PASSWORD_HINT}`,
    'Put the data directory copies (keys/, archive/, partners/*/outbox/) back beside it the same way.',
  ].join('\n');
}
