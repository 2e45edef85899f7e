/**
 * Tells the world about a file's state: the receipt in the partner's outbox and one log line.
 * Called after the state is committed, never before.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { DataLayout } from '../data-layout.js';
import { acceptedPattern } from '../core/naming.js';
import { FINAL_STATES } from '../core/file-state.js';
import { asidePrefix } from '../formats/delimited/processor.js';
import { builtInFormat, formatsFor, type FormatLookup } from '../formats/registry.js';
import type { Log } from '../log.js';
import type { Outbox } from '../outbox/outbox.js';
import { outboxStem, receiptFor, type ReceiptExtras } from '../outbox/receipt.js';
import type { FileRecord } from '../store/files.js';
import type { Partner } from '../store/partners.js';

/** Hears every state change a file goes through (metrics, the service status). */
export type StateListener = (file: FileRecord, dryRun: boolean) => void;

export class Answers {
  private readonly listeners: StateListener[] = [];

  constructor(
    private readonly layout: DataLayout,
    private readonly outbox: Outbox,
    private readonly log: Log,
    private readonly now: () => Date,
    private readonly formats: FormatLookup = builtInFormat,
  ) {}

  /** Writes the receipt (and the format's state documents) for the file's current state. */
  async stateChanged(file: FileRecord, partner: Partner, extras: ReceiptExtras = {}): Promise<void> {
    const dryRun = extras.dryRun ?? false;
    const stem = outboxStem(file.name, dryRun);
    const processor = file.format ? this.formats(file.format)?.processor : undefined;
    for (const output of processor?.onStateChange?.(file, partner, dryRun) ?? []) {
      await this.outbox.write(partner.id, `${stem}${output.suffix}`, output.content, dryRun || FINAL_STATES.has(file.state));
    }
    const refusedName = file.format === null && file.state === 'rejected' && file.reasonCode?.startsWith('name_') === true;
    const acceptedNames = file.reasonCode?.startsWith('name_')
      ? formatsFor(partner.formats).map((format) => acceptedPattern(format.name, partner))
      : undefined;
    let outputs =
      processor && FINAL_STATES.has(file.state)
        ? await this.existing(partner.id, (processor.outputsOf?.(file) ?? processor.outputs).map((suffix) => `${stem}${suffix}`))
        : undefined;
    if (refusedName) outputs = await this.nameRefusals(file, partner, stem);
    await this.outbox.writeReceipt(receiptFor(file, this.now(), { acceptedNames, outputs, ...extras }));
    this.logState(file, dryRun, extras.waitingFor);
  }

  /** A name no rule took: each of the partner's formats that answers such a refusal in its own dialect does (PBJ's 400 body). */
  private async nameRefusals(file: FileRecord, partner: Partner, stem: string): Promise<string[]> {
    const written: string[] = [];
    for (const format of formatsFor(partner.formats)) {
      if (!format.nameRefusal) continue;
      const name = `${stem}${format.nameRefusal.suffix}`;
      await this.outbox.write(partner.id, name, format.nameRefusal.content(file.reason ?? ''), true);
      written.push(name);
    }
    return written;
  }

  /**
   * A file refused before processing because its name-once name was used: the format's own
   * answer to it, beside (never over) the answer of the file that has the name, where the
   * pipeline puts it too (`<name>.upload-<id>…`).
   */
  async nameUsedAside(file: FileRecord, partner: Partner): Promise<void> {
    const refusal = file.format ? this.formats(file.format)?.nameRefusal : undefined;
    if (!refusal) return;
    const name = `${outboxStem(file.name, false)}${asidePrefix(file)}${refusal.suffix}`;
    await this.outbox.write(partner.id, name, refusal.content(file.reason ?? ''), true);
  }

  private async existing(partner: string, names: string[]): Promise<string[]> {
    const dir = this.layout.areaDir(partner, 'outbox');
    const found: string[] = [];
    for (const name of names) {
      if (await access(path.join(dir, name)).then(() => true, () => false)) found.push(name);
    }
    return found;
  }

  /** Adds a listener; it must not throw, and is called after the state is committed. */
  onState(listener: StateListener): void {
    this.listeners.push(listener);
  }

  logState(file: FileRecord, dryRun = false, waitingFor?: string): void {
    for (const listener of this.listeners) listener(file, dryRun);
    const fields: Record<string, unknown> = { partner: file.partner, file: file.name, id: file.id };
    if (dryRun) fields.dry_run = true;
    if (waitingFor) fields.waiting_for = waitingFor;
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
