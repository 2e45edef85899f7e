/**
 * An upload refused before it reached an inbox: past the size limit while its bytes came, or at
 * OPEN, CLOSE or RENAME because its name alone decided it (`upload-screen.ts`). Nothing of it was
 * kept, so it never reaches an inbox, but its partner gets a `rejected` receipt saying why (a
 * client that hides status messages finds it in /outbox), and the ledger a row of it, out of the
 * inbox from the start. A `/validate` upload gets its dry-run receipt.
 */
import type { UploadArea } from '../data-layout.js';
import type { RejectCode } from '../core/errors.js';
import type { FileRecord, FileVia } from '../store/files.js';
import type { Partner } from '../store/partners.js';
import type { Store } from '../store/store.js';
import type { Answers } from './answers.js';
import { dryRunRecord } from './dry-run.js';

/** An upload an upload path refused, and why. */
export interface RefusedUpload {
  area: UploadArea;
  name: string;
  /** Bytes received when it was refused (none at OPEN); none of them kept (the file has no hash). */
  size: number;
  reason: { code: RejectCode; message: string };
  /** The format its name belongs to, when the name was recognised (a name already used). */
  format?: string | undefined;
  via?: FileVia | undefined;
}

/** What the ledger's history says of the refused upload. */
function detailOf(upload: RefusedUpload): string {
  return upload.reason.code === 'oversize' ? 'the upload was cut off' : 'refused when it was uploaded, for its name';
}

/** Records and answers the refused upload (see the file's opening comment). */
export async function answerRefusedUpload(
  parts: { store: Store; answers: Answers; now: () => Date },
  partner: Partner,
  upload: RefusedUpload,
): Promise<FileRecord> {
  const { store, answers, now } = parts;
  const { area, name, size, reason } = upload;
  const digest = { sha256: '', size };
  if (area === 'validate') {
    const file: FileRecord = { ...dryRunRecord(partner, name, digest, now()), state: 'rejected', reasonCode: reason.code, reason: reason.message, processedAt: now().toISOString() };
    await answers.stateChanged(file, partner, { dryRun: true });
    return file;
  }
  const refused = await store.transaction(async ({ ledger }) => {
    const received = await ledger.insert({ partner: partner.id, name, ...digest, via: upload.via ?? null }, detailOf(upload));
    const format = upload.format ? { format: upload.format } : {};
    return ledger.move(received.id, 'rejected', { reasonCode: reason.code, reason: reason.message, leftInbox: true, ...format });
  });
  if (reason.code === 'name_used') await answers.nameUsedAside(refused, partner);
  await answers.stateChanged(refused, partner);
  return refused;
}
