/**
 * Processing a file again, from another process than the daemon (`posdrop reprocess`).
 *
 * The file keeps its one ledger row, identified by (partner, name, sha256): in one transaction
 * the row goes back to `queued` and a copy of the archived original is linked into the partner's
 * inbox under its own name. The daemon then takes it the way it takes any upload: it finds the
 * row by identity, processes it in one transaction, and the format reports records already stored
 * as duplicates. Nothing is stored twice (except by append-only formats, which is why they need
 * `--force`), and if the daemon is not running the next start finds the queued row and the file.
 *
 * Order matters: the copy is complete and durable under a temporary name first, and it takes its
 * real name inside the transaction that queues the row. The daemon cannot see a queued row
 * without its file (which it would take for a withdrawal), nor the file without its queued row
 * until the commit (its own transaction waits for ours).
 */
import { randomBytes } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { link, open, unlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { utcDay } from '../core/calendar.js';
import { OperatorError } from '../core/errors.js';
import { classifyName } from '../core/naming.js';
import type { DataLayout } from '../data-layout.js';
import { builtInFormat, formatsFor, type FormatLookup } from '../formats/registry.js';
import { fsyncDir, pathExists } from '../fs/durable.js';
import type { FileRecord, StateChange } from '../store/files.js';
import type { EngineHandle, Store } from '../store/store.js';

export interface ReprocessOptions {
  layout: DataLayout;
  store: Store;
  now: () => Date;
  force: boolean;
  /** Bytes copied so far, of `total`. */
  onCopy?: (done: number, total: number) => void;
  formats?: FormatLookup;
  /** Who asked and why, for the file's history (the console; the CLI records the command). */
  requestedBy?: { operator: string; reason: string };
}

export interface Requeued {
  file: FileRecord;
  /** Where the daemon will read it. */
  inboxPath: string;
  requeuedAt: string;
  /** History events of the file up to and including its requeue: what comes after is news. */
  eventsSoFar: number;
}

/** What the row changes to, and a format's own refusal, asked inside the requeue's transaction. */
interface Requeue {
  change: StateChange;
  refusal?: (handle: EngineHandle, file: FileRecord) => Promise<string | undefined>;
}

/** Queues `file` to be processed again; throws OperatorError when it cannot or should not be. */
export async function requeueForReprocess(file: FileRecord, options: ReprocessOptions): Promise<Requeued> {
  const change = await checkReprocessable(file, options);
  const inboxPath = path.join(options.layout.areaDir(file.partner, 'inbox'), file.name);
  if (file.state === 'failed') return requeueInPlace(file, inboxPath, change, options);
  const original = await archivedOriginal(file, options.layout);
  if (await pathExists(inboxPath)) {
    throw new OperatorError('inbox_busy', `the inbox of ${file.partner} already holds a file named ${file.name}; let it be processed first`);
  }
  const temp = path.join(path.dirname(inboxPath), `.${file.name}.${randomBytes(4).toString('hex')}.reprocess.tmp`);
  await copyDurably(original, temp, file.size, options.onCopy);
  let linked = false;
  try {
    const queued = await queueAgain(file, change, options, async () => {
      await linkDurably(temp, inboxPath);
      linked = true;
    });
    return { file: queued.file, inboxPath, requeuedAt: queued.at, eventsSoFar: queued.events };
  } catch (err) {
    // The commit failed after the link: the row is still final, so the copy must go.
    if (linked) await unlink(inboxPath).catch(() => undefined);
    throw err;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/** What the row changes to, or why the file is refused. */
async function checkReprocessable(file: FileRecord, options: ReprocessOptions): Promise<Requeue> {
  if (!['processed', 'rejected', 'failed'].includes(file.state)) {
    throw new OperatorError('not_final', `${file.name} is ${file.state}: only a processed, rejected or failed file can be processed again`);
  }
  const partner = await options.store.partners.get(file.partner);
  if (!partner) throw new OperatorError('not_found', `partner ${file.partner} no longer exists`);
  const by = options.requestedBy;
  const detail = by ? `queued again by ${by.operator} in the console: ${by.reason}` : 'queued again by posdrop reprocess';
  if (file.format) {
    const format = (options.formats ?? builtInFormat)(file.format);
    if (format?.dedupe.appendOnly && !options.force) {
      throw new OperatorError(
        'append_only',
        `${file.format} appends every record it reads without looking for duplicates, so ${file.name} would be stored twice; add --force if that is what you want`,
      );
    }
    return { change: { detail }, ...(format?.reprocessRefusal ? { refusal: format.reprocessRefusal } : {}) };
  }
  // Refused by its name: the partner's formats may have changed since, so ask the rules again.
  const verdict = classifyName(file.name, formatsFor(partner.formats).map((f) => f.name), partner, utcDay(options.now()));
  if (!verdict.ok) throw new OperatorError('name_refused', `${file.name} is still refused by its name: ${verdict.message}`);
  return { change: { detail, format: verdict.format, fields: verdict.fields, reasonCode: null, reason: null } };
}

async function archivedOriginal(file: FileRecord, layout: DataLayout): Promise<string> {
  const original = file.archivePath ? path.join(layout.root, file.archivePath) : undefined;
  if (!original || !(await pathExists(original))) {
    throw new OperatorError(
      'original_gone',
      `the original of ${file.name} is no longer in the archive${file.archivePath ? ` (${file.archivePath}; retention deletes originals after retention.archive_days)` : ''}`,
    );
  }
  return original;
}

/** A failed file stays in its inbox: queue the row and touch the file so the daemon looks again. */
async function requeueInPlace(file: FileRecord, inboxPath: string, change: Requeue, options: ReprocessOptions): Promise<Requeued> {
  if (!(await pathExists(inboxPath))) throw new OperatorError('original_gone', `${file.name} failed and is no longer in the inbox of ${file.partner}`);
  const queued = await queueAgain(file, change, options, async () => undefined);
  const now = options.now();
  await utimes(inboxPath, now, now);
  return { file: queued.file, inboxPath, requeuedAt: queued.at, eventsSoFar: queued.events };
}

/**
 * Moves the row to `queued` and runs `place` inside the same write transaction. The format's
 * refusal is asked there too, on the transaction's own handle (either engine), so that nothing
 * done to the file since (an undo) slips in between the answer and the requeue.
 */
async function queueAgain(
  file: FileRecord,
  requeue: Requeue,
  options: ReprocessOptions,
  place: () => Promise<void>,
): Promise<{ file: FileRecord; at: string; events: number }> {
  const { store } = options;
  // The daemon may hold a large file's transaction for a minute: wait for it, not busy_timeout's 10 s.
  return store.waitingForOthers(() =>
    store.transaction(async ({ ledger, handle }) => {
      const current = await ledger.get(file.id);
      if (current?.state !== file.state || current.stateChangedAt !== file.stateChangedAt) {
        throw new OperatorError('changed', `${file.name} changed while it was being queued (now ${current?.state}); try again`);
      }
      const refused = await requeue.refusal?.(handle, file);
      if (refused) throw new OperatorError('not_reprocessable', refused);
      const queued = await ledger.move(file.id, 'queued', requeue.change);
      await place();
      return { file: queued, at: queued.stateChangedAt, events: (await ledger.events(file.id)).length };
    }),
  );
}

async function copyDurably(from: string, to: string, total: number, onCopy?: (done: number, total: number) => void): Promise<void> {
  let done = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, next) {
      done += chunk.length;
      onCopy?.(done, total);
      next(null, chunk);
    },
  });
  try {
    const source = await open(from, constants.O_RDONLY | constants.O_NOFOLLOW);
    // 'wx': O_EXCL, so an existing name (or a planted link) is never written through.
    await pipeline(source.createReadStream(), count, createWriteStream(to, { flags: 'wx', mode: 0o640 }));
    const written = await open(to, constants.O_RDONLY);
    await written.sync().finally(() => written.close());
  } catch (err) {
    await unlink(to).catch(() => undefined);
    throw err;
  }
  await fsyncDir(path.dirname(to));
}

/**
 * Gives the copy its real name (a hard link never replaces an existing file) and makes that
 * durable before the commit, so the queued row can never survive a power loss without its file.
 */
async function linkDurably(from: string, to: string): Promise<void> {
  await link(from, to);
  await fsyncDir(path.dirname(to));
}
