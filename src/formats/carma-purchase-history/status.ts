/**
 * `<name>.status.json`, Carma's batch status (pure): `PENDING` while queued, `IN_PROGRESS` while
 * processing, `FINISHED` after. Like Carma's, a line that is not imported still counts in `total`.
 */
import type { FileRecord } from '../../store/files.js';

export type CarmaStatus = 'PENDING' | 'IN_PROGRESS' | 'FINISHED';

export interface CarmaBatchStatus {
  id: number;
  type: 'IMPORT';
  startTime: number | null;
  endTime: number | null;
  affected: number;
  processed: number;
  total: number;
  status: CarmaStatus;
}

function statusOf(file: FileRecord): CarmaStatus {
  if (file.state === 'processing') return 'IN_PROGRESS';
  if (file.state === 'processed' || file.state === 'rejected') return 'FINISHED';
  return 'PENDING'; // received, held, queued, and failed (it is tried again)
}

function epoch(iso: string | null): number | null {
  return iso === null ? null : Date.parse(iso);
}

export function carmaStatus(file: FileRecord): CarmaBatchStatus {
  const status = statusOf(file);
  const counts = status === 'FINISHED' ? file.counts : null;
  return {
    id: file.id,
    type: 'IMPORT',
    startTime: epoch(file.processingStartedAt),
    endTime: status === 'FINISHED' ? epoch(file.processedAt) : null,
    affected: counts?.accepted ?? 0,
    processed: counts?.accepted ?? 0,
    total: counts?.total ?? 0,
    status,
  };
}
