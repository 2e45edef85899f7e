/**
 * Writes into a partner's `outbox/`: always via a temporary dot-name and a rename, so a partner
 * downloading a receipt never reads half of one. Dot-names are never listed over SFTP.
 */
import path from 'node:path';
import type { DataLayout } from '../data-layout.js';
import { fileNameProblem } from '../core/safe-name.js';
import { ensureDir, writeFileAtomic } from '../fs/durable.js';
import { outboxStem, type Receipt } from './receipt.js';

export class Outbox {
  constructor(private readonly layout: DataLayout) {}

  async writeReceipt(receipt: Receipt): Promise<string> {
    const name = `${outboxStem(receipt.file, receipt.dry_run)}.receipt.json`;
    await this.write(receipt.partner, name, `${JSON.stringify(receipt, null, 2)}\n`);
    return name;
  }

  /** Writes `<fileName>` (e.g. `x.csv.result.json`) atomically into the partner's outbox. */
  async write(partner: string, fileName: string, content: string | Uint8Array): Promise<void> {
    const problem = fileNameProblem(fileName);
    if (problem) throw new Error(`cannot write ${JSON.stringify(fileName)} to the outbox: ${problem}`);
    const dir = this.layout.areaDir(partner, 'outbox');
    await ensureDir(dir);
    await writeFileAtomic(path.join(dir, fileName), content);
  }
}
