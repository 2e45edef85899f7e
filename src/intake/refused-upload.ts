/**
 * An upload refused before it was complete (past the size limit): nothing of it was kept, so it
 * never reaches an inbox, but its partner gets a `rejected` receipt saying why, and the ledger a
 * row of it, out of the inbox from the start. A `/validate` upload gets its dry-run receipt.
 */
import type { UploadArea } from '../data-layout.js';
import type { RejectCode } from '../core/errors.js';
import type { FileLedger, FileRecord } from '../store/files.js';
import type { Partner } from '../store/partners.js';
import type { WriteLock } from '../store/write-lock.js';
import type { Answers } from './answers.js';
import { dryRunRecord } from './dry-run.js';

/** An upload the SFTP server refused part-way, and why. */
export interface RefusedUpload {
  area: UploadArea;
  name: string;
  /** Bytes received when it was refused; none of them kept (the file has no hash). */
  size: number;
  reason: { code: RejectCode; message: string };
}

/** Records and answers the refused upload (see the file's opening comment). */
export async function answerRefusedUpload(
  parts: { files: FileLedger; lock: WriteLock; answers: Answers; now: () => Date },
  partner: Partner,
  upload: RefusedUpload,
): Promise<void> {
  const { files, lock, answers, now } = parts;
  const { area, name, size, reason } = upload;
  const digest = { sha256: '', size };
  if (area === 'validate') {
    const file: FileRecord = { ...dryRunRecord(partner, name, digest, now()), state: 'rejected', reasonCode: reason.code, reason: reason.message, processedAt: now().toISOString() };
    await answers.stateChanged(file, partner, { dryRun: true });
    return;
  }
  const refused = await lock.transaction(() => {
    const received = files.insert({ partner: partner.id, name, ...digest }, 'the upload was cut off');
    return files.move(received.id, 'rejected', { reasonCode: reason.code, reason: reason.message, leftInbox: true });
  });
  await answers.stateChanged(refused, partner);
}
