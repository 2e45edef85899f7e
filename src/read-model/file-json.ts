/** The shape of a file for scripts and pages: `posdrop files --json`, `show --json`, the console. */
import type { FileRecord } from '../store/files.js';

/** A file as `--json` listings give it. */
export function fileJson(file: FileRecord) {
  return {
    id: file.id,
    partner: file.partner,
    name: file.name,
    format: file.format,
    state: file.state,
    reason_code: file.reasonCode,
    reason: file.reason,
    sha256: file.sha256,
    size: file.size,
    fields: file.fields,
    received_at: file.receivedAt,
    processed_at: file.processedAt,
    ...(file.counts ?? {}),
  };
}
