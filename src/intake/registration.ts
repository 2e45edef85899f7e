/**
 * A file found in an inbox, written into the ledger: found again by identity, or recorded and
 * classified by name in one transaction. A name holds one file: pending rows of other bytes under
 * it describe a file that was replaced (in place, or while the daemon was stopped) and are
 * withdrawn, as are the pending rows of a name whose file the partner removed.
 */
import type { DataLayout } from '../data-layout.js';
import { utcDay } from '../core/calendar.js';
import { PENDING_STATES } from '../core/file-state.js';
import { classifyName } from '../core/naming.js';
import { envelopeOf } from '../core/envelope.js';
import { formatsFor, type FormatLookup } from '../formats/registry.js';
import type { FileRecord } from '../store/files.js';
import type { LedgerStore } from '../store/ledger-store.js';
import type { Store } from '../store/store.js';
import type { Arrival } from './delivered-files.js';
import type { Partner } from '../store/partners.js';
import type { Answers } from './answers.js';
import { arrivalDetail, isNewArrival } from './arrival.js';
import type { FileDigest } from './file-identity.js';
import type { LeftInboxMarks } from './left-inbox-marks.js';

export interface RegistrationOptions {
  layout: DataLayout;
  store: Store;
  answers: Answers;
  leftInbox: LeftInboxMarks;
  formats: FormatLookup;
  now: () => Date;
}

/** The file's ledger row, and whether its current state was answered (its receipt written) here. */
export interface Registered {
  record: FileRecord;
  answered: boolean;
}

export class Registration {
  constructor(private readonly options: RegistrationOptions) {}

  /** Records the file (or finds it by identity) and classifies it by name, in one transaction. */
  async register(partner: Partner, name: string, digest: FileDigest, arrival: Arrival = { via: null, senderOptions: null }): Promise<Registered> {
    const { store, answers, leftInbox, formats } = this.options;
    const result = await store.transaction(async (tx) => {
      const files = tx.ledger;
      // Every node sees the same upload: the first registers it, the others then find it known.
      await files.serialiseName(partner.id, name);
      // Whether a known identity is a new arrival depends on its original having left the inbox.
      const marked = await leftInbox.writeNow(tx);
      const inInbox = await files.inInbox(partner.id, name);
      const others = inInbox.filter((file) => file.sha256 !== digest.sha256);
      const replaced = await withdrawPending(files, others, 'the file was replaced by another file of the same name before it was processed');
      const known = inInbox.find((file) => file.sha256 === digest.sha256) ?? (await files.find(partner.id, name, digest.sha256));
      if (known && !isNewArrival(known, known.format ? formats(known.format)?.dedupe : undefined)) return { marked, known, replaced };
      // Other bytes are in the inbox under this name now: its processed and refused files have left.
      for (const file of others) await files.markLeftInbox(file.id);
      const received = await files.insert({ partner: partner.id, name, ...digest, ...arrival }, known ? arrivalDetail(known) : null);
      return { marked, received, replaced, classified: await this.classify(files, received, partner, replaced) };
    });
    leftInbox.forget(result.marked);
    // The old receipts first: the new file's receipt, written last, is the one that stays.
    for (const file of result.replaced) await answers.stateChanged(file, partner);
    if (result.known) {
      if (result.replaced.length > 0) await answers.stateChanged(result.known, partner);
      return { record: result.known, answered: result.replaced.length > 0 };
    }
    answers.logState(result.received);
    await answers.stateChanged(result.classified, partner);
    return { record: result.classified, answered: true };
  }

  /** The partner removed a file before it was processed: its pending rows are withdrawn. */
  async withdraw(partner: Partner, name: string): Promise<void> {
    const { store, answers } = this.options;
    const withdrawn = await store.transaction(async ({ ledger }) => {
      await ledger.serialiseName(partner.id, name);
      return withdrawPending(ledger, await ledger.inInbox(partner.id, name), 'the file was removed from the inbox before it was processed');
    });
    for (const file of withdrawn) await answers.stateChanged(file, partner);
  }

  /**
   * Inside the caller's transaction: `queued` with its format, or `rejected` with the rule broken.
   * A compressed file is `queued` without a format: the names of its members are classified.
   */
  private classify(files: LedgerStore, file: FileRecord, partner: Partner, replaced: readonly FileRecord[]): Promise<FileRecord> {
    const { layout, now } = this.options;
    if (envelopeOf(file.name)) return files.move(file.id, 'queued', { detail: 'compressed: each file inside is taken on its own' });
    const rules = formatsFor(partner.formats).map((format) => format.name);
    const verdict = classifyName(file.name, rules, partner, utcDay(now()));
    // the receipt of the name is this file's now: it says which waiting files it replaced
    const notes = replaced.length ? { replaced: replaced.map((old) => ({ id: old.id, sha256: old.sha256, received_at: old.receivedAt })) } : undefined;
    if (!verdict.ok) {
      return files.move(file.id, 'rejected', { reasonCode: verdict.code, reason: verdict.message, archivePath: layout.archivePathOf(file), notes });
    }
    return files.move(file.id, 'queued', { format: verdict.format, fields: verdict.fields, notes });
  }
}

/** Inside a transaction: the pending files among `rows` withdrawn (refused, their original gone), with `reason`. */
async function withdrawPending(files: LedgerStore, rows: readonly FileRecord[], reason: string): Promise<FileRecord[]> {
  const withdrawn: FileRecord[] = [];
  for (const file of rows) {
    if (PENDING_STATES.has(file.state)) withdrawn.push(await files.move(file.id, 'rejected', { reasonCode: 'withdrawn', reason, leftInbox: true }));
  }
  return withdrawn;
}
