/**
 * Undoing a whole batch: every ledger entry of the file is reversed by an `undo` entry, in the
 * caller's transaction, and the undo is recorded with who and why. Refused when the batch was
 * already undone, or when a later redemption could only be paid with the batch's points.
 */
import { OperatorError } from '../../core/errors.js';
import type { EngineHandle, Store } from '../../store/store.js';
import type { FileRecord } from '../../store/files.js';
import { openToolboxLedger, type BalanceKey, type Entry, type ToolboxLedger, type UndoneBy } from './ledger.js';

export interface UndoRequest {
  fileId: number;
  partner: string;
  by: string;
  reason: string;
  at: string;
}

export interface Blocker {
  fileId: number;
  line: number;
}

/**
 * The first entry whose balance would go below zero without the batch's entries: a redemption
 * that depends on them. Entries already undone, and their undo entries, cancel out. Pure.
 */
export function dependentRedemption(history: readonly Entry[], fileId: number): Blocker | undefined {
  const undone = new Set(history.flatMap((entry) => (entry.undoes === null ? [] : [entry.undoes])));
  let running = 0;
  for (const entry of history) {
    if (entry.kind === 'undo' || undone.has(entry.id) || entry.fileId === fileId) continue;
    running += entry.delta;
    if (running < 0) return { fileId: entry.fileId, line: entry.line };
  }
  return undefined;
}

function keyOf(entry: Entry): string {
  return JSON.stringify([entry.campaign, entry.code, entry.product]);
}

/**
 * Reverses the batch; returns how many entries were reversed. Throws `OperatorError` to refuse.
 * `nameOf` names a file by id, for a refusal that names a later batch.
 */
export async function undoBatch(ledger: ToolboxLedger, request: UndoRequest, nameOf: (fileId: number) => Promise<string>): Promise<number> {
  const done = await ledger.undoneAt(request.fileId);
  if (done) throw new OperatorError('already_undone', `this batch was already undone by ${done.undone_by} at ${done.undone_at}`);
  const entries = await ledger.entriesOfFile(request.fileId);
  const keys = new Map<string, BalanceKey>();
  for (const entry of entries) keys.set(keyOf(entry), entry);
  for (const key of keys.values()) {
    const blocker = dependentRedemption(await ledger.entriesOf(key), request.fileId);
    if (blocker) {
      throw new OperatorError(
        'undo_blocked',
        `cannot undo: line ${blocker.line} of ${await nameOf(blocker.fileId)} redeems points of customer ${key.code} in campaign ${key.campaign} that this batch added`,
      );
    }
  }
  for (const entry of entries) {
    ledger.post({
      partner: entry.partner,
      campaign: entry.campaign,
      code: entry.code,
      product: entry.product,
      fileId: request.fileId,
      line: entry.line,
      kind: 'undo',
      amount: '',
      delta: -entry.delta,
      date: request.at.slice(0, 10),
      authorization: '',
      promoIds: '',
      undoes: entry.id,
      at: request.at,
    });
  }
  await ledger.flush(true);
  await ledger.recordUndo(request.fileId, request.partner, request.by, request.reason, request.at, entries.length);
  return entries.length;
}

/**
 * Why an undone batch is not processed again: its lines count as posted, so none would post
 * again while the receipt said they were imported.
 */
export async function undoneRefusal(handle: EngineHandle, file: FileRecord): Promise<string | undefined> {
  const done = await undoneAt(handle, file.id);
  if (!done) return undefined;
  return `${file.name} was undone by ${done.undone_by} at ${done.undone_at}: processing it again would post none of its entries, which count as posted; to post the batch again, the partner sends it under another name`;
}

/** Who undid the batch of `fileId`, and when, if it was undone (a read: no ledger lock is taken). */
async function undoneAt(handle: EngineHandle, fileId: number): Promise<UndoneBy | undefined> {
  if (handle.engine === 'sqlite') return handle.db.prepare('SELECT undone_by, undone_at FROM toolbox_undos WHERE file_id = ?').get(fileId) as UndoneBy | undefined;
  const result = await handle.client.query<UndoneBy>('SELECT undone_by, undone_at FROM toolbox_undos WHERE file_id = $1', [fileId]);
  return result.rows[0];
}

/** An operator's undo of one file: who asks, why, and whether the partner allows undo at all. */
export interface FileUndo {
  file: FileRecord;
  allowUndo: boolean;
  by: string;
  reason: string;
  at: string;
}

/**
 * Undoes the batch of `undo.file` in one transaction of `store`, after the checks `posdrop undo`
 * and the console share, and notes it in the file's history; returns how many entries were reversed.
 */
export async function undoFile(store: Store, undo: FileUndo): Promise<number> {
  const { file } = undo;
  if (file.format !== 'clienttoolbox-transactions') throw new OperatorError('not_undoable', `${file.name} is not a Client Toolbox batch`);
  if (file.state !== 'processed') throw new OperatorError('not_undoable', `${file.name} is ${file.state}; only a processed batch can be undone`);
  if (!undo.allowUndo) {
    throw new OperatorError('undo_not_allowed', `partner ${file.partner} does not allow undo of this batch (clienttoolbox.${file.partner}.allow_undo is off, and the batch was not sent with allow-undo=yes)`);
  }
  return store.transaction(async (tx) => {
    const nameOf = async (id: number) => (id === file.id ? file.name : ((await tx.ledger.get(id))?.name ?? `file ${id}`));
    const ledger = await openToolboxLedger(tx.handle, file.partner);
    const entries = await undoBatch(ledger, { fileId: file.id, partner: file.partner, by: undo.by, reason: undo.reason, at: undo.at }, nameOf);
    await tx.ledger.note(file.id, `undone: ${undo.by} reversed ${entries} ${entries === 1 ? 'entry' : 'entries'} (${undo.reason})`);
    return entries;
  });
}
