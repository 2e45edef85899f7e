import { describe, expect, it } from 'vitest';
import type { FileRecord } from '../../store/files.js';
import { carmaStatus } from './status.js';

const file = (state: FileRecord['state'], extra: Partial<FileRecord> = {}): FileRecord => ({
  id: 101111,
  partner: 'p',
  name: 'purchasehistory_1_a.csv',
  sha256: '',
  size: 0,
  format: 'carma-purchase-history',
  fields: null,
  state,
  reasonCode: null,
  reason: null,
  counts: null,
  receivedAt: '2014-03-12T15:06:30.000Z',
  stateChangedAt: '2014-03-12T15:06:30.000Z',
  processingStartedAt: null,
  processedAt: null,
  archivePath: null,
  leftInboxAt: null,
  notes: null,
  via: null,
  senderOptions: null,
  ...extra,
});

describe("Carma's batch status", () => {
  it('is PENDING while queued and IN_PROGRESS while processing', () => {
    expect(carmaStatus(file('queued'))).toMatchObject({ status: 'PENDING', startTime: null, endTime: null, total: 0 });
    expect(carmaStatus(file('processing', { processingStartedAt: '2014-03-12T15:06:37.030Z' }))).toMatchObject({ status: 'IN_PROGRESS', startTime: 1394636797030 });
  });
  it('is FINISHED with a failed line still counted in total', () => {
    const done = file('processed', {
      processingStartedAt: '2014-03-12T15:06:37.030Z',
      processedAt: '2014-03-12T15:06:39.710Z',
      counts: { total: 501, accepted: 500, failed: 1, duplicates: 0 },
    });
    expect(carmaStatus(done)).toEqual({
      id: 101111,
      type: 'IMPORT',
      customerId: 0,
      startTime: 1394636797030,
      endTime: 1394636799710,
      affected: 500,
      processed: 500,
      total: 501,
      status: 'FINISHED',
    });
  });
  it("has the guide's every field, in its order, with the partner's customerId", () => {
    const done = file('processed', { processingStartedAt: '2014-03-12T15:06:37.030Z', processedAt: '2014-03-12T15:06:39.710Z', counts: { total: 1, accepted: 1, failed: 0, duplicates: 0 } });
    expect(Object.keys(carmaStatus(done, 4711))).toEqual(['id', 'type', 'customerId', 'startTime', 'endTime', 'affected', 'processed', 'total', 'status']);
    expect(carmaStatus(done, 4711).customerId).toBe(4711);
  });
  it('is FINISHED for a file refused whole, with its lines in total, nothing affected, and the reason', () => {
    const refused = file('rejected', { reasonCode: 'not_utf8', reason: 'the file is not valid UTF-8', counts: { total: 3, accepted: 0, failed: 3, duplicates: 0 } });
    expect(carmaStatus(refused)).toMatchObject({ status: 'FINISHED', affected: 0, processed: 0, total: 3, reason: { code: 'not_utf8', message: 'the file is not valid UTF-8' } });
  });
});
