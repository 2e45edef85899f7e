/**
 * Writes into a partner's `outbox/`: always via a temporary dot-name and a rename, so a partner
 * downloading a receipt never reads half of one. Dot-names are never listed over SFTP.
 */
import path from 'node:path';
import type { DataLayout } from '../data-layout.js';
import { fileNameProblem } from '../core/safe-name.js';
import { ensureDir, writeFileAtomic } from '../fs/durable.js';
import { FINAL_STATES, type FileState } from '../core/file-state.js';
import { outboxStem, type Receipt } from './receipt.js';

export class Outbox {
  constructor(private readonly layout: DataLayout) {}

  async writeReceipt(receipt: Receipt): Promise<string> {
    const name = `${outboxStem(receipt.file, receipt.dry_run)}.receipt.json`;
    await this.write(receipt.partner, name, `${JSON.stringify(receipt, null, 2)}\n`, isLastWord(receipt));
    return name;
  }

  /**
   * Writes `<fileName>` (e.g. `x.csv.result.json`) atomically into the partner's outbox; `durable`
   * for an answer that nothing would write again after a power loss.
   */
  async write(partner: string, fileName: string, content: string | Uint8Array, durable = true): Promise<void> {
    const problem = fileNameProblem(fileName);
    if (problem) throw new Error(`cannot write ${JSON.stringify(fileName)} to the outbox: ${problem}`);
    const dir = this.layout.areaDir(partner, 'outbox');
    await ensureDir(dir);
    await writeFileAtomic(path.join(dir, fileName), content, 0o640, durable);
  }
}

/**
 * A receipt of a final state (or of a dry run) is the last word on its file and must survive a
 * power loss; one of a passing state (queued, processing) is rewritten by whatever comes next,
 * and after a crash by the restart, so it need not wait for the disk.
 */
export function isLastWord(receipt: { state: string; dry_run: boolean }): boolean {
  return receipt.dry_run || FINAL_STATES.has(receipt.state as FileState);
}
