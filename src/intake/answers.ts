/**
 * Tells the world about a file's state: the receipt in the partner's outbox and one log line.
 * Called after the state is committed, never before.
 */
import { acceptedPattern } from '../core/naming.js';
import { formatsFor } from '../formats/registry.js';
import type { Log } from '../log.js';
import type { Outbox } from '../outbox/outbox.js';
import { receiptFor, type ReceiptExtras } from '../outbox/receipt.js';
import type { FileRecord } from '../store/files.js';
import type { Partner } from '../store/partners.js';

export class Answers {
  constructor(
    private readonly outbox: Outbox,
    private readonly log: Log,
    private readonly now: () => Date,
  ) {}

  async stateChanged(file: FileRecord, partner: Partner, extras: ReceiptExtras = {}): Promise<void> {
    const acceptedNames = file.reasonCode?.startsWith('name_')
      ? formatsFor(partner.formats).map((format) => acceptedPattern(format.name, partner))
      : undefined;
    await this.outbox.writeReceipt(receiptFor(file, this.now(), { acceptedNames, ...extras }));
    this.logState(file, extras.dryRun ?? false);
  }

  logState(file: FileRecord, dryRun = false): void {
    const fields: Record<string, unknown> = { partner: file.partner, file: file.name, id: file.id };
    if (dryRun) fields.dry_run = true;
    if (file.format) fields.format = file.format;
    if (file.state === 'received') fields.size = file.size;
    if (file.reasonCode) {
      fields.reason_code = file.reasonCode;
      fields.reason = file.reason;
    }
    if (file.counts) Object.assign(fields, file.counts);
    const level = file.state === 'failed' ? 'error' : 'info';
    this.log[level](`file.${file.state}`, fields);
  }
}
