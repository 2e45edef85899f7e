/**
 * The receipt: one `<name>.receipt.json` per file a partner sends, rewritten at each state change.
 * Built here from the ledger row, without I/O.
 */
import type { FileCounts, FileNotes, FileRecord } from '../store/files.js';
import type { NameFields } from '../core/naming.js';

export interface Receipt {
  file: string;
  partner: string;
  state: string;
  dry_run: boolean;
  sha256: string;
  size: number;
  format: string | null;
  name_fields: NameFields | null;
  counts: FileCounts | null;
  reason: { code: string; message: string } | null;
  /** For a name nobody recognised: the names this account may send. */
  accepted_names?: string[];
  /** How the file came when not through a folder: 'http' for the partner API. */
  via?: 'http';
  /** For a held file: the name it waits for. */
  waiting_for?: string;
  /** What the file did that was let pass (a column the format does not know, ignored). */
  warnings?: string[];
  /** A delimited file's columns: named by its header, or the order a headerless file was read in. */
  columns?: FileNotes['columns'];
  /** The files of this name still waiting that this one replaced (their records withdrawn). */
  replaced?: FileNotes['replaced'];
  timings: {
    received_at: string;
    processing_started_at: string | null;
    finished_at: string | null;
    duration_ms: number | null;
  };
  /** Files written beside the receipt for this file (error log, dialect answer). */
  outputs?: string[];
  updated_at: string;
}

export interface ReceiptExtras {
  acceptedNames?: string[];
  waitingFor?: string;
  outputs?: string[];
  dryRun?: boolean;
}

export function receiptFor(file: FileRecord, now: Date, extras: ReceiptExtras = {}): Receipt {
  const started = file.processingStartedAt ?? file.receivedAt;
  const receipt: Receipt = {
    file: file.name,
    partner: file.partner,
    state: file.state,
    dry_run: extras.dryRun ?? false,
    sha256: file.sha256,
    size: file.size,
    format: file.format,
    name_fields: file.fields,
    counts: file.counts,
    reason: file.reasonCode ? { code: file.reasonCode, message: file.reason ?? '' } : null,
    timings: {
      received_at: file.receivedAt,
      processing_started_at: file.processingStartedAt,
      finished_at: file.processedAt,
      duration_ms: file.processedAt ? Date.parse(file.processedAt) - Date.parse(started) : null,
    },
    updated_at: now.toISOString(),
  };
  if (file.via) receipt.via = file.via;
  if (extras.acceptedNames) receipt.accepted_names = extras.acceptedNames;
  if (extras.waitingFor) receipt.waiting_for = extras.waitingFor;
  if (file.notes?.warnings?.length) receipt.warnings = file.notes.warnings;
  if (file.notes?.columns) receipt.columns = file.notes.columns;
  if (file.notes?.replaced?.length) receipt.replaced = file.notes.replaced;
  if (extras.outputs?.length) receipt.outputs = extras.outputs;
  return receipt;
}

/** The stem of every outbox file about `name`: dry runs get their own, so they never overwrite. */
export function outboxStem(name: string, dryRun: boolean): string {
  return dryRun ? `${name}.dry-run` : name;
}
