/**
 * The frame every format runs in: `queued → processing → processed | rejected | failed`, one
 * store transaction per file, outputs renamed into the outbox just before that transaction
 * commits, record errors stored with it. A dry run runs the very same code in a transaction that
 * is always rolled back.
 */
import type { Config } from '../config/schema.js';
import type { DataLayout } from '../data-layout.js';
import { errorMessage, FileRejected, type RejectCode } from '../core/errors.js';
import { builtInFormat, type FormatLookup } from '../formats/registry.js';
import type { Answers } from '../intake/answers.js';
import type { FileRouter } from '../intake/intake.js';
import type { Log } from '../log.js';
import { outboxStem } from '../outbox/receipt.js';
import type { FileCounts, FileNotes, FileRecord } from '../store/files.js';
import type { Partner } from '../store/partners.js';
import type { Store, StoreTx } from '../store/store.js';
import { ErrorCollector } from './error-collector.js';
import { OutputFiles } from './output-files.js';
import type { FormatProcessor, ProcessOutcome } from './processor.js';
import type { NodeIdentity } from './claim-keeper.js';
import { Sequencing, type SequenceStep } from './sequencing.js';

export interface PipelineOptions {
  layout: DataLayout;
  config: Config;
  store: Store;
  /** Whose claim a file taken here is, and for how long unrenewed. */
  node: NodeIdentity;
  answers: Answers;
  log: Log;
  now: () => Date;
  formats?: FormatLookup;
  /** A held file was released by its predecessor: take it again (the intake's queue). */
  onRelease?: (file: FileRecord) => void;
}

/** The whole file is refused after validation (all-or-nothing): roll back, keep the outputs. */
class RefusedWhole extends Error {
  constructor(readonly outcome: ProcessOutcome & { rejection: { code: RejectCode; message: string } }) {
    super(outcome.rejection.message);
  }
}

export class Pipeline implements FileRouter {
  private readonly sequencing: Sequencing;

  constructor(private readonly options: PipelineOptions) {
    const { store, answers, log, now } = options;
    const formats = options.formats ?? builtInFormat;
    this.sequencing = new Sequencing({ store, answers, log, now, formats, onRelease: options.onRelease ?? (() => undefined) });
  }

  /**
   * Holds a file of a sequenced format until its predecessor is processed, else processes a
   * `queued` file whose format has a processor; returns its state afterwards.
   */
  async route(file: FileRecord, partner: Partner, source: string): Promise<FileRecord> {
    const gated = await this.sequencing.gate(file, partner);
    if (gated.state !== 'queued') return gated;
    return this.process(gated, partner, source);
  }

  async process(file: FileRecord, partner: Partner, source: string): Promise<FileRecord> {
    const processor = this.processorFor(file);
    if (!processor) return file;
    const { store, answers, log } = this.options;
    const processing = await this.claim(file);
    // Another node has it (or had it and is done): its answers are that node's to write.
    if (!processing) return (await store.ledger.get(file.id)) ?? file;
    await answers.stateChanged(processing, partner);
    const outputs = new OutputFiles(this.options.layout.areaDir(partner.id, 'outbox'), file.name);
    const errors = new ErrorCollector();
    const context = { file: processing, partner, source, dryRun: false, errors, outputs };
    let step: SequenceStep | undefined;
    let done: FileRecord;
    try {
      done = await store.transaction(async (tx) => {
        await tx.claims.hold(file.id);
        const outcome = await processor.process({ ...context, ...this.shared(tx) });
        if (outcome.rejection) throw new RefusedWhole({ ...outcome, rejection: outcome.rejection });
        const processed = await this.conclude(tx, processing, processor, errors, outputs, 'processed', outcome.counts, undefined, outcome.notes);
        // The sequence moves in the same transaction as the file's state.
        step = await this.sequencing.afterProcessed(tx, processed);
        return processed;
      });
    } catch (err) {
      if (err instanceof RefusedWhole) {
        const { counts, rejection, notes } = err.outcome;
        return store.transaction((tx) => this.conclude(tx, processing, processor, errors, outputs, 'rejected', counts, rejection, notes));
      }
      await outputs.discard();
      if (err instanceof FileRejected) {
        return store.transaction(async (tx) => {
          await tx.claims.release(file.id);
          return tx.ledger.move(file.id, 'rejected', {
            reasonCode: err.code,
            reason: err.message,
            counts: null,
            archivePath: this.options.layout.archivePathOf(file),
          });
        });
      }
      log.error('file.processing_error', {
        partner: partner.id,
        file: file.name,
        id: file.id,
        error: errorMessage(err),
        stack: (err as Error)?.stack,
      });
      return store.transaction(async (tx) => {
        await tx.claims.release(file.id);
        return tx.ledger.move(file.id, 'failed', {
          reasonCode: 'internal_error',
          reason: 'posdrop could not process this file because of an internal error; the operators have been alerted and it will be tried again',
          detail: errorMessage(err),
        });
      });
    }
    await this.sequencing.announce(done, step, partner);
    return done;
  }

  /**
   * A dry run: the whole validation of the file's format, outputs and receipt under the
   * `<name>.dry-run` stem, and nothing stored (the transaction is always rolled back).
   */
  async check(file: FileRecord, partner: Partner, source: string): Promise<FileRecord> {
    const processor = this.processorFor(file);
    let result: FileRecord = file;
    if (processor) {
      const outputs = new OutputFiles(this.options.layout.areaDir(partner.id, 'outbox'), outboxStem(file.name, true));
      const errors = new ErrorCollector();
      const started = this.options.now().toISOString();
      try {
        const outcome = await this.options.store.rolledBack(async (tx) => {
          const done = await processor.process({ file, partner, source, dryRun: true, errors, outputs, ...this.shared(tx) });
          await outputs.removeStale(processor.outputs, await outputs.commit());
          return done;
        });
        result = { ...finished(file, started, this.options.now(), outcome.rejection ? 'rejected' : 'processed', outcome.counts, outcome.rejection), notes: outcome.notes ?? null };
      } catch (err) {
        await outputs.discard();
        if (!(err instanceof FileRejected)) throw err;
        result = finished(file, started, this.options.now(), 'rejected', null, err);
      }
    }
    await this.options.answers.stateChanged(result, partner, { dryRun: true });
    return result;
  }

  private shared(tx: StoreTx): { store: StoreTx; config: Config; now: () => Date } {
    return { store: tx, config: this.options.config, now: this.options.now };
  }


  /** Inside the file's transaction: errors, outputs, then the state. */
  private async conclude(
    tx: StoreTx,
    file: FileRecord,
    processor: FormatProcessor,
    errors: ErrorCollector,
    outputs: OutputFiles,
    state: 'processed' | 'rejected',
    counts: FileCounts,
    rejection?: { code: RejectCode; message: string },
    notes?: FileNotes,
  ): Promise<FileRecord> {
    await tx.recordErrors.replace(file.id, errors.errors, errors.notStored);
    await tx.claims.release(file.id);
    const own = processor.outputsOf?.({ id: file.id, reasonCode: rejection?.code ?? null }) ?? processor.outputs;
    await outputs.removeStale(own, await outputs.commit());
    return tx.ledger.move(file.id, state, {
      counts,
      reasonCode: rejection?.code ?? null,
      reason: rejection?.message ?? null,
      archivePath: this.options.layout.archivePathOf(file),
      notes: withArrival(file, notes),
    });
  }

  /** Takes a queued file for this node: `processing`, with its claim; undefined when another node was first. */
  private claim(file: FileRecord): Promise<FileRecord | undefined> {
    const { store, node, now } = this.options;
    return store.transaction(async (tx) => {
      if (!(await tx.claims.lockQueued(file.id))) return undefined;
      const at = now();
      await tx.claims.take(file.id, node.id, at.toISOString(), new Date(at.getTime() + node.leaseMs).toISOString());
      return tx.ledger.move(file.id, 'processing');
    });
  }

  private processorFor(file: FileRecord): FormatProcessor | undefined {
    if (!file.format) return undefined;
    return (this.options.formats ?? builtInFormat)(file.format)?.processor;
  }
}

/** The run's notes, and what the file's arrival noted (the files it replaced). */
function withArrival(file: FileRecord, notes: FileNotes | undefined): FileNotes | null {
  const merged: FileNotes = { ...(file.notes?.replaced ? { replaced: file.notes.replaced } : {}), ...notes };
  return Object.keys(merged).length > 0 ? merged : null;
}

function finished(
  file: FileRecord,
  startedAt: string,
  now: Date,
  state: 'processed' | 'rejected',
  counts: FileCounts | null,
  rejection?: { code: string; message: string },
): FileRecord {
  return {
    ...file,
    state,
    counts,
    reasonCode: rejection?.code ?? null,
    reason: rejection?.message ?? null,
    processingStartedAt: startedAt,
    processedAt: now.toISOString(),
  };
}
