import { UsageError } from '../../core/errors.js';
import type { RecordError } from '../../core/record-error.js';
import type { StoredFailedRequest } from '../../formats/crowdtwist-pos/failed-request-store.js';
import type { FileRecord } from '../../store/files.js';
import { builtInFormat } from '../../formats/registry.js';
import { MAX_STORED_ERRORS } from '../../pipeline/error-collector.js';
import type { ReadModel } from '../../read-model/read-model.js';
import type { Command } from '../command.js';
import { withContext } from '../context.js';
import { printJson, printTable, RawJson } from '../output.js';
import { reasonJson } from './files.js';

const VALUE_WIDTH = 30;
const REQUEST_WIDTH = 100;

/** A failed request as the partner's `<name>.errors.json` gives it. */
interface FailedRequestEntry {
  index: number;
  receipt_id: string | null;
  type: string | null;
  errors: { field: string | null; code: string; message: string }[];
  /** Verbatim; null for a file processed before posdrop kept requests. */
  request: RawJson | null;
}

export const errorsCommand: Command = {
  name: 'errors',
  args: 1,
  summary: "a file's record errors: where, which field, what was expected",
  usage: '<file id or name> [--partner P] [--limit N] [--json]',
  details: [
    '  A name sent by several partners needs --partner (or give the file id from posdrop files).',
    '  AT is the line (delimited formats) or the index in pos_data (JSON); VALUE is what was sent.',
    '  For crowdtwist-pos, each failed request is also shown as sent (cut short in the table).',
    `  posdrop keeps the first ${MAX_STORED_ERRORS.toLocaleString('en-US')} errors of a file (the rest are counted); the partner's`,
    '  error log in its outbox (<name>.errors.csv, or .errors.json for crowdtwist-pos) lists all of',
    '  them until retention deletes it.',
    '  --limit   at most N errors (default 1000); --json prints every field, values and requests in full',
  ].join('\n'),
  options: { partner: { type: 'string', short: 'p' }, limit: { type: 'string', default: '1000' }, json: { type: 'boolean' } },
  async run(input) {
    const [ref] = input.positionals;
    if (!ref) throw new UsageError('errors needs a file id or name');
    if (input.positionals.length > 1) throw new UsageError('errors takes one file at a time');
    const limit = Number(input.values.limit);
    if (!Number.isInteger(limit) || limit <= 0) throw new UsageError('--limit must be a positive whole number');
    const { file, errors, stored, notStored, requests } = await withContext(input, async ({ store, read }) => {
      const found = await read.findFile(ref, input.values.partner as string | undefined);
      const listed = await store.recordErrors.list(found.id, limit);
      return {
        file: found,
        errors: listed,
        stored: await store.recordErrors.count(found.id),
        notStored: await store.recordErrors.notStored(found.id),
        requests: await failedRequestsOf(read, found, listed),
      };
    });
    if (input.values.json) {
      const entries = requests ? { failed_requests: failedRequestEntries(errors, requests) } : {};
      return printJson(input.stdout, { id: file.id, partner: file.partner, name: file.name, state: file.state, reason: reasonJson(file), counts: file.counts, errors, stored, not_stored: notStored, ...entries });
    }
    input.stdout.write(`${headline(file)}\n`);
    if (stored === 0) {
      input.stdout.write(file.state === 'processed' || file.state === 'rejected' ? 'no record errors\n' : `no record errors (the file is ${file.state})\n`);
      return;
    }
    if (requests && requests.length > 0) printRequestErrors(input.stdout, errors, requests);
    else printTable(input.stdout, ['AT', 'KEY', 'FIELD', 'CODE', 'VALUE', 'MESSAGE'], errors.map((error) => [error.position, error.key ?? null, error.field ?? null, error.code, clip(error.value, VALUE_WIDTH), error.message]));
    if (stored > errors.length) input.stdout.write(`showing ${errors.length} of ${stored} stored errors; raise --limit for more\n`);
    if (notStored > 0) input.stdout.write(`${notStoredNote(file, notStored)}\n`);
  },
};

/** The stored requests behind `errors` of a crowdtwist-pos file; undefined for other formats. */
async function failedRequestsOf(read: ReadModel, file: FileRecord, errors: readonly RecordError[]): Promise<StoredFailedRequest[] | undefined> {
  if (file.format !== 'crowdtwist-pos') return undefined;
  const first = errors[0];
  const last = errors.at(-1);
  return first && last ? read.failedRequests(file.id, first.position, last.position) : [];
}

/** The errors grouped by request, in the partner's error log's shape. */
function failedRequestEntries(errors: readonly RecordError[], requests: readonly StoredFailedRequest[]): FailedRequestEntry[] {
  const byIndex = new Map(requests.map((request) => [request.index, request]));
  const entries = new Map<number, FailedRequestEntry>();
  for (const error of errors) {
    let entry = entries.get(error.position);
    if (!entry) {
      const stored = byIndex.get(error.position);
      entry = { index: error.position, receipt_id: stored?.receiptId ?? error.key ?? null, type: stored?.type ?? null, errors: [], request: stored ? new RawJson(stored.request) : null };
      entries.set(error.position, entry);
    }
    entry.errors.push({ field: error.field ?? null, code: error.code, message: error.message });
  }
  return [...entries.values()];
}

function printRequestErrors(out: NodeJS.WritableStream, errors: readonly RecordError[], requests: readonly StoredFailedRequest[]): void {
  const types = new Map(requests.map((request) => [request.index, request.type]));
  printTable(
    out,
    ['AT', 'KEY', 'TYPE', 'FIELD', 'CODE', 'VALUE', 'MESSAGE'],
    errors.map((error) => [error.position, error.key ?? null, types.get(error.position) ?? null, error.field ?? null, error.code, clip(error.value, VALUE_WIDTH), error.message]),
  );
  out.write(`requests as sent (cut to ${REQUEST_WIDTH} characters; --json gives them whole):\n`);
  // One line per request: the whitespace of a pretty-printed file is folded.
  printTable(out, ['AT', 'REQUEST'], requests.map((request) => [request.index, clip(request.request.replace(/\s*[\r\n]\s*/g, ' '), REQUEST_WIDTH)]));
}

/** What lies past the stored errors, and where the partner's copy lists them all. */
function notStoredNote(file: FileRecord, notStored: number): string {
  const log = builtInFormat(file.format ?? '')?.processor?.outputs[0];
  const where = log ? `; ${file.name}${log} in ${file.partner}'s outbox lists every error (until retention deletes it)` : '';
  return `… and ${notStored} more errors, counted but not stored: posdrop keeps the first ${MAX_STORED_ERRORS} of a file${where}`;
}

function headline(file: FileRecord): string {
  const counts = file.counts ? ` — ${file.counts.total} records: ${file.counts.accepted} accepted, ${file.counts.failed} failed, ${file.counts.duplicates} duplicates` : '';
  const reason = file.reasonCode ? `\n  ${file.reasonCode}: ${file.reason}` : '';
  return `${file.name} (${file.partner}, id ${file.id}): ${file.state}${counts}${reason}`;
}

function clip(value: string | undefined, width: number): string | null {
  if (value === undefined) return null;
  // Control characters shown escaped (\t, \n), so that a value cannot break the table.
  const flat = value.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}
