/**
 * `<name>.status.json`, Carma's batch status (pure): `PENDING` while queued, `IN_PROGRESS` while
 * processing, `FINISHED` after. Like Carma's, a line that is not imported still counts in `total`;
 * a file refused whole is a failed import, `FINISHED` with its lines in `total`, nothing
 * `affected`, and the receipt's reason.
 */
import type { FileRecord } from '../../store/files.js';
import type { Partner } from '../../store/partners.js';

export type CarmaStatus = 'PENDING' | 'IN_PROGRESS' | 'FINISHED';

export interface CarmaBatchStatus {
  id: number;
  type: 'IMPORT';
  /** Carma's account id in its REST paths (`/rest/<customerId>/…`): the partner's setting, default 0. */
  customerId: number;
  startTime: number | null;
  endTime: number | null;
  affected: number;
  processed: number;
  total: number;
  status: CarmaStatus;
  /** A file refused whole: why, as its receipt says. */
  reason?: { code: string; message: string };
}

/** The partner option `carma_customer_id` (`posdrop partners add --carma-customer-id`), else 0. */
export function carmaCustomerId(partner: Pick<Partner, 'options'>): number {
  const value = partner.options.carma_customer_id;
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0;
}

function statusOf(file: FileRecord): CarmaStatus {
  if (file.state === 'processing') return 'IN_PROGRESS';
  if (file.state === 'processed' || file.state === 'rejected') return 'FINISHED';
  return 'PENDING'; // received, held, queued, and failed (it is tried again)
}

function epoch(iso: string | null): number | null {
  return iso === null ? null : Date.parse(iso);
}

export function carmaStatus(file: FileRecord, customerId = 0): CarmaBatchStatus {
  const status = statusOf(file);
  const counts = status === 'FINISHED' ? file.counts : null;
  const body: CarmaBatchStatus = {
    id: file.id,
    type: 'IMPORT',
    customerId,
    startTime: epoch(file.processingStartedAt),
    endTime: status === 'FINISHED' ? epoch(file.processedAt) : null,
    affected: counts?.accepted ?? 0,
    processed: counts?.accepted ?? 0,
    total: counts?.total ?? 0,
    status,
  };
  if (file.state === 'rejected' && file.reasonCode) body.reason = { code: file.reasonCode, message: file.reason ?? '' };
  return body;
}
