/** The shape of a file for scripts and pages: `posdrop files --json`, `show --json`, the console. */
import type { FileRecord } from '../store/files.js';

/** Why a file was refused, as its receipt says it: `{ code, message }`, or null. */
export function reasonJson(file: Pick<FileRecord, 'reasonCode' | 'reason'>): { code: string; message: string | null } | null {
  return file.reasonCode ? { code: file.reasonCode, message: file.reason } : null;
}

/**
 * A file as every `--json` gives it: the receipt's names (`name_fields`, `counts` as one object,
 * `reason` as `{ code, message }`), so one parser reads both.
 */
export function fileJson(file: FileRecord) {
  return {
    id: file.id,
    partner: file.partner,
    name: file.name,
    format: file.format,
    state: file.state,
    reason: reasonJson(file),
    sha256: file.sha256,
    size: file.size,
    name_fields: file.fields,
    counts: file.counts,
    received_at: file.receivedAt,
    processed_at: file.processedAt,
  };
}
